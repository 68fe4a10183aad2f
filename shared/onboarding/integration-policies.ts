/**
 * The integration policy in a member account: Datadog's published permissions as one or more customer managed
 * policies (IAM's 6,144-character limit), plus `SecurityAudit` when configured. Shared by the role (role delegation)
 * and the IAM user (access keys).
 */
import { NoSuchEntityException, type IAMClient } from '@aws-sdk/client-iam';
import { OnboardingError } from '../errors';
import { listAttachedPolicyArns, type IamPrincipal } from '../iam/attachments';
import { integrationPolicyName, splitIntegrationPolicy } from '../iam/integration-policy';
import { convergeManagedPolicy, deleteManagedPolicy } from '../iam/managed-policy';
import type { PolicyDocument } from '../iam/policy-document';
import { awsManagedPolicyArn, policyArn } from '../partitions';
import type { OnboardingTarget } from './target';

/** Most managed policies attachable to one role or user (IAM User Guide, "IAM and AWS STS quotas"). */
const MAX_PARTS = 20;

/**
 * Managed policies attachable to one role or user by default (IAM User Guide, "IAM and AWS STS quotas": 10, which
 * a quota increase raises to 20). The plan stays within the default, so no account needs a quota request.
 */
export const DEFAULT_MAX_ATTACHED_POLICIES = 10;

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

/**
 * Plans the policies for the target and Datadog's permissions (the standard list, plus resource collection's when
 * the account's settings collect resources), split to IAM's size limit.
 *
 * @throws OnboardingError when the parts and `SecurityAudit` would exceed {@link DEFAULT_MAX_ATTACHED_POLICIES}.
 */
export function planIntegrationPolicies(target: OnboardingTarget, permissions: string[]): IntegrationPolicyPlan {
  const documents = splitIntegrationPolicy(permissions);
  const attached = documents.length + (target.attachSecurityAudit ? 1 : 0);
  if (attached > DEFAULT_MAX_ATTACHED_POLICIES) {
    throw new OnboardingError(
      `Datadog's permissions need ${attached} managed policies, more than IAM's default ${DEFAULT_MAX_ATTACHED_POLICIES} per role or user`,
      { accountId: target.accountId, remedy: 'Turn off extended resource collection for the account in the settings document' },
    );
  }
  const policyArns = documents.map((_, index) =>
    policyArn(target.partition, target.accountId, integrationPolicyName(target.policyName, index)),
  );
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
 * The plan when the permissions come from the shipped snapshot (Datadog's list was unreachable): the parts already
 * attached to the role or user stay wanted. The snapshot may need fewer parts than the newer list they were written
 * from, and a snapshot must never take a permission away (see `keepExisting` of {@link convergeIntegrationPolicies}).
 *
 * @throws the SDK's errors but `NoSuchEntity` (a role or user yet to be created has nothing attached).
 */
export async function keepingAttachedParts<P extends IntegrationPolicyPlan>(iam: IAMClient, principal: IamPrincipal, plan: P): Promise<P> {
  let attached: string[];
  try {
    attached = await listAttachedPolicyArns(iam, principal);
  } catch (error) {
    if (error instanceof NoSuchEntityException) return plan;
    throw error;
  }
  const kept = attached.filter((arn) => plan.isPolicyPart(arn) && !plan.wantedAttachments.includes(arn));
  return kept.length === 0 ? plan : { ...plan, wantedAttachments: [...plan.wantedAttachments, ...kept] };
}

/**
 * Converges every part of the integration policy.
 *
 * With `keepExisting` (the permissions came from the shipped snapshot because Datadog's list was unreachable), parts
 * that exist keep their document: a snapshot must never downgrade a policy written from Datadog's newer list.
 * @returns whether any part was created or given a new version.
 * @throws ForeignResourceError when a part exists but is not this tool's and takeover is off.
 */
export async function convergeIntegrationPolicies(
  iam: IAMClient,
  target: OnboardingTarget,
  plan: IntegrationPolicyPlan,
  options: { allowTakeover: boolean; step: string; keepExisting?: boolean },
): Promise<boolean> {
  let changed = false;
  for (const [index, document] of plan.documents.entries()) {
    const action = await convergeManagedPolicy(iam, {
      policyArn: plan.policyArns[index],
      policyName: integrationPolicyName(target.policyName, index),
      document,
      description: POLICY_DESCRIPTION,
      allowTakeover: options.allowTakeover,
      createOnly: options.keepExisting,
      context: { accountId: target.accountId, step: options.step },
    });
    changed ||= action !== 'unchanged';
  }
  return changed;
}

/**
 * Deletes the parts beyond the planned ones (left from a longer permission list), attached or not, so nothing
 * orphaned remains even after a crash between detaching and deleting. They must be detached already.
 */
export async function deleteSurplusParts(iam: IAMClient, target: OnboardingTarget, plan: IntegrationPolicyPlan): Promise<boolean> {
  let deleted = false;
  // A role or user holds at most 20 managed policies (IAM quotas), so no list ever had more parts.
  for (let index = plan.policyArns.length; index < MAX_PARTS; index += 1) {
    const arn = policyArn(target.partition, target.accountId, integrationPolicyName(target.policyName, index));
    if (!(await deleteManagedPolicy(iam, arn))) return deleted;
    deleted = true;
  }
  return deleted;
}
