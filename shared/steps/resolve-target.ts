/**
 * The ResolveTarget step: validates the execution input (from the starter or typed in the Step Functions console),
 * resolves every setting of the onboarding against the stack's defaults, resolves the account's Datadog settings from
 * the settings document (its OU path and name), and takes the account's lease; when another execution holds it,
 * this one stops without changes.
 */
import { acquireLease, takeOverLease } from '../aws/account-records';
import { executionHasEnded } from '../aws/execution-status';
import { ownPartition } from '../aws/partition-credentials';
import { authTypeFor, type DatadogSite } from '../datadog-sites';
import { accountNameOf, ancestorsOf, nearestAncestorName } from '../aws/organization-tree';
import { AccountOutOfScopeError, InvalidInputError } from '../errors';
import { parseExecutionInput, type ExecutionInput } from '../onboarding/execution-input';
import { resolvedAction, type ScopeVerdict } from '../onboarding/resolved-action';
import { needsAncestors, OUT_OF_SCOPE, scopeOf, type Scope } from '../onboarding/scope';
import type { ResolveTargetInput } from '../onboarding/step-inputs';
import type { OnboardingTarget } from '../onboarding/target';
import type { Partition } from '../partitions';
import { desiredSettingsFor, placeholdersUsed, usesOrganizationalUnits } from '../settings/merge';
import type { AccountSettings, SettingsDocument } from '../settings/schema';
import { settingsDocument } from '../settings/shipped';

const STEP = 'ResolveTarget';

/** The onboarding state machine's `TimeoutSeconds` (statemachine/onboarding.asl.json; a test keeps them equal). */
export const EXECUTION_TIMEOUT_SECONDS = 17_700;
/**
 * How long an execution holds its account's lease, seconds. ResolveTarget runs after the execution started, so the
 * lease outlives the execution however it ends: RecordOnboarding or RecordFailure release it sooner, and an execution
 * stopped outright (time-out, StopExecution, where no Catch runs) leaves a lease that expires, or that the next
 * execution takes over once Step Functions reports the holder ended (see takeLease). The 600 s margin covers the clocks of the Lambda hosts that write and compare the expiry, and Step Functions ending a timed-out
 * execution a little after its time-out, so that a later execution never starts while a timed-out one still runs.
 */
export const LEASE_SECONDS = EXECUTION_TIMEOUT_SECONDS + 600;

/** The deployment's defaults, from the stack parameters. */
export interface TargetDefaults {
  datadogSite: DatadogSite;
  roleName: string;
  policyName: string;
  memberAccessRoleName: string;
  controlTowerAccessRoleName: string;
  attachSecurityAudit: boolean;
  /** Which accounts the deployment onboards (the scope parameters). */
  scope: Scope;
}

/** Output: the state the rest of the execution works on. */
export interface ResolveTargetResult {
  target: OnboardingTarget;
  trigger?: ExecutionInput['trigger'];
  context?: ExecutionInput['context'];
  /** The execution holding the account's lease (another one onboards the account), or `null` when this one goes ahead. */
  concurrentExecutionArn: string | null;
  /** What the execution does: the state machine's `IsOutOfScope` and `IsOffboarding` choices read it. */
  action: 'onboard' | 'offboard' | 'skip';
  /** Present when a lifecycle event names an account the scope leaves out: the execution ends `skipped` with the reason. */
  outOfScope?: { reason: string };
  /** Offboarding only: why, and whether the account is known to be unreachable (closed, or gone from the organization). */
  offboard?: { reason: string; accountGone: boolean };
  /**
   * The account's Datadog settings from the settings document (defaults, its OUs, its own entry; placeholders
   * filled), carried as `$.settings` to LookUpRegistration (permissions) and RegisterAccount. Absent when out of scope.
   */
  settings?: AccountSettings;
}

/**
 * Resolves an execution input against the deployment's defaults. Explicit input wins; the partition defaults to the
 * automation's own. The member access role to try first is the input's `memberAccessRoleName`, else the trigger's
 * hint (Control Tower's execution role, `AWSControlTowerExecution` by default, for Control Tower events; the
 * Organizations role otherwise); the other configured role is the alternate.
 */
export function applyDefaults(input: ExecutionInput, defaults: Omit<TargetDefaults, 'scope'> & { partition: Partition }): OnboardingTarget {
  const partition = input.partition ?? defaults.partition;
  const datadogSite = input.datadogSite ?? defaults.datadogSite;
  const byControlTower = input.trigger?.source === 'aws.controltower';
  const first = input.memberAccessRoleName ?? (byControlTower ? defaults.controlTowerAccessRoleName : defaults.memberAccessRoleName);
  const alternate = first === defaults.memberAccessRoleName ? defaults.controlTowerAccessRoleName : defaults.memberAccessRoleName;
  return {
    accountId: input.accountId,
    partition,
    datadogSite,
    authType: authTypeFor(datadogSite, partition),
    roleName: input.roleName ?? defaults.roleName,
    policyName: defaults.policyName,
    memberAccessRoleName: first,
    ...(alternate !== first ? { alternateMemberAccessRoleName: alternate } : {}),
    attachSecurityAudit: defaults.attachSecurityAudit,
  };
}

/** Refuses role names the functions could never use: their permissions name the configured roles only (template.yaml). */
function checkRoleNames(target: OnboardingTarget, defaults: TargetDefaults): void {
  const reachable = [defaults.memberAccessRoleName, defaults.controlTowerAccessRoleName];
  if (!reachable.includes(target.memberAccessRoleName)) {
    throw new InvalidInputError(`execution input memberAccessRoleName: must be ${reachable.join(' or ')}`, {
      accountId: target.accountId,
      step: STEP,
      remedy: 'Change the MemberAccessRoleName or ControlTowerAccessRoleName parameter to reach another role',
    });
  }
  if (target.roleName !== defaults.roleName) {
    // The validator may assume only the configured role name, so another name could never be proven.
    throw new InvalidInputError(`execution input roleName: must be ${defaults.roleName}`, {
      accountId: target.accountId,
      step: STEP,
      remedy: 'Change the DatadogRoleName parameter to use another role name',
    });
  }
}

/**
 * Applies the deployment's scope to the target (shared/onboarding/scope.ts). The account's OU path is read
 * (Organizations ListParents) only when an OU rule needs it. An account of another partition is not in this
 * organization's tree: only `ExcludeAccounts` applies to it.
 *
 * @param knownAncestorIds - the account's ancestors when already read (the settings need them too).
 * @throws AccountNotInOrganizationError when an OU rule applies and Organizations does not know the account.
 */
export async function scopeVerdictOf(target: OnboardingTarget, scope: Scope, knownAncestorIds?: string[]): Promise<ScopeVerdict> {
  const ownOrganization = target.partition === ownPartition();
  const applicable = ownOrganization ? scope : { ...scope, includeOrganizationalUnits: [], excludeOrganizationalUnits: [] };
  const ancestorIds = needsAncestors(applicable) ? (knownAncestorIds ?? (await ancestorsOf(target.accountId))) : [];
  return scopeOf({ accountId: target.accountId, ancestorIds }, applicable);
}

/**
 * Takes the account's lease: free, expired or already this execution's, it is taken in one conditional write. Held by
 * another execution, that execution's status decides (one DescribeExecution): one that still runs keeps the lease; one
 * that ended without releasing it (stopped outright, timed out) loses it to this one, rather than block the account
 * until the lease expires.
 *
 * @returns `null` when this execution holds the lease, else the ARN of the running execution that does.
 */
async function takeLease(accountId: string, executionArn: string): Promise<string | null> {
  const lease = await acquireLease(accountId, executionArn, LEASE_SECONDS);
  if (lease.acquired) return null;
  if (!(await executionHasEnded(lease.holder))) return lease.holder;
  if (await takeOverLease(accountId, executionArn, lease.holder, LEASE_SECONDS)) return null;
  // Someone else took it over first: the lease decides again (one more round at most: that holder runs).
  const again = await acquireLease(accountId, executionArn, LEASE_SECONDS);
  return again.acquired ? null : again.holder;
}

/**
 * The account's settings from the document. Organizations is asked only for what the document needs: the OU path
 * when an OU has settings or a tag names `{ou_id}`/`{ou_name}`, the account's name for `{account_name}` and the OU's
 * for `{ou_name}` unless the execution input's context (set by the starter from the event) gives them. An account of
 * another partition is not in this organization: only the defaults and its own entry apply to it.
 *
 * @param ancestorIds - the account's ancestors when already read, else `undefined`.
 * @throws InvalidInputError for a document that breaks Datadog's cross-field rules for this account.
 */
export async function settingsFor(
  target: OnboardingTarget,
  executionInput: ExecutionInput,
  document: SettingsDocument,
  ancestorIds: string[] | undefined,
): Promise<AccountSettings> {
  const ownOrganization = target.partition === ownPartition();
  const used = placeholdersUsed(document);
  const context = executionInput.context;
  const ancestors = ownOrganization ? (ancestorIds ?? []) : [];
  let accountName = context?.accountName;
  if (accountName === undefined && used.has('account_name') && ownOrganization) accountName = await accountNameOf(target.accountId);
  let parentName = context?.organizationalUnitId === ancestors[0] ? context?.organizationalUnitName : undefined;
  if (parentName === undefined && used.has('ou_name') && ancestors.length > 0) parentName = await nearestAncestorName(ancestors);
  return desiredSettingsFor(document, {
    accountId: target.accountId,
    partition: target.partition,
    accountName,
    ancestorIds: ancestors,
    parentName,
  });
}

/** Whether the settings need the account's OU path. */
function settingsNeedAncestors(document: SettingsDocument): boolean {
  const used = placeholdersUsed(document);
  return usesOrganizationalUnits(document) || used.has('ou_id') || used.has('ou_name');
}

/**
 * Resolves the target of an execution, what it does (onboard, offboard or nothing: `shared/onboarding/resolved-action.ts`
 * from the input and the scope), and takes the account's lease for {@link LEASE_SECONDS} (one conditional write,
 * whatever the number of running executions; offboarding holds it too). A retried ResolveTarget of the same execution
 * gets it again. An explicit offboarding is not checked against the scope: it removes only what this tool put in place.
 *
 * @param input - `{input, executionArn}`: the execution input and this execution's ARN (`$$.Execution.Id`), the
 *   lease's holder.
 * @throws InvalidInputError for a malformed execution input (one line naming the field), a role name the
 *   functions may not use, or a bad settings document (one line naming its path), before anything is changed (no
 *   lease is taken).
 * @throws AccountOutOfScopeError for a console replay of an account out of scope (a lifecycle event's is skipped:
 *   `outOfScope` in the output).
 * @throws the SDK's errors when DynamoDB or Organizations fails (throttling is retried by the state machine).
 */
export async function resolveTarget(input: ResolveTargetInput, defaults: TargetDefaults): Promise<ResolveTargetResult> {
  const executionInput = parseExecutionInput(input.input);
  const target = applyDefaults(executionInput, { ...defaults, partition: ownPartition() });
  checkRoleNames(target, defaults);
  const offboarding = executionInput.action === 'offboard';
  const document = settingsDocument();
  const ancestorIds =
    !offboarding && target.partition === ownPartition() && settingsNeedAncestors(document)
      ? await ancestorsOf(target.accountId)
      : undefined;
  // An explicit offboarding is not scope-checked: it removes only what this tool put in place. A reconciliation's
  // offboarding for scope is (see resolvedAction).
  const rechecked = offboarding && executionInput.reconciliation?.reason.startsWith(OUT_OF_SCOPE);
  const scopeVerdict: ScopeVerdict =
    offboarding && !rechecked ? { inScope: true } : await scopeVerdictOf(target, defaults.scope, ancestorIds);
  const decided = resolvedAction(executionInput, scopeVerdict);
  const resolved = { target, trigger: executionInput.trigger, context: executionInput.context };
  if (decided.action === 'refuse') {
    // An explicit request is refused with the reason, not skipped silently; nothing was changed (no lease taken).
    throw new AccountOutOfScopeError(`out of scope: ${decided.reason}`, {
      accountId: target.accountId,
      step: STEP,
      remedy:
        'Change the IncludeOrganizationalUnits, ExcludeOrganizationalUnits, ExcludeAccounts or OnboardManagementAccount parameter to onboard it',
    });
  }
  if (decided.action === 'skip')
    return { ...resolved, concurrentExecutionArn: null, action: 'skip', outOfScope: { reason: decided.reason } };
  // The settings before the lease: a document that breaks Datadog's rules for this account changes nothing.
  const settings = decided.action === 'onboard' ? await settingsFor(target, executionInput, document, ancestorIds) : undefined;
  const concurrentExecutionArn = await takeLease(target.accountId, input.executionArn);
  if (decided.action === 'offboard') {
    return {
      ...resolved,
      concurrentExecutionArn,
      action: 'offboard',
      offboard: { reason: decided.reason, accountGone: decided.accountGone },
    };
  }
  return { ...resolved, concurrentExecutionArn, action: 'onboard', settings };
}
