/**
 * LookUpRegistration: asks Datadog whether it already holds the account (adopting that registration's external ID)
 * or generates a new external ID, and fetches the permissions Datadog publishes for the integration policy.
 * The step's rules: `shared/steps/look-up-registration.ts`.
 */
import { logger } from '../../shared/logger';
import { stepHandler } from '../../shared/middleware/onboarding-handler';
import { lookUpRegistrationInputSchema, type LookUpRegistrationInput } from '../../shared/onboarding/step-inputs';
import { lookUpRegistration, type LookUpRegistrationResult } from '../../shared/steps/look-up-registration';

export type { LookUpRegistrationResult };

/**
 * Looks up the registration.
 *
 * @param input - `{target}`, parsed by the handler.
 * @throws DatadogRequestError (e.g. 403 for bad keys), DatadogKeysError, TransientError.
 *
 * @example
 * ```ts
 * const registration = await lookUpRegistrationStep({ target });
 * // { accountConfigId: null, externalId: '<32 hex characters from Datadog>', source: 'generated',
 * //   permissions: ['apigateway:GET', …], permissionsSource: 'datadog' }
 * ```
 */
export async function lookUpRegistrationStep(input: LookUpRegistrationInput): Promise<LookUpRegistrationResult> {
  const result = await lookUpRegistration(input);
  logger.info('registration looked up', {
    accountId: input.target.accountId,
    accountConfigId: result.accountConfigId,
    externalIdSource: result.source,
    permissionsSource: result.permissionsSource,
    permissionCount: result.permissions.length,
  });
  return result;
}

/** Lambda entry point. */
export const handler = stepHandler('LookUpRegistration', lookUpRegistrationInputSchema, lookUpRegistrationStep);
