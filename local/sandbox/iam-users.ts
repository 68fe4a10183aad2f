/**
 * IAM user and access key operations. At most two keys (IAM User Guide, "IAM and AWS STS quotas"); a new key is
 * refused (`InvalidClientTokenId`) until propagated.
 */
import * as iam from '@aws-sdk/client-iam';
import { iamError } from './errors';
import { USERS, iamPage, propagatedMs } from './iam-common';
import { userArnOf } from './iam-entities';
import { addAccessKey } from './identity';
import type { CallContext, Operation } from './operations';
import { operation, tagList } from './operations';
import type { AccountState, UserState } from './state';
import { newUser } from './state';

function userOutput(account: AccountState, user: UserState): iam.User {
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
 * The named user, else the calling user (IAM API reference, GetUser: "IAM determines the user name implicitly").
 * @throws `ValidationError` when no name is given and the caller is not an IAM user.
 */
function targetUser(call: CallContext, userName: string | undefined) {
  if (userName !== undefined) return USERS.require(call, userName);
  if (call.caller.user && call.caller.user.accountId === call.caller.accountId) return USERS.require(call, call.caller.user.userName);
  throw iamError('ValidationError', 'Must specify userName when calling with non-User credentials');
}

/** The user and access key operations. */

export const userOperations: Operation[] = [
  operation('CreateUser', iam.CreateUserCommand, async (input, call) => {
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
    const { accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey, status: Status } = key;
    return { AccessKey: { UserName: user.userName, AccessKeyId, Status, SecretAccessKey, CreateDate: new Date(key.createdMs) } };
  }),

  operation('ListAccessKeys', iam.ListAccessKeysCommand, async (input, call) => {
    const { entity: user } = await targetUser(call, input.UserName);
    const keys = user.accessKeys.map((key) => ({
      UserName: user.userName,
      AccessKeyId: key.accessKeyId,
      Status: key.status,
      CreateDate: new Date(key.createdMs),
    }));
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
