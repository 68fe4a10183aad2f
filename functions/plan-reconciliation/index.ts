/**
 * PlanReconciliation: inventories the organization (tree walk), Datadog (one listAWSAccounts) and the records (one
 * Scan), plans one action per account and writes the plan to the reconciliation bucket.
 * The step's rules: `shared/steps/plan-reconciliation.ts` and `shared/reconciliation/plan.ts`.
 */
import { listAccountRecords } from '../../shared/aws/account-records';
import { listOrganization } from '../../shared/aws/organization-tree';
import { ownPartition } from '../../shared/aws/partition-credentials';
import { putJsonObject } from '../../shared/aws/reconciliation-bucket';
import { pickEnv, readEnv } from '../../shared/config';
import { datadogFailure } from '../../shared/datadog/api-errors';
import { datadogApiFor } from '../../shared/datadog/api-from-env';
import { resourceCollectionPermissions, standardPermissions } from '../../shared/datadog/permissions';
import { logger } from '../../shared/logger';
import { desiredSettingsFor } from '../../shared/settings/merge';
import { settingsDocument } from '../../shared/settings/shipped';
import { stepHandler } from '../../shared/middleware/onboarding-handler';
import { scopeOf } from '../../shared/onboarding/scope';
import { planReconciliationInputSchema, type PlanReconciliationInput } from '../../shared/onboarding/step-inputs';
import {
  planReconciliationStep as plan,
  REGISTRATIONS_LIST_TIMEOUT_SECONDS,
  type PlanReconciliationResult,
} from '../../shared/steps/plan-reconciliation';

const STEP = 'PlanReconciliation';

/**
 * Plans one reconciliation.
 *
 * @throws DatadogRequestError / TransientError (Datadog), the SDK's Organizations, DynamoDB and S3 errors.
 * @example
 * ```ts
 * const planned = await planReconciliationStep({ input: {}, executionName: 'daily-2026-12-02' });
 * // { bucket, planKey: 'plans/daily-2026-12-02.json', counts: { onboard: 2, repair: 0, offboard: 0, none: 120, skip: 3 }, … }
 * ```
 */
export async function planReconciliationStep(input: PlanReconciliationInput): Promise<PlanReconciliationResult> {
  const env = readEnv(
    pickEnv(
      'DATADOG_SITE',
      'DATADOG_ROLE_NAME',
      'RECONCILIATION_BUCKET_NAME',
      'RECONCILE_MAX_CONCURRENCY',
      'INCLUDE_ORGANIZATIONAL_UNITS',
      'EXCLUDE_ORGANIZATIONAL_UNITS',
      'EXCLUDE_ACCOUNTS',
      'ONBOARD_MANAGEMENT_ACCOUNT',
      'MANAGEMENT_ACCOUNT_ID',
    ),
  );
  const api = await datadogApiFor(env.DATADOG_SITE, { step: STEP }, { timeoutSeconds: REGISTRATIONS_LIST_TIMEOUT_SECONDS });
  const scope = {
    includeOrganizationalUnits: env.INCLUDE_ORGANIZATIONAL_UNITS,
    excludeOrganizationalUnits: env.EXCLUDE_ORGANIZATIONAL_UNITS,
    excludeAccounts: env.EXCLUDE_ACCOUNTS,
    managementAccountId: env.MANAGEMENT_ACCOUNT_ID,
    onboardManagementAccount: env.ONBOARD_MANAGEMENT_ACCOUNT,
  };
  const bucket = env.RECONCILIATION_BUCKET_NAME;
  const document = settingsDocument();
  const result = await plan(
    input,
    {
      bucket,
      maxConcurrency: env.RECONCILE_MAX_CONCURRENCY,
      desired: {
        partition: ownPartition(),
        roleName: env.DATADOG_ROLE_NAME,
        settingsFor: ({ accountId, name, ancestorIds, parentName }) =>
          desiredSettingsFor(document, { accountId, partition: ownPartition(), accountName: name, ancestorIds, parentName }),
      },
    },
    {
      listOrganization: async () =>
        (await listOrganization()).accounts.map(({ accountId, name, state, ancestorIds, parentName }) => ({
          accountId,
          name,
          state: state ?? 'UNKNOWN',
          ancestorIds,
          // The tree walk's OU names: without them a document using {ou_name} would look drifted on every run.
          ...(parentName !== undefined ? { parentName } : {}),
        })),
      listRegistrations: async () => {
        try {
          // One request for the whole fleet: without a filter, listAWSAccounts returns every registration.
          return (await api.listAWSAccounts()).data ?? [];
        } catch (error) {
          throw datadogFailure(error, 'listAWSAccounts', { step: STEP });
        }
      },
      standardPermissions: () => standardPermissions(api),
      resourceCollectionPermissions: () => resourceCollectionPermissions(api),
      listRecords: listAccountRecords,
      scopeOf: (account) => scopeOf(account, scope),
      putObject: (key, body) => putJsonObject(bucket, key, body),
      nowSeconds: () => Math.floor(Date.now() / 1000),
    },
  );
  logger.info('reconciliation planned', { counts: result.counts, dryRun: result.dryRun, plan: result.planKey });
  return result;
}

/** Lambda entry point. */
export const handler = stepHandler(STEP, planReconciliationInputSchema, planReconciliationStep);
