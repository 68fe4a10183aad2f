/**
 * IAM role operations the product calls (IAM API reference: CreateRole, GetRole, UpdateAssumeRolePolicy, TagRole,
 * AttachRolePolicy, DetachRolePolicy, ListAttachedRolePolicies, DeleteRole).
 *
 * Every operation is authorised as `iam:<Operation>` on the role's ARN before anything else, as IAM does.
 * A new role, and a changed trust policy, take effect for STS only after the propagation delay.
 */
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  TagRoleCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import type { Role } from '@aws-sdk/client-iam';
import {
  attachPolicy,
  checkIamDocument,
  checkName,
  checkPath,
  checkPrincipalsExist,
  detachPolicy,
  iamPage,
  mergeTags,
  requirePolicy,
  requireRole,
} from './iam-common';
import { currentTrustPolicy, findPolicy, findRole, roleArnOf } from './iam-entities';
import { iamError } from './errors';
import { newUniqueId } from './ids';
import type { CallContext, Operation } from './operations';
import { callerAccount, operation, requestTagContext, requireAllowed, resourceTagContext, tagList, tagRecord } from './operations';
import { urlEncodeDocument } from './policy-documents';
import type { AccountState, RoleState } from './state';
import { deleteEntry, nameKey, setEntry } from './state';

/** Default and bounds of a role's MaxSessionDuration, in seconds (IAM API reference, CreateRole). */
const DEFAULT_MAX_SESSION_SECONDS = 3600;
const MAX_SESSION_BOUNDS = [3600, 43200] as const;

/** The Role structure as IAM returns it: document URL-encoded, Tags only when there are some. */
export function roleOutput(account: AccountState, role: RoleState): Role {
  const tags = tagList(role.tags);
  return {
    Path: role.path,
    RoleName: role.roleName,
    RoleId: role.roleId,
    Arn: roleArnOf(account.partition, account.accountId, role),
    CreateDate: new Date(role.createdMs),
    AssumeRolePolicyDocument: urlEncodeDocument(currentTrustPolicy(role)),
    MaxSessionDuration: role.maxSessionDurationSeconds,
    ...(role.description !== undefined ? { Description: role.description } : {}),
    ...(tags.length > 0 ? { Tags: tags } : {}),
    RoleLastUsed: {},
  };
}

/** Authorises the call on the role (existing or to be created) and returns the account. */
async function authorizeOnRole(
  call: CallContext,
  roleName: string | undefined,
  context: Record<string, string | string[]> = {},
  path?: string,
): Promise<AccountState> {
  const account = callerAccount(call);
  const role = roleName === undefined ? undefined : findRole(account, roleName);
  const resourceArn = roleArnOf(account.partition, account.accountId, {
    path: role?.path ?? path ?? '/',
    roleName: role?.roleName ?? roleName ?? '',
  });
  await requireAllowed(call, { resourceArn, context: { ...(role ? resourceTagContext(role.tags) : {}), ...context } });
  return account;
}

/** The role operations. */
export const roleOperations: Operation[] = [
  operation('CreateRole', CreateRoleCommand, async (input, call) => {
    const roleName = checkName('roleName', input.RoleName, 64);
    const path = checkPath(input.Path);
    const tags = mergeTags({}, input.Tags, 'TagsPerRole');
    const account = await authorizeOnRole(call, roleName, requestTagContext(tags), path);
    if (findRole(account, roleName)) throw iamError('EntityAlreadyExists', `Role with name ${roleName} already exists.`);
    const document = checkIamDocument(input.AssumeRolePolicyDocument, 'trust');
    checkPrincipalsExist(call, document);
    const maxSession = input.MaxSessionDuration ?? DEFAULT_MAX_SESSION_SECONDS;
    if (maxSession < MAX_SESSION_BOUNDS[0] || maxSession > MAX_SESSION_BOUNDS[1]) {
      throw iamError('ValidationError', `The requested MaxSessionDuration (${maxSession}) must be between 3600 and 43200 seconds.`);
    }
    if (input.PermissionsBoundary !== undefined) requirePolicy(account, input.PermissionsBoundary, 'attach');
    const role: RoleState = {
      roleName,
      roleId: newUniqueId('AROA'),
      path,
      ...(input.Description !== undefined ? { description: input.Description } : {}),
      maxSessionDurationSeconds: maxSession,
      createdMs: call.nowMs,
      tags,
      // Not assumable until propagated: STS answers AccessDenied meanwhile (terraform-provider-aws #6566).
      trustPolicies: [{ document: input.AssumeRolePolicyDocument!, effectiveMs: call.nowMs + call.core.state.propagationSeconds * 1000 }],
      attachments: [],
    };
    setEntry(account.roles, nameKey(roleName), role);
    return { Role: roleOutput(account, role) };
  }),

  operation('GetRole', GetRoleCommand, async (input, call) => {
    const account = await authorizeOnRole(call, input.RoleName);
    return { Role: roleOutput(account, requireRole(account, input.RoleName)) };
  }),

  operation('UpdateAssumeRolePolicy', UpdateAssumeRolePolicyCommand, async (input, call) => {
    const account = await authorizeOnRole(call, input.RoleName);
    const role = requireRole(account, input.RoleName);
    const document = checkIamDocument(input.PolicyDocument, 'trust');
    checkPrincipalsExist(call, document);
    // The previous trust policy stays the one STS evaluates until the change has propagated.
    role.trustPolicies.push({ document: input.PolicyDocument!, effectiveMs: call.nowMs + call.core.state.propagationSeconds * 1000 });
    pruneTrustPolicies(role, call.nowMs);
    return {};
  }),

  operation('TagRole', TagRoleCommand, async (input, call) => {
    const account = await authorizeOnRole(call, input.RoleName, requestTagContext(tagRecord(input.Tags)));
    const role = requireRole(account, input.RoleName);
    role.tags = mergeTags(role.tags, input.Tags, 'TagsPerRole');
    return {};
  }),

  operation('AttachRolePolicy', AttachRolePolicyCommand, async (input, call) => {
    const account = await authorizeOnRole(call, input.RoleName, input.PolicyArn ? { 'iam:PolicyARN': input.PolicyArn } : {});
    const role = requireRole(account, input.RoleName);
    const policy = requirePolicy(account, input.PolicyArn, 'attach');
    attachPolicy(call, role.attachments, policy.arn, 'PoliciesPerRole');
    return {};
  }),

  operation('DetachRolePolicy', DetachRolePolicyCommand, async (input, call) => {
    const account = await authorizeOnRole(call, input.RoleName, input.PolicyArn ? { 'iam:PolicyARN': input.PolicyArn } : {});
    const role = requireRole(account, input.RoleName);
    detachPolicy(role.attachments, input.PolicyArn);
    return {};
  }),

  operation('DeleteRole', DeleteRoleCommand, async (input, call) => {
    const account = await authorizeOnRole(call, input.RoleName);
    const role = requireRole(account, input.RoleName);
    // IAM refuses to delete a role that still has managed policies attached (IAM API reference, DeleteRole).
    if (role.attachments.length > 0) throw iamError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
    deleteEntry(account.roles, nameKey(role.roleName));
    return {};
  }),

  operation('ListAttachedRolePolicies', ListAttachedRolePoliciesCommand, async (input, call) => {
    const account = await authorizeOnRole(call, input.RoleName);
    const role = requireRole(account, input.RoleName);
    const attached = role.attachments.map((attachment) => ({
      PolicyName: policyNameOf(account, attachment.policyArn),
      PolicyArn: attachment.policyArn,
    }));
    const { page, ...rest } = iamPage(attached, input.Marker, input.MaxItems);
    return { AttachedPolicies: page, ...rest };
  }),
];

/** A policy's name, from the policy if it still exists, else from its ARN. */
function policyNameOf(account: AccountState, policyArn: string): string {
  const ref = findPolicy(account, policyArn);
  if (ref?.kind === 'customer') return ref.policy.policyName;
  if (ref?.kind === 'aws') return ref.policyName;
  return policyArn.slice(policyArn.lastIndexOf('/') + 1);
}

/** Forgets trust policies superseded by one already in effect: they can never be evaluated again. */
function pruneTrustPolicies(role: RoleState, nowMs: number): void {
  let newestEffective = -1;
  role.trustPolicies.forEach((entry, index) => {
    if (entry.effectiveMs <= nowMs) newestEffective = index;
  });
  if (newestEffective > 0) role.trustPolicies.splice(0, newestEffective);
}
