/**
 * Managed-policy attachments of a role or a user: listing them and converging them on a wanted set.
 */
import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  type AttachedPolicy,
  type IAMClient,
} from '@aws-sdk/client-iam';

/** A role or a user, by name. */
export type IamPrincipal = { kind: 'role'; name: string } | { kind: 'user'; name: string };

async function listPage(
  iam: IAMClient,
  principal: IamPrincipal,
  marker?: string,
): Promise<{ policies: AttachedPolicy[]; marker?: string }> {
  const page =
    principal.kind === 'role'
      ? await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: principal.name, Marker: marker }))
      : await iam.send(new ListAttachedUserPoliciesCommand({ UserName: principal.name, Marker: marker }));
  return { policies: page.AttachedPolicies ?? [], marker: page.IsTruncated ? page.Marker : undefined };
}

/** ARNs of the managed policies attached to a role or user, all pages. */
export async function listAttachedPolicyArns(iam: IAMClient, principal: IamPrincipal): Promise<string[]> {
  const arns: string[] = [];
  let marker: string | undefined;
  do {
    const page = await listPage(iam, principal, marker);
    arns.push(...page.policies.flatMap((policy) => (policy.PolicyArn ? [policy.PolicyArn] : [])));
    marker = page.marker;
  } while (marker);
  return arns;
}

/** Which managed policies a role or user should have. */
export interface AttachmentSpec {
  /** Policies that must be attached. */
  attach: string[];
  /** Policies that must not be attached unless wanted (e.g. a former part of the integration policy). */
  detach: (policyArn: string) => boolean;
}

/**
 * Attaches the missing policies and detaches the unwanted ones.
 *
 * @returns the ARNs attached and detached by this call.
 */
export async function convergeAttachments(
  iam: IAMClient,
  principal: IamPrincipal,
  spec: AttachmentSpec,
): Promise<{ attached: string[]; detached: string[] }> {
  const current = await listAttachedPolicyArns(iam, principal);
  const detached = current.filter((policyArn) => !spec.attach.includes(policyArn) && spec.detach(policyArn));
  for (const policyArn of detached) {
    if (principal.kind === 'role') await iam.send(new DetachRolePolicyCommand({ RoleName: principal.name, PolicyArn: policyArn }));
    else await iam.send(new DetachUserPolicyCommand({ UserName: principal.name, PolicyArn: policyArn }));
  }
  const attached = spec.attach.filter((policyArn) => !current.includes(policyArn));
  for (const policyArn of attached) {
    if (principal.kind === 'role') await iam.send(new AttachRolePolicyCommand({ RoleName: principal.name, PolicyArn: policyArn }));
    else await iam.send(new AttachUserPolicyCommand({ UserName: principal.name, PolicyArn: policyArn }));
  }
  return { attached, detached };
}
