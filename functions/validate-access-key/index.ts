/**
 * ValidateAccessKey: one attempt at using the stored access key the way Datadog will. While the key is not usable
 * yet it throws `AccessKeyNotYetUsable.<phase>`, which the state machine's `Retry` repeats on the validation
 * schedule. The step's rules: `shared/steps/validate-access-key.ts`.
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
 * @param input - `{target, keySecretArn, provisionedAt}` (`provisionedAt` ISO 8601), parsed by the handler.
 * @returns `{assumable: true, attempts, waitedSeconds, waitSeconds: 0, startedAt}` (seconds since provisioning;
 *   `startedAt` the provisioning time).
 * @throws NotYetUsableError `AccessKeyNotYetUsable.Early|Middle|Late` while the key is not usable yet;
 *   RoleValidationTimeoutError past `MAX_VALIDATION_SECONDS`; OnboardingError when the secret holds no key.
 *
 * @example
 * ```ts
 * const validation = await validateAccessKeyStep({ target, keySecretArn: accessKey.keySecretArn, provisionedAt: accessKey.provisionedAt });
 * // usable:  { assumable: true, attempts: 3, waitedSeconds: 8.2, waitSeconds: 0, startedAt: '…' }
 * // not yet: throws AccessKeyNotYetUsable.Early "… the stored access key not usable yet (attempt 1, 0 s after provisioning, InvalidClientTokenId); next attempt in 4 s"
 * ```
 */
export async function validateAccessKeyStep(input: ValidateAccessKeyInput): Promise<ValidationResult> {
  const env = readEnv(pickEnv('MAX_VALIDATION_SECONDS'));
  const result = await validateAccessKey(input, { maxTotalSeconds: env.MAX_VALIDATION_SECONDS });
  logger.info('access key is usable', { accountId: input.target.accountId, ...result });
  return result;
}

/** Lambda entry point. */
export const handler = stepHandler('ValidateAccessKey', validateAccessKeyInputSchema, validateAccessKeyStep);
