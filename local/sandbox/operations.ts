/** What every simulated operation shares: its call context, its declaration against an SDK command, pagination, tags. */
import type { VirtualClock } from './clock';
import { SandboxSetupError, notAuthorized } from './errors';
import type { Caller } from './identity';
import { findAccount } from './iam-entities';
import type { AuthorizationRequest } from './policy-evaluation';
import { authorize } from './policy-evaluation';
import type { AccountState, SandboxState, ServiceName } from './state';

/** The parts of a sandbox a handler works on. */
export interface SandboxCore {
  readonly state: SandboxState;
  readonly clock: VirtualClock;
}

/** One call being served; `nowMs`: when it started (virtual, epoch ms). */
export interface CallContext {
  readonly core: SandboxCore;
  readonly caller: Caller;
  readonly region: string;
  readonly service: ServiceName;
  readonly operation: string;
  readonly nowMs: number;
}

/** The first constructor argument, also for commands whose input is optional (`...[input]: [] | [Input]`). */
type FirstArgument<A> = A extends [infer I, ...unknown[]] ? I : never;
type InputOf<C> = C extends new (...args: infer A) => object ? FirstArgument<A> : never;
type OutputOf<C> = C extends new (input: never) => {
  resolveMiddleware(...args: never[]): (...args: never[]) => Promise<{ output: infer O }>;
}
  ? Omit<O, '$metadata'>
  : never;

/** A simulated operation: the SDK command it answers and the handler. */
export interface Operation {
  readonly name: string;
  readonly command: abstract new (input: never) => object;
  handle(input: unknown, call: CallContext): Promise<object>;
}

/** Declares the handler of one SDK command, typed by its input and output; `name` is the IAM action's (`<service>:<name>`). */
export function operation<C extends new (input: never) => object>(
  name: string,
  command: C,
  handle: (input: InputOf<C>, call: CallContext) => Promise<OutputOf<C>>,
): Operation {
  return { name, command, handle: (input, call) => handle(input as InputOf<C>, call) };
}

/** True for operations that change state: everything but `Get*` (GetCallerIdentity too), `List*`, `Describe*` and `AssumeRole`. */
export function isMutating(operationName: string): boolean {
  return !/^(Get|List|Describe)/.test(operationName) && operationName !== 'AssumeRole';
}

/** The account the caller acts in. @throws SandboxSetupError when it was never added. */
export function callerAccount(call: CallContext): AccountState {
  const account = findAccount(call.core.state, call.caller.accountId);
  if (!account) {
    throw new SandboxSetupError(
      `AwsSandbox: ${call.caller.arn} calls ${call.service}:${call.operation} in account ${call.caller.accountId}, ` +
        'which is not in the sandbox (addAccount it first)',
    );
  }
  return account;
}

/**
 * Authorises the call as `<service>:<operation>` (or `request.action`), raising the service's AccessDenied if refused, in
 * AWS's words (IAM User Guide, "Troubleshoot access denied error messages").
 */
export async function requireAllowed(
  call: CallContext,
  request: Omit<AuthorizationRequest, 'action'> & { action?: string },
): Promise<void> {
  const action = request.action ?? `${call.service}:${call.operation}`;
  const decision = await authorize(call.core.state, call.caller, { ...request, action }, call.nowMs);
  if (decision.allowed) return;
  const because = decision.explicitDeny
    ? 'with an explicit deny in an identity-based policy'
    : `because no identity-based policy allows the ${action} action`;
  throw notAuthorized(call.service, call.caller.arn, action, `on resource: ${request.resourceArn} ${because}`);
}

/** One page of a list, with an opaque token (IAM's `Marker`, `NextToken`); `invalidToken` builds the error for a bad one. */
export function paginate<T>(
  items: T[],
  token: string | undefined,
  maxItems: number | undefined,
  defaultMax: number,
  invalidToken: () => Error,
): { page: T[]; next?: string } {
  let start = 0;
  if (token !== undefined) {
    const decoded = /^sandbox:(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8'));
    if (!decoded) throw invalidToken();
    start = Number(decoded[1]);
  }
  const size = maxItems ?? defaultMax;
  const page = items.slice(start, start + size);
  const end = start + page.length;
  return end < items.length ? { page, next: Buffer.from(`sandbox:${end}`).toString('base64') } : { page };
}

/** `{Key, Value}` tag list → record. */
export function tagRecord(tags: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).flatMap((tag) => (tag.Key === undefined ? [] : [[tag.Key, tag.Value ?? '']])));
}

/** Record → `{Key, Value}` tag list, as the APIs return it. */
export function tagList(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** `aws:RequestTag/<key>` and `aws:TagKeys` for a request that sets tags (IAM User Guide, "Controlling access during AWS requests"). */
export function requestTagContext(tags: Record<string, string>): Record<string, string | string[]> {
  const keys = Object.keys(tags);
  return keys.length === 0 ? {} : { 'aws:TagKeys': keys, ...prefixed('aws:RequestTag/', tags) };
}

/** `aws:ResourceTag/<key>` for a request on a tagged resource. */
export function resourceTagContext(tags: Record<string, string>): Record<string, string> {
  return prefixed('aws:ResourceTag/', tags);
}

function prefixed(prefix: string, tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([key, value]) => [prefix + key, value]));
}
