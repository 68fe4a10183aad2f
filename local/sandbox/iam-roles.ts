/** IAM role operations; a new role or trust policy takes effect for STS after the propagation delay. */
import * as iam from '@aws-sdk/client-iam';
import { iamError } from './errors';
import { ROLES, checkIamDocument, checkPrincipalsExist, propagatedMs, propagating } from './iam-common';
import { currentTrustPolicy, roleArnOf } from './iam-entities';
import { newUniqueId } from './ids';
import type { CallContext, Operation } from './operations';
import { operation, tagList } from './operations';
import type { AccountState, RoleState } from './state';

/** Seconds (IAM API reference, CreateRole). */
const MAX_SESSION_SECONDS = { default: 3600, min: 3600, max: 43200 } as const;

/** The Role structure, trust policy URL-encoded (IAM API reference, Role). */
function roleOutput(account: AccountState, role: RoleState): iam.Role {
  const tags = tagList(role.tags);
  return {
    Path: role.path,
    RoleName: role.roleName,
    RoleId: role.roleId,
    Arn: roleArnOf(account.partition, account.accountId, role),
    CreateDate: new Date(role.createdMs),
    AssumeRolePolicyDocument: encodeURIComponent(currentTrustPolicy(role)),
    MaxSessionDuration: role.maxSessionDurationSeconds,
    ...(role.description !== undefined ? { Description: role.description } : {}),
    ...(tags.length > 0 ? { Tags: tags } : {}),
    RoleLastUsed: {},
  };
}

function checkTrustPolicy(call: CallContext, document: string | undefined): string {
  checkPrincipalsExist(call, checkIamDocument(document, 'trust'));
  return document!;
}

/** The role operations. */
export const roleOperations: Operation[] = [
  operation('CreateRole', iam.CreateRoleCommand, async (input, call) => {
    const { account, entity } = await ROLES.create(call, { ...input, name: input.RoleName }, ({ path, tags }, roleName) => {
      // Not assumable until propagated: STS answers AccessDenied meanwhile (terraform-provider-aws #6566).
      const trustPolicy = { document: checkTrustPolicy(call, input.AssumeRolePolicyDocument), effectiveMs: propagatedMs(call) };
      const maxSession = input.MaxSessionDuration ?? MAX_SESSION_SECONDS.default;
      if (maxSession < MAX_SESSION_SECONDS.min || maxSession > MAX_SESSION_SECONDS.max) {
        throw iamError('ValidationError', `The requested MaxSessionDuration (${maxSession}) must be between 3600 and 43200 seconds.`);
      }
      return {
        roleName,
        roleId: newUniqueId('AROA'),
        path,
        ...(input.Description !== undefined ? { description: input.Description } : {}),
        maxSessionDurationSeconds: maxSession,
        createdMs: call.nowMs,
        tags,
        trustPolicies: [trustPolicy],
        attachments: [],
      };
    });
    return { Role: roleOutput(account, entity) };
  }),

  operation('GetRole', iam.GetRoleCommand, async (input, call) => {
    const { account, entity } = await ROLES.require(call, input.RoleName);
    return { Role: roleOutput(account, entity) };
  }),

  operation('UpdateAssumeRolePolicy', iam.UpdateAssumeRolePolicyCommand, async (input, call) => {
    const { entity: role } = await ROLES.require(call, input.RoleName);
    propagating(call, role.trustPolicies, { document: checkTrustPolicy(call, input.PolicyDocument) });
    return {};
  }),

  operation('TagRole', iam.TagRoleCommand, (input, call) => ROLES.tag(call, input.RoleName, input.Tags)),
  operation('AttachRolePolicy', iam.AttachRolePolicyCommand, (input, call) => ROLES.attach(call, input.RoleName, input.PolicyArn)),
  operation('DetachRolePolicy', iam.DetachRolePolicyCommand, (input, call) => ROLES.detach(call, input.RoleName, input.PolicyArn)),
  operation('ListAttachedRolePolicies', iam.ListAttachedRolePoliciesCommand, (input, call) =>
    ROLES.listPolicies(call, input.RoleName, input),
  ),
  operation('DeleteRole', iam.DeleteRoleCommand, (input, call) => ROLES.delete(call, input.RoleName)),
];
