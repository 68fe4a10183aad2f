/**
 * The reconciliation plan: one action per account, each with a reason, from the inventory (the organization's
 * accounts, every registration Datadog holds, this application's records) and what this deployment wants.
 *
 * Pure: no AWS or Datadog calls. The PlanReconciliation step gathers the inventory (one Organizations tree walk, one
 * Datadog `listAWSAccounts`, one Scan of the records) and writes the plan to S3 for the Distributed Map.
 *
 * Actions (issue 8 §1): `onboard` (in scope, ACTIVE, not registered; or registered by someone else: adopted),
 * `repair` (drift: the policy differs from the permissions Datadog publishes now, the registration differs from the
 * settings this deployment wants, the last onboarding failed; AWS-side drift is found per account by DetectDrift),
 * `offboard` (an account this application onboarded that left, closed or moved out of scope), `none` (converged),
 * `skip` (out of scope, not ACTIVE, another partition, an onboarding running). A registration this application did
 * not create or adopt is never offboarded, and an out-of-scope account's registration is never touched.
 */
import { OUT_OF_SCOPE } from '../onboarding/scope';
import type { Partition } from '../partitions';
import { describeSettingsDrift } from '../settings/drift';
import type { AccountSettings } from '../settings/schema';
import { cut } from '../text';

/** What reconciliation does with one account. */
export type ReconcileAction = 'onboard' | 'repair' | 'offboard' | 'none' | 'skip';

/** The actions that start an execution of the onboarding state machine (the others change nothing). */
export const MUTATING_ACTIONS: readonly ReconcileAction[] = ['onboard', 'repair', 'offboard'];

/** An account of the organization, as the tree walk found it. */
export interface OrganizationAccount {
  accountId: string;
  /** Organizations' `State`: `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, `CLOSED`… (Organizations API reference, Account). */
  state: string;
  /** Its parent OU ids up to and including the root id, nearest first. */
  ancestorIds: string[];
  /** Its name in Organizations (for the settings' `{account_name}`). */
  name?: string;
  /** The name of its nearest ancestor, `ancestorIds[0]` (for the settings' `{ou_name}`; `Root` for the root). */
  parentName?: string;
}

/** A registration Datadog holds (from one `listAWSAccounts`), reduced to what the plan compares. */
export interface DatadogRegistration {
  accountConfigId: string;
  accountId: string;
  partition: string;
  /** Role delegation: the role name and external ID; absent with access keys. */
  roleName?: string;
  externalId?: string;
  /** Access keys: the key id (Datadog never returns the secret). */
  accessKeyId?: string;
  /** Its settings in the API's own field names (`registrationSettings`, shared/settings/datadog-model.ts). */
  settings: Record<string, unknown>;
}

/**
 * This application's record of an account (the fields of `AccountRecord` in shared/aws/account-records.ts the plan
 * reads; structurally compatible with it).
 */
export interface PlanRecord {
  accountId: string;
  /**
   * Missing from the two records written before any step recorded the account: ResolveTarget's lease alone (an
   * onboarding under way, or one that died before recording anything), and a console offboarding of an account never
   * onboarded.
   */
  partition?: Partition;
  /** Missing from a record holding ResolveTarget's lease alone. */
  state?: 'onboarding' | 'onboarded' | 'failed' | 'offboarding' | 'offboarded';
  authType?: 'role' | 'access_keys';
  origin?: 'created' | 'adopted';
  datadogAccountConfigId?: string;
  roleName?: string;
  externalId?: string;
  policyHash?: string;
  lastError?: { error: string; cause: string };
  /** Epoch seconds the current lease ends at, if any. */
  leaseExpiresAt?: number;
}

/** Whether an account is in scope (shared/onboarding/scope.ts `scopeOf`, applied to the account). */
export type ScopeDecision = { inScope: true } | { inScope: false; reason: string };

/** What this deployment wants every in-scope account to have. */
export interface DesiredState {
  /** The organization's partition (accounts of other partitions belong to another organization). */
  partition: Partition;
  /**
   * sha256 hex of the sorted permissions Datadog publishes now for the account's settings ({@link policyHashOf}):
   * the standard list, plus the resource-collection list where its settings collect resources; `undefined` when
   * Datadog's lists could not be read (then no policy is judged: a snapshot is no measure of what Datadog wants now).
   */
  policyHashFor(account: OrganizationAccount): string | undefined;
  /** The Datadog role name the stack creates (`DatadogRoleName`). */
  roleName: string;
  /** The Datadog settings the settings document gives an account (`desiredSettingsFor`, shared/settings/merge.ts). */
  settingsFor(account: OrganizationAccount): AccountSettings;
}

/** The inventory and the wanted state the plan is made from. */
export interface PlanInput {
  accounts: OrganizationAccount[];
  registrations: DatadogRegistration[];
  records: PlanRecord[];
  desired: DesiredState;
  scopeOf(account: OrganizationAccount): ScopeDecision;
  /** Only these accounts (console input `{"accountIds": [...]}`); default every account. */
  accountIds?: string[];
  /** Now, in epoch seconds (a lease held past it is stale). */
  nowSeconds: number;
}

/** One account's line of the plan: the item of the Distributed Map. */
export interface PlanItem {
  accountId: string;
  partition: Partition;
  action: ReconcileAction;
  reason: string;
  /** Set when the account is onboarded by adopting a registration Datadog already holds. */
  adopts?: { accountConfigId: string };
  /** What DetectDrift checks in the account (from the record; empty when there is none). */
  expected: { authType?: 'role' | 'access_keys'; roleName?: string; externalId?: string };
}

type Decision = Omit<PlanItem, 'accountId' | 'partition' | 'expected'>;

/** Organizations states in which an account can no longer be called into (Organizations API reference, Account `State`). */
const GONE_STATES = new Set(['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED']);

/** A record of an account this application currently answers for (not offboarded). */
function isOurs(record: PlanRecord | undefined): record is PlanRecord {
  return record !== undefined && record.state !== 'offboarded';
}

function registrationDrift(
  account: OrganizationAccount,
  registration: DatadogRegistration,
  record: PlanRecord,
  desired: DesiredState,
): string | undefined {
  if (record.datadogAccountConfigId !== undefined && record.datadogAccountConfigId !== registration.accountConfigId) {
    return 'the Datadog registration is not the one this application recorded';
  }
  if (registration.partition !== desired.partition) return `the registration's partition is ${registration.partition}`;
  if ((record.authType ?? 'role') === 'role') {
    if (registration.roleName !== (record.roleName ?? desired.roleName)) return "the registration's role name differs";
    if (record.externalId !== undefined && registration.externalId !== record.externalId) return "the registration's external ID differs";
  } else if (registration.roleName !== undefined) {
    return 'the registration uses role delegation, the record access keys';
  }
  const drift = describeSettingsDrift(registration.settings, desired.settingsFor(account));
  // A reason travels in the child execution's input, whose schema takes up to 1,024 characters.
  if (drift.length > 0) return `the registration's settings differ from the settings document (${cut(drift, 900)})`;
  return undefined;
}

function planForMember(
  account: OrganizationAccount,
  registration: DatadogRegistration | undefined,
  record: PlanRecord | undefined,
  input: PlanInput,
): Decision {
  if (account.state !== 'ACTIVE') {
    // A closed or suspended account is offboarded (its registration, if ours); one still being created is left alone.
    if (isOurs(record) && GONE_STATES.has(account.state)) return { action: 'offboard', reason: `the account is ${account.state}` };
    return { action: 'skip', reason: `the account is ${account.state}, not ACTIVE` };
  }
  const scope = input.scopeOf(account);
  if (!scope.inScope) {
    if (isOurs(record)) return { action: 'offboard', reason: `${OUT_OF_SCOPE}${scope.reason}` };
    return { action: 'skip', reason: `${OUT_OF_SCOPE}${scope.reason}` };
  }
  if (record && (record.state === 'onboarding' || record.state === 'offboarding')) {
    if ((record.leaseExpiresAt ?? 0) > input.nowSeconds) return { action: 'skip', reason: `an ${record.state} of the account is running` };
    return { action: 'repair', reason: `the last ${record.state} did not finish` };
  }
  if (!registration) {
    if (isOurs(record) && record.state === 'onboarded') return { action: 'repair', reason: 'the Datadog registration is missing' };
    if (isOurs(record)) return { action: 'repair', reason: `the last onboarding failed: ${record.lastError?.error ?? 'unknown error'}` };
    return { action: 'onboard', reason: 'in scope, ACTIVE, not registered in Datadog' };
  }
  if (!isOurs(record)) {
    return {
      action: 'onboard',
      reason: 'in scope, ACTIVE, registered in Datadog by someone else: adopted',
      adopts: { accountConfigId: registration.accountConfigId },
    };
  }
  if (record.state === 'failed')
    return { action: 'repair', reason: `the last onboarding failed: ${record.lastError?.error ?? 'unknown error'}` };
  const wantedPolicyHash = input.desired.policyHashFor(account);
  if (wantedPolicyHash !== undefined && record.policyHash !== wantedPolicyHash) {
    return { action: 'repair', reason: 'the policy differs from the permissions Datadog publishes now' };
  }
  const drift = registrationDrift(account, registration, record, input.desired);
  if (drift) return { action: 'repair', reason: drift };
  return { action: 'none', reason: 'converged' };
}

/**
 * A record as the plan reads it. One that names no partition ({@link PlanRecord.partition}) is of this organization's
 * partition when the account is a member, and its state, when missing, `onboarding`; for an account outside the
 * organization it tells nothing the plan can act on, and is not read.
 */
function withPartition(record: PlanRecord | undefined, member: boolean, partition: Partition): PlanRecord | undefined {
  if (record === undefined || record.partition !== undefined) return record;
  return member ? { ...record, partition, state: record.state ?? 'onboarding' } : undefined;
}

/**
 * Plans the reconciliation.
 *
 * @returns one item per account of the organization, per recorded account that left it, and per registration of an
 *   account outside it (skipped), sorted by account id; only `accountIds` when given (an id found nowhere is skipped).
 * @example
 * ```ts
 * const plan = planReconciliation({ accounts, registrations, records, desired, scopeOf: (a) => scopeOf(a, scope), nowSeconds });
 * plan.filter((item) => item.action === 'onboard');
 * ```
 */
export function planReconciliation(input: PlanInput): PlanItem[] {
  const { desired } = input;
  const registrations = new Map<string, DatadogRegistration>();
  for (const registration of input.registrations) {
    // Registrations of other partitions (GovCloud twins) are another organization's; one account id per partition.
    if (registration.partition === desired.partition) registrations.set(registration.accountId, registration);
  }
  const records = new Map(input.records.map((record) => [record.accountId, record]));
  const members = new Map(input.accounts.map((account) => [account.accountId, account]));
  const wanted = input.accountIds ? new Set(input.accountIds) : undefined;
  const ids = new Set([...members.keys(), ...records.keys(), ...registrations.keys(), ...(input.accountIds ?? [])]);
  const plan: PlanItem[] = [];
  for (const accountId of [...ids].sort()) {
    if (wanted && !wanted.has(accountId)) continue;
    const account = members.get(accountId);
    const record = withPartition(records.get(accountId), account !== undefined, desired.partition);
    const registration = registrations.get(accountId);
    const partition = record?.partition ?? desired.partition;
    let decision: Decision;
    if (record && record.partition !== desired.partition) {
      decision = { action: 'skip', reason: `a ${record.partition} account: reconciled with its own organization` };
    } else if (account) {
      decision = planForMember(account, registration, record, input);
    } else if (isOurs(record)) {
      decision = { action: 'offboard', reason: 'the account left the organization' };
    } else {
      decision = {
        action: 'skip',
        reason: registration ? 'not in the organization; its registration is not this application’s' : 'not in the organization',
      };
    }
    const expected = {
      ...(record?.authType ? { authType: record.authType } : {}),
      ...(record?.roleName ? { roleName: record.roleName } : {}),
      ...(record?.externalId ? { externalId: record.externalId } : {}),
    };
    // A reason travels in DetectDrift's input, whose schema takes up to 1,024 characters.
    plan.push({ accountId, partition, ...decision, reason: cut(decision.reason, 1000), expected });
  }
  return plan;
}
