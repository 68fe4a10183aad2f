/**
 * Assuming roles with STS.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { Partition } from '../partitions';
import { stsRegion } from './regions';

/** Longest-lived credentials this tool asks for: the STS minimum, 900 seconds (STS API reference, AssumeRole). */
export const SESSION_DURATION_SECONDS = 900;

/** What to assume. */
export interface AssumeRoleRequest {
  partition: Partition;
  roleArn: string;
  /** Identifies the caller in the member account's CloudTrail. */
  sessionName: string;
  externalId?: string;
  /** Credentials to call STS with; default the function's own. */
  credentials?: AwsCredentialIdentity;
  /** Region of the STS endpoint; default {@link stsRegion} of the partition. */
  region?: string;
}

/**
 * Assumes a role and returns its temporary credentials.
 *
 * @returns credentials valid for {@link SESSION_DURATION_SECONDS} seconds.
 * @throws the SDK's error unchanged (`AccessDenied`, throttling…): callers decide what it means.
 */
export async function assumeRole(request: AssumeRoleRequest): Promise<AwsCredentialIdentity> {
  const sts = new STSClient({ region: request.region ?? stsRegion(request.partition), credentials: request.credentials });
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: request.roleArn,
      RoleSessionName: request.sessionName,
      ExternalId: request.externalId,
      DurationSeconds: SESSION_DURATION_SECONDS,
    }),
  );
  if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey) {
    throw new Error(`STS AssumeRole for ${request.roleArn} returned no credentials`);
  }
  return {
    accessKeyId: Credentials.AccessKeyId,
    secretAccessKey: Credentials.SecretAccessKey,
    sessionToken: Credentials.SessionToken,
    expiration: Credentials.Expiration,
  };
}
