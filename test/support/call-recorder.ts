/**
 * Recording what a handler really sends to AWS when it runs in the sandbox: every command sent through an SDK client
 * while the handler runs as its execution role (`asPrincipal`), read from the `aws-sdk-client-mock` stubs installed on
 * the clients' `send`, with the IAM actions and resource it needs, and whether it was signed with the function's own
 * credentials or with other credentials it obtained (a role it assumed, an IAM user's access key it read from a
 * secret), and whose.
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

/** A command sent while a handler ran (one per IAM action it needs: see {@link IMPLIED_ACTIONS}). */
export interface RecordedCall {
  /** The identity the handler ran as (its execution role's session ARN). */
  principalArn: string;
  /** `sts:AssumeRole`, `states:StartExecution`… */
  action: string;
  /** The resource the action is authorised on, from the command's input (see {@link RESOURCE_OF_COMMAND}). */
  resource: string;
  /**
   * True when signed with the function's own (ambient) credentials, i.e. authorised by its execution role; false
   * when signed with credentials the handler obtained (an assumed role's, an IAM user's access key), which are
   * authorised by their own policies instead. A call whose credentials cannot be read counts as the function's own.
   */
  ownRole: boolean;
  /**
   * For a call not made with the function's own role: the role (for credentials the sandbox's AssumeRole issued) or
   * the IAM user (for a user's access key) whose credentials signed it, so that a test can tell what authorised it.
   * Absent for own-role calls, and for credentials the sandbox does not know.
   */
  signer?: string;
  /** The command's input. */
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
  // Not simulated by the sandbox (a real DynamoDB API serves it, local/dynamodb.ts): watched with a pass-through stub.
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
export interface ResourceContext {
  partition: string;
  managementAccountId: string;
  /** `o-…`. */
  organizationId: string;
  /** The region of the client that sent the command. */
  region: string;
  /** The account the caller acts in (for a function's own role, the stack's account). */
  callerAccountId: string;
  /** The secrets of the sandbox, to turn a secret's name into the full ARN Secrets Manager authorises. */
  secrets: { arn: string; name: string; region: string; accountId: string }[];
}

/**
 * The ARN Secrets Manager authorises a call on a secret with: the secret's full ARN (with its 6-character suffix)
 * when the secret exists (`SecretId` may be its name, full or partial ARN; IAM evaluates the full ARN), else the ARN
 * the name would have without the suffix (a secret that does not exist yet, e.g. CreateSecret or a first read).
 */
export function secretResource(secretId: string, context: ResourceContext): string {
  const partial = /^arn:[^:]+:secretsmanager:([^:]+):(\d{12}):secret:(.+)$/.exec(secretId);
  const found = context.secrets.find((secret) =>
    partial
      ? secret.arn === secretId || (secret.region === partial[1] && secret.accountId === partial[2] && secret.arn.slice(0, -7) === secretId)
      : secret.region === context.region && secret.accountId === context.callerAccountId && secret.name === secretId,
  );
  if (found) return found.arn;
  return partial ? secretId : `arn:${context.partition}:secretsmanager:${context.region}:${context.callerAccountId}:secret:${secretId}`;
}

const onSecret = (input: Record<string, unknown>, context: ResourceContext) => secretResource(String(input.SecretId), context);

/**
 * The resource each action is authorised on, from the command's input (Service Authorization Reference, resource
 * types of each action). A command not listed records the resource `unmapped:<action>`, which matches no expected
 * call: map it here when code starts sending it.
 */
export const RESOURCE_OF_COMMAND: Record<string, (input: Record<string, unknown>, context: ResourceContext) => string> = {
  'sts:AssumeRole': (input) => String(input.RoleArn),
  'secretsmanager:GetSecretValue': onSecret,
  'secretsmanager:DescribeSecret': onSecret,
  'secretsmanager:PutSecretValue': onSecret,
  'secretsmanager:DeleteSecret': onSecret,
  'secretsmanager:PutResourcePolicy': onSecret,
  'secretsmanager:TagResource': onSecret,
  'secretsmanager:RotateSecret': onSecret,
  'secretsmanager:UpdateSecretVersionStage': onSecret,
  'secretsmanager:CreateSecret': (input, context) => secretResource(String(input.Name), context),
  'states:StartExecution': (input) => String(input.stateMachineArn),
  ...Object.fromEntries(
    Object.values(DOCUMENT_COMMAND_ACTIONS).map((action) => [
      `dynamodb:${action}`,
      (input: Record<string, unknown>, context: ResourceContext) =>
        `arn:${context.partition}:dynamodb:${context.region}:${context.callerAccountId}:table/${String(input.TableName)}`,
    ]),
  ),
  'states:ListExecutions': (input) => String(input.stateMachineArn),
  'states:DescribeExecution': (input) => String(input.executionArn),
  'organizations:DescribeCreateAccountStatus': () => '*',
  // An object of a bucket: `arn:<partition>:s3:::<bucket>/<key>` (Service Authorization Reference, Amazon S3, "object").
  ...Object.fromEntries(
    ['s3:GetObject', 's3:PutObject'].map((action) => [
      action,
      (input: Record<string, unknown>, context: ResourceContext) =>
        `arn:${context.partition}:s3:::${String(input.Bucket)}/${String(input.Key)}`,
    ]),
  ),
  'organizations:DescribeAccount': (input, context) =>
    `arn:${context.partition}:organizations::${context.managementAccountId}:account/${context.organizationId}/${String(input.AccountId)}`,
  // Actions that support no resource-level permission: authorised on `*`.
  'iam:ListAccountAliases': () => '*',
  ...Object.fromEntries(
    ['DescribeOrganization', 'ListRoots', 'ListParents', 'ListOrganizationalUnitsForParent', 'ListAccountsForParent'].map((name) => [
      `organizations:${name}`,
      () => '*',
    ]),
  ),
  'sts:GetCallerIdentity': () => '*',
};

/**
 * Actions a command needs besides its own, on the same resource, when its input asks for them (the API reference's
 * "Required permissions" of the operation).
 */
export const IMPLIED_ACTIONS: Record<string, (input: Record<string, unknown>) => string[]> = {
  // "If you include tags in the secret, you also need secretsmanager:TagResource." (Secrets Manager API reference, CreateSecret)
  'secretsmanager:CreateSecret': (input) => (Array.isArray(input.Tags) && input.Tags.length > 0 ? ['secretsmanager:TagResource'] : []),
};

/** The part of a sinon stub (what `mockClient` installs on `Client.prototype.send`) the recorder reads. */
interface SendStub {
  callCount: number;
  getCall(index: number): { args: unknown[]; thisValue: unknown };
}

interface ClientWithCredentials {
  config?: { credentials?: unknown };
}

function installedStub(client: { prototype: object }): SendStub | undefined {
  const send = (client.prototype as { send?: unknown }).send as Partial<SendStub> | undefined;
  return typeof send?.getCall === 'function' && typeof send.callCount === 'number' ? (send as SendStub) : undefined;
}

async function accessKeyOf(client: unknown): Promise<string | undefined> {
  const provider = (client as ClientWithCredentials).config?.credentials;
  try {
    const value = (typeof provider === 'function' ? await (provider as () => Promise<unknown>)() : provider) as
      { accessKeyId?: string } | undefined;
    return value?.accessKeyId;
  } catch {
    return undefined;
  }
}

/** The role or user whose credentials (by access key id) the sandbox issued, as an ARN. */
export function signerOf(json: SandboxJson, accessKeyId: string | undefined): string | undefined {
  if (accessKeyId === undefined) return undefined;
  const { state } = json;
  const session = Object.hasOwn(state.sessions, accessKeyId) ? state.sessions[accessKeyId] : undefined;
  if (session) return `arn:${session.partition}:iam::${session.accountId}:role/${session.roleName}`;
  for (const account of Object.values(state.accounts)) {
    for (const user of Object.values(account.users)) {
      if (user.accessKeys.some((key) => key.accessKeyId === accessKeyId))
        return `arn:${account.partition}:iam::${account.accountId}:user${user.path}${user.userName}`;
    }
  }
  return undefined;
}

/**
 * What a command needs authorised: its IAM action and resource, then the actions it implies (see
 * {@link IMPLIED_ACTIONS}) on the same resource.
 */
export function authorisationsOf(
  prefix: string,
  command: object,
  context: ResourceContext,
): { action: string; resource: string; input: Record<string, unknown> }[] {
  const name = command.constructor.name.replace(/Command$/, '');
  const action = `${prefix}:${prefix === 'dynamodb' ? (DOCUMENT_COMMAND_ACTIONS[name] ?? name) : name}`;
  const input = (command as { input?: Record<string, unknown> }).input ?? {};
  const resourceOf = RESOURCE_OF_COMMAND[action];
  const resource = resourceOf ? resourceOf(input, context) : `unmapped:${action}`;
  return [action, ...(IMPLIED_ACTIONS[action]?.(input) ?? [])].map((needed) => ({ action: needed, resource, input }));
}

async function regionOf(client: unknown): Promise<string> {
  const region = (client as { config?: { region?: unknown } }).config?.region;
  try {
    return String(typeof region === 'function' ? await (region as () => Promise<unknown>)() : region);
  } catch {
    return 'unknown-region';
  }
}

/**
 * An {@link AwsSandbox} that records every command sent through the SDK clients while code runs as a principal
 * (`asPrincipal`, which is how the local functions run each handler as its execution role).
 *
 * The sandbox runs `asPrincipal` calls one after another, so each command falls in exactly one window; the commands
 * of a nested `asPrincipal` are attributed to the outer one. Commands sent outside `asPrincipal` are not recorded.
 */
export class RecordingSandbox extends AwsSandbox {
  /** Every command recorded so far, grouped by invocation, then by client. */
  readonly calls: RecordedCall[] = [];
  private readonly recording = new AsyncLocalStorage<true>();
  private documentsStub: sinon.SinonStub | undefined;

  /** Installs the sandbox, and a stub on DynamoDB's document client that sends every command on, to record it. */
  override install(): void {
    super.install();
    this.documentsStub ??= sinon.stub(DynamoDBDocumentClient.prototype, 'send').callThrough();
  }

  /** Restores the sandbox's clients and DynamoDB's document client. */
  override restore(): void {
    super.restore();
    this.documentsStub?.restore();
    this.documentsStub = undefined;
  }

  private resourceContext(json: SandboxJson, region: string, callerArn: string): ResourceContext {
    const { state } = json;
    const secrets = Object.values(state.accounts).flatMap((account) =>
      account.secrets.map((secret) => ({ arn: secret.arn, name: secret.name, region: secret.region, accountId: account.accountId })),
    );
    const callerAccountId = callerArn.split(':')[4] || state.managementAccountId;
    return {
      partition: state.partition,
      managementAccountId: state.managementAccountId,
      organizationId: state.organizationId,
      region,
      callerAccountId,
      secrets,
    };
  }

  /** True while a recorded invocation runs (in its asynchronous context). */
  inRecordedInvocation(): boolean {
    return this.recording.getStore() === true;
  }

  /**
   * Runs `fn` as `principalArn` without recording its commands: someone other than the functions (an operator, another
   * tool) changing the sandbox between runs.
   */
  unrecorded<T>(principalArn: string, fn: () => Promise<T>): Promise<T> {
    return super.asPrincipal(principalArn, fn);
  }

  /** Runs `fn` as `principalArn` (see {@link AwsSandbox.asPrincipal}) and records the commands it sends. */
  override asPrincipal<T>(principalArn: string, fn: () => Promise<T>): Promise<T> {
    if (this.recording.getStore()) return super.asPrincipal(principalArn, fn);
    return super.asPrincipal(principalArn, async () => {
      const stubs = RECORDED_CLIENTS.map(({ prefix, client }) => ({ prefix, stub: installedStub(client) }));
      const before = stubs.map(({ stub }) => stub?.callCount ?? 0);
      try {
        return await this.recording.run(true, fn);
      } finally {
        // Still inside the function's environment: its ambient credentials are the ones in process.env now.
        const ambientKey = process.env.AWS_ACCESS_KEY_ID;
        // Secrets created during the invocation are looked up as they are at its end (their full ARN).
        const json = this.toJSON();
        for (const [index, { prefix, stub }] of stubs.entries()) {
          for (let call = before[index]; call < (stub?.callCount ?? 0); call += 1) {
            const { args, thisValue } = stub!.getCall(call);
            const accessKey = await accessKeyOf(thisValue);
            const ownRole = accessKey === undefined || accessKey === ambientKey;
            const signer = ownRole ? undefined : signerOf(json, accessKey);
            const context = this.resourceContext(json, await regionOf(thisValue), signer ?? principalArn);
            for (const needed of authorisationsOf(prefix, args[0] as object, context)) {
              this.calls.push({ principalArn, ...needed, ownRole, ...(signer ? { signer } : {}) });
            }
          }
        }
      }
    });
  }
}
