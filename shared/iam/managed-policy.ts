/**
 * Converging a customer managed policy on a document: create it, or give it a new default version when the
 * document changed, keeping within IAM's five versions.
 */
import {
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListPolicyVersionsCommand,
  NoSuchEntityException,
  TagPolicyCommand,
  type IAMClient,
  type Policy,
  type PolicyVersion,
} from '@aws-sdk/client-iam';
import type { ErrorContext } from '../errors';
import { claimOwnership, isManagedByThisTool, ownershipTags } from './ownership';
import { parseIamDocument, sameDocument, type PolicyDocument } from './policy-document';

/** Most versions a managed policy keeps (IAM User Guide, "Versioning IAM policies"). */
export const MAX_POLICY_VERSIONS = 5;

/** What to converge. */
export interface ManagedPolicySpec {
  policyArn: string;
  policyName: string;
  document: PolicyDocument;
  description: string;
  /** The account and step, for error messages. */
  context?: ErrorContext;
  /** Take over a policy of that name this tool did not create (tags it as ours). */
  allowTakeover: boolean;
  /** Create the policy if missing, but leave an existing one's document as it is. */
  createOnly?: boolean;
}

/** What converging did. */
export type ConvergeAction = 'created' | 'updated' | 'unchanged';

async function getPolicy(iam: IAMClient, policyArn: string): Promise<Policy | undefined> {
  try {
    return (await iam.send(new GetPolicyCommand({ PolicyArn: policyArn }))).Policy;
  } catch (error) {
    if (error instanceof NoSuchEntityException) return undefined;
    throw error;
  }
}

/**
 * Creates the policy, or makes the document its default version.
 *
 * When the policy already has {@link MAX_POLICY_VERSIONS} versions, the oldest non-default one is deleted first.
 *
 * @throws ForeignResourceError when a policy of that name exists, was not created by this tool, and takeover is off.
 * @throws the SDK's errors otherwise.
 */
export async function convergeManagedPolicy(iam: IAMClient, spec: ManagedPolicySpec): Promise<ConvergeAction> {
  const existing = await getPolicy(iam, spec.policyArn);
  if (existing === undefined) {
    await iam.send(
      new CreatePolicyCommand({
        PolicyName: spec.policyName,
        PolicyDocument: JSON.stringify(spec.document),
        Description: spec.description,
        Tags: ownershipTags(),
      }),
    );
    return 'created';
  }
  await claimOwnership(
    {
      kind: 'policy',
      arn: spec.policyArn,
      tags: existing.Tags,
      tag: () => iam.send(new TagPolicyCommand({ PolicyArn: spec.policyArn, Tags: ownershipTags() })),
    },
    spec.allowTakeover,
    spec.context,
  );
  if (spec.createOnly) return 'unchanged';
  const current = await iam.send(new GetPolicyVersionCommand({ PolicyArn: spec.policyArn, VersionId: existing.DefaultVersionId }));
  if (current.PolicyVersion?.Document && sameDocument(parseIamDocument(current.PolicyVersion.Document), spec.document)) {
    return 'unchanged';
  }
  await makeRoomForVersion(iam, spec.policyArn);
  await iam.send(
    new CreatePolicyVersionCommand({
      PolicyArn: spec.policyArn,
      PolicyDocument: JSON.stringify(spec.document),
      SetAsDefault: true,
    }),
  );
  return 'updated';
}

async function listVersions(iam: IAMClient, policyArn: string): Promise<PolicyVersion[]> {
  // A policy has at most five versions, so one page holds them all.
  return (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: policyArn }))).Versions ?? [];
}

async function makeRoomForVersion(iam: IAMClient, policyArn: string): Promise<void> {
  const versions = await listVersions(iam, policyArn);
  if (versions.length < MAX_POLICY_VERSIONS) return;
  const oldest = versions
    .filter((version) => !version.IsDefaultVersion)
    .sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0))[0];
  if (oldest?.VersionId) {
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: policyArn, VersionId: oldest.VersionId }));
  }
}

/**
 * Deletes a managed policy this tool created (its non-default versions first, as IAM requires). The policy must be
 * detached already. A missing policy, or one that is not this tool's, is left alone.
 *
 * @returns `deleted`, `foreign` (exists, not this tool's: kept) or `absent`.
 * @throws the SDK's errors (`DeleteConflictException` while it is still attached somewhere).
 */
export async function deleteOwnedPolicy(iam: IAMClient, policyArn: string): Promise<'deleted' | 'foreign' | 'absent'> {
  const existing = await getPolicy(iam, policyArn);
  if (existing === undefined) return 'absent';
  if (!isManagedByThisTool(existing.Tags)) return 'foreign';
  for (const version of await listVersions(iam, policyArn)) {
    if (!version.IsDefaultVersion && version.VersionId) {
      await iam.send(new DeletePolicyVersionCommand({ PolicyArn: policyArn, VersionId: version.VersionId }));
    }
  }
  await iam.send(new DeletePolicyCommand({ PolicyArn: policyArn }));
  return 'deleted';
}

/**
 * As {@link deleteOwnedPolicy}.
 *
 * @returns whether a policy of that ARN exists (deleted, or kept because it is not this tool's).
 */
export async function deleteManagedPolicy(iam: IAMClient, policyArn: string): Promise<boolean> {
  return (await deleteOwnedPolicy(iam, policyArn)) !== 'absent';
}
