/**
 * Naming and finding IAM entities in the sandbox state: ARNs, lookups, and which settings are in effect at a
 * given time (IAM is eventually consistent: IAM User Guide, "Troubleshoot IAM" → "Changes that I make are not
 * always immediately visible").
 */
import type { Partition } from '../../shared/partitions';
import { arn } from '../../shared/partitions';
import { findAwsManagedPolicy } from './managed-policies';
import type { AccountState, AttachmentState, ManagedPolicyState, RoleState, SandboxState, UserState } from './state';
import { getEntry, nameKey } from './state';

/** `arn:<p>:iam::<account>:role<path><name>` (paths start and end with `/`). */
export function roleArnOf(partition: Partition, accountId: string, role: Pick<RoleState, 'path' | 'roleName'>): string {
  return arn(partition, 'iam', '', accountId, `role${role.path}${role.roleName}`);
}

/** `arn:<p>:iam::<account>:user<path><name>`. */
export function userArnOf(partition: Partition, accountId: string, user: Pick<UserState, 'path' | 'userName'>): string {
  return arn(partition, 'iam', '', accountId, `user${user.path}${user.userName}`);
}

/** `arn:<p>:iam::<account>:policy<path><name>`. */
export function policyArnOf(partition: Partition, accountId: string, policy: Pick<ManagedPolicyState, 'path' | 'policyName'>): string {
  return arn(partition, 'iam', '', accountId, `policy${policy.path}${policy.policyName}`);
}

/** `arn:<p>:sts::<account>:assumed-role/<role>/<session>` (no path: STS User Guide, "IAM identifiers"). */
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

/** A policy as seen from one account: either one of its customer managed policies or an AWS managed policy. */
export type PolicyRef =
  | { kind: 'customer'; arn: string; policy: ManagedPolicyState }
  | { kind: 'aws'; arn: string; policyName: string; policyId: string; description: string; document: object };

/**
 * Resolves a policy ARN from an account's point of view: its own customer managed policies (the ARN must be
 * exactly theirs, path included) or the AWS managed policies of its partition.
 *
 * @returns the policy, or `undefined` when it does not exist for that account.
 */
export function findPolicy(account: AccountState, policyArn: string): PolicyRef | undefined {
  const managed = findAwsManagedPolicy(account.partition, policyArn);
  if (managed) return { kind: 'aws', arn: policyArn, ...managed };
  const match = /^arn:([^:]+):iam::(\d{12}):policy\/(?:.*\/)?([^/]+)$/.exec(policyArn);
  if (!match || match[1] !== account.partition || match[2] !== account.accountId) return undefined;
  const policy = getEntry(account.policies, nameKey(match[3]));
  if (!policy || policyArnOf(account.partition, account.accountId, policy) !== policyArn) return undefined;
  return { kind: 'customer', arn: policyArn, policy };
}

/** The attachments already in effect at `nowMs` (an attachment counts for authorisation once propagated). */
export function effectiveAttachments(attachments: AttachmentState[], nowMs: number): AttachmentState[] {
  return attachments.filter((attachment) => attachment.effectiveMs <= nowMs);
}

/**
 * The document of a policy as authorisation sees it at `nowMs`: the newest default version already in effect.
 * When that version has since been deleted, the current default is used (the old one no longer exists anywhere).
 */
export function effectivePolicyDocument(ref: PolicyRef, nowMs: number): object {
  if (ref.kind === 'aws') return ref.document;
  const policy = ref.policy;
  const inEffect = [...policy.defaultVersionHistory].reverse().find((entry) => entry.effectiveMs <= nowMs);
  const versionId = inEffect?.versionId ?? policy.defaultVersionHistory[0].versionId;
  const version =
    policy.versions.find((candidate) => candidate.versionId === versionId) ??
    policy.versions.find((candidate) => candidate.versionId === policy.defaultVersionId)!;
  return JSON.parse(version.document) as object;
}

/** The default version's document as IAM reports it now (GetPolicy / dump), parsed. */
export function currentPolicyDocument(policy: ManagedPolicyState): object {
  const version = policy.versions.find((candidate) => candidate.versionId === policy.defaultVersionId)!;
  return JSON.parse(version.document) as object;
}

/**
 * The identity policies of a role or user in effect at `nowMs`, named for the simulator.
 * Attachments whose policy has disappeared are skipped (they cannot grant anything).
 */
export function effectiveIdentityPolicies(
  account: AccountState,
  attachments: AttachmentState[],
  nowMs: number,
): { name: string; policy: object }[] {
  const out: { name: string; policy: object }[] = [];
  for (const attachment of effectiveAttachments(attachments, nowMs)) {
    const ref = findPolicy(account, attachment.policyArn);
    if (ref) out.push({ name: attachment.policyArn, policy: effectivePolicyDocument(ref, nowMs) });
  }
  return out;
}

/**
 * The trust policy STS evaluates at `nowMs`: the newest one already in effect, or `undefined` while a new role
 * has not propagated yet.
 */
export function effectiveTrustPolicy(role: RoleState, nowMs: number): string | undefined {
  return [...role.trustPolicies].reverse().find((entry) => entry.effectiveMs <= nowMs)?.document;
}

/** The trust policy as GetRole reports it now: the newest one submitted. */
export function currentTrustPolicy(role: RoleState): string {
  return role.trustPolicies[role.trustPolicies.length - 1].document;
}

/** True when the account is a member of the sandbox's organization (same partition as the organization). */
export function isOrganizationMember(state: SandboxState, accountId: string): boolean {
  const account = findAccount(state, accountId);
  return account !== undefined && account.partition === state.partition && account.left !== true;
}
