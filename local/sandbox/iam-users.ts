/**
 * IAM user and access key operations the product calls (IAM API reference: CreateUser, GetUser, TagUser,
 * AttachUserPolicy, DetachUserPolicy, ListAttachedUserPolicies, CreateAccessKey, ListAccessKeys, DeleteAccessKey, DeleteUser).
 *
 * A user may hold at most two access keys (IAM User Guide, "IAM and AWS STS quotas"). A new key is usable only
 * after the propagation delay; until then AWS answers `InvalidClientTokenId`.
 */
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  DetachUserPolicyCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import type { User } from '@aws-sdk/client-iam';
import { attachPolicy, checkName, checkPath, detachPolicy, iamPage, mergeTags, requirePolicy, requireUser } from './iam-common';
import { findPolicy, findUser, userArnOf } from './iam-entities';
import { iamError } from './errors';
import { newAccessKeyId, newSecretAccessKey, newUniqueId } from './ids';
import { noteAccessKey } from './identity';
import type { CallContext, Operation } from './operations';
import { callerAccount, operation, requestTagContext, requireAllowed, resourceTagContext, tagList, tagRecord } from './operations';
import type { AccountState, UserState } from './state';
import { deleteEntry, nameKey, setEntry } from './state';

/** Access keys one user can hold. */
export const MAX_ACCESS_KEYS = 2;

function userOutput(account: AccountState, user: UserState): User {
  const tags = tagList(user.tags);
  return {
    Path: user.path,
    UserName: user.userName,
    UserId: user.userId,
    Arn: userArnOf(account.partition, account.accountId, user),
    CreateDate: new Date(user.createdMs),
    ...(tags.length > 0 ? { Tags: tags } : {}),
  };
}

/**
 * The user a call is about: the named one, or, when no name is given, the calling user (IAM API reference,
 * GetUser / CreateAccessKey: "If you do not specify a user name, IAM determines the user name implicitly based
 * on the Amazon Web Services access key ID signing the request").
 *
 * @throws `ValidationError` when no name is given and the caller is not an IAM user (IAM's wording).
 */
function targetUserName(call: CallContext, userName: string | undefined): string {
  if (userName !== undefined) return userName;
  if (call.caller.user && call.caller.user.accountId === call.caller.accountId) return call.caller.user.userName;
  throw iamError('ValidationError', 'Must specify userName when calling with non-User credentials');
}

/** Authorises the call on the user (existing or to be created) and returns the account. */
async function authorizeOnUser(
  call: CallContext,
  userName: string,
  context: Record<string, string | string[]> = {},
  path?: string,
): Promise<AccountState> {
  const account = callerAccount(call);
  const user = findUser(account, userName);
  const resourceArn = userArnOf(account.partition, account.accountId, {
    path: user?.path ?? path ?? '/',
    userName: user?.userName ?? userName,
  });
  await requireAllowed(call, { resourceArn, context: { ...(user ? resourceTagContext(user.tags) : {}), ...context } });
  return account;
}

function requireKey(user: UserState, accessKeyId: string | undefined) {
  const key = user.accessKeys.find((candidate) => candidate.accessKeyId === accessKeyId);
  if (!key) throw iamError('NoSuchEntity', `The Access Key with id ${accessKeyId ?? ''} cannot be found.`);
  return key;
}

/** The user operations. */
export const userOperations: Operation[] = [
  operation('CreateUser', CreateUserCommand, async (input, call) => {
    const userName = checkName('userName', input.UserName, 64);
    const path = checkPath(input.Path);
    const tags = mergeTags({}, input.Tags, 'TagsPerUser');
    const account = await authorizeOnUser(call, userName, requestTagContext(tags), path);
    if (findUser(account, userName)) throw iamError('EntityAlreadyExists', `User with name ${userName} already exists.`);
    if (input.PermissionsBoundary !== undefined) requirePolicy(account, input.PermissionsBoundary, 'attach');
    const user: UserState = {
      userName,
      userId: newUniqueId('AIDA'),
      path,
      createdMs: call.nowMs,
      tags,
      attachments: [],
      accessKeys: [],
    };
    setEntry(account.users, nameKey(userName), user);
    return { User: userOutput(account, user) };
  }),

  operation('GetUser', GetUserCommand, async (input, call) => {
    const userName = targetUserName(call, input.UserName);
    const account = await authorizeOnUser(call, userName);
    return { User: userOutput(account, requireUser(account, userName)) };
  }),

  operation('TagUser', TagUserCommand, async (input, call) => {
    const userName = checkName('userName', input.UserName, 64);
    const account = await authorizeOnUser(call, userName, requestTagContext(tagRecord(input.Tags)));
    const user = requireUser(account, userName);
    user.tags = mergeTags(user.tags, input.Tags, 'TagsPerUser');
    return {};
  }),

  operation('AttachUserPolicy', AttachUserPolicyCommand, async (input, call) => {
    const userName = checkName('userName', input.UserName, 64);
    const account = await authorizeOnUser(call, userName, input.PolicyArn ? { 'iam:PolicyARN': input.PolicyArn } : {});
    const user = requireUser(account, userName);
    const policy = requirePolicy(account, input.PolicyArn, 'attach');
    attachPolicy(call, user.attachments, policy.arn, 'PoliciesPerUser');
    return {};
  }),

  operation('DetachUserPolicy', DetachUserPolicyCommand, async (input, call) => {
    const userName = checkName('userName', input.UserName, 64);
    const account = await authorizeOnUser(call, userName, input.PolicyArn ? { 'iam:PolicyARN': input.PolicyArn } : {});
    detachPolicy(requireUser(account, userName).attachments, input.PolicyArn);
    return {};
  }),

  operation('ListAttachedUserPolicies', ListAttachedUserPoliciesCommand, async (input, call) => {
    const userName = checkName('userName', input.UserName, 64);
    const account = await authorizeOnUser(call, userName);
    const attached = requireUser(account, userName).attachments.map((attachment) => {
      const ref = findPolicy(account, attachment.policyArn);
      const name =
        ref?.kind === 'customer'
          ? ref.policy.policyName
          : (ref?.policyName ?? attachment.policyArn.slice(attachment.policyArn.lastIndexOf('/') + 1));
      return { PolicyName: name, PolicyArn: attachment.policyArn };
    });
    const { page, ...rest } = iamPage(attached, input.Marker, input.MaxItems);
    return { AttachedPolicies: page, ...rest };
  }),

  operation('CreateAccessKey', CreateAccessKeyCommand, async (input, call) => {
    const userName = targetUserName(call, input.UserName);
    const account = await authorizeOnUser(call, userName);
    const user = requireUser(account, userName);
    if (user.accessKeys.length >= MAX_ACCESS_KEYS) {
      throw iamError('LimitExceeded', `Cannot exceed quota for AccessKeysPerUser: ${MAX_ACCESS_KEYS}`);
    }
    const key = {
      accessKeyId: newAccessKeyId('user'),
      secretAccessKey: newSecretAccessKey(),
      status: 'Active' as const,
      createdMs: call.nowMs,
      effectiveMs: call.nowMs + call.core.state.propagationSeconds * 1000,
    };
    user.accessKeys.push(key);
    noteAccessKey(call.core.state, account.accountId, user.userName, key.accessKeyId);
    return {
      AccessKey: {
        UserName: user.userName,
        AccessKeyId: key.accessKeyId,
        Status: key.status,
        SecretAccessKey: key.secretAccessKey,
        CreateDate: new Date(key.createdMs),
      },
    };
  }),

  operation('ListAccessKeys', ListAccessKeysCommand, async (input, call) => {
    const userName = targetUserName(call, input.UserName);
    const account = await authorizeOnUser(call, userName);
    const user = requireUser(account, userName);
    const keys = user.accessKeys.map((key) => ({
      UserName: user.userName,
      AccessKeyId: key.accessKeyId,
      Status: key.status,
      CreateDate: new Date(key.createdMs),
    }));
    const { page, ...rest } = iamPage(keys, input.Marker, input.MaxItems);
    return { AccessKeyMetadata: page, ...rest };
  }),

  operation('DeleteAccessKey', DeleteAccessKeyCommand, async (input, call) => {
    const userName = targetUserName(call, input.UserName);
    const account = await authorizeOnUser(call, userName);
    const user = requireUser(account, userName);
    const key = requireKey(user, input.AccessKeyId);
    user.accessKeys = user.accessKeys.filter((candidate) => candidate !== key);
    // Still recognised afterwards, so a deleted key fails like AWS's instead of passing as an outside identity.
    call.core.state.revokedAccessKeyIds.push(key.accessKeyId);
    return {};
  }),

  operation('DeleteUser', DeleteUserCommand, async (input, call) => {
    const userName = checkName('userName', input.UserName, 64);
    const account = await authorizeOnUser(call, userName);
    const user = requireUser(account, userName);
    // IAM refuses while the user still has access keys or attached policies (IAM API reference, DeleteUser).
    if (user.accessKeys.length > 0) throw iamError('DeleteConflict', 'Cannot delete entity, must delete access keys first.');
    if (user.attachments.length > 0) throw iamError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
    deleteEntry(account.users, nameKey(user.userName));
    return {};
  }),
];
