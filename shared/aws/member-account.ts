/**
 * Reaching a member account: assuming the member access role (`OrganizationAccountAccessRole`,
 * `AWSControlTowerExecution` or the configured one) and getting an IAM client in it. Accounts of another partition
 * (GovCloud) are reached with that partition's stored credentials.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AccountNotActiveError, MemberAccountAccessError, PartitionCredentialsError, type ErrorContext } from '../errors';
import type { OnboardingTarget } from '../onboarding/target';
import { roleArn, type Partition } from '../partitions';
import { accountStatus } from './account-status';
import { assumeRole } from './assume-role';
import { credentialsFor, foreignRegion, isInvalidCredentials, partitionCredentialsSecretName } from './partition-credentials';
import { iamRegion, stsRegion } from './regions';
import { isAccessDenied } from './transient-errors';
import type { AwsCredentialIdentity } from '@aws-sdk/types';

/** Session name the automation uses in member accounts; shows in their CloudTrail. */
export const MEMBER_SESSION_NAME = 'datadog-aws-account-onboarding';

/** How the automation calls a partition: with which credentials (none: its own role), through which region. */
export interface PartitionAccess {
  credentials?: AwsCredentialIdentity;
  /** Region of the STS endpoint. */
  stsRegion: string;
  /** Region of the IAM endpoint. */
  iamRegion: string;
}

/**
 * How to reach a partition.
 *
 * @throws PartitionCredentialsError / TransientError from `credentialsFor` for another partition.
 */
export async function partitionAccess(partition: Partition, context: ErrorContext): Promise<PartitionAccess> {
  const credentials = await credentialsFor(partition, context);
  return credentials
    ? { credentials, stsRegion: foreignRegion(partition), iamRegion: foreignRegion(partition) }
    : { stsRegion: stsRegion(partition), iamRegion: iamRegion(partition) };
}

/** Turns "the stored key is not valid" into a clear error, leaving other errors as they are. */
export function explainInvalidCredentials(error: unknown, partition: Partition, access: PartitionAccess, context: ErrorContext): unknown {
  if (!access.credentials || !isInvalidCredentials(error)) return error;
  return new PartitionCredentialsError(
    `the access key in secret ${partitionCredentialsSecretName(partition)} is not valid in ${partition} (${(error as Error).name})`,
    { ...context, remedy: `Store a working access key of an IAM user in ${partition}`, cause: error },
  );
}

/**
 * The identity the automation acts as in a partition: for another partition, the IAM user of the stored key
 * (`sts:GetCallerIdentity`); the validator's trust statement names it there.
 */
export async function callerArnIn(partition: Partition, access: PartitionAccess, context: ErrorContext): Promise<string> {
  try {
    const sts = new STSClient({ region: access.stsRegion, credentials: access.credentials });
    const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
    if (!Arn) throw new Error('GetCallerIdentity returned no Arn');
    return Arn;
  } catch (error) {
    throw explainInvalidCredentials(error, partition, access, context);
  }
}

/**
 * Gives an IAM client acting as the member access role of the target account.
 *
 * @param step - the state name, for error messages.
 * @throws AccountNotActiveError when STS refuses and Organizations says the account is suspended or closing.
 * @throws MemberAccountAccessError when STS refuses (`AccessDenied`) otherwise: the role is missing or does not trust
 *   the automation's account.
 * @throws PartitionCredentialsError when another partition's stored key is missing or not valid.
 *   Other SDK errors propagate unchanged.
 */
export async function memberAccountIam(target: OnboardingTarget, step: string): Promise<IAMClient> {
  const context = { accountId: target.accountId, step };
  const access = await partitionAccess(target.partition, context);
  const accessRoleArn = roleArn(target.partition, target.accountId, target.memberAccessRoleName);
  try {
    const credentials = await assumeRole({
      partition: target.partition,
      roleArn: accessRoleArn,
      sessionName: MEMBER_SESSION_NAME,
      credentials: access.credentials,
      region: access.stsRegion,
    });
    return new IAMClient({ region: access.iamRegion, credentials });
  } catch (error) {
    if (isAccessDenied(error)) {
      // Only the automation's own organization can say whether an account of its partition is still active.
      const status = access.credentials ? undefined : await accountStatus(target.partition, target.accountId);
      if (status !== undefined && status !== 'ACTIVE') {
        throw new AccountNotActiveError(`the account is ${status} in AWS Organizations, so it cannot be onboarded`, {
          ...context,
          remedy: 'Nothing to fix unless the account is reopened; then replay it',
          cause: error,
        });
      }
      throw new MemberAccountAccessError(`cannot assume ${accessRoleArn} (AccessDenied)`, {
        ...context,
        remedy: `Check that the role exists in the member account and trusts this automation's account, or set the member access role name (parameter MemberAccessRoleName / ControlTowerAccessRoleName, or "memberAccessRoleName" in the execution input)`,
        cause: error,
      });
    }
    throw explainInvalidCredentials(error, target.partition, access, context);
  }
}
