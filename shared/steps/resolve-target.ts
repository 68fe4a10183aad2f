/**
 * The ResolveTarget step: validates the execution input (from the starter or typed in the Step Functions console),
 * resolves every setting of the onboarding against the stack's defaults, resolves the account's Datadog settings from
 * the settings document (its OU path and name), and takes the account's lease; when another execution holds it,
 * this one stops without changes.
 */
import { acquireLease } from '../aws/account-records';
import { ownPartition } from '../aws/partition-credentials';
import { authTypeFor, type DatadogSite } from '../datadog-sites';
import { accountNameOf, ancestorsOf, nearestAncestorName } from '../aws/organization-tree';
import { AccountOutOfScopeError, InvalidInputError } from '../errors';
import { parseExecutionInput, type ExecutionInput } from '../onboarding/execution-input';
import { needsAncestors, scopeOf, type Scope } from '../onboarding/scope';
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
 * stopped outright (time-out, StopExecution, where no Catch runs) leaves a lease that simply expires. The 600 s
 * margin covers the clocks of the Lambda hosts that write and compare the expiry, and Step Functions ending a timed-out
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
  /** Present when a lifecycle event names an account the scope leaves out: the execution ends `skipped` with the reason. */
  outOfScope?: { reason: string };
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
export function applyDefaults(input: ExecutionInput, defaults: TargetDefaults & { partition: Partition }): OnboardingTarget {
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
 * @returns `undefined` when the account is in scope, else the reason it is not.
 * @throws AccountOutOfScopeError when a console replay (no trigger) names an account out of scope: an explicit
 *   request is refused with the reason, not skipped silently.
 * @throws AccountNotInOrganizationError when an OU rule applies and Organizations does not know the account.
 */
export async function outOfScopeReason(
  target: OnboardingTarget,
  executionInput: ExecutionInput,
  scope: Scope,
  knownAncestorIds?: string[],
): Promise<string | undefined> {
  const ownOrganization = target.partition === ownPartition();
  const applicable = ownOrganization ? scope : { ...scope, includeOrganizationalUnits: [], excludeOrganizationalUnits: [] };
  const ancestorIds = needsAncestors(applicable) ? (knownAncestorIds ?? (await ancestorsOf(target.accountId))) : [];
  const decision = scopeOf({ accountId: target.accountId, ancestorIds }, applicable);
  if (decision.inScope) return undefined;
  if (!executionInput.trigger) {
    throw new AccountOutOfScopeError(`out of scope: ${decision.reason}`, {
      accountId: target.accountId,
      step: STEP,
      remedy:
        'Change the IncludeOrganizationalUnits, ExcludeOrganizationalUnits, ExcludeAccounts or OnboardManagementAccount parameter to onboard it',
    });
  }
  return decision.reason;
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
 * Resolves the target of an execution and takes the account's lease for {@link LEASE_SECONDS} (one conditional
 * write, whatever the number of running executions). A retried ResolveTarget of the same execution gets it again.
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
  const document = settingsDocument();
  const ancestorIds =
    target.partition === ownPartition() && settingsNeedAncestors(document) ? await ancestorsOf(target.accountId) : undefined;
  const outOfScope = await outOfScopeReason(target, executionInput, defaults.scope, ancestorIds);
  if (outOfScope !== undefined) {
    return {
      target,
      trigger: executionInput.trigger,
      context: executionInput.context,
      concurrentExecutionArn: null,
      outOfScope: { reason: outOfScope },
    };
  }
  const settings = await settingsFor(target, executionInput, document, ancestorIds);
  const lease = await acquireLease(target.accountId, input.executionArn, LEASE_SECONDS);
  const concurrentExecutionArn = lease.acquired ? null : lease.holder;
  return { target, trigger: executionInput.trigger, context: executionInput.context, concurrentExecutionArn, settings };
}
