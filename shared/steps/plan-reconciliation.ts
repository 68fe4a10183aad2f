/**
 * The PlanReconciliation step: the inventory (the organization's tree, every registration Datadog holds, this
 * application's records), the plan (`shared/reconciliation/plan.ts`), and the plan written to S3 as the Distributed
 * Map's item list. Datadog is asked twice whatever the fleet's size: one `listAWSAccounts` (all registrations) and
 * the published permissions; the organization costs one tree walk, the records one Scan.
 */
import { registrationSettings } from '../settings/datadog-model';
import type { AWSAccountResponseData } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAccountResponseData';
import type { PlanReconciliationInput } from '../onboarding/step-inputs';
import {
  MUTATING_ACTIONS,
  planReconciliation,
  type DatadogRegistration,
  type DesiredState,
  type OrganizationAccount,
  type PlanItem,
  type PlanRecord,
  type ReconcileAction,
  type ScopeDecision,
} from '../reconciliation/plan';
import { policyHashOf } from '../reconciliation/policy-hash';
import { collectsResources } from '../settings/merge';
import type { StandardPermissions } from '../datadog/permissions';
import { logger } from '../logger';

/**
 * Bound on the one unfiltered `listAWSAccounts` of the whole fleet, body included, seconds: 10,000 registrations are
 * megabytes, which one account's 10 s may not cover. The plan function's time-out (900 s) leaves room for retries.
 */
export const REGISTRATIONS_LIST_TIMEOUT_SECONDS = 120;

/** What the step reads and writes through, injected by the function's glue (and by tests). */
export interface PlanReconciliationDependencies {
  /** Every account of the organization with its ancestors (Organizations tree walk). */
  listOrganization(): Promise<OrganizationAccount[]>;
  /** Every registration Datadog holds (one `listAWSAccounts` without a filter). */
  listRegistrations(): Promise<AWSAccountResponseData[]>;
  /** The permissions Datadog publishes now for the integration policy, or the shipped snapshot when unreachable. */
  standardPermissions(): Promise<StandardPermissions>;
  /** The same for resource collection (held where the settings collect resources). */
  resourceCollectionPermissions(): Promise<StandardPermissions>;
  /** This application's records (a paged Scan). */
  listRecords(): AsyncIterable<PlanRecord>;
  /** The deployment's scope rules applied to one account. */
  scopeOf(account: OrganizationAccount): ScopeDecision;
  /** Writes a JSON object to the reconciliation bucket. */
  putObject(key: string, body: string): Promise<void>;
  /** Now, in epoch seconds. */
  nowSeconds(): number;
}

/** The deployment's settings for the plan (stack parameters). */
export interface PlanReconciliationSettings {
  bucket: string;
  /** `ReconcileMaxConcurrency`: child executions at once. */
  maxConcurrency: number;
  desired: Omit<DesiredState, 'policyHashFor'>;
}

/** Output, carried as `$.plan`: where the plan is, where results and report go, and the plan's counts. */
export interface PlanReconciliationResult {
  bucket: string;
  planKey: string;
  resultsPrefix: string;
  reportKey: string;
  dryRun: boolean;
  maxConcurrency: number;
  counts: Record<ReconcileAction, number>;
  /** Accounts whose action starts an execution (0 for a converged fleet or a dry run's plan alone). */
  mutating: number;
}

/** A Datadog registration reduced to what the plan compares (API v2 `AWSAccountResponseData`). */
export function registrationOf(data: AWSAccountResponseData): DatadogRegistration | undefined {
  const attributes = data.attributes;
  if (!attributes?.awsAccountId) return undefined;
  const auth = attributes.authConfig as { roleName?: string; externalId?: string; accessKeyId?: string } | undefined;
  return {
    accountConfigId: data.id,
    accountId: attributes.awsAccountId,
    partition: typeof attributes.awsPartition === 'string' ? attributes.awsPartition : 'aws',
    ...(auth?.roleName !== undefined ? { roleName: auth.roleName } : {}),
    ...(auth?.externalId !== undefined ? { externalId: auth.externalId } : {}),
    ...(auth?.accessKeyId !== undefined ? { accessKeyId: auth.accessKeyId } : {}),
    settings: registrationSettings(attributes),
  };
}

/**
 * Makes the plan and writes it to `plans/<execution name>.json`.
 *
 * @throws whatever the inventory's calls throw (the state machine retries transient errors).
 * @example
 * ```ts
 * const plan = await planReconciliationStep({ input: { dryRun: true }, executionName: 'daily-1' }, settings, dependencies);
 * // { bucket, planKey: 'plans/daily-1.json', resultsPrefix: 'results/daily-1', reportKey: 'reports/daily-1.json', dryRun: true, … }
 * ```
 */
export async function planReconciliationStep(
  input: PlanReconciliationInput,
  settings: PlanReconciliationSettings,
  dependencies: PlanReconciliationDependencies,
): Promise<PlanReconciliationResult> {
  // O(1) Datadog requests for the whole fleet: the registrations and the two permission lists, once each.
  const [accounts, registrations, standard, resources] = await Promise.all([
    dependencies.listOrganization(),
    dependencies.listRegistrations(),
    dependencies.standardPermissions(),
    dependencies.resourceCollectionPermissions(),
  ]);
  // A policy written from Datadog's list would look drifted against the snapshot: with either list unreadable, the
  // policies are not judged this time (the next reconciliation does), rather than repairing the whole fleet.
  const published = standard.source === 'datadog' && resources.source === 'datadog';
  if (!published) logger.warn("Datadog's permission lists are unreachable: no account's policy is judged this time");
  const standardHash = policyHashOf(standard.actions);
  const withResourcesHash = policyHashOf([...standard.actions, ...resources.actions]);
  const records: PlanRecord[] = [];
  for await (const record of dependencies.listRecords()) records.push(record);
  const items: PlanItem[] = planReconciliation({
    accounts,
    registrations: registrations.map(registrationOf).filter((registration) => registration !== undefined),
    records,
    desired: {
      ...settings.desired,
      // As LookUpRegistration builds the role's permissions: the standard list, plus resource collection's where collected.
      policyHashFor: (account) =>
        !published ? undefined : collectsResources(settings.desired.settingsFor(account)) ? withResourcesHash : standardHash,
    },
    scopeOf: (account) => dependencies.scopeOf(account),
    ...(input.input.accountIds ? { accountIds: input.input.accountIds } : {}),
    nowSeconds: dependencies.nowSeconds(),
  });
  const name = input.executionName;
  const planKey = `plans/${name}.json`;
  await dependencies.putObject(planKey, JSON.stringify(items));
  const counts: Record<ReconcileAction, number> = { onboard: 0, repair: 0, offboard: 0, none: 0, skip: 0 };
  for (const item of items) counts[item.action] += 1;
  return {
    bucket: settings.bucket,
    planKey,
    resultsPrefix: `results/${name}`,
    reportKey: `reports/${name}.json`,
    dryRun: input.input.dryRun ?? false,
    maxConcurrency: settings.maxConcurrency,
    counts,
    mutating: items.filter((item) => MUTATING_ACTIONS.includes(item.action)).length,
  };
}
