/**
 * The secret holding the access key Datadog uses for one member account: `<prefix><accountId>` in the automation's
 * account, `{"accessKeyId": "...", "secretAccessKey": "..."}`, KMS-encrypted, tagged, readable only by this tool's
 * functions. Step Functions state carries its ARN, never its value.
 */
import { TransformParameterError } from '@aws-lambda-powertools/parameters';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { secretsManagerCause } from '../aws/json-secret';
import { pickEnv, readEnv } from '../config';
import { MANAGED_BY_TAG_KEY, MANAGED_BY_TAG_VALUE } from '../iam/ownership';
import type { NewAccessKey } from '../iam/user';
import type { Partition } from '../partitions';
import { OnboardingError } from '../errors';

const keySchema = z.object({ accessKeyId: z.string().min(16), secretAccessKey: z.string().min(16) });

/**
 * Name of the key secret of an account: `<prefix><accountId>`.
 *
 * @param prefix - the secrets' prefix; default `ACCESS_KEY_SECRET_PREFIX` (parameter `AccessKeySecretPrefix`).
 */
export function accessKeySecretName(
  accountId: string,
  prefix = readEnv(pickEnv('ACCESS_KEY_SECRET_PREFIX')).ACCESS_KEY_SECRET_PREFIX,
): string {
  return `${prefix}${accountId}`;
}

/** Tag naming the member account a key secret belongs to (rotation reads it). */
export const ACCOUNT_TAG_KEY = 'aws-account-id';
/** Tag naming that account's partition. */
export const PARTITION_TAG_KEY = 'aws-partition';

/** Where and how key secrets are kept. */
export interface KeySecretSettings {
  /** Partition of the member account (tagged on the secret for rotation). */
  partition: Partition;
  /** Rotation of the key by the rotation function: its ARN and the days between rotations; none when absent. */
  rotation?: { functionArn: string; days: number };
  /** KMS key for the secret; default Secrets Manager's `aws/secretsmanager`. */
  kmsKeyId?: string;
  /** The only principals (role ARNs) that may read the secret; the resource policy denies everyone else. */
  readerArns: string[];
}

/**
 * The resource policy of a key secret: `GetSecretValue` denied to every principal but `readerArns` (role ARNs).
 *
 * @returns the policy document as JSON text.
 */
export function readersOnlyPolicy(readerArns: string[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OnlyTheOnboardingFunctionsRead',
        Effect: 'Deny',
        Principal: '*',
        Action: 'secretsmanager:GetSecretValue',
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:PrincipalArn': readerArns } },
      },
    ],
  });
}

/**
 * Reads a stored key (version `AWSCURRENT`, or the given stage) through Powertools Parameters, uncached: rotation
 * and provisioning change the secret between reads, and Parameters' cache key does not include the version stage.
 *
 * @param secretId - the secret's ARN or name.
 * @returns `{key}`, or `undefined` when the secret does not exist or holds no well-formed key.
 * @throws the SDK's other errors (unwrapped from Powertools' `GetParameterError`).
 */
export async function readStoredKey(
  secretId: string,
  stage = 'AWSCURRENT',
  client = new SecretsManagerClient({}),
): Promise<{ key: NewAccessKey } | undefined> {
  let value: unknown;
  try {
    value = await new SecretsProvider({ awsSdkV3Client: client }).get(secretId, {
      transform: 'json',
      forceFetch: true,
      sdkOptions: { VersionStage: stage },
    });
  } catch (error) {
    // Not JSON: as good as no key. Powertools' message would quote the value, so it goes no further.
    if (error instanceof TransformParameterError) return undefined;
    const cause = secretsManagerCause(error);
    if (cause instanceof ResourceNotFoundException) return undefined;
    throw cause;
  }
  const parsed = keySchema.safeParse(value);
  return parsed.success ? { key: parsed.data } : undefined;
}

/** An account's key secret, as DescribeSecret tells it: what the onboarding decides on. */
export interface KeySecretDescription {
  arn: string;
  /** Whether a version holds `AWSPENDING`: a rotation under way, its new key not yet made current. */
  rotationPending: boolean;
  /** The rotation scheduled, if any. */
  rotation?: { functionArn?: string; days?: number };
}

/**
 * Describes an account's key secret (one DescribeSecret).
 *
 * @param step - the step asking, for the error.
 * @returns the description, or `undefined` when the secret does not exist.
 * @throws OnboardingError when the secret is scheduled for deletion (the account was offboarded within the recovery
 *   window): Secrets Manager refuses to store a key in it, and only the operator can say whether to restore it.
 * @throws the SDK's other errors.
 */
export async function describeKeySecret(
  accountId: string,
  client = new SecretsManagerClient({}),
  step?: string,
): Promise<KeySecretDescription | undefined> {
  const name = accessKeySecretName(accountId);
  let described;
  try {
    described = await client.send(new DescribeSecretCommand({ SecretId: name }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
  if (described.DeletedDate !== undefined) {
    const gone = new Date(described.DeletedDate.getTime() + KEY_SECRET_RECOVERY_DAYS * 86_400_000).toISOString();
    throw new OnboardingError(`the key secret ${name} is scheduled for deletion (the account was offboarded)`, {
      accountId,
      step,
      remedy: `Restore it (aws secretsmanager restore-secret --secret-id ${name}) and replay the account, or replay it after ${gone}, once Secrets Manager has deleted it`,
    });
  }
  if (!described.ARN) throw new Error(`Secrets Manager described ${name} without an ARN`);
  return {
    arn: described.ARN,
    rotationPending: Object.values(described.VersionIdsToStages ?? {}).some((stages) => stages.includes('AWSPENDING')),
    ...(described.RotationEnabled
      ? { rotation: { functionArn: described.RotationLambdaARN, days: described.RotationRules?.AutomaticallyAfterDays } }
      : {}),
  };
}

/** Days Secrets Manager keeps a deleted key secret recoverable (`RestoreSecret`) before deleting it for good (7 to 30). */
export const KEY_SECRET_RECOVERY_DAYS = 7;

/**
 * Deletes the account's key secret, and so its rotation, when it is this tool's (tagged `managed-by` and with the
 * account's id), with a recovery window of {@link KEY_SECRET_RECOVERY_DAYS} days (never `ForceDeleteWithoutRecovery`).
 *
 * @returns `deleted`; `absent` when there is none or its deletion is already scheduled; `foreign` when a secret of
 *   that name is not this tool's (kept).
 * @throws the SDK's other errors.
 */
export async function deleteKeySecret(
  accountId: string,
  client = new SecretsManagerClient({}),
): Promise<{ action: 'deleted' | 'absent' | 'foreign'; arn?: string }> {
  let described;
  try {
    described = await client.send(new DescribeSecretCommand({ SecretId: accessKeySecretName(accountId) }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return { action: 'absent' };
    throw error;
  }
  const tags: Record<string, string | undefined> = Object.fromEntries((described.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value]));
  if (tags[MANAGED_BY_TAG_KEY] !== MANAGED_BY_TAG_VALUE || tags[ACCOUNT_TAG_KEY] !== accountId)
    return { action: 'foreign', arn: described.ARN };
  if (described.DeletedDate !== undefined) return { action: 'absent', arn: described.ARN };
  await client.send(new DeleteSecretCommand({ SecretId: described.ARN, RecoveryWindowInDays: KEY_SECRET_RECOVERY_DAYS }));
  return { action: 'deleted', arn: described.ARN };
}

/**
 * Stores a key in the account's secret, creating the secret (tagged, encrypted, readers limited) when it does not
 * exist yet. The readers-only policy is in place before the key is: a secret created by a run that then died holds no
 * value, so the next run stores the key again, through here.
 *
 * @param existingArn - the secret's ARN when it exists (see {@link describeKeySecret}), `undefined` to create it.
 * @returns the secret's ARN.
 */
export async function storeKey(
  accountId: string,
  key: NewAccessKey,
  settings: KeySecretSettings,
  existingArn: string | undefined,
  client = new SecretsManagerClient({}),
): Promise<string> {
  const name = accessKeySecretName(accountId);
  const value = JSON.stringify({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey });
  let arn = existingArn;
  if (arn === undefined) {
    arn = (
      await client.send(
        new CreateSecretCommand({
          Name: name,
          Description: `Access key Datadog uses for AWS account ${accountId} (managed by datadog-aws-account-onboarding)`,
          KmsKeyId: settings.kmsKeyId || undefined,
          Tags: [
            { Key: MANAGED_BY_TAG_KEY, Value: MANAGED_BY_TAG_VALUE },
            { Key: ACCOUNT_TAG_KEY, Value: accountId },
            { Key: PARTITION_TAG_KEY, Value: settings.partition },
          ],
        }),
      )
    ).ARN;
  }
  if (!arn) throw new Error(`Secrets Manager returned no ARN for ${name}`);
  await client.send(new PutResourcePolicyCommand({ SecretId: arn, ResourcePolicy: readersOnlyPolicy(settings.readerArns) }));
  await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: value }));
  await scheduleRotation(arn, settings, client);
  return arn;
}

/** Schedules the rotation the settings ask for (none now: the key was just created and validated). */
async function scheduleRotation(arn: string, settings: KeySecretSettings, client: SecretsManagerClient): Promise<void> {
  if (!settings.rotation) return;
  await client.send(
    new RotateSecretCommand({
      SecretId: arn,
      RotationLambdaARN: settings.rotation.functionArn,
      RotationRules: { AutomaticallyAfterDays: settings.rotation.days },
      RotateImmediately: false,
    }),
  );
}

/**
 * Gives a secret that already holds a live key the rotation the settings ask for, and the readers-only policy with
 * it, when its description shows the rotation missing or other: a run that died between storing the key and
 * scheduling its rotation (or an earlier version, which stored the key before the policy) left it so.
 *
 * @param secret - the secret as {@link describeKeySecret} found it.
 * @returns whether anything was written.
 * @throws the SDK's errors.
 */
export async function convergeKeySecret(
  secret: KeySecretDescription,
  settings: KeySecretSettings,
  client = new SecretsManagerClient({}),
): Promise<boolean> {
  const wanted = settings.rotation;
  if (!wanted || (secret.rotation?.functionArn === wanted.functionArn && secret.rotation.days === wanted.days)) return false;
  await client.send(new PutResourcePolicyCommand({ SecretId: secret.arn, ResourcePolicy: readersOnlyPolicy(settings.readerArns) }));
  await scheduleRotation(secret.arn, settings, client);
  return true;
}
