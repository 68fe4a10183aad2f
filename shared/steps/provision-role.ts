/**
 * The ProvisionRole step: provisioning the Datadog role in a member account: the integration policy (in as many parts as IAM's size limit
 * needs), the role with its trust policy, and the attachments. The trust policy also trusts the validator until
 * validation passed (at most `MAX_VALIDATION_SECONDS` plus a grace period). Every call converges; a converged account
 * gets no write at all.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import { callerArnIn, partitionAccess, reachMemberAccount } from '../aws/member-account';
import { ownPartition } from '../aws/partition-credentials';
import { datadogPrincipalArn } from '../datadog-sites';
import { isManagedByThisTool } from '../iam/ownership';
import { parseIamDocument, sameDocument, type PolicyDocument } from '../iam/policy-document';
import { convergeAttachments, listAttachedPolicyArns } from '../iam/attachments';
import { convergeRole, getRole } from '../iam/role';
import { buildTrustPolicy, type ValidatorTrust } from '../iam/trust-policy';
import {
  convergeIntegrationPolicies,
  deleteSurplusParts,
  keepingAttachedParts,
  planIntegrationPolicies,
  type IntegrationPolicyPlan,
} from '../onboarding/integration-policies';
import type { ProvisionRoleInput } from '../onboarding/step-inputs';
import type { OnboardingTarget } from '../onboarding/target';
import { validatorTrustExpiry } from '../onboarding/validator-trust-expiry';

const STEP = 'ProvisionRole';

/** What provisioning needs beyond the target. */
export interface ProvisionRequest {
  target: OnboardingTarget;
  /** The external ID Datadog generated for the account. */
  externalId: string;
  /** IAM actions Datadog needs (Datadog's published standard permissions). */
  permissions: string[];
  /**
   * The validator's identity (its execution role, or the partition's IAM user), trusted until validation passed, and
   * in no case after `expiresAt` (see `validatorTrustExpiry`).
   */
  validator: ValidatorTrust;
  /** Whether a same-named role or policy not created by this tool may be taken over. */
  allowTakeover: boolean;
  /** The permissions are the shipped snapshot (Datadog's list was unreachable): leave existing policies as they are. */
  keepExistingPolicies?: boolean;
}

/** What provisioning left in the account. */
export interface ProvisionResult {
  roleArn: string;
  /** The integration policy's parts, in order. */
  policyArns: string[];
  /** Whether any IAM write was made. */
  changed: boolean;
  /**
   * Whether the role must still be proven assumable: false only when the account was already converged and its trust
   * policy holds Datadog's statement alone (the validator's was removed after an earlier validation passed).
   */
  validationRequired: boolean;
}

const ROLE_DESCRIPTION = 'Assumed by Datadog for its AWS integration (managed by datadog-aws-account-onboarding)';

interface Plan extends IntegrationPolicyPlan {
  datadogOnlyTrust: PolicyDocument;
  validationTrust: PolicyDocument;
}

function plan(request: ProvisionRequest): Plan {
  const principal = datadogPrincipalArn(request.target.datadogSite, request.target.partition);
  return {
    ...planIntegrationPolicies(request.target, request.permissions),
    datadogOnlyTrust: buildTrustPolicy(principal, request.externalId),
    validationTrust: buildTrustPolicy(principal, request.externalId, request.validator),
  };
}

/** Read-only check: the role exists, is ours, trusts Datadog alone with this external ID, and has exactly the wanted attachments. */
async function roleIsSettled(iam: IAMClient, request: ProvisionRequest, planned: Plan): Promise<string | undefined> {
  const role = await getRole(iam, request.target.roleName);
  if (!role?.Arn || !isManagedByThisTool(role.Tags) || !role.AssumeRolePolicyDocument) return undefined;
  if (!sameDocument(parseIamDocument(role.AssumeRolePolicyDocument), planned.datadogOnlyTrust)) return undefined;
  const attached = await listAttachedPolicyArns(iam, { kind: 'role', name: request.target.roleName });
  const ours = attached.filter(planned.isManagedAttachment);
  const settled = ours.length === planned.wantedAttachments.length && planned.wantedAttachments.every((arn) => ours.includes(arn));
  return settled ? role.Arn : undefined;
}

/**
 * Converges the integration policy and the Datadog role in the member account.
 *
 * @param iam - an IAM client acting in the member account (see `reachMemberAccount`).
 * @throws ForeignResourceError when the role or a policy exists but is not this tool's and takeover is off.
 * @throws the SDK's errors otherwise (the caller classifies transient ones).
 */
export async function provisionDatadogRole(iam: IAMClient, request: ProvisionRequest): Promise<ProvisionResult> {
  const { target } = request;
  const planned = request.keepExistingPolicies
    ? await keepingAttachedParts(iam, { kind: 'role', name: target.roleName }, plan(request))
    : plan(request);

  const policiesChanged = await convergeIntegrationPolicies(iam, target, planned, {
    allowTakeover: request.allowTakeover,
    step: STEP,
    keepExisting: request.keepExistingPolicies,
  });

  const settledRoleArn = policiesChanged ? undefined : await roleIsSettled(iam, request, planned);
  if (settledRoleArn !== undefined) {
    // An unattached part left by a crash between detaching and deleting it.
    const orphansDeleted = !request.keepExistingPolicies && (await deleteSurplusParts(iam, target, planned));
    return { roleArn: settledRoleArn, policyArns: planned.policyArns, changed: orphansDeleted, validationRequired: false };
  }

  const role = await convergeRole(iam, {
    roleName: target.roleName,
    trustPolicy: planned.validationTrust,
    description: ROLE_DESCRIPTION,
    allowTakeover: request.allowTakeover,
    context: { accountId: target.accountId, step: STEP },
  });
  const attachments = await convergeAttachments(
    iam,
    { kind: 'role', name: target.roleName },
    {
      attach: planned.wantedAttachments,
      detach: planned.isManagedAttachment,
    },
  );
  const surplusDeleted = !request.keepExistingPolicies && (await deleteSurplusParts(iam, target, planned));
  return {
    roleArn: role.roleArn,
    policyArns: planned.policyArns,
    changed:
      policiesChanged ||
      role.created ||
      role.trustPolicyUpdated ||
      attachments.attached.length > 0 ||
      attachments.detached.length > 0 ||
      surplusDeleted,
    validationRequired: true,
  };
}

/** The deployment's settings of the step, from the stack parameters. */
export interface ProvisionRoleSettings {
  /** ARN of the validator function's execution role (trusted in the automation's own partition). */
  validatorRoleArn: string;
  /** Whether a same-named role or policy not created by this tool may be taken over. */
  allowTakeover: boolean;
  /** The bound on validation, seconds (parameter `MaxValidationSeconds`): the validator's trust expires after it. */
  maxValidationSeconds: number;
}

/**
 * Reaches the member account (either member access role) and converges the integration policy and the Datadog role.
 *
 * @returns the role, its policies, whether anything changed, whether validation is still required,
 *   `memberAccessRoleName`: the member access role that worked, which later steps assume directly, and
 *   `provisionedAt` (ISO 8601, when the role converged): ValidateRole's schedule and bound count from it.
 * @throws MemberAccountAccessError, AccountNotActiveError, AccountPendingActivationError, ForeignResourceError,
 *   PartitionCredentialsError; the SDK's errors otherwise.
 */
export async function provisionRole(
  input: ProvisionRoleInput,
  settings: ProvisionRoleSettings,
): Promise<ProvisionResult & { memberAccessRoleName: string; provisionedAt: string }> {
  const { target, externalId, permissions, permissionsSource } = input;
  const context = { accountId: target.accountId, step: STEP };
  const { iam, accessRoleName } = await reachMemberAccount(target, STEP);
  // In another partition the validator acts as that partition's IAM user, so that user is the one trusted.
  const validatorArn =
    target.partition === ownPartition()
      ? settings.validatorRoleArn
      : await callerArnIn(target.partition, await partitionAccess(target.partition, context), context);
  const result = await provisionDatadogRole(iam, {
    target,
    externalId,
    permissions,
    validator: { principalArn: validatorArn, expiresAt: validatorTrustExpiry(new Date(), settings.maxValidationSeconds) },
    allowTakeover: settings.allowTakeover,
    keepExistingPolicies: permissionsSource === 'snapshot',
  });
  return { ...result, memberAccessRoleName: accessRoleName, provisionedAt: new Date().toISOString() };
}
