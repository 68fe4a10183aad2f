/**
 * RemoveValidatorTrust: after validation passed, the Datadog role's trust policy goes back to Datadog's statement
 * alone. The step's rules: `shared/steps/remove-validator-trust.ts`.
 */
import { logger } from '../../shared/logger';
import { stepHandler } from '../../shared/middleware/onboarding-handler';
import { removeValidatorTrustInputSchema, type RemoveValidatorTrustInput } from '../../shared/onboarding/step-inputs';
import { removeValidatorTrust } from '../../shared/steps/remove-validator-trust';

/**
 * Removes the validator's statement.
 *
 * @param input - `{target, externalId}`, parsed by the handler.
 * @returns `{trustPolicyUpdated}`.
 *
 * @example
 * ```ts
 * await removeValidatorTrustStep({ target, externalId }); // { trustPolicyUpdated: true }; on a replay, false
 * ```
 */
export async function removeValidatorTrustStep(input: RemoveValidatorTrustInput): Promise<{ trustPolicyUpdated: boolean }> {
  const result = await removeValidatorTrust(input);
  logger.info('validator trust removed', { accountId: input.target.accountId, ...result });
  return result;
}

/** Lambda entry point. */
export const handler = stepHandler('RemoveValidatorTrust', removeValidatorTrustInputSchema, removeValidatorTrustStep);
