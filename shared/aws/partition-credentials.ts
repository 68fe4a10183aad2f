/**
 * Credentials for another partition. No role can be assumed across partitions (AWS GovCloud (US) User Guide,
 * "GovCloud (US) and standard AWS: differences": separate IAM), so the automation reaches GovCloud (or China) accounts
 * with an access key of an IAM user of that partition, kept in a Secrets Manager secret of the automation's account:
 * `<prefix><partition>-credentials`, holding `{"accessKeyId": "...", "secretAccessKey": "..."}`.
 */
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { z } from 'zod';
import { pickEnv, readEnv } from '../config';
import { PartitionCredentialsError, TransientError, type ErrorContext } from '../errors';
import { partitionOfRegion, type Partition } from '../partitions';
import { readJsonSecret, secretsManagerCause } from './json-secret';
import { isTransientAwsError } from './transient-errors';

const credentialsSchema = z.object({
  accessKeyId: z.string().regex(/^AKIA[A-Z0-9]{12,124}$/, 'must be an IAM user access key id (AKIA...)'),
  secretAccessKey: z.string().min(16),
});

/**
 * The partition the automation itself runs in (its Lambda region's).
 *
 * @throws InvalidInputError when `AWS_REGION` is missing or not a region code (see `readEnv`).
 */
export function ownPartition(): Partition {
  return partitionOfRegion(readEnv(pickEnv('AWS_REGION')).AWS_REGION);
}

/** Name of the secret holding credentials for a partition: `PARTITION_CREDENTIALS_SECRET_PREFIX` + `<partition>-credentials`. */
export function partitionCredentialsSecretName(partition: Partition): string {
  return `${readEnv(pickEnv('PARTITION_CREDENTIALS_SECRET_PREFIX')).PARTITION_CREDENTIALS_SECRET_PREFIX}${partition}-credentials`;
}

/**
 * The region to call STS and IAM of another partition in: `GOVCLOUD_REGION` or `CHINA_REGION`, from the stack
 * parameters; us-east-1 for the commercial partition.
 */
export function foreignRegion(partition: Partition): string {
  if (partition === 'aws-us-gov') return readEnv(pickEnv('GOVCLOUD_REGION')).GOVCLOUD_REGION;
  if (partition === 'aws-cn') return readEnv(pickEnv('CHINA_REGION')).CHINA_REGION;
  return 'us-east-1';
}

/**
 * Credentials to act in a partition: `undefined` for the automation's own partition (its execution role), the stored
 * access key for another.
 *
 * @throws PartitionCredentialsError when the secret is missing, unreadable or malformed (never echoing its value).
 * @throws TransientError on Secrets Manager throttling or outage.
 */
export async function credentialsFor(partition: Partition, context: ErrorContext): Promise<AwsCredentialIdentity | undefined> {
  if (partition === ownPartition()) return undefined;
  const secretName = partitionCredentialsSecretName(partition);
  let parsed: unknown;
  try {
    parsed = await readJsonSecret(secretName);
  } catch (error) {
    const cause = secretsManagerCause(error);
    if (isTransientAwsError(cause)) throw new TransientError(`reading secret ${secretName} failed: ${cause.name}`, context);
    throw new PartitionCredentialsError(`cannot read the ${partition} credentials secret ${secretName}: ${cause.name}`, {
      ...context,
      remedy: `Create the secret with {"accessKeyId": "...", "secretAccessKey": "..."} of an IAM user in ${partition} (see README, "GovCloud")`,
    });
  }
  const credentials = credentialsSchema.safeParse(parsed);
  if (!credentials.success) {
    throw new PartitionCredentialsError(
      `the ${partition} credentials secret ${secretName} is not JSON with "accessKeyId" (AKIA...) and "secretAccessKey"`,
      {
        ...context,
        remedy: 'Store the access key of an IAM user of that partition in the documented format',
      },
    );
  }
  return credentials.data;
}

/** STS and IAM error names that mean the stored access key is not valid in the partition (STS API reference, Common Errors). */
const INVALID_KEY_ERRORS = new Set(['InvalidClientTokenId', 'SignatureDoesNotMatch', 'UnrecognizedClientException', 'ExpiredToken']);

/** True when an SDK error says the credentials themselves are wrong. */
export function isInvalidCredentials(error: unknown): boolean {
  return error instanceof Error && INVALID_KEY_ERRORS.has(error.name);
}
