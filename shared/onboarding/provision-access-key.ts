/**
 * Provisioning access-key authentication in a member account: the integration policy, the IAM user with it
 * attached, and exactly one access key, stored in the account's key secret. Replays reuse the stored key while IAM
 * still has it; a key IAM has but the secret does not (a crash between creating and storing) is deleted.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { convergeAttachments } from '../iam/attachments';
import { convergeUser, createAccessKey, deleteAccessKey, listAccessKeys } from '../iam/user';
import { accessKeySecretName, readStoredKey, storeKey, type KeySecretSettings } from './access-key-secret';
import { convergeIntegrationPolicies, deleteSurplusParts, planIntegrationPolicies } from './integration-policies';
import type { OnboardingTarget } from './target';

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
export async function provisionAccessKey(iam: IAMClient, secrets: SecretsManagerClient, request: AccessKeyRequest): Promise<AccessKeyResult> {
  const { target } = request;
  const plan = planIntegrationPolicies(target, request.permissions);
  const policiesChanged = await convergeIntegrationPolicies(iam, target, plan, { allowTakeover: request.allowTakeover, step: STEP, keepExisting: request.keepExistingPolicies });
  const user = await convergeUser(iam, { userName: request.userName, allowTakeover: request.allowTakeover, context: { accountId: target.accountId, step: STEP } });
  const attachments = await convergeAttachments(iam, { kind: 'user', name: request.userName }, { attach: plan.wantedAttachments, detach: plan.isManagedAttachment });
  const surplusDeleted = !request.keepExistingPolicies && (await deleteSurplusParts(iam, target, plan));

  const secretName = accessKeySecretName(target.accountId);
  const stored = await readStoredKey(secretName, 'AWSCURRENT', secrets);
  const keys = await listAccessKeys(iam, request.userName);
  const storedIsLive = stored !== undefined && keys.some((key) => key.accessKeyId === stored.key.accessKeyId && key.status === 'Active');
  // One key per user: any other is one this tool lost track of.
  const strays = keys.filter((key) => !storedIsLive || key.accessKeyId !== stored?.key.accessKeyId);
  for (const stray of strays) await deleteAccessKey(iam, request.userName, stray.accessKeyId);

  let keySecretArn: string;
  let keyCreated = false;
  if (storedIsLive && stored) {
    keySecretArn = stored.secretArn;
  } else {
    const key = await createAccessKey(iam, request.userName);
    keySecretArn = await storeKey(target.accountId, key, request.secret, secrets);
    keyCreated = true;
  }
  const changed = policiesChanged || surplusDeleted || user.created || attachments.attached.length > 0 || attachments.detached.length > 0 || strays.length > 0 || keyCreated;
  return { userArn: user.userArn, policyArns: plan.policyArns, keySecretArn, changed, validationRequired: changed };
}
