/**
 * The DetectDrift step: for an account the plan found converged (`none`), read-only checks in the member account
 * that its Datadog side is still there as this application left it: with role delegation the role, the Datadog
 * statement of its trust policy (principal and external ID) and the integration policy's attachment; with access
 * keys the user and an active key. Any difference turns the action into `repair` with the reason. Other actions pass
 * through unchanged. No Datadog request: the plan already compared the registrations (one request for the fleet).
 *
 * Calls per converged account: AssumeRole, then GetRole + ListAttachedRolePolicies (role) or ListAccessKeys (keys).
 */
import { datadogPrincipalArn } from '../datadog-sites';
import { reachMemberAccount } from '../aws/member-account';
import { listAttachedPolicyArns } from '../iam/attachments';
import { canonicalDocument, parseIamDocument, type PolicyDocument } from '../iam/policy-document';
import { getRole } from '../iam/role';
import { buildTrustPolicy, DATADOG_STATEMENT_SID } from '../iam/trust-policy';
import { listAccessKeys } from '../iam/user';
import type { DetectDriftInput } from '../onboarding/step-inputs';
import type { Partition } from '../partitions';
import { applyDefaults, type TargetDefaults } from './resolve-target';

const STEP = 'DetectDrift';

/** Output: the item with its final action and reason (`expected` dropped). */
export type DetectDriftResult = Omit<DetectDriftInput, 'expected'>;

/** The deployment's defaults: those of ResolveTarget, the organization's partition and the Datadog user's name. */
export type DetectDriftDefaults = Omit<TargetDefaults, 'scope'> & { partition: Partition; userName: string };

function datadogStatementOf(document: PolicyDocument): string | undefined {
  const statement = document.Statement.find((candidate) => candidate.Sid === DATADOG_STATEMENT_SID);
  return statement && canonicalDocument({ Version: '2012-10-17', Statement: [statement] });
}

/**
 * Checks the account, or passes a non-`none` item through.
 *
 * @returns the item, its action `repair` with the reason when something drifted.
 * @throws MemberAccountAccessError / AccountNotActiveError when the account cannot be reached (counted as a failed
 *   account), or the SDK's errors.
 * @example
 * ```ts
 * await detectDriftStep({ accountId: '444455556666', partition: 'aws', action: 'none', reason: 'converged',
 *   expected: { authType: 'role', roleName: 'DatadogIntegrationRole', externalId }, dryRun: false }, defaults);
 * // { …, action: 'repair', reason: 'the trust policy of DatadogIntegrationRole no longer trusts Datadog with the recorded external ID' }
 * ```
 */
export async function detectDriftStep(input: DetectDriftInput, defaults: DetectDriftDefaults): Promise<DetectDriftResult> {
  const { expected, ...item } = input;
  if (input.action !== 'none') return item;
  const target = applyDefaults({ accountId: input.accountId, partition: input.partition, roleName: expected.roleName }, defaults);
  const { iam } = await reachMemberAccount(target, STEP);
  const repair = (reason: string): DetectDriftResult => ({ ...item, action: 'repair', reason });

  if ((expected.authType ?? target.authType) === 'access_keys') {
    let keys;
    try {
      keys = await listAccessKeys(iam, defaults.userName);
    } catch (error) {
      if ((error as Error).name === 'NoSuchEntityException') return repair(`the Datadog user ${defaults.userName} is missing`);
      throw error;
    }
    if (!keys.some((key) => key.status === 'Active')) return repair(`the Datadog user ${defaults.userName} has no active access key`);
    return item;
  }

  const role = await getRole(iam, target.roleName);
  if (!role) return repair(`the Datadog role ${target.roleName} is missing`);
  if (expected.externalId !== undefined) {
    const wanted = datadogStatementOf(buildTrustPolicy(datadogPrincipalArn(target.datadogSite, target.partition), expected.externalId));
    const actual = role.AssumeRolePolicyDocument ? datadogStatementOf(parseIamDocument(role.AssumeRolePolicyDocument)) : undefined;
    if (actual !== wanted) return repair(`the trust policy of ${target.roleName} no longer trusts Datadog with the recorded external ID`);
  }
  const attached = await listAttachedPolicyArns(iam, { kind: 'role', name: target.roleName });
  if (!attached.some((arn) => arn.endsWith(`:policy/${target.policyName}`))) {
    return repair(`the integration policy ${target.policyName} is not attached to ${target.roleName}`);
  }
  return item;
}
