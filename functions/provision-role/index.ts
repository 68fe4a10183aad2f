/**
 * ProvisionRole: in the member account, converges the integration policy and the Datadog role, whose trust policy
 * also trusts the validator until validation passed (at most `MAX_VALIDATION_SECONDS` plus a grace period).
 */
import { callerArnIn, partitionAccess, reachMemberAccount } from '../../shared/aws/member-account';
import { ownPartition } from '../../shared/aws/partition-credentials';
import { pickEnv, readEnv } from '../../shared/config';
import { logger } from '../../shared/logger';
import { onboardingHandler } from '../../shared/middleware/onboarding-handler';
import { provisionDatadogRole, type ProvisionResult } from '../../shared/onboarding/provision';
import { parseStepInput, provisionInputSchema } from '../../shared/onboarding/step-inputs';
import { validatorTrustExpiry } from '../../shared/onboarding/validator-trust-expiry';

const STEP = 'ProvisionRole';

/**
 * Provisions the role.
 *
 * @param event - `{target, externalId, permissions}`.
 * @returns `{roleArn, policyArns, changed, validationRequired, memberAccessRoleName}`: the last names the member
 *   access role that worked, which later steps assume directly.
 * @throws MemberAccountAccessError, AccountNotActiveError, AccountPendingActivationError, ForeignResourceError,
 *   InvalidInputError; transient AWS errors become TransientError.
 */
export async function provisionRoleStep(event: unknown): Promise<ProvisionResult & { memberAccessRoleName: string }> {
  const { target, externalId, permissions, permissionsSource } = parseStepInput(provisionInputSchema, event, STEP);
  const env = readEnv(pickEnv('VALIDATOR_ROLE_ARN', 'ALLOW_ROLE_TAKEOVER', 'MAX_VALIDATION_SECONDS'));
  const context = { accountId: target.accountId, step: STEP };
  const { iam, accessRoleName } = await reachMemberAccount(target, STEP);
  // In another partition the validator acts as that partition's IAM user, so that user is the one trusted.
  const validatorRoleArn =
    target.partition === ownPartition()
      ? env.VALIDATOR_ROLE_ARN
      : await callerArnIn(target.partition, await partitionAccess(target.partition, context), context);
  const result = await provisionDatadogRole(iam, {
    target,
    externalId,
    permissions,
    validator: { principalArn: validatorRoleArn, expiresAt: validatorTrustExpiry(new Date(), env.MAX_VALIDATION_SECONDS) },
    allowTakeover: env.ALLOW_ROLE_TAKEOVER,
    keepExistingPolicies: permissionsSource === 'snapshot',
  });
  logger.info('role provisioned', { accountId: target.accountId, memberAccessRoleName: accessRoleName, ...result });
  return { ...result, memberAccessRoleName: accessRoleName };
}

/** Lambda entry point. */
export const handler = onboardingHandler(STEP, provisionRoleStep);
