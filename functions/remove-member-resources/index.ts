/**
 * RemoveMemberResources: with OffboardingMode `everything`, deletes the role, policies, user and keys this application
 * created in a member account that can still be reached; a closed or departed account is never assumed into. The
 * step's rules: `shared/steps/remove-member-resources.ts`.
 */
import * as accountRecords from '../../shared/aws/account-records';
import { pickEnv, readEnv } from '../../shared/config';
import { logger } from '../../shared/logger';
import { stepHandler } from '../../shared/middleware/onboarding-handler';
import { removeMemberResourcesInputSchema, type RemoveMemberResourcesInput } from '../../shared/onboarding/step-inputs';
import { removeMemberResources, type RemoveMemberResourcesResult } from '../../shared/steps/remove-member-resources';

/**
 * Removes this application's resources from the member account.
 *
 * @param input - `{target, executionArn}`, parsed by the handler.
 * @returns `{action: 'removed', role, user, …}` or `{action: 'skipped', reason}`.
 * @throws the SDK's errors; PartitionCredentialsError.
 *
 * @example
 * ```ts
 * await removeMemberResourcesStep({ target, executionArn });
 * // { action: 'removed', reason: 'OffboardingMode is everything and the account is reachable',
 * //   memberAccessRoleName: 'AWSControlTowerExecution', role: { action: 'deleted', … }, user: { action: 'absent', … } }
 * ```
 */
export async function removeMemberResourcesStep(input: RemoveMemberResourcesInput): Promise<RemoveMemberResourcesResult> {
  const env = readEnv(pickEnv('DATADOG_USER_NAME'));
  const result = await removeMemberResources(input, { userName: env.DATADOG_USER_NAME, records: accountRecords });
  logger.info('member resources offboarded', { accountId: input.target.accountId, action: result.action, reason: result.reason });
  return result;
}

/** Lambda entry point. */
export const handler = stepHandler('RemoveMemberResources', removeMemberResourcesInputSchema, removeMemberResourcesStep);
