/**
 * The integration policy in a member account: Datadog's published permissions as one or more customer managed
 * policies (IAM's 6,144-character limit), plus `SecurityAudit` when configured. Shared by the role (role delegation)
 * and the IAM user (access keys).
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import { integrationPolicyName, splitIntegrationPolicy } from '../iam/integration-policy';
import { convergeManagedPolicy, deleteManagedPolicy } from '../iam/managed-policy';
import type { PolicyDocument } from '../iam/policy-document';
import { awsManagedPolicyArn, policyArn } from '../partitions';
import type { OnboardingTarget } from './target';

const POLICY_DESCRIPTION = 'Permissions Datadog publishes for its AWS integration (managed by datadog-aws-account-onboarding)';

/** The policies an account should have, and how to recognise this tool's. */
export interface IntegrationPolicyPlan {
  documents: PolicyDocument[];
  /** The integration policy's parts, in order. */
  policyArns: string[];
  /** What the role or user must have attached: the parts, and `SecurityAudit` when configured. */
  wantedAttachments: string[];
  /** True for a part of the integration policy (any number) or `SecurityAudit`: attachments this tool manages. */
  isManagedAttachment: (policyArn: string) => boolean;
  /** True for a part of the integration policy, of any number. */
  isPolicyPart: (policyArn: string) => boolean;
}

/** Plans the policies for the target and Datadog's permissions. */
export function planIntegrationPolicies(target: OnboardingTarget, permissions: string[]): IntegrationPolicyPlan {
  const documents = splitIntegrationPolicy(permissions);
  const policyArns = documents.map((_, index) => policyArn(target.partition, target.accountId, integrationPolicyName(target.policyName, index)));
  const securityAuditArn = awsManagedPolicyArn(target.partition, 'SecurityAudit');
  const firstPart = policyArn(target.partition, target.accountId, target.policyName);
  const isPolicyPart = (arn: string) => arn === firstPart || (arn.startsWith(firstPart) && /^-\d+$/.test(arn.slice(firstPart.length)));
  return {
    documents,
    policyArns,
    wantedAttachments: target.attachSecurityAudit ? [...policyArns, securityAuditArn] : policyArns,
    isManagedAttachment: (arn) => isPolicyPart(arn) || arn === securityAuditArn,
    isPolicyPart,
  };
}

/**
 * Converges every part of the integration policy.
 *
 * @returns whether any part was created or given a new version.
 * @throws ForeignResourceError when a part exists but is not this tool's and takeover is off.
 */
export async function convergeIntegrationPolicies(
  iam: IAMClient,
  target: OnboardingTarget,
  plan: IntegrationPolicyPlan,
  options: { allowTakeover: boolean; step: string },
): Promise<boolean> {
  let changed = false;
  for (const [index, document] of plan.documents.entries()) {
    const action = await convergeManagedPolicy(iam, {
      policyArn: plan.policyArns[index],
      policyName: integrationPolicyName(target.policyName, index),
      document,
      description: POLICY_DESCRIPTION,
      allowTakeover: options.allowTakeover,
      context: { accountId: target.accountId, step: options.step },
    });
    changed ||= action !== 'unchanged';
  }
  return changed;
}

/** Deletes parts left over from a longer permission list once detached, so nothing orphaned remains. */
export async function deleteDetachedParts(iam: IAMClient, plan: IntegrationPolicyPlan, detached: string[]): Promise<void> {
  for (const arn of detached.filter(plan.isPolicyPart)) {
    await deleteManagedPolicy(iam, arn);
  }
}
