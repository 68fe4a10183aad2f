/**
 * Which accounts of the organization this deployment onboards: the stack parameters `IncludeOrganizationalUnits`,
 * `ExcludeOrganizationalUnits`, `ExcludeAccounts` and `OnboardManagementAccount`. Pure: the caller gives the account's
 * ancestors (shared/aws/organization-tree.ts reads them from Organizations). The same rules apply to lifecycle events,
 * console replays and reconciliation.
 */

/** The scope a deployment is configured with. */
export interface Scope {
  /** OU ids (`ou-…`) or the root id (`r-…`); empty: every OU. An account is in an OU when the OU is any of its ancestors. */
  includeOrganizationalUnits: string[];
  /** OU ids or the root id whose accounts, at any depth, are never onboarded. */
  excludeOrganizationalUnits: string[];
  /** 12-digit account ids never onboarded. */
  excludeAccounts: string[];
  /** The organization's management account (where the stack runs). */
  managementAccountId: string;
  /** Whether the management account is onboarded (`OnboardManagementAccount`). */
  onboardManagementAccount: boolean;
}

/**
 * How a reconciliation plan's reason for an account out of scope begins (shared/reconciliation/plan.ts); ResolveTarget
 * checks the scope again before such an offboarding.
 */
export const OUT_OF_SCOPE = 'out of scope: ';

/** Most OU ids an out-of-scope reason names (IncludeOrganizationalUnits may list hundreds). */
const MAX_NAMED_OUS = 5;

/** An account as scope sees it. */
export interface ScopedAccount {
  accountId: string;
  /** Its ancestors: the OUs above it, at any depth, and the root (order does not matter). */
  ancestorIds: string[];
}

/** Whether an account is in scope, and if not, the rule that leaves it out (one line). */
export type ScopeDecision = { inScope: true } | { inScope: false; reason: string };

/** True when deciding on `scope` needs the account's ancestors (any OU rule); otherwise ancestors are not read. */
export function needsAncestors(scope: Scope): boolean {
  return scope.includeOrganizationalUnits.length > 0 || scope.excludeOrganizationalUnits.length > 0;
}

/**
 * Decides whether an account is in scope. Precedence: `ExcludeAccounts`, then the management account rule, then
 * `ExcludeOrganizationalUnits`, then `IncludeOrganizationalUnits` (an exclusion always wins over an inclusion).
 *
 * @param account - the account and its ancestors; with no OU rule in `scope`, `ancestorIds` may be empty.
 * @returns `{inScope: true}` or `{inScope: false, reason}` naming the rule.
 *
 * @example
 * ```ts
 * scopeOf(
 *   { accountId: '210987654321', ancestorIds: ['ou-ab12-22222222', 'ou-ab12-11111111', 'r-ab12'] },
 *   { includeOrganizationalUnits: ['ou-ab12-11111111'], excludeOrganizationalUnits: [], excludeAccounts: [],
 *     managementAccountId: '123412341234', onboardManagementAccount: false },
 * ); // { inScope: true }: ou-ab12-11111111 is an ancestor
 * ```
 */
export function scopeOf(account: ScopedAccount, scope: Scope): ScopeDecision {
  if (scope.excludeAccounts.includes(account.accountId)) {
    return { inScope: false, reason: `account ${account.accountId} is excluded by ExcludeAccounts` };
  }
  if (account.accountId === scope.managementAccountId && !scope.onboardManagementAccount) {
    return { inScope: false, reason: 'the management account is onboarded only with OnboardManagementAccount=true' };
  }
  const excludedBy = scope.excludeOrganizationalUnits.find((id) => account.ancestorIds.includes(id));
  if (excludedBy !== undefined) {
    return { inScope: false, reason: `OU ${excludedBy} is excluded by ExcludeOrganizationalUnits` };
  }
  if (scope.includeOrganizationalUnits.length > 0 && !scope.includeOrganizationalUnits.some((id) => account.ancestorIds.includes(id))) {
    const included = scope.includeOrganizationalUnits;
    const named =
      included.length > MAX_NAMED_OUS
        ? `${included.slice(0, MAX_NAMED_OUS).join(', ')} and ${included.length - MAX_NAMED_OUS} more`
        : included.join(', ');
    return { inScope: false, reason: `not under any IncludeOrganizationalUnits (${named})` };
  }
  return { inScope: true };
}
