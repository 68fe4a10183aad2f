/**
 * RegisterAccount: once the role (or access key) is proven usable, registers the account with Datadog, or converges
 * the existing registration. Datadog never sees a role that does not work. The step's rules:
 * `shared/steps/register-account.ts`.
 */
import type { RegistrationResult } from '../../shared/datadog/registration';
import { logger } from '../../shared/logger';
import { stepHandler } from '../../shared/middleware/onboarding-handler';
import { registerAccountInputSchema, type RegisterAccountInput } from '../../shared/onboarding/step-inputs';
import { registerAccount } from '../../shared/steps/register-account';

/**
 * Registers the account.
 *
 * @param input - `{target, externalId, keySecretArn, settings}`, parsed by the handler: the external ID with role
 *   delegation, the key secret's ARN with access keys (the other `null`), the account's settings from the document.
 * @returns `{accountConfigId, authType, roleName, externalId, accessKeyId, action, changed}`.
 * @throws DatadogRequestError, DatadogKeysError, TransientError.
 *
 * @example
 * ```ts
 * const datadog = await registerAccountStep({ target, externalId: registration.externalId, keySecretArn: null, settings });
 * // { accountConfigId: '<Datadog UUID>', authType: 'role', roleName: 'DatadogIntegrationRole', externalId: '…',
 * //   accessKeyId: null, action: 'created', changed: [] }
 * ```
 */
export async function registerAccountStep(input: RegisterAccountInput): Promise<RegistrationResult> {
  const result = await registerAccount(input);
  logger.info('account registered', {
    accountId: input.target.accountId,
    accountConfigId: result.accountConfigId,
    action: result.action,
    changed: result.changed,
  });
  return result;
}

/** Lambda entry point. */
export const handler = stepHandler('RegisterAccount', registerAccountInputSchema, registerAccountStep);
