/**
 * What an execution does to its account, decided once in ResolveTarget from the execution input, the lifecycle
 * event behind it and the account's scope: onboard, offboard, or nothing. One small function, so that the scope
 * checks and the offboarding path agree.
 */
import type { ExecutionInput } from './execution-input';
import { OUT_OF_SCOPE } from './scope';

/** The account's scope (`shared/onboarding/scope.ts`): in scope, or out of it with the reason. */
export type ScopeVerdict = { inScope: true } | { inScope: false; reason: string };

/** The decision. */
export type ResolvedAction =
  | { action: 'onboard' }
  | { action: 'offboard'; reason: string; accountGone: boolean }
  /** An event about an account out of scope that did not move: nothing to do. */
  | { action: 'skip'; reason: string }
  /** A console replay of an account out of scope: refused with the reason. */
  | { action: 'refuse'; reason: string };

/** Lifecycle events that move an account between OUs: a move out of scope offboards it. */
const MOVES = new Set(['aws.organizations/MoveAccount', 'aws.controltower/UpdateManagedAccount']);

/**
 * Events after which the account cannot be reached: closed (it is `PENDING_CLOSURE`, `SUSPENDED` or `CLOSED`) or
 * gone from the organization (the member access roles no longer trust it, and this tool's permissions name accounts
 * of its organization only).
 */
const ACCOUNT_GONE = new Set([
  'aws.organizations/CloseAccount',
  'aws.organizations/CloseAccountResult',
  'aws.organizations/RemoveAccountFromOrganization',
  'aws.organizations/AccountDepartedOrganization',
]);

/**
 * Decides what the execution does.
 *
 * - `action: 'offboard'` in the input (the starter for a closed or departed account, or an operator) → offboard,
 *   whatever the scope: offboarding removes only what this tool put in place. But a reconciliation's offboarding for
 *   scope ({@link OUT_OF_SCOPE}) of an account in scope again by now → skip (the caller gives the scope now).
 * - In scope → onboard.
 * - Out of scope after a move (MoveAccount, Control Tower UpdateManagedAccount) → offboard, "moved out of scope".
 * - Out of scope after another event → skip; a console replay (no trigger) → refuse.
 *
 * @example
 * ```ts
 * resolvedAction({ trigger: { source: 'aws.organizations', eventName: 'MoveAccount', … } }, { inScope: false, reason: 'OU ou-ab12-sandbox is excluded' });
 * // { action: 'offboard', reason: 'moved out of scope: OU ou-ab12-sandbox is excluded', accountGone: false }
 * ```
 */
export function resolvedAction(
  input: Pick<ExecutionInput, 'action' | 'reason' | 'trigger' | 'reconciliation'>,
  scope: ScopeVerdict,
): ResolvedAction {
  const event = input.trigger ? `${input.trigger.source}/${input.trigger.eventName}` : undefined;
  if (input.action === 'offboard') {
    // A reconciliation's offboarding for scope runs up to hours after its plan: an account back in scope by now (moved
    // back, and onboarded again by its MoveAccount event) is left as it is.
    const planned = input.reconciliation?.reason;
    if (planned?.startsWith(OUT_OF_SCOPE) && scope.inScope)
      return { action: 'skip', reason: `in scope again since the reconciliation planned its offboarding (${planned}): not offboarded` };
    const requested = input.reconciliation
      ? `offboarding planned by the reconciliation: ${input.reconciliation.reason}`
      : 'offboarding requested (console)';
    const reason = input.reason ?? (event ? `offboarding requested by ${input.trigger!.eventName}` : requested);
    return { action: 'offboard', reason, accountGone: event !== undefined && ACCOUNT_GONE.has(event) };
  }
  if (scope.inScope) return { action: 'onboard' };
  if (event === undefined) return { action: 'refuse', reason: scope.reason };
  if (MOVES.has(event)) return { action: 'offboard', reason: `moved out of scope: ${scope.reason}`, accountGone: false };
  return { action: 'skip', reason: scope.reason };
}
