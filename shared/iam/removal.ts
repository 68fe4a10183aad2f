/**
 * Removing what this tool created in a member account when the account is offboarded: the Datadog role and user, the
 * user's access keys, and their managed integration policies (every version). Only resources tagged as this tool's
 * (`shared/iam/ownership.ts`) are deleted; anything else is left as it is and reported.
 */
import {
  DeleteConflictException,
  DeleteRoleCommand,
  DeleteUserCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { listAttachedPolicyArns, type IamPrincipal } from './attachments';
import { deleteOwnedPolicy } from './managed-policy';
import { isManagedByThisTool } from './ownership';
import { getRole } from './role';
import { deleteAccessKey, getUser, listAccessKeys } from './user';

/** What happened to one role or user. */
export interface PrincipalRemoval {
  /** `deleted`: it was this tool's and is gone; `foreign`: it exists but is not this tool's, kept; `absent`: none. */
  action: 'deleted' | 'foreign' | 'absent';
  /** Customer managed policies this tool created, deleted with it (ARNs). */
  deletedPolicyArns: string[];
  /** Policies only detached: AWS managed ones (SecurityAudit), others' policies, or ours still attached elsewhere (ARNs). */
  detachedPolicyArns: string[];
  /** Access keys deleted (ids, never secrets); users only. */
  deletedAccessKeyIds: string[];
}

const AWS_MANAGED = /^arn:aws[a-z-]*:iam::aws:policy\//;

const untouched = (action: 'foreign' | 'absent'): PrincipalRemoval => ({
  action,
  deletedPolicyArns: [],
  detachedPolicyArns: [],
  deletedAccessKeyIds: [],
});

async function detachAll(iam: IAMClient, principal: IamPrincipal): Promise<string[]> {
  const arns = await listAttachedPolicyArns(iam, principal);
  for (const policyArn of arns) {
    if (principal.kind === 'role') await iam.send(new DetachRolePolicyCommand({ RoleName: principal.name, PolicyArn: policyArn }));
    else await iam.send(new DetachUserPolicyCommand({ UserName: principal.name, PolicyArn: policyArn }));
  }
  return arns;
}

/** Deletes a detached policy when it is this tool's; `false` when it is kept (not ours, AWS's, or attached elsewhere). */
async function deletePolicyIfOurs(iam: IAMClient, policyArn: string): Promise<boolean> {
  if (AWS_MANAGED.test(policyArn)) return false;
  try {
    return (await deleteOwnedPolicy(iam, policyArn)) === 'deleted';
  } catch (error) {
    // Someone attached our policy to another role or user: it stays for them.
    if (error instanceof DeleteConflictException) return false;
    throw error;
  }
}

/**
 * Deletes the Datadog role and user when they are this tool's: the user's access keys, every managed policy detached
 * from both (those this tool created deleted with their versions; the others kept), then the role and the user.
 * Idempotent: what is missing is `absent`.
 *
 * @throws the SDK's errors (e.g. `DeleteConflictException` when someone added an inline policy to the role, or a login
 *   profile to the user).
 */
export async function removeOwnedIdentities(
  iam: IAMClient,
  names: { roleName: string; userName: string },
): Promise<{ role: PrincipalRemoval; user: PrincipalRemoval }> {
  const role = await getRole(iam, names.roleName);
  const user = await getUser(iam, names.userName);
  const ownRole = role !== undefined && isManagedByThisTool(role.Tags);
  const ownUser = user !== undefined && isManagedByThisTool(user.Tags);

  const deletedAccessKeyIds: string[] = [];
  if (ownUser) {
    for (const key of await listAccessKeys(iam, names.userName)) {
      await deleteAccessKey(iam, names.userName, key.accessKeyId);
      deletedAccessKeyIds.push(key.accessKeyId);
    }
  }
  // Detached from both first: one integration policy may be attached to the role and to the user.
  const roleArns = ownRole ? await detachAll(iam, { kind: 'role', name: names.roleName }) : [];
  const userArns = ownUser ? await detachAll(iam, { kind: 'user', name: names.userName }) : [];
  const deleted = new Set<string>();
  for (const policyArn of new Set([...roleArns, ...userArns])) {
    if (await deletePolicyIfOurs(iam, policyArn)) deleted.add(policyArn);
  }
  if (ownRole) await iam.send(new DeleteRoleCommand({ RoleName: names.roleName }));
  if (ownUser) await iam.send(new DeleteUserCommand({ UserName: names.userName }));

  const removal = (arns: string[], keys: string[]): PrincipalRemoval => ({
    action: 'deleted',
    deletedPolicyArns: arns.filter((arn) => deleted.has(arn)),
    detachedPolicyArns: arns.filter((arn) => !deleted.has(arn)),
    deletedAccessKeyIds: keys,
  });
  return {
    role: ownRole ? removal(roleArns, []) : untouched(role ? 'foreign' : 'absent'),
    user: ownUser ? removal(userArns, deletedAccessKeyIds) : untouched(user ? 'foreign' : 'absent'),
  };
}
