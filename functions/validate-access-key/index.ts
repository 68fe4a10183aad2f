/**
 * ValidateAccessKey: one attempt at using the stored access key the way Datadog will. The state machine waits
 * `waitSeconds` and calls again until `assumable` is true. The step's rules: `shared/steps/validate-access-key.ts`.
 */
import { pickEnv, readEnv } from '../../shared/config';
import { logger } from '../../shared/logger';
import { stepHandler } from '../../shared/middleware/onboarding-handler';
import { validateAccessKeyInputSchema, type ValidateAccessKeyInput } from '../../shared/onboarding/step-inputs';
import type { ValidationResult } from '../../shared/onboarding/validation-schedule';
import { validateAccessKey } from '../../shared/steps/validate-access-key';

/**
 * Makes one attempt.
 *
 * @param input - `{target, keySecretArn, validation: {attempts, waitedSeconds, startedAt?}}`, parsed by the handler.
 * @returns `{assumable, attempts, waitedSeconds, waitSeconds, startedAt, lastError?}` (seconds; `startedAt` ISO 8601).
 * @throws RoleValidationTimeoutError past `MAX_VALIDATION_SECONDS`; OnboardingError when the secret holds no key.
 *
 * @example
 * ```ts
 * const validation = await validateAccessKeyStep({ target, keySecretArn: accessKey.keySecretArn, validation: { attempts: 0, waitedSeconds: 0 } });
 * // not yet: { assumable: false, attempts: 1, waitedSeconds: 5, waitSeconds: 5, startedAt: '…', lastError: 'InvalidClientTokenId' }
 * ```
 */
export async function validateAccessKeyStep(input: ValidateAccessKeyInput): Promise<ValidationResult> {
  const env = readEnv(pickEnv('MAX_VALIDATION_SECONDS'));
  const result = await validateAccessKey(input, { maxTotalSeconds: env.MAX_VALIDATION_SECONDS });
  logger.info(result.assumable ? 'access key is usable' : 'access key not usable yet', { accountId: input.target.accountId, ...result });
  return result;
}

/** Lambda entry point. */
export const handler = stepHandler('ValidateAccessKey', validateAccessKeyInputSchema, validateAccessKeyStep);
