/**
 * ValidateRole: one attempt at assuming the Datadog role with its external ID, the way Datadog will. The state
 * machine waits `waitSeconds` and calls again until `assumable` is true.
 */
import { pickEnv, readEnv } from '../../shared/config';
import { logger } from '../../shared/logger';
import { onboardingHandler } from '../../shared/middleware/onboarding-handler';
import { parseStepInput, validateInputSchema } from '../../shared/onboarding/step-inputs';
import { attemptValidation, type ValidationResult } from '../../shared/onboarding/validate-role';

const STEP = 'ValidateRole';

/**
 * Makes one attempt.
 *
 * @param event - `{target, roleArn, externalId, validation: {attempts, waitedSeconds, startedAt?}}`.
 * @returns `{assumable, attempts, waitedSeconds, waitSeconds, startedAt, lastError?}` (seconds; `startedAt` ISO 8601).
 * @throws RoleValidationTimeoutError past `MAX_VALIDATION_SECONDS`; RoleValidationError for other refusals.
 */
export async function validateRoleStep(event: unknown): Promise<ValidationResult> {
  const { target, roleArn, externalId, validation } = parseStepInput(validateInputSchema, event, STEP);
  const env = readEnv(pickEnv('MAX_VALIDATION_SECONDS'));
  const result = await attemptValidation(target, roleArn, externalId, validation, {
    maxTotalSeconds: env.MAX_VALIDATION_SECONDS,
  });
  logger.info(result.assumable ? 'role is assumable' : 'role not assumable yet', { accountId: target.accountId, ...result });
  return result;
}

/** Lambda entry point. */
export const handler = onboardingHandler(STEP, validateRoleStep);
