/**
 * The sandbox behind the IAM, STS, Organizations, Secrets Manager and S3 clients (`aws-sdk-client-mock`). Each call:
 * identify and check the caller's credentials as AWS would, refuse an account not `ACTIVE`, run the handler, add `$metadata`.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { setImmediate } from 'node:timers/promises';
import { partitionOfRegion } from '../../shared/partitions';
import { SandboxSetupError, credentialError, notAuthorized } from './errors';
import { iamOperations } from './iam';
import { findAccount } from './iam-entities';
import type { CallCredentials } from './identity';
import { resolveCaller } from './identity';
import { randomUUID } from 'node:crypto';
import type { CallContext, Operation, SandboxCore } from './operations';
import { isMutating } from './operations';
import { organizationsOperations } from './organizations';
import { s3Operations } from './s3';
import { secretsManagerOperations } from './secrets-manager';
import type { ServiceName } from './state';
import { stsOperations } from './sts';

/** Fault injection: `before` may return an error to raise instead of serving the call; `after` runs once it changed the state, and may throw. */
export interface CallHooks {
  before?(service: ServiceName, operation: string): Error | undefined;
  after?(service: ServiceName, operation: string): void;
}

/** What the wiring needs from a sandbox; `currentPrincipal` makes calls whose credentials the sandbox did not issue. */
export interface SandboxRuntime extends SandboxCore {
  currentPrincipal(): string | undefined;
  hooks(): CallHooks | undefined;
}

/** The parts of an SDK client the wiring reads. */
export interface ClientLike {
  config: { credentials?: unknown; region?: unknown };
}

/** The SDK client of each simulated service, and the operations the sandbox answers it with. */
export const SIMULATED_SERVICES: [ServiceName, { prototype: object }, Operation[]][] = [
  ['iam', IAMClient, iamOperations],
  ['sts', STSClient, stsOperations],
  ['organizations', OrganizationsClient, organizationsOperations],
  ['secretsmanager', SecretsManagerClient, secretsManagerOperations],
  ['s3', S3Client, s3Operations],
];

/** A client setting the SDK may hold as a provider function; `undefined` when it cannot be resolved. */
export async function resolvedSetting(setting: unknown): Promise<unknown> {
  try {
    return typeof setting === 'function' ? await (setting as () => Promise<unknown>)() : setting;
  } catch {
    return undefined;
  }
}

async function serve(runtime: SandboxRuntime, service: ServiceName, op: Operation, input: unknown, client: ClientLike, principal?: string) {
  const { state, clock } = runtime;
  // Counted before anything can fail: an attempted write is a write as far as idempotence is concerned.
  if (isMutating(op.name)) state.mutatingCalls[service] += 1;
  const injected = runtime.hooks()?.before?.(service, op.name);
  if (injected) throw injected;
  const [credentials, region] = await Promise.all([resolvedSetting(client.config.credentials), resolvedSetting(client.config.region)]);
  // The real SDK refuses to send without a region.
  if (typeof region !== 'string' || region === '') throw new Error('Region is missing');
  const nowMs = clock.now();
  const resolution = resolveCaller(state, credentials as CallCredentials | undefined, principal, nowMs);
  if (!resolution.ok) throw credentialError(service, resolution.problem);
  const caller = resolution.caller;
  // Credentials are valid only at their own partition's endpoints (AWS GovCloud (US) User Guide: separate credentials).
  if (partitionOfRegion(region) !== caller.partition) throw credentialError(service, 'invalid');
  const account = findAccount(state, caller.accountId);
  if (account !== undefined && account.state !== 'ACTIVE') {
    throw notAuthorized(service, caller.arn, `${service}:${op.name}`, `because account ${caller.accountId} is ${account.state}`);
  }
  const call: CallContext = { core: runtime, caller, region, service, operation: op.name, nowMs };
  // A call to AWS is network I/O: the event loop turns before its answer. Without it, a long run of sandbox calls is one
  // chain of microtasks that starves the in-process local Datadog server until the functions' requests time out.
  await setImmediate();
  const output = await op.handle(structuredClone(input), call);
  runtime.hooks()?.after?.(service, op.name);
  return { ...output, $metadata: { httpStatusCode: 200, requestId: randomUUID(), attempts: 1, totalRetryDelay: 0 } };
}

/** Mocks all instances of the SDK clients with the sandbox; returns a function that restores the real clients. */
export function installMocks(runtime: SandboxRuntime): () => void {
  const stubs = SIMULATED_SERVICES.map(([service, client, operations]) => {
    const stub = mockClient(client as typeof IAMClient);
    // One fake per client, dispatching on the command's class: `stub.on(Command)` per operation has sinon deep-compare
    // every call against each operation's matcher, a large share of a local run's CPU.
    const byCommand = new Map<unknown, Operation>(operations.map((op) => [op.command, op]));
    stub.send.callsFake(function (this: ClientLike, command: { input: unknown }) {
      const op = byCommand.get(command.constructor);
      if (!op) return Promise.reject(new SandboxSetupError(`AwsSandbox: ${command.constructor.name} is not simulated (${service})`));
      // Read synchronously, before any await: the asPrincipal identity is that of the calling context.
      return serve(runtime, service, op, command.input, this, runtime.currentPrincipal());
    });
    return stub;
  });
  return () => {
    for (const stub of stubs) stub.restore();
  };
}
