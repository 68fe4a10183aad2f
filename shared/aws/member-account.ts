/**
 * Reaching a member account: assuming a member access role (`OrganizationAccountAccessRole`,
 * `AWSControlTowerExecution` or the configured ones, the event's hint first) and getting an IAM client in it.
 * Accounts of another partition (GovCloud) are reached with that partition's stored credentials.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { pickEnv, readEnv } from '../config';
import { GetCallerIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import {
  AccountNotActiveError,
  AccountPendingActivationError,
  MemberAccountAccessError,
  PartitionCredentialsError,
  type ErrorContext,
} from '../errors';
import { logger } from '../logger';
import type { OnboardingTarget } from '../onboarding/target';
import { roleArn, type Partition } from '../partitions';
import { accountState, reachability } from './account-state';
import { assumeRole } from './assume-role';
import { credentialsFor, foreignRegion, isInvalidCredentials, partitionCredentialsSecretName } from './partition-credentials';
import { iamRegion, stsRegion } from './regions';
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

/** An IAM client in the member account, and the member access role it acts as. */
export interface MemberAccountAccess {
  iam: IAMClient;
  /** The member access role STS let the automation assume (the one to go straight to in later steps). */
  accessRoleName: string;
}

/** The member access roles to try, in order: the target's first choice, then its alternate. */
function accessRoleNamesOf(target: OnboardingTarget): string[] {
  const names = [target.memberAccessRoleName, target.alternateMemberAccessRoleName];
  return names.filter((name, index): name is string => name !== undefined && names.indexOf(name) === index);
}

/** True only for STS refusing AssumeRole (`AccessDenied`): the role is missing, or does not trust the caller. */
function isAssumeRoleRefused(error: unknown): boolean {
  return error instanceof STSServiceException && error.name === 'AccessDenied';
}

/**
 * True for the management account of the automation's own organization when `OnboardManagementAccount` is true:
 * it is reached with the function's own credentials.
 */
function isOnboardedManagementAccount(target: OnboardingTarget, access: PartitionAccess): boolean {
  const env = readEnv(pickEnv('MANAGEMENT_ACCOUNT_ID', 'ONBOARD_MANAGEMENT_ACCOUNT'));
  return access.credentials === undefined && env.ONBOARD_MANAGEMENT_ACCOUNT && target.accountId === env.MANAGEMENT_ACCOUNT_ID;
}

/**
 * Reaches the member account (the management account, with `OnboardManagementAccount=true`, with the function's own
 * credentials): assumes the target's member access role, or, when STS refuses it (`AccessDenied`),
 * the alternate one (a Control Tower account has `AWSControlTowerExecution`, an account created by Organizations
 * `OrganizationAccountAccessRole`, an enrolled one may have both). Other errors are not retried with the alternate.
 *
 * @param step - the state name, for error messages.
 * @returns an IAM client acting as the role that worked, and that role's name.
 * @throws AccountPendingActivationError when STS refuses every role and Organizations says the account is not active
 *   yet (`PENDING_ACTIVATION`): the state machine retries later.
 * @throws AccountNotActiveError when STS refuses every role and Organizations says the account is suspended, closing
 *   or closed.
 * @throws MemberAccountAccessError when STS refuses every role otherwise, naming each role tried.
 * @throws PartitionCredentialsError when another partition's stored key is missing or not valid.
 *   Other SDK errors propagate unchanged.
 */
export async function reachMemberAccount(target: OnboardingTarget, step: string): Promise<MemberAccountAccess> {
  const context = { accountId: target.accountId, step };
  const access = await partitionAccess(target.partition, context);
  if (isOnboardedManagementAccount(target, access)) {
    // No access role in the management account: the function's own role acts there, granted only on the Datadog
    // role and policy names (template.yaml, condition OnboardsManagementAccount).
    return { iam: new IAMClient({ region: access.iamRegion }), accessRoleName: target.memberAccessRoleName };
  }
  const tried: string[] = [];
  let refusal: unknown;
  for (const accessRoleName of accessRoleNamesOf(target)) {
    const accessRoleArn = roleArn(target.partition, target.accountId, accessRoleName);
    try {
      const credentials = await assumeRole({
        partition: target.partition,
        roleArn: accessRoleArn,
        sessionName: MEMBER_SESSION_NAME,
        credentials: access.credentials,
        region: access.stsRegion,
      });
      if (tried.length > 0)
        logger.info('member account reached through the alternate access role', {
          accountId: target.accountId,
          refused: tried,
          accessRoleName,
        });
      return { iam: new IAMClient({ region: access.iamRegion, credentials }), accessRoleName };
    } catch (error) {
      if (!isAssumeRoleRefused(error)) throw explainInvalidCredentials(error, target.partition, access, context);
      tried.push(accessRoleArn);
      refusal = error;
    }
  }
  throw await explainRefusal(target, access, tried, { ...context, cause: refusal });
}

/** Why every member access role was refused: the account's state when Organizations can tell, else the roles. */
async function explainRefusal(target: OnboardingTarget, access: PartitionAccess, tried: string[], context: ErrorContext): Promise<Error> {
  // Only the automation's own organization can say whether an account of its partition is active.
  const state = access.credentials ? undefined : await accountState(target.partition, target.accountId);
  switch (reachability(state)) {
    case 'closed':
      return new AccountNotActiveError(`the account is ${state} in AWS Organizations, so it cannot be onboarded`, {
        ...context,
        remedy: 'Nothing to fix unless the account is reopened; then replay it',
      });
    case 'activating':
      return new AccountPendingActivationError('the account is PENDING_ACTIVATION in AWS Organizations: not reachable until it is ACTIVE', {
        ...context,
        remedy: 'Retried until the account is active; replay it if this execution gave up first',
      });
    default:
      return new MemberAccountAccessError(`cannot assume ${tried.join(' or ')} (AccessDenied)`, {
        ...context,
        remedy:
          "Check that one of these roles exists in the member account and trusts this automation's account, or set the MemberAccessRoleName / ControlTowerAccessRoleName parameter to the role the account has",
      });
  }
}
