/**
 * ProvisionRole: in the member account, converges the integration policy and the Datadog role, whose trust policy
 * also trusts the validator until validation passed. The step's rules: `shared/steps/provision-role.ts`.
 */
import { pickEnv, readEnv } from '../../shared/config';
import { logger } from '../../shared/logger';
import { stepHandler } from '../../shared/middleware/onboarding-handler';
import { provisionRoleInputSchema, type ProvisionRoleInput } from '../../shared/onboarding/step-inputs';
import { provisionRole, type ProvisionResult } from '../../shared/steps/provision-role';

/**
 * Provisions the role.
 *
 * @param input - `{target, externalId, permissions, permissionsSource?}`, parsed by the handler.
 * @returns `{roleArn, policyArns, changed, validationRequired, memberAccessRoleName, provisionedAt}`: the last names the member
 *   access role that worked, which later steps assume directly.
 * @throws MemberAccountAccessError, AccountNotActiveError, AccountPendingActivationError, ForeignResourceError,
 *   InvalidInputError; transient AWS errors become TransientError.
 *
 * @example
 * ```ts
 * const role = await provisionRoleStep({ target, externalId: registration.externalId, permissions: registration.permissions });
 * // { roleArn: 'arn:<partition>:iam::444455556666:role/DatadogIntegrationRole',
 * //   policyArns: ['arn:<partition>:iam::444455556666:policy/DatadogIntegrationPolicy'], changed: true,
 * //   validationRequired: true, memberAccessRoleName: 'AWSControlTowerExecution',
 * //   provisionedAt: '2026-12-02T10:00:00.000Z' }
 * ```
 */
export async function provisionRoleStep(
  input: ProvisionRoleInput,
): Promise<ProvisionResult & { memberAccessRoleName: string; provisionedAt: string }> {
  const env = readEnv(pickEnv('VALIDATOR_ROLE_ARN', 'ALLOW_ROLE_TAKEOVER', 'MAX_VALIDATION_SECONDS'));
  const result = await provisionRole(input, {
    validatorRoleArn: env.VALIDATOR_ROLE_ARN,
    allowTakeover: env.ALLOW_ROLE_TAKEOVER,
    maxValidationSeconds: env.MAX_VALIDATION_SECONDS,
  });
  logger.info('role provisioned', { accountId: input.target.accountId, ...result });
  return result;
}

/** Lambda entry point. */
export const handler = stepHandler('ProvisionRole', provisionRoleInputSchema, provisionRoleStep);
