/**
 * IAM managed policy operations the product calls (IAM API reference: CreatePolicy, GetPolicy, DeletePolicy,
 * TagPolicy, GetPolicyVersion, CreatePolicyVersion, ListPolicyVersions, DeletePolicyVersion) and ListAccountAliases.
 *
 * Version rules follow the IAM User Guide, "Versioning IAM policies": at most 5 versions, ids never reused, the
 * default version cannot be deleted, a policy with other versions cannot be deleted. A new default version takes
 * effect for authorisation only after the propagation delay.
 */
import {
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListAccountAliasesCommand,
  ListPolicyVersionsCommand,
  TagPolicyCommand,
} from '@aws-sdk/client-iam';
import type { Policy } from '@aws-sdk/client-iam';
import { attachmentCount, checkIamDocument, checkName, checkPath, iamPage, mergeTags, requirePolicy } from './iam-common';
import { findPolicy, policyArnOf } from './iam-entities';
import type { PolicyRef } from './iam-entities';
import { iamError } from './errors';
import { newUniqueId } from './ids';
import type { CallContext, Operation } from './operations';
import { callerAccount, operation, requestTagContext, requireAllowed, resourceTagContext, tagList, tagRecord } from './operations';
import { urlEncodeDocument } from './policy-documents';
// IAM's limit, as the product keeps within it (this sandbox's tests pin it at 5, as AWS documents).
import { MAX_POLICY_VERSIONS } from '../../shared/iam/managed-policy';
import type { AccountState, ManagedPolicyState } from './state';
import { deleteEntry, getEntry, nameKey, setEntry } from './state';

/** The Policy structure as IAM returns it. AWS managed policies have no tags and one version here. */
function policyOutput(account: AccountState, ref: PolicyRef): Policy {
  if (ref.kind === 'aws') {
    return {
      PolicyName: ref.policyName,
      PolicyId: ref.policyId,
      Arn: ref.arn,
      Path: '/',
      DefaultVersionId: 'v1',
      AttachmentCount: attachmentCount(account, ref.arn),
      PermissionsBoundaryUsageCount: 0,
      IsAttachable: true,
      Description: ref.description,
    };
  }
  const policy = ref.policy;
  const tags = tagList(policy.tags);
  return {
    PolicyName: policy.policyName,
    PolicyId: policy.policyId,
    Arn: ref.arn,
    Path: policy.path,
    DefaultVersionId: policy.defaultVersionId,
    AttachmentCount: attachmentCount(account, ref.arn),
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    ...(policy.description !== undefined ? { Description: policy.description } : {}),
    CreateDate: new Date(policy.createdMs),
    UpdateDate: new Date(policy.updatedMs),
    ...(tags.length > 0 ? { Tags: tags } : {}),
  };
}

/** Authorises the call on the policy ARN and returns the account. */
async function authorizeOnPolicy(
  call: CallContext,
  policyArn: string | undefined,
  context: Record<string, string | string[]> = {},
): Promise<AccountState> {
  const account = callerAccount(call);
  const ref = policyArn === undefined ? undefined : findPolicy(account, policyArn);
  const tags = ref?.kind === 'customer' ? resourceTagContext(ref.policy.tags) : {};
  await requireAllowed(call, { resourceArn: policyArn ?? '*', context: { ...tags, ...context } });
  return account;
}

/** The customer managed policy, or the error IAM gives when asked to change an AWS managed one. */
function requireCustomerPolicy(call: CallContext, account: AccountState, policyArn: string | undefined): ManagedPolicyState {
  const ref = requirePolicy(account, policyArn, 'get');
  if (ref.kind === 'aws') {
    throw iamError(
      'AccessDenied',
      `User: ${call.caller.arn} is not authorized to perform: iam:${call.operation} on resource: policy ${ref.arn}`,
    );
  }
  return ref.policy;
}

function noSuchVersion(policyArn: string, versionId: string | undefined) {
  return iamError('NoSuchEntity', `Policy ${policyArn} version ${versionId ?? ''} does not exist or is not attachable.`);
}

function requireVersion(policy: ManagedPolicyState, policyArn: string, versionId: string | undefined) {
  const version = policy.versions.find((candidate) => candidate.versionId === versionId);
  if (!version) throw noSuchVersion(policyArn, versionId);
  return version;
}

/** Makes a version the default: reported at once, used by authorisation after the propagation delay. */
function setDefault(call: CallContext, policy: ManagedPolicyState, versionId: string): void {
  policy.defaultVersionId = versionId;
  policy.defaultVersionHistory.push({ versionId, effectiveMs: call.nowMs + call.core.state.propagationSeconds * 1000 });
  // Entries superseded by one already in effect can never be evaluated again.
  let newestEffective = -1;
  policy.defaultVersionHistory.forEach((entry, index) => {
    if (entry.effectiveMs <= call.nowMs) newestEffective = index;
  });
  if (newestEffective > 0) policy.defaultVersionHistory.splice(0, newestEffective);
}

/** The policy operations. */
export const policyOperations: Operation[] = [
  operation('CreatePolicy', CreatePolicyCommand, async (input, call) => {
    const policyName = checkName('policyName', input.PolicyName, 128);
    const path = checkPath(input.Path);
    const tags = mergeTags({}, input.Tags, 'TagsPerPolicy');
    const account = callerAccount(call);
    const policyArn = policyArnOf(account.partition, account.accountId, { path, policyName });
    await authorizeOnPolicy(call, policyArn, requestTagContext(tags));
    if (getEntry(account.policies, nameKey(policyName))) {
      throw iamError('EntityAlreadyExists', `A policy called ${policyName} already exists. Duplicate names are not allowed.`);
    }
    checkIamDocument(input.PolicyDocument, 'identity');
    const policy: ManagedPolicyState = {
      policyName,
      policyId: newUniqueId('ANPA'),
      path,
      ...(input.Description !== undefined ? { description: input.Description } : {}),
      createdMs: call.nowMs,
      updatedMs: call.nowMs,
      tags,
      versions: [{ versionId: 'v1', document: input.PolicyDocument!, createdMs: call.nowMs }],
      defaultVersionId: 'v1',
      // The first version counts at once: nothing can use it before an attachment, which propagates itself.
      defaultVersionHistory: [{ versionId: 'v1', effectiveMs: call.nowMs }],
      nextVersionNumber: 2,
    };
    setEntry(account.policies, nameKey(policyName), policy);
    return { Policy: policyOutput(account, { kind: 'customer', arn: policyArn, policy }) };
  }),

  operation('GetPolicy', GetPolicyCommand, async (input, call) => {
    const account = await authorizeOnPolicy(call, input.PolicyArn);
    return { Policy: policyOutput(account, requirePolicy(account, input.PolicyArn, 'get')) };
  }),

  operation('DeletePolicy', DeletePolicyCommand, async (input, call) => {
    const account = await authorizeOnPolicy(call, input.PolicyArn);
    const policy = requireCustomerPolicy(call, account, input.PolicyArn);
    if (attachmentCount(account, input.PolicyArn!) > 0) throw iamError('DeleteConflict', 'Cannot delete a policy attached to entities.');
    if (policy.versions.length > 1) {
      throw iamError(
        'DeleteConflict',
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. " +
          'The default version is deleted with the policy.',
      );
    }
    deleteEntry(account.policies, nameKey(policy.policyName));
    return {};
  }),

  operation('TagPolicy', TagPolicyCommand, async (input, call) => {
    const account = await authorizeOnPolicy(call, input.PolicyArn, requestTagContext(tagRecord(input.Tags)));
    const policy = requireCustomerPolicy(call, account, input.PolicyArn);
    policy.tags = mergeTags(policy.tags, input.Tags, 'TagsPerPolicy');
    return {};
  }),

  operation('GetPolicyVersion', GetPolicyVersionCommand, async (input, call) => {
    const account = await authorizeOnPolicy(call, input.PolicyArn);
    const ref = requirePolicy(account, input.PolicyArn, 'get');
    if (ref.kind === 'aws') {
      if (input.VersionId !== 'v1') throw noSuchVersion(ref.arn, input.VersionId);
      return {
        PolicyVersion: { Document: urlEncodeDocument(JSON.stringify(ref.document)), VersionId: 'v1', IsDefaultVersion: true },
      };
    }
    const version = requireVersion(ref.policy, ref.arn, input.VersionId);
    return {
      PolicyVersion: {
        Document: urlEncodeDocument(version.document),
        VersionId: version.versionId,
        IsDefaultVersion: version.versionId === ref.policy.defaultVersionId,
        CreateDate: new Date(version.createdMs),
      },
    };
  }),

  operation('CreatePolicyVersion', CreatePolicyVersionCommand, async (input, call) => {
    const account = await authorizeOnPolicy(call, input.PolicyArn);
    const policy = requireCustomerPolicy(call, account, input.PolicyArn);
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
    if (input.SetAsDefault) setDefault(call, policy, versionId);
    return {
      PolicyVersion: { VersionId: versionId, IsDefaultVersion: policy.defaultVersionId === versionId, CreateDate: new Date(call.nowMs) },
    };
  }),

  operation('ListPolicyVersions', ListPolicyVersionsCommand, async (input, call) => {
    const account = await authorizeOnPolicy(call, input.PolicyArn);
    const ref = requirePolicy(account, input.PolicyArn, 'get');
    const versions =
      ref.kind === 'aws'
        ? [{ VersionId: 'v1', IsDefaultVersion: true }]
        : // Newest first, as IAM lists them.
          [...ref.policy.versions].reverse().map((version) => ({
            VersionId: version.versionId,
            IsDefaultVersion: version.versionId === ref.policy.defaultVersionId,
            CreateDate: new Date(version.createdMs),
          }));
    const { page, ...rest } = iamPage(versions, input.Marker, input.MaxItems);
    return { Versions: page, ...rest };
  }),

  operation('DeletePolicyVersion', DeletePolicyVersionCommand, async (input, call) => {
    const account = await authorizeOnPolicy(call, input.PolicyArn);
    const policy = requireCustomerPolicy(call, account, input.PolicyArn);
    const version = requireVersion(policy, input.PolicyArn!, input.VersionId);
    if (version.versionId === policy.defaultVersionId) {
      throw iamError('DeleteConflict', 'Cannot delete the default version of a policy.');
    }
    policy.versions = policy.versions.filter((candidate) => candidate !== version);
    return {};
  }),

  operation('ListAccountAliases', ListAccountAliasesCommand, async (input, call) => {
    const account = callerAccount(call);
    await requireAllowed(call, { resourceArn: '*' });
    const { page, ...rest } = iamPage(account.aliases, input.Marker, input.MaxItems);
    return { AccountAliases: page, ...rest };
  }),
];
