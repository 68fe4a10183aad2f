/**
 * Plugging the sandbox in behind the AWS SDK with `aws-sdk-client-mock`: every instance of IAMClient, STSClient,
 * OrganizationsClient, SecretsManagerClient and S3Client answers from the sandbox, with no network.
 *
 * For each call: identify the caller from the client's credentials, check them like AWS would, refuse calls from
 * a suspended account, then run the operation's handler and return its output with `$metadata`, as the SDK does.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { setImmediate } from 'node:timers/promises';
import { partitionOfRegion } from '../../shared/partitions';
import { SandboxSetupError, accessDenied, credentialError } from './errors';
import { iamOperations } from './iam';
import { findAccount } from './iam-entities';
import type { CallCredentials } from './identity';
import { resolveCaller } from './identity';
import { newUuid } from './ids';
import type { CallContext, Operation, SandboxCore } from './operations';
import { isMutating } from './operations';
import { organizationsOperations } from './organizations';
import { s3Operations } from './s3';
import { secretsManagerOperations } from './secrets-manager';
import type { ServiceName } from './state';
import { stsOperations } from './sts';

/**
 * Hooks around each simulated call, for fault injection: `before` may return an error to raise instead of serving
 * the call (nothing changes); `after` runs once the call has changed the state, and may throw (a crash right after a
 * side effect).
 */
export interface CallHooks {
  before?(service: ServiceName, operation: string): Error | undefined;
  after?(service: ServiceName, operation: string): void;
}

/** What the wiring needs from a sandbox. */
export interface SandboxRuntime extends SandboxCore {
  /** The principal of calls whose credentials the sandbox did not issue (set by `asPrincipal`), if any. */
  currentPrincipal(): string | undefined;
  /** Fault injection, consulted around every call (see {@link CallHooks}). */
  hooks(): CallHooks | undefined;
}

/** The parts of an SDK client a handler reads. */
interface ClientLike {
  config: { credentials?: unknown; region?: unknown };
}

/** A `mockClient` stub, reduced to what the wiring uses. */
interface Stub {
  /** The stubbed `send` of every client of the class: the fake gets the command, and the client as `this`. */
  send: { callsFake(fake: (this: ClientLike, command: { input: unknown }) => unknown): unknown };
  restore(): void;
}

const SERVICES: { service: ServiceName; client: unknown; operations: Operation[] }[] = [
  { service: 'iam', client: IAMClient, operations: iamOperations },
  { service: 'sts', client: STSClient, operations: stsOperations },
  { service: 'organizations', client: OrganizationsClient, operations: organizationsOperations },
  { service: 'secretsmanager', client: SecretsManagerClient, operations: secretsManagerOperations },
  { service: 's3', client: S3Client, operations: s3Operations },
];

async function readCredentials(client: ClientLike): Promise<CallCredentials | undefined> {
  const provider = client.config.credentials;
  try {
    const value = (typeof provider === 'function' ? await (provider as () => Promise<unknown>)() : provider) as
      Partial<CallCredentials> | undefined;
    if (!value?.accessKeyId) return undefined;
    return {
      accessKeyId: value.accessKeyId,
      secretAccessKey: value.secretAccessKey ?? '',
      ...(value.sessionToken ? { sessionToken: value.sessionToken } : {}),
    };
  } catch {
    // Unresolvable credentials are "not the sandbox's": the call is made as the asPrincipal identity.
    return undefined;
  }
}

async function readRegion(client: ClientLike): Promise<string | undefined> {
  const region = client.config.region;
  try {
    const value: unknown = typeof region === 'function' ? await (region as () => Promise<unknown>)() : region;
    return typeof value === 'string' && value !== '' ? value : undefined;
  } catch {
    return undefined;
  }
}

async function serve(
  runtime: SandboxRuntime,
  service: ServiceName,
  op: Operation,
  input: unknown,
  client: ClientLike,
  principal: string | undefined,
): Promise<object> {
  const { state, clock } = runtime;
  // Counted before anything can fail: an attempted write is a write as far as idempotence is concerned.
  if (isMutating(op.name)) state.mutatingCalls[service] += 1;
  const injected = runtime.hooks()?.before?.(service, op.name);
  if (injected) throw injected;
  const [credentials, region] = await Promise.all([readCredentials(client), readRegion(client)]);
  // The real SDK refuses to send without a region.
  if (region === undefined) throw new Error('Region is missing');
  const nowMs = clock.now();
  const resolution = resolveCaller(state, credentials, principal, nowMs);
  if (!resolution.ok) throw credentialError(service, resolution.problem);
  const caller = resolution.caller;
  // Credentials are valid only at their own partition's endpoints (AWS GovCloud (US) User Guide: separate
  // credentials); the region picks the endpoint.
  if (partitionOfRegion(region) !== caller.partition) throw credentialError(service, 'invalid');
  const account = findAccount(state, caller.accountId);
  if (account !== undefined && account.state !== 'ACTIVE') {
    throw accessDenied(
      service,
      `User: ${caller.arn} is not authorized to perform: ${service}:${op.name} because account ${caller.accountId} is ${account.state}`,
    );
  }
  const call: CallContext = { core: runtime, caller, region, service, operation: op.name, nowMs };
  // A call to AWS is network I/O: the event loop turns before its answer. Without the turn, a long run of sandbox
  // calls (a tree walk of 10,000 accounts) is one chain of microtasks that starves the in-process local Datadog
  // server until the functions' request time-outs fire.
  await setImmediate();
  const output = await op.handle(structuredClone(input), call);
  runtime.hooks()?.after?.(service, op.name);
  return { ...output, $metadata: { httpStatusCode: 200, requestId: newUuid(), attempts: 1, totalRetryDelay: 0 } };
}

/**
 * Mocks all instances of the four SDK clients with the sandbox.
 *
 * @returns a function that restores the real clients.
 */
export function installMocks(runtime: SandboxRuntime): () => void {
  const stubs: Stub[] = [];
  for (const { service, client, operations } of SERVICES) {
    const stub = mockClient(client as typeof IAMClient) as unknown as Stub;
    stubs.push(stub);
    // One fake for the whole client, dispatching on the command's class: `stub.on(Command)` per operation would have
    // sinon match every call against each operation's argument matcher in turn (deep comparisons), a large share of
    // a local run's CPU.
    const byCommand = new Map<unknown, Operation>(operations.map((op) => [op.command, op]));
    stub.send.callsFake(function (command) {
      const op = byCommand.get(command.constructor);
      if (!op) return Promise.reject(new SandboxSetupError(`AwsSandbox: ${command.constructor.name} is not simulated (${service})`));
      // Read synchronously, before any await: the asPrincipal identity is that of the calling context.
      const principal = runtime.currentPrincipal();
      return serve(runtime, service, op, command.input, this, principal);
    });
  }
  return () => {
    for (const stub of stubs) stub.restore();
  };
}
