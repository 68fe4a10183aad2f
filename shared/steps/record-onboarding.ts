/**
 * The RecordOnboarding step: once the account is registered, records what this execution did to it in the accounts
 * table (state `onboarded`, who created the Datadog registration, how Datadog reaches the account, the permission
 * list the policy was built from, when) and releases the account's lease, in one write; then reports it: metrics
 * (accounts onboarded, validation attempts, time to onboard; accounts repaired for a reconciliation's repair) and,
 * when on, a Datadog event (`onboarded` or `repaired`).
 */
import { policyHashOf } from '../reconciliation/policy-hash';
import { getAccountRecord, updateAccountRecord, type AccountRecord } from '../aws/account-records';
import { emitOnboarded, emitRepaired } from '../observability/metrics';
import { secondsSince } from '../time';
import { sendLifecycleEvent } from '../observability/datadog-events';
import type { RecordOnboardingInput } from '../onboarding/step-inputs';

/**
 * Who created the registration: `created` when this execution did, or when the record says this application created
 * that same registration earlier; `adopted` when Datadog already held it otherwise. This execution created it when its
 * RegisterAccount says so, and also when LookUpRegistration found none (`lookedUpConfigId` null) under the execution's
 * lease: a RegisterAccount retried after its create went through (the function timed out, or the answer was lost)
 * finds the registration it made and leaves it `unchanged`.
 *
 * @param lookedUpConfigId - the registration LookUpRegistration found (`$.registration.accountConfigId`), or null.
 */
export function originOf(
  action: RecordOnboardingInput['datadog']['action'],
  accountConfigId: string,
  lookedUpConfigId: string | null,
  record?: AccountRecord,
): 'created' | 'adopted' {
  if (action === 'created' || lookedUpConfigId === null) return 'created';
  const createdEarlier = record?.origin === 'created' && (record.datadogAccountConfigId ?? accountConfigId) === accountConfigId;
  return createdEarlier ? 'created' : 'adopted';
}

/**
 * Records the onboarded account and releases the lease this execution holds (another holder's is left), then emits
 * its metrics (time to onboard: from the lifecycle event's `trigger.time` to `now`) and posts its Datadog event (best
 * effort, see `sendLifecycleEvent`). When the execution input's `reconciliation.action` is `repair`, the metric is
 * AccountsRepaired and the event's outcome `repaired` instead.
 *
 * @param now - the time of the record; default now.
 * @returns the record as written.
 * @throws the SDK's errors (DynamoDB throttling: the state machine retries it as a TransientError).
 *
 * @example
 * ```ts
 * await recordOnboarding({ target, executionArn, registration, datadog, keySecretArn: null, validation });
 * // { accountId: '444455556666', state: 'onboarded', origin: 'created', policyHash: '<64 hex>', … }
 * ```
 */
export async function recordOnboarding(input: RecordOnboardingInput, now = new Date()): Promise<AccountRecord> {
  const { target, datadog } = input;
  const existing = await getAccountRecord(target.accountId);
  const at = now.toISOString();
  const byRole = target.authType === 'role';
  const record = await updateAccountRecord(
    target.accountId,
    {
      partition: target.partition,
      authType: target.authType,
      state: 'onboarded',
      origin: originOf(datadog.action, datadog.accountConfigId, input.registration.accountConfigId, existing),
      datadogAccountConfigId: datadog.accountConfigId,
      ...(byRole
        ? { roleName: datadog.roleName ?? target.roleName, externalId: datadog.externalId ?? undefined }
        : { accessKeySecretArn: input.keySecretArn ?? undefined }),
      policyHash: policyHashOf(input.registration.permissions),
      lastOnboardedAt: at,
      // An account already validated by an earlier execution was not validated again by this one.
      ...(input.validation.attempts > 0 ? { lastValidatedAt: at } : {}),
    },
    { releaseLeaseOf: input.executionArn },
  );
  // A reconciliation's repair is not a new onboarding: one source for AccountsRepaired and the `repaired` event.
  const repaired = input.executionInput?.reconciliation?.action === 'repair';
  if (repaired) emitRepaired({ validationAttempts: input.validation.attempts });
  else
    emitOnboarded({
      validationAttempts: input.validation.attempts,
      timeToOnboardSeconds: secondsSince(input.executionInput?.trigger?.time, now),
    });
  const where = input.executionInput?.context;
  await sendLifecycleEvent(
    {
      outcome: repaired ? 'repaired' : 'onboarded',
      accountId: target.accountId,
      partition: target.partition,
      organizationalUnitId: where?.organizationalUnitId,
      organizationalUnitName: where?.organizationalUnitName,
      // What drifted, in the plan's words (e.g. "the policy differs from the permissions Datadog publishes").
      ...(repaired && input.executionInput?.reconciliation?.reason
        ? { detail: `drift: ${input.executionInput.reconciliation.reason}` }
        : {}),
    },
    target.datadogSite,
  );
  return record;
}
