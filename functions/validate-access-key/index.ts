/**
 * ValidateAccessKey: one attempt at using the stored access key the way Datadog will. The state machine waits
 * `waitSeconds` and calls again until `assumable` is true.
 */
import { z } from 'zod';
import { pickEnv, readEnv } from '../../shared/config';
import { logger } from '../../shared/logger';
import { onboardingHandler } from '../../shared/middleware/onboarding-handler';
import { parseStepInput, targetSchema } from '../../shared/onboarding/step-inputs';
import { attemptKeyValidation } from '../../shared/onboarding/validate-access-key';
import type { ValidationResult } from '../../shared/onboarding/validate-role';

const STEP = 'ValidateAccessKey';
const inputSchema = z.object({
  target: targetSchema,
  keySecretArn: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:/, 'must be a Secrets Manager secret ARN'),
  validation: z.object({ attempts: z.number().int().min(0), waitedSeconds: z.number().min(0), startedAt: z.iso.datetime().optional() }).loose(),
});

/**
 * Makes one attempt.
 *
 * @param event - `{target, keySecretArn, validation: {attempts, waitedSeconds, startedAt?}}`.
 * @returns `{assumable, attempts, waitedSeconds, waitSeconds, startedAt, lastError?}` (seconds; `startedAt` ISO 8601).
 */
export async function validateAccessKeyStep(event: unknown): Promise<ValidationResult> {
  const { target, keySecretArn, validation } = parseStepInput(inputSchema, event, STEP);
  const env = readEnv(pickEnv('MAX_VALIDATION_SECONDS'));
  const result = await attemptKeyValidation(target, keySecretArn, validation, { maxTotalSeconds: env.MAX_VALIDATION_SECONDS });
  logger.info(result.assumable ? 'access key is usable' : 'access key not usable yet', { accountId: target.accountId, ...result });
  return result;
}

/** Lambda entry point. */
export const handler = onboardingHandler(STEP, validateAccessKeyStep);
