/**
 * DetectDrift: read-only checks in the member account of an account the reconciliation plan found converged.
 * The step's rules: `shared/steps/detect-drift.ts`.
 */
import { pickEnv, readEnv } from '../../shared/config';
import { ownPartition } from '../../shared/aws/partition-credentials';
import { logger } from '../../shared/logger';
import { stepHandler } from '../../shared/middleware/onboarding-handler';
import { detectDriftInputSchema, type DetectDriftInput } from '../../shared/onboarding/step-inputs';
import { detectDriftStep as detectDrift, type DetectDriftResult } from '../../shared/steps/detect-drift';

/**
 * Checks one plan item.
 *
 * @throws MemberAccountAccessError / AccountNotActiveError when the account cannot be reached.
 * @example
 * ```ts
 * await detectDriftStep({ accountId: '444455556666', partition: 'aws', action: 'none', reason: 'converged', expected: {}, dryRun: false });
 * // { accountId: '444455556666', partition: 'aws', action: 'none', reason: 'converged', dryRun: false }
 * ```
 */
export async function detectDriftStep(input: DetectDriftInput): Promise<DetectDriftResult> {
  const env = readEnv(
    pickEnv(
      'DATADOG_SITE',
      'DATADOG_ROLE_NAME',
      'DATADOG_POLICY_NAME',
      'DATADOG_USER_NAME',
      'MEMBER_ACCESS_ROLE_NAME',
      'CONTROL_TOWER_ACCESS_ROLE_NAME',
      'ATTACH_SECURITY_AUDIT',
    ),
  );
  const result = await detectDrift(input, {
    partition: ownPartition(),
    datadogSite: env.DATADOG_SITE,
    roleName: env.DATADOG_ROLE_NAME,
    policyName: env.DATADOG_POLICY_NAME,
    userName: env.DATADOG_USER_NAME,
    memberAccessRoleName: env.MEMBER_ACCESS_ROLE_NAME,
    controlTowerAccessRoleName: env.CONTROL_TOWER_ACCESS_ROLE_NAME,
    attachSecurityAudit: env.ATTACH_SECURITY_AUDIT,
  });
  if (result.action !== input.action) logger.info('drift found', { accountId: input.accountId, reason: result.reason });
  return result;
}

/** Lambda entry point. */
export const handler = stepHandler('DetectDrift', detectDriftInputSchema, detectDriftStep);
