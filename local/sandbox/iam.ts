/**
 * Simulated IAM (on the caller's own account): managed policies here, versioned as in the IAM User Guide, "Versioning
 * IAM policies" (a new default version counts after the propagation delay); roles and users in their own modules.
 */
import * as iam from '@aws-sdk/client-iam';
import { MAX_POLICY_VERSIONS } from '../../shared/iam/managed-policy';
import { attachmentCount, checkIamDocument, checkName, checkPath, iamPage, mergeTags, propagating, requirePolicy } from './iam-common';
import { findPolicy, policyArnOf } from './iam-entities';
import type { PolicyRef } from './iam-entities';
import { iamError } from './errors';
import type { CallContext, Operation } from './operations';
import { callerAccount, operation, requestTagContext, requireAllowed, resourceTagContext, tagList, tagRecord } from './operations';
import { roleOperations } from './iam-roles';
import { userOperations } from './iam-users';
import type { AccountState } from './state';
import { getEntry, nameKey, newPolicy, setEntry } from './state';

function policyOutput(account: AccountState, { arn, policy }: PolicyRef): iam.Policy {
  const tags = tagList(policy.tags);
  return {
    PolicyName: policy.policyName,
    PolicyId: policy.policyId,
    Arn: arn,
    Path: policy.path,
    DefaultVersionId: policy.defaultVersionId,
    AttachmentCount: attachmentCount(account, arn),
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    ...(policy.description !== undefined ? { Description: policy.description } : {}),
    CreateDate: new Date(policy.createdMs),
    UpdateDate: new Date(policy.updatedMs),
    ...(tags.length > 0 ? { Tags: tags } : {}),
  };
}

/** Authorises the call on the policy; `change` refuses an AWS managed policy (AccessDenied), as IAM does. */
async function requirePolicyFor(call: CallContext, policyArn: string | undefined, change = false, context = {}) {
  const account = callerAccount(call);
  const tags = (policyArn === undefined ? undefined : findPolicy(account, policyArn))?.policy.tags ?? {};
  await requireAllowed(call, { resourceArn: policyArn ?? '*', context: { ...resourceTagContext(tags), ...context } });
  const ref = requirePolicy(account, policyArn, 'get');
  if (change && ref.aws) {
    throw iamError(
      'AccessDenied',
      `User: ${call.caller.arn} is not authorized to perform: iam:${call.operation} on resource: policy ${ref.arn}`,
    );
  }
  return { account, ref, policy: ref.policy };
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
    const policyArn = policyArnOf(account.partition, account.accountId, { path, policyName });
    await requireAllowed(call, { resourceArn: policyArn, context: requestTagContext(tags) });
    if (getEntry(account.policies, nameKey(policyName))) {
      throw iamError('EntityAlreadyExists', `A policy called ${policyName} already exists. Duplicate names are not allowed.`);
    }
    checkIamDocument(input.PolicyDocument, 'identity');
    const policy = newPolicy(policyName, input.PolicyDocument!, call.nowMs, {
      path,
      tags,
      ...(input.Description !== undefined ? { description: input.Description } : {}),
    });
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
      PolicyVersion: {
        // URL-encoded, as IAM returns it (IAM API reference, PolicyVersion.Document: RFC 3986).
        Document: encodeURIComponent(version.document),
        VersionId: version.versionId,
        IsDefaultVersion: version.versionId === policy.defaultVersionId,
        CreateDate: new Date(version.createdMs),
      },
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
    policy.versions.push({ versionId, document: input.PolicyDocument!, createdMs: call.nowMs });
    policy.updatedMs = call.nowMs;
    if (input.SetAsDefault) {
      policy.defaultVersionId = versionId;
      propagating(call, policy.defaultVersionHistory, { versionId });
    }
    return {
      PolicyVersion: { VersionId: versionId, IsDefaultVersion: policy.defaultVersionId === versionId, CreateDate: new Date(call.nowMs) },
    };
  }),

  operation('ListPolicyVersions', iam.ListPolicyVersionsCommand, async (input, call) => {
    const { policy } = await requirePolicyFor(call, input.PolicyArn);
    // Newest first, as IAM lists them.
    const versions = policy.versions.toReversed().map((version) => ({
      VersionId: version.versionId,
      IsDefaultVersion: version.versionId === policy.defaultVersionId,
      CreateDate: new Date(version.createdMs),
    }));
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

/** All IAM operations the sandbox simulates. */
export const iamOperations: Operation[] = [...roleOperations, ...policyOperations, ...userOperations];
