/**
 * RemoveValidatorTrust: after validation passed, the Datadog role's trust policy goes back to Datadog's statement
 * alone.
 */
import { reachMemberAccount } from '../../shared/aws/member-account';
import { logger } from '../../shared/logger';
import { onboardingHandler } from '../../shared/middleware/onboarding-handler';
import { removeValidatorTrust } from '../../shared/onboarding/remove-validator-trust';
import { externalIdInputSchema, parseStepInput } from '../../shared/onboarding/step-inputs';

const STEP = 'RemoveValidatorTrust';

/**
 * Removes the validator's statement.
 *
 * @param event - `{target, externalId}`.
 * @returns `{trustPolicyUpdated}`.
 */
export async function removeValidatorTrustStep(event: unknown): Promise<{ trustPolicyUpdated: boolean }> {
  const { target, externalId } = parseStepInput(externalIdInputSchema, event, STEP);
  const { iam } = await reachMemberAccount(target, STEP);
  const result = await removeValidatorTrust(iam, target, externalId);
  logger.info('validator trust removed', { accountId: target.accountId, ...result });
  return result;
}

/** Lambda entry point. */
export const handler = onboardingHandler(STEP, removeValidatorTrustStep);
