/**
 * RemoveRegistration: first step of offboarding. Deletes the account's Datadog registration when this application's
 * record says it created it (or adopted it, with OffboardAdoptedRegistrations), and the account's access-key secret.
 * The step's rules: `shared/steps/remove-registration.ts`.
 */
import * as accountRecords from '../../shared/aws/account-records';
import { pickEnv, readEnv } from '../../shared/config';
import { logger } from '../../shared/logger';
import { stepHandler } from '../../shared/middleware/onboarding-handler';
import { removeRegistrationInputSchema, type RemoveRegistrationInput } from '../../shared/onboarding/step-inputs';
import { removeRegistration, type RemoveRegistrationResult } from '../../shared/steps/remove-registration';

/**
 * Removes what is this application's of the account's Datadog side.
 *
 * @param input - `{target, offboard: {reason, accountGone}, executionArn}`, parsed by the handler.
 * @returns `{registration, keySecret, memberCleanupRequired, memberCleanupReason}`.
 * @throws DatadogRequestError, DatadogKeysError, TransientError; the SDK's errors.
 *
 * @example
 * ```ts
 * await removeRegistrationStep({ target, offboard: { reason: 'account 444455556666 was closed (CloseAccountResult SUCCEEDED)', accountGone: true }, executionArn });
 * // { registration: { action: 'deleted', accountConfigId: '<Datadog UUID>', reason: 'this application created it' },
 * //   keySecret: { action: 'absent', arn: null }, memberCleanupRequired: false, memberCleanupReason: 'OffboardingMode is registration' }
 * ```
 */
export async function removeRegistrationStep(input: RemoveRegistrationInput): Promise<RemoveRegistrationResult> {
  const env = readEnv(pickEnv('OFFBOARDING_MODE', 'OFFBOARD_ADOPTED_REGISTRATIONS'));
  const result = await removeRegistration(input, {
    mode: env.OFFBOARDING_MODE,
    offboardAdopted: env.OFFBOARD_ADOPTED_REGISTRATIONS,
    records: accountRecords,
  });
  logger.info('registration offboarded', {
    accountId: input.target.accountId,
    registration: result.registration.action,
    keySecret: result.keySecret.action,
    memberCleanupRequired: result.memberCleanupRequired,
  });
  return result;
}

/** Lambda entry point. */
export const handler = stepHandler('RemoveRegistration', removeRegistrationInputSchema, removeRegistrationStep);
