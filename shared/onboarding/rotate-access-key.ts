/**
 * Rotating the access key Datadog uses, as a Secrets Manager rotation function (AWS Secrets Manager user guide,
 * "Rotation by Lambda function": createSecret, setSecret, testSecret, finishSecret). Datadog never holds a dead key:
 * the new key is created, given to Datadog (PATCH), proven usable, and only then is the old key deleted.
 */
import {
  DescribeSecretCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { AWSIntegrationApi } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/AWSIntegrationApi';
import { reachMemberAccount } from '../aws/member-account';
import { findRegistration, registerAccount } from '../datadog/registration';
import { OnboardingError, RotationNotApplicableError } from '../errors';
import { createAccessKey, deleteAccessKey, listAccessKeys } from '../iam/user';
import { readStoredKey } from './access-key-secret';
import { ROTATION_STEPS } from './step-inputs';
import type { OnboardingTarget } from './target';
import { tryAccessKey } from './try-access-key';
import { afterRefusal } from './validation-schedule';

/** The steps Secrets Manager calls the rotation function with, in order (declared with the function's input schema). */
export { ROTATION_STEPS };
export type RotationStep = (typeof ROTATION_STEPS)[number];

const STEP = 'RotateAccessKey';

/** What one rotation step needs. */
export interface RotationRequest {
  secrets: SecretsManagerClient;
  secretId: string;
  /** The version Secrets Manager is creating (`ClientRequestToken`). */
  token: string;
  target: OnboardingTarget;
  userName: string;
  datadog: () => Promise<AWSIntegrationApi>;
  /** Waits; seconds. Lambda really sleeps; the local run advances its virtual clock. */
  sleep: (seconds: number) => Promise<void>;
  /** Bound on the total wait for the new key, seconds. */
  maxValidationSeconds: number;
}

async function stages(request: RotationRequest): Promise<Record<string, string[]>> {
  const { VersionIdsToStages } = await request.secrets.send(new DescribeSecretCommand({ SecretId: request.secretId }));
  return VersionIdsToStages ?? {};
}

async function pendingKey(request: RotationRequest) {
  const pending = await readStoredKey(request.secretId, 'AWSPENDING', request.secrets);
  if (!pending)
    throw new OnboardingError(`secret ${request.secretId} has no AWSPENDING key`, { accountId: request.target.accountId, step: STEP });
  return pending.key;
}

/** createSecret: a new key for the user, stored as the pending version. Keys other than the current one are strays. */
async function createStep(request: RotationRequest): Promise<void> {
  if ((await stages(request))[request.token]?.includes('AWSPENDING')) return;
  const { iam } = await reachMemberAccount(request.target, STEP);
  const current = await readStoredKey(request.secretId, 'AWSCURRENT', request.secrets);
  // Without the current key every key would look stray, the one Datadog uses included: nothing is deleted.
  if (!current) {
    throw new OnboardingError(`secret ${request.secretId} holds no readable AWSCURRENT key`, {
      accountId: request.target.accountId,
      step: STEP,
      remedy: "Replay the account's onboarding, which stores a working key, then rotate",
    });
  }
  for (const key of await listAccessKeys(iam, request.userName)) {
    if (key.accessKeyId !== current.key.accessKeyId) await deleteAccessKey(iam, request.userName, key.accessKeyId);
  }
  const key = await createAccessKey(iam, request.userName);
  await request.secrets.send(
    new PutSecretValueCommand({
      SecretId: request.secretId,
      ClientRequestToken: request.token,
      SecretString: JSON.stringify(key),
      VersionStages: ['AWSPENDING'],
    }),
  );
}

/**
 * setSecret: Datadog gets the new key (PATCH of the registration's `auth_config` only: the settings are the
 * onboarding's and reconciliation's to converge, from the settings document).
 */
async function setStep(request: RotationRequest): Promise<void> {
  const key = await pendingKey(request);
  await registerAccount(await request.datadog(), request.target, { kind: 'access_keys', ...key }, undefined, STEP);
}

/** testSecret: the new key works, retried with backoff while IAM propagates it. */
async function testStep(request: RotationRequest): Promise<void> {
  const key = await pendingKey(request);
  let progress = { attempts: 0, waitedSeconds: 0 };
  for (;;) {
    const outcome = await tryAccessKey(request.target, key, STEP);
    if (outcome === 'usable') return;
    const next = afterRefusal(
      progress,
      outcome,
      { maxTotalSeconds: request.maxValidationSeconds },
      'the new access key was still not usable',
      {
        accountId: request.target.accountId,
        step: STEP,
        remedy:
          "Datadog was given the new key, the secret keeps the old one current: Secrets Manager's next attempt of this rotation tries the new key again, and a replay of the account's onboarding gives Datadog the current key back",
      },
    );
    await request.sleep(next.waitSeconds);
    progress = next;
  }
}

/** finishSecret: the new key becomes current, and only then is the old key deleted. */
async function finishStep(request: RotationRequest): Promise<void> {
  const versions = await stages(request);
  const currentVersion = Object.entries(versions).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0];
  if (currentVersion !== request.token) {
    await request.secrets.send(
      new UpdateSecretVersionStageCommand({
        SecretId: request.secretId,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: request.token,
        RemoveFromVersionId: currentVersion,
      }),
    );
  }
  const key = await readStoredKey(request.secretId, 'AWSCURRENT', request.secrets);
  const { iam } = await reachMemberAccount(request.target, STEP);
  for (const stale of await listAccessKeys(iam, request.userName)) {
    if (stale.accessKeyId !== key?.key.accessKeyId) await deleteAccessKey(iam, request.userName, stale.accessKeyId);
  }
}

/**
 * Refuses to rotate the key of an account Datadog reaches with role delegation (by the site and partition, or by
 * its registration): a new key would be useless, and the PATCH of setSecret would switch the registration to it.
 */
async function requireAccessKeyRegistration(request: RotationRequest): Promise<void> {
  const { accountId } = request.target;
  const notApplicable = (why: string) =>
    new RotationNotApplicableError(`${why}: Datadog holds no access key of the account, so rotation does not apply`, {
      accountId,
      step: STEP,
      remedy: `Nothing to do but stop the rotation of secret ${request.secretId} (aws secretsmanager cancel-rotate-secret)`,
    });
  if (request.target.authType === 'role')
    throw notApplicable(`the account is onboarded with role delegation on ${request.target.datadogSite}`);
  const registration = await findRegistration(await request.datadog(), accountId, STEP);
  const roleName = (registration?.attributes?.authConfig as { roleName?: string } | undefined)?.roleName;
  if (roleName !== undefined) throw notApplicable(`Datadog reaches the account with role delegation (role ${roleName})`);
}

/**
 * Runs one rotation step. Before a new key is created (createSecret) and before Datadog is given it (setSecret), the
 * account must be one Datadog reaches with an access key.
 *
 * @throws RotationNotApplicableError for an account Datadog reaches with role delegation; nothing is changed.
 * @throws OnboardingError subclasses naming the account and what to do; Secrets Manager retries the rotation later.
 */
export async function rotationStep(step: RotationStep, request: RotationRequest): Promise<void> {
  if (step === 'createSecret' || step === 'setSecret') await requireAccessKeyRegistration(request);
  const steps: Record<RotationStep, (request: RotationRequest) => Promise<void>> = {
    createSecret: createStep,
    setSecret: setStep,
    testSecret: testStep,
    finishSecret: finishStep,
  };
  await steps[step](request);
}
