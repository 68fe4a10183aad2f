/** IAM entities' ARNs, lookups, and which settings are in effect at a time (IAM is eventually consistent). */
import type { Partition } from '../../shared/partitions';
import { arn } from '../../shared/partitions';
import { findAwsManagedPolicy } from './managed-policies';
import type { AccountState, ManagedPolicyState, RoleState, SandboxState, UserState } from './state';
import { getEntry, nameKey } from './state';

/** `arn:<p>:iam::<account>:<type><path><name>` (paths start and end with `/`). */
export function iamArnOf(
  account: { partition: Partition; accountId: string },
  type: 'role' | 'user' | 'policy',
  path: string,
  name: string,
): string {
  return arn(account.partition, 'iam', '', account.accountId, `${type}${path}${name}`);
}

/** An assumed-role session's ARN (no path: IAM User Guide, "IAM identifiers"). */
export function assumedRoleArnOf(partition: Partition, accountId: string, roleName: string, sessionName: string): string {
  return arn(partition, 'sts', '', accountId, `assumed-role/${roleName}/${sessionName}`);
}

/** An account of the sandbox, or `undefined`. */
export function findAccount(state: SandboxState, accountId: string): AccountState | undefined {
  return getEntry(state.accounts, accountId);
}

/** A role by name (case-insensitive, like IAM), or `undefined`. */
export function findRole(account: AccountState, roleName: string): RoleState | undefined {
  return getEntry(account.roles, nameKey(roleName));
}

/** A user by name (case-insensitive), or `undefined`. */
export function findUser(account: AccountState, userName: string): UserState | undefined {
  return getEntry(account.users, nameKey(userName));
}

/** One of an account's customer managed policies, or an AWS managed policy (`aws`). */
export interface PolicyRef {
  arn: string;
  policy: ManagedPolicyState;
  aws: boolean;
}

/** A policy ARN (exact, path included) of the account's own policies or its partition's AWS managed ones. */
export function findPolicy(account: AccountState, policyArn: string): PolicyRef | undefined {
  const managed = findAwsManagedPolicy(account.partition, policyArn);
  if (managed) return { arn: policyArn, policy: managed, aws: true };
  const match = /^arn:([^:]+):iam::(\d{12}):policy\/(?:.*\/)?([^/]+)$/.exec(policyArn);
  if (!match || match[1] !== account.partition || match[2] !== account.accountId) return undefined;
  const policy = getEntry(account.policies, nameKey(match[3]));
  if (!policy || iamArnOf(account, 'policy', policy.path, policy.policyName) !== policyArn) return undefined;
  return { arn: policyArn, policy, aws: false };
}

/** The default version's document as IAM reports it now (GetPolicy / dump), parsed. */
export function currentPolicyDocument(policy: ManagedPolicyState, versionId = policy.defaultVersionId): object {
  const version = policy.versions.find((candidate) => candidate.versionId === versionId);
  return JSON.parse((version ?? policy.versions.find((candidate) => candidate.versionId === policy.defaultVersionId)!).document) as object;
}

/**
 * The identity policies in effect at `nowMs`: propagated attachments, each at its newest propagated default version
 * (or the current default when that one was deleted since); a vanished policy is skipped.
 */
export function effectiveIdentityPolicies(
  account: AccountState,
  attachments: RoleState['attachments'],
  nowMs: number,
): { name: string; policy: object }[] {
  return attachments.flatMap(({ policyArn, effectiveMs }) => {
    const policy = effectiveMs <= nowMs ? findPolicy(account, policyArn)?.policy : undefined;
    if (!policy) return [];
    const history = policy.defaultVersionHistory;
    const inEffect = history.findLast((entry) => entry.effectiveMs <= nowMs) ?? history[0];
    return [{ name: policyArn, policy: currentPolicyDocument(policy, inEffect.versionId) }];
  });
}

/** The trust policy STS evaluates at `nowMs`: the newest in effect, `undefined` before a new role propagates. */
export function effectiveTrustPolicy(role: RoleState, nowMs: number): string | undefined {
  return role.trustPolicies.findLast((entry) => entry.effectiveMs <= nowMs)?.document;
}

/** The trust policy as GetRole reports it now: the newest one submitted. */
export function currentTrustPolicy(role: RoleState): string {
  return role.trustPolicies[role.trustPolicies.length - 1].document;
}

/** True for a member of the organization (same partition, not left). */
export function isOrganizationMember(state: SandboxState, accountId: string): boolean {
  const account = findAccount(state, accountId);
  return account !== undefined && account.partition === state.partition && account.left !== true;
}
