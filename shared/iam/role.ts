/**
 * Converging the Datadog role: its existence, trust policy, ownership tag and attached managed policies.
 */
import {
  CreateRoleCommand,
  GetRoleCommand,
  NoSuchEntityException,
  TagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  type IAMClient,
  type Role,
} from '@aws-sdk/client-iam';
import type { ErrorContext } from '../errors';
import { claimOwnership, ownershipTags } from './ownership';
import { parseIamDocument, sameDocument, type PolicyDocument } from './policy-document';

/** What to converge. */
export interface RoleSpec {
  roleName: string;
  trustPolicy: PolicyDocument;
  description: string;
  /** The account and step, for error messages. */
  context?: ErrorContext;
  /** Take over a role of that name this tool did not create (tags it as ours). */
  allowTakeover: boolean;
}

/** What converging did, and the role's ARN. */
export interface RoleConvergence {
  roleArn: string;
  created: boolean;
  trustPolicyUpdated: boolean;
}

/**
 * Reads a role, or `undefined` when it does not exist.
 *
 * @throws the SDK's errors other than `NoSuchEntity`.
 */
export async function getRole(iam: IAMClient, roleName: string): Promise<Role | undefined> {
  try {
    return (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role;
  } catch (error) {
    if (error instanceof NoSuchEntityException) return undefined;
    throw error;
  }
}

/**
 * Creates the role, or brings its trust policy to the spec.
 *
 * @throws ForeignResourceError when a role of that name exists, was not created by this tool, and takeover is off.
 */
export async function convergeRole(iam: IAMClient, spec: RoleSpec): Promise<RoleConvergence> {
  const existing = await getRole(iam, spec.roleName);
  if (existing === undefined) {
    const { Role: created } = await iam.send(
      new CreateRoleCommand({
        RoleName: spec.roleName,
        AssumeRolePolicyDocument: JSON.stringify(spec.trustPolicy),
        Description: spec.description,
        Tags: ownershipTags(),
      }),
    );
    return { roleArn: created?.Arn ?? '', created: true, trustPolicyUpdated: false };
  }
  await claimOwnership(
    {
      kind: 'role',
      arn: existing.Arn,
      tags: existing.Tags,
      tag: () => iam.send(new TagRoleCommand({ RoleName: spec.roleName, Tags: ownershipTags() })),
    },
    spec.allowTakeover,
    spec.context,
  );
  const current = existing.AssumeRolePolicyDocument && parseIamDocument(existing.AssumeRolePolicyDocument);
  const trustPolicyUpdated = !current || !sameDocument(current, spec.trustPolicy);
  if (trustPolicyUpdated) {
    await updateTrustPolicy(iam, spec.roleName, spec.trustPolicy);
  }
  return { roleArn: existing.Arn ?? '', created: false, trustPolicyUpdated };
}

/** Replaces a role's trust policy. */
export async function updateTrustPolicy(iam: IAMClient, roleName: string, trustPolicy: PolicyDocument): Promise<void> {
  await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: JSON.stringify(trustPolicy) }));
}
