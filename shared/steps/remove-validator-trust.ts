/**
 * The RemoveValidatorTrust step, ending validation: the Datadog role's trust policy goes back to Datadog's statement
 * alone.
 */
import { reachMemberAccount } from '../aws/member-account';
import { datadogPrincipalArn } from '../datadog-sites';
import { OnboardingError } from '../errors';
import { parseIamDocument, sameDocument } from '../iam/policy-document';
import { getRole, updateTrustPolicy } from '../iam/role';
import { buildTrustPolicy } from '../iam/trust-policy';
import type { RemoveValidatorTrustInput } from '../onboarding/step-inputs';

const STEP = 'RemoveValidatorTrust';

/**
 * Reaches the member account and removes the validator's statement from the Datadog role's trust policy (no write
 * when it is already gone).
 *
 * @returns whether the trust policy was changed.
 * @throws OnboardingError when the role no longer exists; MemberAccountAccessError and the SDK's errors otherwise.
 */
export async function removeValidatorTrust({ target, externalId }: RemoveValidatorTrustInput): Promise<{ trustPolicyUpdated: boolean }> {
  const { iam } = await reachMemberAccount(target, STEP);
  const role = await getRole(iam, target.roleName);
  if (role?.AssumeRolePolicyDocument === undefined) {
    throw new OnboardingError(`role ${target.roleName} disappeared after validation`, {
      accountId: target.accountId,
      step: STEP,
      remedy: 'Something else deletes the role; find it in CloudTrail, then replay the account',
    });
  }
  const wanted = buildTrustPolicy(datadogPrincipalArn(target.datadogSite, target.partition), externalId);
  if (sameDocument(parseIamDocument(role.AssumeRolePolicyDocument), wanted)) return { trustPolicyUpdated: false };
  await updateTrustPolicy(iam, target.roleName, wanted);
  return { trustPolicyUpdated: true };
}
