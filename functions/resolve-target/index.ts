/**
 * ResolveTarget: validates the execution input (from the starter or typed in the Step Functions console), resolves
 * every setting of the onboarding against the stack's defaults, and takes the account's lease; when another execution
 * holds it, this one stops without changes. The step's rules: `shared/steps/resolve-target.ts`.
 */
import { pickEnv, readEnv } from '../../shared/config';
import { logger } from '../../shared/logger';
import { stepHandler } from '../../shared/middleware/onboarding-handler';
import { resolveTargetInputSchema, type ResolveTargetInput } from '../../shared/onboarding/step-inputs';
import { resolveTarget, type ResolveTargetResult } from '../../shared/steps/resolve-target';

export type { ResolveTargetResult };

/**
 * Resolves the target.
 *
 * @param input - `{input, executionArn}`, the state machine's Parameters of this state, parsed by the handler.
 * @throws InvalidInputError for a malformed execution input (one line naming the field), before anything is changed.
 * @throws the SDK's errors when DynamoDB fails (throttling is retried by the state machine).
 * @throws AccountOutOfScopeError for a console replay of an account the scope parameters leave out.
 *
 * @example
 * ```ts
 * const { target, concurrentExecutionArn } = await resolveTargetStep({
 *   input: { accountId: '444455556666' },
 *   executionArn: 'arn:<partition>:states:us-east-1:111122223333:execution:stack-onboarding:replay-1',
 * });
 * // target: { accountId: '444455556666', partition: 'aws', datadogSite: 'datadoghq.com', authType: 'role', … };
 * // concurrentExecutionArn: null when this execution took the account's lease, else the execution holding it
 * ```
 */
export async function resolveTargetStep(input: ResolveTargetInput): Promise<ResolveTargetResult> {
  const env = readEnv(
    pickEnv(
      'DATADOG_SITE',
      'DATADOG_ROLE_NAME',
      'DATADOG_POLICY_NAME',
      'MEMBER_ACCESS_ROLE_NAME',
      'CONTROL_TOWER_ACCESS_ROLE_NAME',
      'ATTACH_SECURITY_AUDIT',
      'INCLUDE_ORGANIZATIONAL_UNITS',
      'EXCLUDE_ORGANIZATIONAL_UNITS',
      'EXCLUDE_ACCOUNTS',
      'ONBOARD_MANAGEMENT_ACCOUNT',
      'MANAGEMENT_ACCOUNT_ID',
    ),
  );
  const result = await resolveTarget(input, {
    datadogSite: env.DATADOG_SITE,
    roleName: env.DATADOG_ROLE_NAME,
    policyName: env.DATADOG_POLICY_NAME,
    memberAccessRoleName: env.MEMBER_ACCESS_ROLE_NAME,
    controlTowerAccessRoleName: env.CONTROL_TOWER_ACCESS_ROLE_NAME,
    attachSecurityAudit: env.ATTACH_SECURITY_AUDIT,
    scope: {
      includeOrganizationalUnits: env.INCLUDE_ORGANIZATIONAL_UNITS,
      excludeOrganizationalUnits: env.EXCLUDE_ORGANIZATIONAL_UNITS,
      excludeAccounts: env.EXCLUDE_ACCOUNTS,
      managementAccountId: env.MANAGEMENT_ACCOUNT_ID,
      onboardManagementAccount: env.ONBOARD_MANAGEMENT_ACCOUNT,
    },
  });
  logger.info('target resolved', {
    target: result.target,
    concurrentExecutionArn: result.concurrentExecutionArn,
    ...(result.outOfScope ? { outOfScope: result.outOfScope } : {}),
  });
  return result;
}

/** Lambda entry point. */
export const handler = stepHandler('ResolveTarget', resolveTargetInputSchema, resolveTargetStep);
