/** Account records as the reconciliation plan reads them, for the plan's and its steps' tests. */
import type { PlanRecord } from '../../shared/reconciliation/plan';
import { policyHashOf } from '../../shared/reconciliation/policy-hash';

/** A created account onboarded with role delegation (config `config-<id>`, external ID `external-<id>`); `fields` override. */
export function onboardedRecord(accountId: string, permissions: readonly string[], fields: Partial<PlanRecord> = {}): PlanRecord {
  return {
    accountId,
    partition: 'aws',
    state: 'onboarded',
    authType: 'role',
    origin: 'created',
    datadogAccountConfigId: `config-${accountId}`,
    roleName: 'DatadogIntegrationRole',
    externalId: `external-${accountId}`,
    policyHash: policyHashOf(permissions),
    ...fields,
  };
}
