/**
 * ValidateRole: one attempt at assuming the Datadog role with its external ID, the way Datadog will. While the role
 * is not assumable yet it throws `RoleNotYetAssumable.<phase>`, which the state machine's `Retry` repeats on the
 * validation schedule. The step's rules: `shared/steps/validate-role.ts`.
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
 * @param input - `{target, roleArn, externalId, provisionedAt}` (`provisionedAt` ISO 8601), parsed by the handler.
 * @returns `{assumable: true, attempts, waitedSeconds, waitSeconds: 0, startedAt}` (seconds since provisioning;
 *   `startedAt` the provisioning time).
 * @throws NotYetUsableError `RoleNotYetAssumable.Early|Middle|Late` while the role is not assumable yet;
 *   RoleValidationTimeoutError past `MAX_VALIDATION_SECONDS`; RoleValidationError for other refusals.
 *
 * @example
 * ```ts
 * const validation = await validateRoleStep({ target, roleArn: role.roleArn, externalId, provisionedAt: role.provisionedAt });
 * // assumable: { assumable: true, attempts: 4, waitedSeconds: 12.3, waitSeconds: 0, startedAt: '…' }
 * // not yet:   throws RoleNotYetAssumable.Early "… arn:<partition>:iam::…:role/DatadogIntegrationRole not assumable yet (attempt 1, 0 s after provisioning, sts:AssumeRole AccessDenied); next attempt in 4 s"
 * ```
 */
export async function validateRoleStep(input: ValidateRoleInput): Promise<ValidationResult> {
  const env = readEnv(pickEnv('MAX_VALIDATION_SECONDS'));
  const result = await validateRole(input, { maxTotalSeconds: env.MAX_VALIDATION_SECONDS });
  logger.info('role is assumable', { accountId: input.target.accountId, ...result });
  return result;
}

/** Lambda entry point. */
export const handler = stepHandler('ValidateRole', validateRoleInputSchema, validateRoleStep);
