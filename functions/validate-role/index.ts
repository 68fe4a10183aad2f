/**
 * ValidateRole: one attempt at assuming the Datadog role with its external ID, the way Datadog will. The state
 * machine waits `waitSeconds` and calls again until `assumable` is true. The step's rules: `shared/steps/validate-role.ts`.
 */
import { pickEnv, readEnv } from '../../shared/config';
import { logger } from '../../shared/logger';
import { stepHandler } from '../../shared/middleware/onboarding-handler';
import { validateRoleInputSchema, type ValidateRoleInput } from '../../shared/onboarding/step-inputs';
import type { ValidationResult } from '../../shared/onboarding/validation-schedule';
import { validateRole } from '../../shared/steps/validate-role';

/**
 * Makes one attempt.
 *
 * @param input - `{target, roleArn, externalId, validation: {attempts, waitedSeconds, startedAt?}}`, parsed by the handler.
 * @returns `{assumable, attempts, waitedSeconds, waitSeconds, startedAt, lastError?}` (seconds; `startedAt` ISO 8601).
 * @throws RoleValidationTimeoutError past `MAX_VALIDATION_SECONDS`; RoleValidationError for other refusals.
 *
 * @example
 * ```ts
 * const validation = await validateRoleStep({ target, roleArn: role.roleArn, externalId, validation: { attempts: 0, waitedSeconds: 0 } });
 * // not yet: { assumable: false, attempts: 1, waitedSeconds: 5, waitSeconds: 5, startedAt: '…', lastError: 'sts:AssumeRole AccessDenied' }
 * // then:    { assumable: true, attempts: 2, waitedSeconds: 5, waitSeconds: 0, startedAt: '…' }
 * ```
 */
export async function validateRoleStep(input: ValidateRoleInput): Promise<ValidationResult> {
  const env = readEnv(pickEnv('MAX_VALIDATION_SECONDS'));
  const result = await validateRole(input, { maxTotalSeconds: env.MAX_VALIDATION_SECONDS });
  logger.info(result.assumable ? 'role is assumable' : 'role not assumable yet', { accountId: input.target.accountId, ...result });
  return result;
}

/** Lambda entry point. */
export const handler = stepHandler('ValidateRole', validateRoleInputSchema, validateRoleStep);
