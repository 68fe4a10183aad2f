/**
 * The secret holding the access key Datadog uses for one member account: `<prefix><accountId>` in the automation's
 * account, `{"accessKeyId": "...", "secretAccessKey": "..."}`, KMS-encrypted, tagged, readable only by this tool's
 * functions. Step Functions state carries its ARN, never its value.
 */
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { MANAGED_BY_TAG_KEY, MANAGED_BY_TAG_VALUE } from '../iam/ownership';
import type { NewAccessKey } from '../iam/user';
import type { Partition } from '../partitions';

/** Default prefix of the per-account key secrets (parameter `AccessKeySecretPrefix`). */
export const DEFAULT_ACCESS_KEY_SECRET_PREFIX = 'datadog-onboarding/datadog-access-keys/';

const keySchema = z.object({ accessKeyId: z.string().min(16), secretAccessKey: z.string().min(16) });

/** Name of the key secret of an account. */
export function accessKeySecretName(accountId: string, prefix = process.env.ACCESS_KEY_SECRET_PREFIX || DEFAULT_ACCESS_KEY_SECRET_PREFIX): string {
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
 * Reads a stored key (version `AWSCURRENT`, or the given stage).
 *
 * @returns the key and the secret's ARN, or `undefined` when the secret does not exist or holds no well-formed key.
 * @throws the SDK's other errors.
 */
export async function readStoredKey(
  secretId: string,
  stage = 'AWSCURRENT',
  client = new SecretsManagerClient({}),
): Promise<{ key: NewAccessKey; secretArn: string } | undefined> {
  try {
    const { SecretString, ARN } = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
    const parsed = keySchema.safeParse(JSON.parse(SecretString ?? 'null'));
    return parsed.success && ARN ? { key: parsed.data, secretArn: ARN } : undefined;
  } catch (error) {
    if (error instanceof ResourceNotFoundException || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/**
 * Stores a key in the account's secret, creating the secret (tagged, encrypted, readers limited) when it does not
 * exist yet.
 *
 * @returns the secret's ARN.
 */
export async function storeKey(
  accountId: string,
  key: NewAccessKey,
  settings: KeySecretSettings,
  client = new SecretsManagerClient({}),
): Promise<string> {
  const name = accessKeySecretName(accountId);
  const value = JSON.stringify({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey });
  let arn: string | undefined;
  try {
    arn = (await client.send(new DescribeSecretCommand({ SecretId: name }))).ARN;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  if (arn === undefined) {
    arn = (
      await client.send(
        new CreateSecretCommand({
          Name: name,
          Description: `Access key Datadog uses for AWS account ${accountId} (managed by datadog-aws-account-onboarding)`,
          SecretString: value,
          KmsKeyId: settings.kmsKeyId || undefined,
          Tags: [
            { Key: MANAGED_BY_TAG_KEY, Value: MANAGED_BY_TAG_VALUE },
            { Key: ACCOUNT_TAG_KEY, Value: accountId },
            { Key: PARTITION_TAG_KEY, Value: settings.partition },
          ],
        }),
      )
    ).ARN;
  } else {
    await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: value }));
  }
  if (!arn) throw new Error(`Secrets Manager returned no ARN for ${name}`);
  await client.send(new PutResourcePolicyCommand({ SecretId: arn, ResourcePolicy: readersOnlyPolicy(settings.readerArns) }));
  if (settings.rotation) {
    // Scheduled only: the key was just created and validated by the onboarding, so no rotation now.
    await client.send(
      new RotateSecretCommand({
        SecretId: arn,
        RotationLambdaARN: settings.rotation.functionArn,
        RotationRules: { AutomaticallyAfterDays: settings.rotation.days },
        RotateImmediately: false,
      }),
    );
  }
  return arn;
}
