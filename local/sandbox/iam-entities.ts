/**
 * Naming and finding IAM entities in the sandbox state: ARNs, lookups, and which settings are in effect at a
 * given time (IAM is eventually consistent: IAM User Guide, "Troubleshoot IAM" → "Changes that I make are not
 * always immediately visible").
 */
import type { Partition } from '../../shared/partitions';
import { arn } from '../../shared/partitions';
import { newUniqueId } from './ids';
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

/** `arn:<p>:sts::<account>:assumed-role/<role>/<session>` (no path: IAM User Guide, "IAM identifiers"). */
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

/** A policy as seen from one account: one of its customer managed policies, or an AWS managed policy (`aws`). */
export interface PolicyRef {
  arn: string;
  policy: ManagedPolicyState;
  aws: boolean;
}

/**
 * Resolves a policy ARN from an account's point of view: its own customer managed policies (the ARN must be
 * exactly theirs, path included) or the AWS managed policies of its partition; `undefined` when neither.
 */
export function findPolicy(account: AccountState, policyArn: string): PolicyRef | undefined {
  const managed = findAwsManagedPolicy(account.partition, policyArn);
  if (managed) return { arn: policyArn, policy: managed, aws: true };
  const match = /^arn:([^:]+):iam::(\d{12}):policy\/(?:.*\/)?([^/]+)$/.exec(policyArn);
  if (!match || match[1] !== account.partition || match[2] !== account.accountId) return undefined;
  const policy = getEntry(account.policies, nameKey(match[3]));
  if (!policy || policyArnOf(account.partition, account.accountId, policy) !== policyArn) return undefined;
  return { arn: policyArn, policy, aws: false };
}

/** The default version's document as IAM reports it now (GetPolicy / dump), parsed. */
export function currentPolicyDocument(policy: ManagedPolicyState, versionId = policy.defaultVersionId): object {
  const version = policy.versions.find((candidate) => candidate.versionId === versionId);
  return JSON.parse((version ?? policy.versions.find((candidate) => candidate.versionId === policy.defaultVersionId)!).document) as object;
}

/**
 * The identity policies of a role or user in effect at `nowMs`, named for the simulator: attachments once
 * propagated, each policy's newest default version once propagated (or the current default when that version has
 * since been deleted). Attachments whose policy has disappeared are skipped.
 */
export function effectiveIdentityPolicies(
  account: AccountState,
  attachments: AttachmentState[],
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

/**
 * The trust policy STS evaluates at `nowMs`: the newest one already in effect, or `undefined` while a new role
 * has not propagated yet.
 */
export function effectiveTrustPolicy(role: RoleState, nowMs: number): string | undefined {
  return role.trustPolicies.findLast((entry) => entry.effectiveMs <= nowMs)?.document;
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

/** A new customer managed policy at `v1`, in effect at once (nothing uses it before an attachment, which propagates). */
export function newPolicy(
  policyName: string,
  document: string,
  nowMs: number,
  fields: Pick<ManagedPolicyState, 'path' | 'tags' | 'description'>,
): ManagedPolicyState {
  return {
    policyName,
    policyId: newUniqueId('ANPA'),
    ...fields,
    createdMs: nowMs,
    updatedMs: nowMs,
    versions: [{ versionId: 'v1', document, createdMs: nowMs }],
    defaultVersionId: 'v1',
    defaultVersionHistory: [{ versionId: 'v1', effectiveMs: nowMs }],
    nextVersionNumber: 2,
  };
}

/** A new IAM user with no access keys. */
export function newUser(userName: string, nowMs: number, fields: Pick<UserState, 'path' | 'tags' | 'attachments'>): UserState {
  return { userName, userId: newUniqueId('AIDA'), ...fields, createdMs: nowMs, accessKeys: [] };
}
