/**
 * Recording what a handler really sends to AWS when it runs in the sandbox: every command sent through an SDK client
 * while the handler runs as its execution role (`asPrincipal`), read from the `aws-sdk-client-mock` stubs installed on
 * the clients' `send`, with the IAM action and resource it needs, and whether it was signed with the function's own
 * credentials or with credentials it obtained by assuming a role.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { AwsSandbox } from '../sandbox';

/** A command sent while a handler ran. */
export interface RecordedCall {
  /** The identity the handler ran as (its execution role's session ARN). */
  principalArn: string;
  /** `sts:AssumeRole`, `states:StartExecution`… */
  action: string;
  /** The resource the action is authorised on, from the command's input (see {@link RESOURCE_OF_COMMAND}). */
  resource: string;
  /**
   * True when signed with the function's own (ambient) credentials, i.e. authorised by its execution role; false
   * when signed with credentials the handler obtained by assuming a role (authorised by that role instead). A call
   * whose credentials cannot be read counts as the function's own.
   */
  ownRole: boolean;
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
];

/** What a command's resource ARN may depend on besides its input. */
export interface ResourceContext {
  partition: string;
  managementAccountId: string;
  /** `o-…`. */
  organizationId: string;
}

/**
 * The resource each action is authorised on, from the command's input (Service Authorization Reference, resource
 * types of each action). A command not listed records the resource `unmapped:<action>`, which matches no expected
 * call: map it here when code starts sending it.
 */
export const RESOURCE_OF_COMMAND: Record<string, (input: Record<string, unknown>, context: ResourceContext) => string> = {
  'sts:AssumeRole': (input) => String(input.RoleArn),
  'secretsmanager:GetSecretValue': (input) => String(input.SecretId),
  'states:StartExecution': (input) => String(input.stateMachineArn),
  'states:ListExecutions': (input) => String(input.stateMachineArn),
  'states:DescribeExecution': (input) => String(input.executionArn),
  'organizations:DescribeAccount': (input, context) =>
    `arn:${context.partition}:organizations::${context.managementAccountId}:account/${context.organizationId}/${String(input.AccountId)}`,
  // Actions that support no resource-level permission: authorised on `*`.
  'iam:ListAccountAliases': () => '*',
  'sts:GetCallerIdentity': () => '*',
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
    const value = (typeof provider === 'function' ? await (provider as () => Promise<unknown>)() : provider) as { accessKeyId?: string } | undefined;
    return value?.accessKeyId;
  } catch {
    return undefined;
  }
}

/** What a command needs authorised: its IAM action and resource. */
export function authorisationOf(prefix: string, command: object, context: ResourceContext): { action: string; resource: string; input: Record<string, unknown> } {
  const action = `${prefix}:${command.constructor.name.replace(/Command$/, '')}`;
  const input = ((command as { input?: Record<string, unknown> }).input ?? {}) as Record<string, unknown>;
  const resourceOf = RESOURCE_OF_COMMAND[action];
  return { action, resource: resourceOf ? resourceOf(input, context) : `unmapped:${action}`, input };
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

  private resourceContext(): ResourceContext {
    const { state } = this.toJSON();
    return { partition: state.partition, managementAccountId: state.managementAccountId, organizationId: state.organizationId };
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
        const context = this.resourceContext();
        for (const [index, { prefix, stub }] of stubs.entries()) {
          for (let call = before[index]; call < (stub?.callCount ?? 0); call += 1) {
            const { args, thisValue } = stub!.getCall(call);
            const accessKey = await accessKeyOf(thisValue);
            this.calls.push({ principalArn, ...authorisationOf(prefix, args[0] as object, context), ownRole: accessKey === undefined || accessKey === ambientKey });
          }
        }
      }
    });
  }
}
