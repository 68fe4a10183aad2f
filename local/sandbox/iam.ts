/**
 * Simulated IAM, on the caller's own account. Policy versions as in the IAM User Guide, "Versioning IAM policies"; a new
 * role, trust policy, attachment, default version or access key counts after the propagation delay.
 */
import * as iam from '@aws-sdk/client-iam';
import { MAX_POLICY_VERSIONS } from '../../shared/iam/managed-policy';
import { SandboxSetupError, iamError, notAuthorized } from './errors';
import { ROLES, USERS, attachmentCount, checkIamDocument, checkName, checkPath, checkPrincipalsExist, iamPage } from './iam-common';
import { mergeTags, propagatedMs, propagating, requirePolicy } from './iam-common';
import { currentTrustPolicy, findPolicy, iamArnOf } from './iam-entities';
import type { PolicyRef } from './iam-entities';
import { addAccessKey } from './identity';
import { newUniqueId } from './ids';
import type { CallContext, Operation } from './operations';
import { callerAccount, operation, requestTagContext, requireAllowed, resourceTagContext, tagList, tagRecord } from './operations';
import type { AccountState, RoleState, UserState } from './state';
import { getEntry, nameKey, newPolicy, newUser, setEntry } from './state';

/** The fields IAM's Role, User and Policy structures share (IAM API reference). */
function entityOutput(arn: string, entity: { path: string; createdMs: number; tags: Record<string, string>; description?: string }) {
  const tags = tagList(entity.tags);
  return {
    Path: entity.path,
    Arn: arn,
    CreateDate: new Date(entity.createdMs),
    ...(entity.description !== undefined ? { Description: entity.description } : {}),
    ...(tags.length > 0 ? { Tags: tags } : {}),
  };
}

function policyOutput(account: AccountState, { arn, policy }: PolicyRef): iam.Policy {
  return {
    ...entityOutput(arn, policy),
    PolicyName: policy.policyName,
    PolicyId: policy.policyId,
    DefaultVersionId: policy.defaultVersionId,
    AttachmentCount: attachmentCount(account, arn),
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    UpdateDate: new Date(policy.updatedMs),
  };
}

/** Authorises the call on the policy; `change` refuses an AWS managed policy (AccessDenied), as IAM does. */
async function requirePolicyFor(call: CallContext, policyArn: string | undefined, change = false, context = {}) {
  const account = callerAccount(call);
  const tags = (policyArn === undefined ? undefined : findPolicy(account, policyArn))?.policy.tags ?? {};
  await requireAllowed(call, { resourceArn: policyArn ?? '*', context: { ...resourceTagContext(tags), ...context } });
  const ref = requirePolicy(account, policyArn, 'get');
  if (change && ref.aws) throw notAuthorized('iam', call.caller.arn, `iam:${call.operation}`, `on resource: policy ${ref.arn}`);
  return { account, ref, policy: ref.policy };
}

function versionOutput(policy: PolicyRef['policy'], version: PolicyRef['policy']['versions'][number]) {
  return {
    VersionId: version.versionId,
    IsDefaultVersion: version.versionId === policy.defaultVersionId,
    CreateDate: new Date(version.createdMs),
  };
}

function requireVersion({ arn, policy }: PolicyRef, versionId: string | undefined) {
  const version = policy.versions.find((candidate) => candidate.versionId === versionId);
  if (!version) throw iamError('NoSuchEntity', `Policy ${arn} version ${versionId ?? ''} does not exist or is not attachable.`);
  return version;
}

const policyOperations: Operation[] = [
  operation('CreatePolicy', iam.CreatePolicyCommand, async (input, call) => {
    const policyName = checkName('policyName', input.PolicyName, 128);
    const path = checkPath(input.Path);
    const tags = mergeTags({}, input.Tags, 'TagsPerPolicy');
    const account = callerAccount(call);
    const policyArn = iamArnOf(account, 'policy', path, policyName);
    await requireAllowed(call, { resourceArn: policyArn, context: requestTagContext(tags) });
    if (getEntry(account.policies, nameKey(policyName))) {
      throw iamError('EntityAlreadyExists', `A policy called ${policyName} already exists. Duplicate names are not allowed.`);
    }
    checkIamDocument(input.PolicyDocument, 'identity');
    const policy = newPolicy(policyName, input.PolicyDocument!, call.nowMs, { path, tags, description: input.Description });
    setEntry(account.policies, nameKey(policyName), policy);
    return { Policy: policyOutput(account, { arn: policyArn, policy, aws: false }) };
  }),

  operation('GetPolicy', iam.GetPolicyCommand, async (input, call) => {
    const { account, ref } = await requirePolicyFor(call, input.PolicyArn);
    return { Policy: policyOutput(account, ref) };
  }),

  operation('DeletePolicy', iam.DeletePolicyCommand, async (input, call) => {
    const { account, ref, policy } = await requirePolicyFor(call, input.PolicyArn, true);
    if (attachmentCount(account, ref.arn) > 0) throw iamError('DeleteConflict', 'Cannot delete a policy attached to entities.');
    if (policy.versions.length > 1) {
      throw iamError(
        'DeleteConflict',
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. " +
          'The default version is deleted with the policy.',
      );
    }
    Reflect.deleteProperty(account.policies, nameKey(policy.policyName));
    return {};
  }),

  operation('TagPolicy', iam.TagPolicyCommand, async (input, call) => {
    const { policy } = await requirePolicyFor(call, input.PolicyArn, true, requestTagContext(tagRecord(input.Tags)));
    policy.tags = mergeTags(policy.tags, input.Tags, 'TagsPerPolicy');
    return {};
  }),

  operation('GetPolicyVersion', iam.GetPolicyVersionCommand, async (input, call) => {
    const { ref, policy } = await requirePolicyFor(call, input.PolicyArn);
    const version = requireVersion(ref, input.VersionId);
    return {
      // URL-encoded, as IAM returns it (IAM API reference, PolicyVersion.Document: RFC 3986).
      PolicyVersion: { Document: encodeURIComponent(version.document), ...versionOutput(policy, version) },
    };
  }),

  operation('CreatePolicyVersion', iam.CreatePolicyVersionCommand, async (input, call) => {
    const { policy } = await requirePolicyFor(call, input.PolicyArn, true);
    checkIamDocument(input.PolicyDocument, 'identity');
    if (policy.versions.length >= MAX_POLICY_VERSIONS) {
      throw iamError(
        'LimitExceeded',
        `A managed policy can have up to ${MAX_POLICY_VERSIONS} versions. Before you create a new version, you must delete an existing version.`,
      );
    }
    const versionId = `v${policy.nextVersionNumber}`;
    policy.nextVersionNumber += 1;
    const version = { versionId, document: input.PolicyDocument!, createdMs: call.nowMs };
    policy.versions.push(version);
    policy.updatedMs = call.nowMs;
    if (input.SetAsDefault) {
      policy.defaultVersionId = versionId;
      propagating(call, policy.defaultVersionHistory, { versionId });
    }
    return { PolicyVersion: versionOutput(policy, version) };
  }),

  operation('ListPolicyVersions', iam.ListPolicyVersionsCommand, async (input, call) => {
    const { policy } = await requirePolicyFor(call, input.PolicyArn);
    // Newest first, as IAM lists them.
    const versions = policy.versions.toReversed().map((version) => versionOutput(policy, version));
    const { page, ...rest } = iamPage(versions, input.Marker, input.MaxItems);
    return { Versions: page, ...rest };
  }),

  operation('DeletePolicyVersion', iam.DeletePolicyVersionCommand, async (input, call) => {
    const { ref, policy } = await requirePolicyFor(call, input.PolicyArn, true);
    const version = requireVersion(ref, input.VersionId);
    if (version.versionId === policy.defaultVersionId) throw iamError('DeleteConflict', 'Cannot delete the default version of a policy.');
    policy.versions = policy.versions.filter((candidate) => candidate !== version);
    return {};
  }),

  operation('ListAccountAliases', iam.ListAccountAliasesCommand, async (input, call) => {
    const account = callerAccount(call);
    await requireAllowed(call, { resourceArn: '*' });
    const { page, ...rest } = iamPage(account.aliases, input.Marker, input.MaxItems);
    return { AccountAliases: page, ...rest };
  }),
];

/** Seconds (IAM API reference, CreateRole). */
const MAX_SESSION_SECONDS = { default: 3600, min: 3600, max: 43200 } as const;

/** The Role structure, trust policy URL-encoded (IAM API reference, Role). */
function roleOutput(account: AccountState, role: RoleState): iam.Role {
  return {
    ...entityOutput(iamArnOf(account, 'role', role.path, role.roleName), role),
    RoleName: role.roleName,
    RoleId: role.roleId,
    AssumeRolePolicyDocument: encodeURIComponent(currentTrustPolicy(role)),
    MaxSessionDuration: role.maxSessionDurationSeconds,
    RoleLastUsed: {},
  };
}

/** Permissions boundaries are not modelled (the product sets none): refused rather than ignored. */
function refuseBoundary(input: { PermissionsBoundary?: string }): void {
  if (input.PermissionsBoundary !== undefined) throw new SandboxSetupError('AwsSandbox: PermissionsBoundary is not simulated');
}

function checkTrustPolicy(call: CallContext, document: string | undefined): string {
  checkPrincipalsExist(call, checkIamDocument(document, 'trust'));
  return document!;
}

const roleOperations: Operation[] = [
  operation('CreateRole', iam.CreateRoleCommand, async (input, call) => {
    refuseBoundary(input);
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
        description: input.Description,
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

function userOutput(account: AccountState, user: UserState): iam.User {
  return { ...entityOutput(iamArnOf(account, 'user', user.path, user.userName), user), UserName: user.userName, UserId: user.userId };
}

/** The AccessKeyMetadata structure (IAM API reference); CreateAccessKey adds the secret. */
function accessKeyOutput(user: UserState, key: UserState['accessKeys'][number]) {
  return { UserName: user.userName, AccessKeyId: key.accessKeyId, Status: key.status, CreateDate: new Date(key.createdMs) };
}

/**
 * The named user, else the calling user (IAM API reference, GetUser: "IAM determines the user name implicitly").
 * @throws `ValidationError` when no name is given and the caller is not an IAM user.
 */
function targetUser(call: CallContext, userName: string | undefined) {
  if (userName !== undefined) return USERS.require(call, userName);
  if (call.caller.user && call.caller.user.accountId === call.caller.accountId) return USERS.require(call, call.caller.user.userName);
  throw iamError('ValidationError', 'Must specify userName when calling with non-User credentials');
}

const userOperations: Operation[] = [
  operation('CreateUser', iam.CreateUserCommand, async (input, call) => {
    refuseBoundary(input);
    const { account, entity } = await USERS.create(call, { ...input, name: input.UserName }, ({ path, tags }, userName) =>
      newUser(userName, call.nowMs, { path, tags, attachments: [] }),
    );
    return { User: userOutput(account, entity) };
  }),

  operation('GetUser', iam.GetUserCommand, async (input, call) => {
    const { account, entity } = await targetUser(call, input.UserName);
    return { User: userOutput(account, entity) };
  }),

  operation('TagUser', iam.TagUserCommand, (input, call) => USERS.tag(call, input.UserName, input.Tags)),
  operation('AttachUserPolicy', iam.AttachUserPolicyCommand, (input, call) => USERS.attach(call, input.UserName, input.PolicyArn)),
  operation('DetachUserPolicy', iam.DetachUserPolicyCommand, (input, call) => USERS.detach(call, input.UserName, input.PolicyArn)),
  operation('ListAttachedUserPolicies', iam.ListAttachedUserPoliciesCommand, (input, call) =>
    USERS.listPolicies(call, input.UserName, input),
  ),

  operation('CreateAccessKey', iam.CreateAccessKeyCommand, async (input, call) => {
    const { account, entity: user } = await targetUser(call, input.UserName);
    const key = addAccessKey(call.core.state, account.accountId, user, call.nowMs, propagatedMs(call));
    return { AccessKey: { ...accessKeyOutput(user, key), SecretAccessKey: key.secretAccessKey } };
  }),

  operation('ListAccessKeys', iam.ListAccessKeysCommand, async (input, call) => {
    const { entity: user } = await targetUser(call, input.UserName);
    const keys = user.accessKeys.map((key) => accessKeyOutput(user, key));
    const { page, ...rest } = iamPage(keys, input.Marker, input.MaxItems);
    return { AccessKeyMetadata: page, ...rest };
  }),

  operation('DeleteAccessKey', iam.DeleteAccessKeyCommand, async (input, call) => {
    const { entity: user } = await targetUser(call, input.UserName);
    const key = user.accessKeys.find((candidate) => candidate.accessKeyId === input.AccessKeyId);
    if (!key) throw iamError('NoSuchEntity', `The Access Key with id ${input.AccessKeyId ?? ''} cannot be found.`);
    user.accessKeys = user.accessKeys.filter((candidate) => candidate !== key);
    // Still recognised afterwards, so a deleted key fails like AWS's instead of passing as an outside identity.
    call.core.state.revokedAccessKeyIds.push(key.accessKeyId);
    return {};
  }),

  operation('DeleteUser', iam.DeleteUserCommand, (input, call) =>
    USERS.delete(call, input.UserName, (user) => {
      if (user.accessKeys.length > 0) throw iamError('DeleteConflict', 'Cannot delete entity, must delete access keys first.');
    }),
  ),
];

export const iamOperations: Operation[] = [...roleOperations, ...policyOperations, ...userOperations];
