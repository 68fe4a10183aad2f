/**
 * ProvisionRole: in the member account, converges the integration policy and the Datadog role, whose trust policy
 * also trusts the validator until validation passed.
 */
import { memberAccountIam } from '../../shared/aws/member-account';
import { pickEnv, readEnv } from '../../shared/config';
import { logger } from '../../shared/logger';
import { onboardingHandler } from '../../shared/middleware/onboarding-handler';
import { provisionDatadogRole, type ProvisionResult } from '../../shared/onboarding/provision';
import { parseStepInput, provisionInputSchema } from '../../shared/onboarding/step-inputs';

const STEP = 'ProvisionRole';

/**
 * Provisions the role.
 *
 * @param event - `{target, externalId, permissions}`.
 * @returns `{roleArn, policyArns, changed, validationRequired}`.
 * @throws MemberAccountAccessError, ForeignResourceError, InvalidInputError; transient AWS errors become TransientError.
 */
export async function provisionRoleStep(event: unknown): Promise<ProvisionResult> {
  const { target, externalId, permissions } = parseStepInput(provisionInputSchema, event, STEP);
  const env = readEnv(pickEnv('VALIDATOR_ROLE_ARN', 'ALLOW_ROLE_TAKEOVER'));
  const iam = await memberAccountIam(target, STEP);
  const result = await provisionDatadogRole(iam, {
    target,
    externalId,
    permissions,
    validatorRoleArn: env.VALIDATOR_ROLE_ARN,
    allowTakeover: env.ALLOW_ROLE_TAKEOVER,
  });
  logger.info('role provisioned', { accountId: target.accountId, ...result });
  return result;
}

/** Lambda entry point. */
export const handler = onboardingHandler(STEP, provisionRoleStep);
