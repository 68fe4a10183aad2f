/**
 * The RemoveRegistration step, first of the offboarding path: removes the account's Datadog registration when this
 * application's record says it is ours, and the account's access-key secret (and so its rotation); then tells whether
 * the member account's own resources are to be removed too (`OffboardingMode` `everything`, account reachable).
 */
import type { AWSIntegrationApi } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/AWSIntegrationApi';
import type { AWSAccountResponseData } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAccountResponseData';
import { datadogApiFor } from '../datadog/api-from-env';
import { deleteRegistration } from '../datadog/deregistration';
import { findRegistration } from '../datadog/registration';
import { deleteKeySecret } from '../onboarding/access-key-secret';
import {
  recordOffboarded,
  type OffboardedReport,
  type OffboardingRecord,
  type OffboardingRecords,
} from '../onboarding/offboarding-records';
import type { RemoveRegistrationInput } from '../onboarding/step-inputs';

const STEP = 'RemoveRegistration';

/** What offboarding removes (parameter `OffboardingMode`). */
export type OffboardingMode = 'registration' | 'everything' | 'none';

/** The deployment's offboarding settings and the records. */
export interface RemoveRegistrationSettings {
  mode: OffboardingMode;
  /** Parameter `OffboardAdoptedRegistrations`: delete registrations this application adopted, not only those it created. */
  offboardAdopted: boolean;
  records: OffboardingRecords;
  /** The Datadog client; default from the environment (`DATADOG_KEYS_SECRET_ARN`) and the target's site. */
  datadogApi?: () => Promise<AWSIntegrationApi>;
  /** The clock, for `lastOffboardedAt`. */
  now?: () => Date;
  /** Posts the offboarded event; default `sendLifecycleEvent`. */
  sendEvent?: OffboardedReport['sendEvent'];
}

/** Output, carried as `$.removal`. */
export interface RemoveRegistrationResult {
  registration: {
    /** `deleted`; `kept` (not ours to delete: the reason says why); `absent` (Datadog holds none); `skipped` (mode none). */
    action: 'deleted' | 'kept' | 'absent' | 'skipped';
    accountConfigId: string | null;
    reason: string;
  };
  keySecret: { action: 'deleted' | 'absent' | 'foreign' | 'skipped'; arn: string | null };
  /** Whether RemoveMemberResources runs next. */
  memberCleanupRequired: boolean;
  /** Why it does or does not. */
  memberCleanupReason: string;
}

/**
 * Whether the registration Datadog holds is this application's to delete, from the record: the record must name this
 * very registration (its config id) and say it was `created` here, or `adopted` when adopted ones may be deleted.
 */
export function registrationVerdict(
  record: OffboardingRecord | undefined,
  registration: AWSAccountResponseData,
  offboardAdopted: boolean,
): { delete: true; reason: string } | { delete: false; reason: string } {
  if (record?.origin === undefined || record.datadogAccountConfigId === undefined) {
    return { delete: false, reason: 'no record says this application created or adopted it: a foreign registration is never deleted' };
  }
  if (record.datadogAccountConfigId !== registration.id) {
    return { delete: false, reason: 'it is not the registration this application recorded (created by someone else since)' };
  }
  if (record.origin === 'created') return { delete: true, reason: 'this application created it' };
  return offboardAdopted
    ? { delete: true, reason: 'this application adopted it and OffboardAdoptedRegistrations is true' }
    : { delete: false, reason: 'this application adopted it and OffboardAdoptedRegistrations is false' };
}

function memberCleanup(mode: OffboardingMode, accountGone: boolean): { memberCleanupRequired: boolean; memberCleanupReason: string } {
  if (mode !== 'everything') return { memberCleanupRequired: false, memberCleanupReason: `OffboardingMode is ${mode}` };
  if (accountGone) {
    return {
      memberCleanupRequired: false,
      memberCleanupReason: 'the account is closed or gone from the organization: it cannot be reached, and is not tried',
    };
  }
  return { memberCleanupRequired: true, memberCleanupReason: 'OffboardingMode is everything' };
}

/**
 * Removes the registration (when ours) and the key secret, and records the account `offboarded` (lease released,
 * AccountsOffboarded metric, `offboarded` Datadog event saying what was removed) unless RemoveMemberResources runs
 * next (then `offboarding`, and that step reports it). With `OffboardingMode` `none` nothing is removed (the event
 * says so).
 * Idempotent: a replay finds nothing left and removes nothing.
 *
 * @throws TransientError / DatadogRequestError / DatadogKeysError from Datadog; the SDK's errors from Secrets Manager
 *   and the records. Nothing is recorded offboarded then (the failure path records the failure).
 */
export async function removeRegistration(
  input: RemoveRegistrationInput,
  settings: RemoveRegistrationSettings,
): Promise<RemoveRegistrationResult> {
  const { target, offboard, executionArn } = input;
  const { accountId } = target;
  const context = { accountId, step: STEP };
  const now = settings.now ?? (() => new Date());
  const cleanup = memberCleanup(settings.mode, offboard.accountGone);

  // The offboarded event (and metric) is sent by the step that ends the offboarding: here, or RemoveMemberResources.
  const report = (detail: string): OffboardedReport => ({
    target,
    where: input.executionInput?.context,
    detail,
    sendEvent: settings.sendEvent,
  });

  if (settings.mode === 'none') {
    // Nothing removed, yet the account is offboarded for this application (its record says so): the event tells
    // that the registration stays in Datadog, which is what an operator of a departed account needs to know.
    await recordOffboarded(
      settings.records,
      executionArn,
      now(),
      report("nothing removed: OffboardingMode is none (the Datadog registration and the member account's resources are kept)"),
    );
    return {
      registration: { action: 'skipped', accountConfigId: null, reason: 'OffboardingMode is none' },
      keySecret: { action: 'skipped', arn: null },
      ...cleanup,
    };
  }

  const record = await settings.records.getAccountRecord(accountId);
  const api = await (settings.datadogApi ?? (() => datadogApiFor(target.datadogSite, context)))();
  const found = await findRegistration(api, accountId, STEP);
  let registration: RemoveRegistrationResult['registration'];
  if (found?.id === undefined) {
    registration = { action: 'absent', accountConfigId: null, reason: 'Datadog holds no registration of the account' };
  } else {
    const verdict = registrationVerdict(record, found, settings.offboardAdopted);
    const action = verdict.delete ? await deleteRegistration(api, found.id, context) : 'kept';
    registration = { action, accountConfigId: found.id, reason: verdict.reason };
  }

  const secret = await deleteKeySecret(accountId);
  const keySecret = { action: secret.action, arn: secret.arn ?? null };

  if (cleanup.memberCleanupRequired) await settings.records.updateAccountRecord(accountId, { state: 'offboarding' });
  else {
    const detail = `Datadog registration ${registration.action} (${registration.reason}); key secret ${keySecret.action}; member resources not removed (${cleanup.memberCleanupReason})`;
    await recordOffboarded(settings.records, executionArn, now(), report(detail));
  }
  return { registration, keySecret, ...cleanup };
}
