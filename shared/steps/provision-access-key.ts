/**
 * The ProvisionAccessKey step, where Datadog cannot use role delegation (GovCloud on Datadog's commercial sites,
 * China): provisioning access-key authentication in a member account: the integration policy, the IAM user with it
 * attached, and exactly one access key, stored in the account's key secret. Replays reuse the stored key while IAM
 * still has it; a key IAM has but the secret does not (a crash between creating and storing) is deleted.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { reachMemberAccount } from '../aws/member-account';
import { convergeAttachments } from '../iam/attachments';
import { convergeUser, createAccessKey, deleteAccessKey, listAccessKeys } from '../iam/user';
import { convergeKeySecret, describeKeySecret, readStoredKey, storeKey, type KeySecretSettings } from '../onboarding/access-key-secret';
import {
  convergeIntegrationPolicies,
  deleteSurplusParts,
  keepingAttachedParts,
  planIntegrationPolicies,
} from '../onboarding/integration-policies';
import type { ProvisionAccessKeyInput } from '../onboarding/step-inputs';
import type { OnboardingTarget } from '../onboarding/target';

/** What access-key provisioning needs beyond the target. */
export interface AccessKeyRequest {
  target: OnboardingTarget;
  /** IAM actions Datadog needs (Datadog's published standard permissions). */
  permissions: string[];
  /** Name of the IAM user (parameter `DatadogUserName`). */
  userName: string;
  allowTakeover: boolean;
  secret: KeySecretSettings;
  /** The permissions are the shipped snapshot: leave existing policies as they are. */
  keepExistingPolicies?: boolean;
}

/** What it left in place. The key itself is only in the secret. */
export interface AccessKeyResult {
  userArn: string;
  policyArns: string[];
  /** ARN of the secret holding the key Datadog will use. */
  keySecretArn: string;
  changed: boolean;
  /** False when nothing changed and the stored key is the one IAM has: it was proven usable before. */
  validationRequired: boolean;
}

const STEP = 'ProvisionAccessKey';

/**
 * Converges the policy, the user and its key.
 *
 * @param iam - an IAM client acting in the member account (see `reachMemberAccount`).
 * @param secrets - a Secrets Manager client of the automation's account.
 * @throws ForeignResourceError when the user or a policy exists but is not this tool's and takeover is off.
 */
export async function convergeAccessKey(
  iam: IAMClient,
  secrets: SecretsManagerClient,
  request: AccessKeyRequest,
): Promise<AccessKeyResult> {
  const { target } = request;
  const planned = planIntegrationPolicies(target, request.permissions);
  const plan = request.keepExistingPolicies ? await keepingAttachedParts(iam, { kind: 'user', name: request.userName }, planned) : planned;
  const policiesChanged = await convergeIntegrationPolicies(iam, target, plan, {
    allowTakeover: request.allowTakeover,
    step: STEP,
    keepExisting: request.keepExistingPolicies,
  });
  const user = await convergeUser(iam, {
    userName: request.userName,
    allowTakeover: request.allowTakeover,
    context: { accountId: target.accountId, step: STEP },
  });
  const attachments = await convergeAttachments(
    iam,
    { kind: 'user', name: request.userName },
    { attach: plan.wantedAttachments, detach: plan.isManagedAttachment },
  );
  const surplusDeleted = !request.keepExistingPolicies && (await deleteSurplusParts(iam, target, plan));

  const secret = await describeKeySecret(target.accountId, secrets, STEP);
  const existingSecretArn = secret?.arn;
  const stored = existingSecretArn === undefined ? undefined : await readStoredKey(existingSecretArn, 'AWSCURRENT', secrets);
  // A rotation under way (its new key pending until tested) keeps its key: its next attempt gives Datadog that key.
  const pending = secret?.rotationPending ? await readStoredKey(secret.arn, 'AWSPENDING', secrets) : undefined;
  const keys = await listAccessKeys(iam, request.userName);
  const storedIsLive = stored !== undefined && keys.some((key) => key.accessKeyId === stored.key.accessKeyId && key.status === 'Active');
  // One key per user, and the pending one: any other is one this tool lost track of.
  const strays = keys.filter(
    (key) => (!storedIsLive || key.accessKeyId !== stored?.key.accessKeyId) && key.accessKeyId !== pending?.key.accessKeyId,
  );
  for (const stray of strays) await deleteAccessKey(iam, request.userName, stray.accessKeyId);

  let keySecretArn: string;
  let keyCreated = false;
  let secretConverged = false;
  if (storedIsLive && secret !== undefined) {
    keySecretArn = secret.arn;
    secretConverged = await convergeKeySecret(secret, request.secret, secrets);
  } else {
    const key = await createAccessKey(iam, request.userName);
    keySecretArn = await storeKey(target.accountId, key, request.secret, existingSecretArn, secrets);
    keyCreated = true;
  }
  const changed =
    policiesChanged ||
    surplusDeleted ||
    user.created ||
    attachments.attached.length > 0 ||
    attachments.detached.length > 0 ||
    strays.length > 0 ||
    keyCreated ||
    secretConverged;
  return { userArn: user.userArn, policyArns: plan.policyArns, keySecretArn, changed, validationRequired: changed };
}

/** The deployment's settings of the step, from the stack parameters. */
export interface ProvisionAccessKeySettings {
  /** Name of the IAM user (parameter `DatadogUserName`). */
  userName: string;
  /** Whether a same-named user or policy not created by this tool may be taken over. */
  allowTakeover: boolean;
  /** Where and how the key secret is kept, but for the partition (the target's). */
  secret: Omit<KeySecretSettings, 'partition'>;
}

const secrets = new SecretsManagerClient({});

/**
 * Reaches the member account (either member access role), converges the policy, the user and its key, and stores
 * the key in the account's secret.
 *
 * @returns `{userArn, policyArns, keySecretArn, changed, validationRequired, memberAccessRoleName, provisionedAt}`:
 *   `memberAccessRoleName` the member access role that worked; `provisionedAt` (ISO 8601) when the key was stored,
 *   from which ValidateAccessKey's schedule and bound count.
 * @throws MemberAccountAccessError, AccountNotActiveError, AccountPendingActivationError, ForeignResourceError; the
 *   SDK's errors otherwise.
 */
export async function provisionAccessKey(
  input: ProvisionAccessKeyInput,
  settings: ProvisionAccessKeySettings,
): Promise<AccessKeyResult & { memberAccessRoleName: string; provisionedAt: string }> {
  const { target, permissions, permissionsSource } = input;
  const { iam, accessRoleName } = await reachMemberAccount(target, STEP);
  const result = await convergeAccessKey(iam, secrets, {
    target,
    permissions,
    userName: settings.userName,
    allowTakeover: settings.allowTakeover,
    keepExistingPolicies: permissionsSource === 'snapshot',
    secret: { ...settings.secret, partition: target.partition },
  });
  return { ...result, memberAccessRoleName: accessRoleName, provisionedAt: new Date().toISOString() };
}
