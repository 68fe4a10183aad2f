/**
 * Records what the handlers send to AWS in the sandbox (each command, read from the clients' `send` stubs, with the IAM
 * action and resource it needs and who signed it) and the calls the state machines' roles make to run their Tasks.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import sinon from 'sinon';
import { AwsSandbox } from '../../local/sandbox';
import { iamArnOf } from '../../local/sandbox/iam-entities';
import { credentialsHolder, roleSessionCaller } from '../../local/sandbox/identity';
import type { SandboxState } from '../../local/sandbox/state';
import { resolvedSetting, SIMULATED_SERVICES, type ClientLike } from '../../local/sandbox/mock-wiring';
import { organizationArn } from '../../local/sandbox/organizations';
import { secretResourceArn } from '../../local/sandbox/secrets-manager';
import type { IntegrationCall } from '../../local/step-functions';
import type { LocalResolution } from '../../local/template';

/** A call made as a function's or a state machine's role (one per IAM action it needs). */
export interface RecordedCall {
  /** Logical id of the function or state machine whose role made it. */
  logicalId: string;
  action: string;
  /** The resource the action is authorised on (see {@link resourceOf}). */
  resource: string;
  /** Signed with the function's ambient credentials (its execution role), not with credentials it obtained. */
  ownRole: boolean;
  /** When not `ownRole`: the sandbox role or IAM user whose credentials signed it. */
  signer?: string;
  input: Record<string, unknown>;
}

/** The clients whose commands are recorded, by IAM service prefix: the sandbox's, SFN, DynamoDB (see {@link RecordingSandbox.install}). */
const RECORDED_CLIENTS: [string, { prototype: object }, ...unknown[]][] = [
  ...SIMULATED_SERVICES,
  ['states', SFNClient],
  ['dynamodb', DynamoDBDocumentClient],
];

/** Where a call is made: what its resource ARN depends on besides its input. */
type Where = { state: SandboxState; region: string; accountId: string };

/** Actions that support no resource-level permission: authorised on `*`. */
const UNSCOPED_ACTIONS = new Set([
  'iam:ListAccountAliases',
  'sts:GetCallerIdentity',
  'organizations:DescribeCreateAccountStatus',
  'organizations:DescribeOrganization',
  'organizations:ListRoots',
  'organizations:ListParents',
  'organizations:ListOrganizationalUnitsForParent',
  'organizations:ListAccountsForParent',
]);

/** The resource an action is authorised on (Service Authorization Reference); `unmapped:<action>` matches no expected call. */
function resourceOf(action: string, input: Record<string, unknown>, where: Where): string {
  const { partition } = where.state;
  const service = action.split(':')[0];
  // Actions on one secret or one table name it in their input; any other (ListSecrets, TransactWriteItems…) stays unmapped.
  const secretId = input.SecretId ?? input.Name;
  if (service === 'secretsmanager' && typeof secretId === 'string')
    return secretResourceArn(where.state, secretId, where.accountId, where.region);
  if (service === 'dynamodb' && typeof input.TableName === 'string') {
    return `arn:${partition}:dynamodb:${where.region}:${where.accountId}:table/${input.TableName}`;
  }
  if (UNSCOPED_ACTIONS.has(action)) return '*';
  // An object of a bucket (Service Authorization Reference, Amazon S3, "object").
  const object = `arn:${partition}:s3:::${String(input.Bucket)}/${String(input.Key)}`;
  const resources: Record<string, unknown> = {
    'organizations:DescribeAccount': organizationArn(where.state, 'account', String(input.AccountId)),
    'sts:AssumeRole': input.RoleArn,
    'states:StartExecution': input.stateMachineArn,
    'states:DescribeExecution': input.executionArn,
    's3:GetObject': object,
    's3:PutObject': object,
  };
  return action in resources ? String(resources[action]) : `unmapped:${action}`;
}

const configOf = (client: unknown, key: 'credentials' | 'region') => resolvedSetting((client as ClientLike).config[key]);

/** The role or user whose credentials (by access key id) the sandbox issued, as an ARN. */
function signerOf(state: SandboxState, accessKeyId: string): string | undefined {
  const holder = credentialsHolder(state, accessKeyId);
  if (holder && 'session' in holder) return roleSessionCaller(holder.session).principalArn;
  return holder && iamArnOf(holder.account, 'user', holder.user.path, holder.user.userName);
}

/** The logical id of a role session's owner: `<stack>-<LogicalId>` as session name, or `<stack>-<LogicalId>Role/states`. */
const logicalIdOf = (principalArn: string): string => {
  const [role, session] = principalArn.split('/').slice(-2);
  return session === 'states' ? (role.split('-').pop() ?? '').replace(/Role$/, '') : (session.split('-').pop() ?? '');
};

/**
 * An {@link AwsSandbox} recording the commands sent within each `asPrincipal`, read from the stubs' counts around it:
 * those must not overlap (checked by {@link RecordingSandbox.recorded}); a nested one's belong to the outer one.
 */
export class RecordingSandbox extends AwsSandbox {
  private readonly calls: RecordedCall[] = [];
  private readonly invocations: string[] = [];
  private overlap?: string;
  private readonly recording = new AsyncLocalStorage<true>();
  private running = 0;
  private documentsStub: sinon.SinonStub | undefined;

  /** Installs the sandbox and a pass-through stub on DynamoDB's document client (served by local/dynamodb.ts), to record it. */
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
      const stubs = RECORDED_CLIENTS.map(([prefix, client]) => {
        const stub = (client.prototype as { send?: sinon.SinonStub }).send;
        return { prefix, stub, before: stub?.callCount ?? 0 };
      });
      try {
        return await this.recording.run(true, fn);
      } finally {
        this.running -= 1;
        // Still inside the function's environment: its ambient credentials are the ones in process.env now.
        const ambientKey = process.env.AWS_ACCESS_KEY_ID;
        // Read at the invocation's end: secrets it created are looked up with their full ARN.
        const { state } = this;
        for (const { prefix, stub, before } of stubs) {
          for (let call = before; call < (stub?.callCount ?? 0); call += 1) {
            const { args, thisValue } = stub!.getCall(call);
            const command = args[0] as { input?: Record<string, unknown> };
            const { accessKeyId } = ((await configOf(thisValue, 'credentials')) ?? {}) as { accessKeyId?: string };
            const ownRole = accessKeyId === undefined || accessKeyId === ambientKey;
            const signer = ownRole ? undefined : signerOf(state, accessKeyId);
            const name = command.constructor.name.replace(/Command$/, '');
            // lib-dynamodb names its commands after the item operations (Get for GetItem…).
            const action = `${prefix}:${prefix === 'dynamodb' && /^(Get|Put|Update|Delete|BatchGet|BatchWrite)$/.test(name) ? `${name}Item` : name}`;
            const input = command.input ?? {};
            const accountId = (signer ?? principalArn).split(':')[4] || this.managementAccountId;
            const resource = resourceOf(action, input, { state, region: String(await configOf(thisValue, 'region')), accountId });
            // "If you include tags in the secret, you also need secretsmanager:TagResource." (Secrets Manager API reference, CreateSecret)
            const tagged = action === 'secretsmanager:CreateSecret' && Array.isArray(input.Tags) && input.Tags.length > 0;
            for (const needed of tagged ? [action, 'secretsmanager:TagResource'] : [action])
              this.calls.push({ logicalId, action: needed, resource, ownRole, ...(signer ? { signer } : {}), input });
          }
        }
      }
    });
  }

  /** The calls and invocations recorded. @throws Error when two recorded `asPrincipal` overlapped (their calls would mix). */
  recorded(): { calls: RecordedCall[]; invocations: string[] } {
    if (this.overlap) throw new Error(`RecordingSandbox: ${this.overlap}`);
    return { calls: this.calls, invocations: this.invocations };
  }

  /**
   * Records each call a state machine's role makes to run a Task, as the local engine makes it (`onIntegration`).
   * A state machine `resolution` does not name is recorded as `unmapped:<ARN>`, which no table entry covers.
   */
  stateMachineCalls(resolution: LocalResolution): (call: IntegrationCall) => void {
    return ({ stateMachineArn, action, resource, input }) => {
      const logicalId = Object.keys(resolution.resources).find((id) => resolution.resources[id] === stateMachineArn);
      this.calls.push({
        logicalId: logicalId ?? `unmapped:${stateMachineArn}`,
        action,
        resource,
        ownRole: true,
        input: input as Record<string, unknown>,
      });
    };
  }
}
