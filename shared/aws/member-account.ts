/**
 * Reaching a member account: assuming the member access role (`OrganizationAccountAccessRole`,
 * `AWSControlTowerExecution` or the configured one) and getting an IAM client in it.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { AccountNotActiveError, MemberAccountAccessError } from '../errors';
import type { OnboardingTarget } from '../onboarding/target';
import { roleArn } from '../partitions';
import { accountStatus } from './account-status';
import { assumeRole } from './assume-role';
import { iamRegion } from './regions';
import { isAccessDenied } from './transient-errors';

/** Session name the automation uses in member accounts; shows in their CloudTrail. */
export const MEMBER_SESSION_NAME = 'datadog-aws-account-onboarding';

/**
 * Gives an IAM client acting as the member access role of the target account.
 *
 * @param step - the state name, for error messages.
 * @throws AccountNotActiveError when STS refuses and Organizations says the account is suspended or closing.
 * @throws MemberAccountAccessError when STS refuses (`AccessDenied`) otherwise: the role is missing or does not trust
 *   the automation's account. Other SDK errors propagate unchanged.
 */
export async function memberAccountIam(target: OnboardingTarget, step: string): Promise<IAMClient> {
  const accessRoleArn = roleArn(target.partition, target.accountId, target.memberAccessRoleName);
  try {
    const credentials = await assumeRole({
      partition: target.partition,
      roleArn: accessRoleArn,
      sessionName: MEMBER_SESSION_NAME,
    });
    return new IAMClient({ region: iamRegion(target.partition), credentials });
  } catch (error) {
    if (isAccessDenied(error)) {
      const status = await accountStatus(target.partition, target.accountId);
      if (status !== undefined && status !== 'ACTIVE') {
        throw new AccountNotActiveError(`the account is ${status} in AWS Organizations, so it cannot be onboarded`, {
          accountId: target.accountId,
          step,
          remedy: 'Nothing to fix unless the account is reopened; then replay it',
          cause: error,
        });
      }
      throw new MemberAccountAccessError(`cannot assume ${accessRoleArn} (AccessDenied)`, {
        accountId: target.accountId,
        step,
        remedy: `Check that the role exists in the member account and trusts this automation's account, or set the member access role name (parameter MemberAccessRoleName / ControlTowerAccessRoleName, or "memberAccessRoleName" in the execution input)`,
        cause: error,
      });
    }
    throw error;
  }
}
