/**
 * Recording what the handlers really send to AWS in the sandbox: every command sent through an SDK client while a
 * function runs as its execution role (`asPrincipal`), read from the `aws-sdk-client-mock` stubs on the clients'
 * `send`, with the IAM actions and resource it needs and whose credentials signed it; and what the state machines do
 * as their own roles, read from their executions' progress events.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import sinon from 'sinon';
import { AwsSandbox, type SandboxJson } from '../../local/sandbox';
import type { ProgressEvent } from '../../local/step-functions';
import { loadDefinition, type LocalResolution, type Template } from '../../local/template';

/** A call made as a function's or a state machine's role (one per IAM action it needs: see {@link IMPLIED_ACTIONS}). */
export interface RecordedCall {
  /** Logical id of the function or state machine whose role made it. */
  logicalId: string;
  /** The identity it ran as (its execution role's session ARN). */
  principalArn: string;
  /** `sts:AssumeRole`, `states:StartExecution`… */
  action: string;
  /** The resource the action is authorised on (see {@link RESOURCE_OF_ACTION}); `unmapped:<action>` when not mapped. */
  resource: string;
  /**
   * True when signed with the function's own (ambient) credentials, i.e. authorised by its execution role; false when
   * signed with credentials it obtained (an assumed role's, an IAM user's key), which their own policies authorise.
   */
  ownRole: boolean;
  /** For a call not made with the own role: the role or IAM user whose credentials (known to the sandbox) signed it. */
  signer?: string;
  input: Record<string, unknown>;
}

/** The SDK clients whose commands are recorded, with their IAM service prefix. */
const RECORDED_CLIENTS: { prefix: string; client: { prototype: object } }[] = [
  { prefix: 'iam', client: IAMClient },
  { prefix: 'sts', client: STSClient },
  { prefix: 'organizations', client: OrganizationsClient },
  { prefix: 'secretsmanager', client: SecretsManagerClient },
  { prefix: 'states', client: SFNClient },
  { prefix: 's3', client: S3Client },
  // Not simulated by the sandbox (local/dynamodb.ts serves it): watched with a pass-through stub.
  { prefix: 'dynamodb', client: DynamoDBDocumentClient },
];

/** The DynamoDB action of each document-client command (lib-dynamodb names them after the item operations). */
const DOCUMENT_COMMAND_ACTIONS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
};

/** What a command's resource ARN may depend on besides its input. */
interface ResourceContext {
  partition: string;
  managementAccountId: string;
  organizationId: string;
  region: string;
  /** The account the caller acts in. */
  callerAccountId: string;
  secrets: { arn: string; name: string; region: string; accountId: string }[];
}

/**
 * The ARN Secrets Manager authorises a call on a secret with: the secret's full ARN (with its 6-character suffix) when
 * it exists (`SecretId` may be its name, full or partial ARN), else the ARN without the suffix (CreateSecret, a first read).
 */
function secretResource(secretId: string, context: ResourceContext): string {
  const partial = /^arn:[^:]+:secretsmanager:([^:]+):(\d{12}):secret:(.+)$/.exec(secretId);
  const found = context.secrets.find((secret) =>
    partial
      ? secret.arn === secretId || (secret.region === partial[1] && secret.accountId === partial[2] && secret.arn.slice(0, -7) === secretId)
      : secret.region === context.region && secret.accountId === context.callerAccountId && secret.name === secretId,
  );
  if (found) return found.arn;
  return partial ? secretId : `arn:${context.partition}:secretsmanager:${context.region}:${context.callerAccountId}:secret:${secretId}`;
}

type ResourceOf = (input: Record<string, unknown>, context: ResourceContext) => string;
const each = (actions: string[], resourceOf: ResourceOf) => Object.fromEntries(actions.map((action) => [action, resourceOf]));
const SECRET_ACTIONS = ['GetSecretValue', 'DescribeSecret', 'PutSecretValue', 'DeleteSecret', 'PutResourcePolicy', 'TagResource']
  .concat(['RotateSecret', 'UpdateSecretVersionStage', 'CreateSecret'])
  .map((name) => `secretsmanager:${name}`);
/** Actions that support no resource-level permission: authorised on `*`. */
const UNSCOPED_ACTIONS = ['iam:ListAccountAliases', 'sts:GetCallerIdentity', 'organizations:DescribeCreateAccountStatus'].concat(
  ['DescribeOrganization', 'ListRoots', 'ListParents', 'ListOrganizationalUnitsForParent', 'ListAccountsForParent'].map(
    (name) => `organizations:${name}`,
  ),
);

/**
 * The resource each action is authorised on, from the command's input (Service Authorization Reference, resource
 * types of each action). An action not listed records `unmapped:<action>`, which matches no expected call.
 */
const RESOURCE_OF_ACTION: Record<string, ResourceOf> = {
  'sts:AssumeRole': (input) => String(input.RoleArn),
  ...each(SECRET_ACTIONS, (input, context) => secretResource(String(input.SecretId ?? input.Name), context)),
  ...each(['states:StartExecution', 'states:ListExecutions'], (input) => String(input.stateMachineArn)),
  'states:DescribeExecution': (input) => String(input.executionArn),
  ...each(
    Object.values(DOCUMENT_COMMAND_ACTIONS).map((action) => `dynamodb:${action}`),
    (input, context) => `arn:${context.partition}:dynamodb:${context.region}:${context.callerAccountId}:table/${String(input.TableName)}`,
  ),
  // An object of a bucket (Service Authorization Reference, Amazon S3, "object").
  ...each(
    ['s3:GetObject', 's3:PutObject'],
    (input, context) => `arn:${context.partition}:s3:::${String(input.Bucket)}/${String(input.Key)}`,
  ),
  'organizations:DescribeAccount': (input, context) =>
    `arn:${context.partition}:organizations::${context.managementAccountId}:account/${context.organizationId}/${String(input.AccountId)}`,
  ...each(UNSCOPED_ACTIONS, () => '*'),
};

/** Actions a command needs besides its own, on the same resource (the API reference's "Required permissions"). */
const IMPLIED_ACTIONS: Record<string, (input: Record<string, unknown>) => string[]> = {
  // "If you include tags in the secret, you also need secretsmanager:TagResource." (Secrets Manager API reference, CreateSecret)
  'secretsmanager:CreateSecret': (input) => (Array.isArray(input.Tags) && input.Tags.length > 0 ? ['secretsmanager:TagResource'] : []),
};

/** The part of a sinon stub (what `mockClient` installs on `Client.prototype.send`) the recorder reads. */
interface SendStub {
  callCount: number;
  getCall(index: number): { args: unknown[]; thisValue: unknown };
}

function installedStub(client: { prototype: object }): SendStub | undefined {
  const send = (client.prototype as { send?: Partial<SendStub> }).send;
  return typeof send?.getCall === 'function' ? (send as SendStub) : undefined;
}

/** A client's config value (credentials, region): a value or a provider of one; `undefined` when it cannot be read. */
async function configOf(client: unknown, key: 'credentials' | 'region'): Promise<unknown> {
  const value = (client as { config?: Record<string, unknown> }).config?.[key];
  try {
    return typeof value === 'function' ? await (value as () => Promise<unknown>)() : value;
  } catch {
    return undefined;
  }
}

/** The role or user whose credentials (by access key id) the sandbox issued, as an ARN. */
function signerOf({ state }: SandboxJson, accessKeyId: string): string | undefined {
  const session = Object.hasOwn(state.sessions, accessKeyId) ? state.sessions[accessKeyId] : undefined;
  if (session) return `arn:${session.partition}:iam::${session.accountId}:role/${session.roleName}`;
  for (const account of Object.values(state.accounts)) {
    const user = Object.values(account.users).find((candidate) => candidate.accessKeys.some((key) => key.accessKeyId === accessKeyId));
    if (user) return `arn:${account.partition}:iam::${account.accountId}:user${user.path}${user.userName}`;
  }
  return undefined;
}

/** The logical id of a role session's owner: `<stack>-<LogicalId>` as session name, or `<stack>-<LogicalId>Role/states`. */
const logicalIdOf = (principalArn: string): string => {
  const [role, session] = principalArn.split('/').slice(-2);
  return session === 'states' ? (role.split('-').pop() ?? '').replace(/Role$/, '') : (session.split('-').pop() ?? '');
};

/**
 * An {@link AwsSandbox} that records every command sent through the SDK clients while code runs as a principal
 * (`asPrincipal`, how the local functions run each handler as its role), attributed to that principal, and the
 * logical id of each function invocation. Commands are read from the stubs' call counts around each `asPrincipal`, so
 * those must not overlap (checked: see {@link RecordingSandbox.overlap}); a nested one's are the outer one's.
 */
export class RecordingSandbox extends AwsSandbox {
  readonly calls: RecordedCall[] = [];
  /** The logical id of each function invocation, in order. */
  readonly invocations: string[] = [];
  /** Set when a recorded `asPrincipal` started while another ran, which would mix their calls. */
  overlap?: string;
  private readonly recording = new AsyncLocalStorage<true>();
  private running = 0;
  private documentsStub: sinon.SinonStub | undefined;

  /** Installs the sandbox, and a stub on DynamoDB's document client that sends every command on, to record it. */
  override install(): void {
    super.install();
    this.documentsStub ??= sinon.stub(DynamoDBDocumentClient.prototype, 'send').callThrough();
  }

  override restore(): void {
    super.restore();
    this.documentsStub?.restore();
    this.documentsStub = undefined;
  }

  /** Runs `fn` as `principalArn` without recording: someone other than the functions changing the sandbox. */
  unrecorded<T>(principalArn: string, fn: () => Promise<T>): Promise<T> {
    return super.asPrincipal(principalArn, fn);
  }

  /** Runs `fn` as `principalArn` (see {@link AwsSandbox.asPrincipal}) and records the commands it sends. */
  override asPrincipal<T>(principalArn: string, fn: () => Promise<T>): Promise<T> {
    if (this.recording.getStore()) return super.asPrincipal(principalArn, fn);
    const logicalId = logicalIdOf(principalArn);
    if (principalArn.endsWith(`-${logicalId}`)) this.invocations.push(logicalId);
    if (this.running > 0) this.overlap ??= `${logicalId} ran as ${principalArn} while another principal's calls were recorded`;
    this.running += 1;
    return super.asPrincipal(principalArn, async () => {
      const stubs = RECORDED_CLIENTS.map(({ prefix, client }) => ({ prefix, stub: installedStub(client) }));
      const before = stubs.map(({ stub }) => stub?.callCount ?? 0);
      try {
        return await this.recording.run(true, fn);
      } finally {
        this.running -= 1;
        // Still inside the function's environment: its ambient credentials are the ones in process.env now.
        const ambientKey = process.env.AWS_ACCESS_KEY_ID;
        // Read once, at the invocation's end: secrets it created are looked up with their full ARN.
        let json: SandboxJson | undefined;
        const state = () => (json ??= this.toJSON());
        for (const [index, { prefix, stub }] of stubs.entries()) {
          for (let call = before[index]; call < (stub?.callCount ?? 0); call += 1) {
            const { args, thisValue } = stub!.getCall(call);
            const accessKey = (await configOf(thisValue, 'credentials')) as { accessKeyId?: string } | undefined;
            const ownRole = accessKey?.accessKeyId === undefined || accessKey.accessKeyId === ambientKey;
            const signer = ownRole ? undefined : signerOf(state(), accessKey.accessKeyId!);
            const command = args[0] as { constructor: { name: string }; input?: Record<string, unknown> };
            const name = command.constructor.name.replace(/Command$/, '');
            const action = `${prefix}:${prefix === 'dynamodb' ? (DOCUMENT_COMMAND_ACTIONS[name] ?? name) : name}`;
            const input = command.input ?? {};
            const resourceOf = RESOURCE_OF_ACTION[action];
            const resource = resourceOf
              ? resourceOf(input, this.resourceContext(state(), String(await configOf(thisValue, 'region')), signer ?? principalArn))
              : `unmapped:${action}`;
            for (const needed of [action, ...(IMPLIED_ACTIONS[action]?.(input) ?? [])])
              this.calls.push({ logicalId, principalArn, action: needed, resource, ownRole, ...(signer ? { signer } : {}), input });
          }
        }
      }
    });
  }

  private resourceContext({ state }: SandboxJson, region: string, callerArn: string): ResourceContext {
    const secrets = Object.values(state.accounts).flatMap((account) =>
      account.secrets.map((secret) => ({ arn: secret.arn, name: secret.name, region: secret.region, accountId: account.accountId })),
    );
    const { partition, managementAccountId, organizationId } = state;
    return {
      partition,
      managementAccountId,
      organizationId,
      region,
      callerAccountId: callerArn.split(':')[4] || managementAccountId,
      secrets,
    };
  }
}

/** A state machine's Task: what each attempt of it calls as the state machine's role. */
type TaskCall = { logicalId: string; action: string; resource: string };

/**
 * Records what the state machines of a deployment do as their own roles, from their executions' progress events: each
 * attempt of a Task state (entered or retried) invokes its function (`lambda:InvokeFunction`) or starts an execution
 * (`states:StartExecution`, on the state machine its parameters name); any other integration records `unmapped:…`.
 *
 * @returns the listener to give the run, and the calls it recorded.
 * @throws Error when two state machines have a Task state of the same name (the events would not tell them apart).
 */
export function stateMachineRecorder(
  template: Template,
  resolution: LocalResolution,
  sessionArn: (roleLogicalId: string, sessionName: string) => string,
): { onProgress: (event: ProgressEvent) => void; calls: RecordedCall[] } {
  type State = {
    Type: string;
    Resource?: string;
    Parameters?: { StateMachineArn?: string; 'StateMachineArn.$'?: string };
    ItemProcessor?: { States: Record<string, State> };
  };
  const tasks = new Map<string, TaskCall>();
  const collect = (logicalId: string, states: Record<string, State>): void => {
    for (const [name, state] of Object.entries(states)) {
      if (state.ItemProcessor) collect(logicalId, state.ItemProcessor.States);
      if (state.Type !== 'Task' || !state.Resource) continue;
      if (tasks.has(name)) throw new Error(`stateMachineRecorder: two state machines have a Task state ${name}`);
      const { StateMachineArn, 'StateMachineArn.$': path } = state.Parameters ?? {};
      const started = StateMachineArn ?? (path === '$$.StateMachine.Id' ? String(resolution.resources[logicalId]) : `unmapped:${path}`);
      const call = /^arn:[^:]+:lambda:/.test(state.Resource)
        ? { action: 'lambda:InvokeFunction', resource: state.Resource }
        : /:states:::states:startExecution(\.sync:2)?$/.test(state.Resource)
          ? { action: 'states:StartExecution', resource: started }
          : { action: `unmapped:${state.Resource}`, resource: state.Resource };
      tasks.set(name, { logicalId, ...call });
    }
  };
  for (const logicalId of ['OnboardingStateMachine', 'ReconcileOrganizationStateMachine'])
    collect(logicalId, (loadDefinition(template, resolution, logicalId) as { States: Record<string, State> }).States);
  const calls: RecordedCall[] = [];
  const onProgress = (event: ProgressEvent) => {
    const task = (event.type === 'StateEntered' || event.type === 'StateRetried') && tasks.get(event.state ?? '');
    if (task)
      calls.push({
        ...task,
        principalArn: sessionArn(`${task.logicalId}Role`, 'states'),
        ownRole: true,
        input: (event.input ?? {}) as Record<string, unknown>,
      });
  };
  return { onProgress, calls };
}
