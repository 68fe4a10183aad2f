/**
 * The ValidateRole step: proving from AWS that the Datadog role can be assumed the way Datadog assumes it: `sts:AssumeRole` with the
 * external ID from another account, then one read call the integration policy grants.
 *
 * Datadog's API reports no role health (no v2 response carries one), so this is the only proof available before
 * Datadog starts using the role.
 */
import { IAMClient, ListAccountAliasesCommand } from '@aws-sdk/client-iam';
import { accountState, reachability } from '../aws/account-state';
import { assumeRole } from '../aws/assume-role';
import { explainInvalidCredentials, partitionAccess } from '../aws/member-account';
import { ownPartition } from '../aws/partition-credentials';
import { isAccessDenied, isTransientAwsError } from '../aws/transient-errors';
import { AccountNotActiveError, RoleValidationError } from '../errors';
import type { ValidateRoleInput } from '../onboarding/step-inputs';
import type { OnboardingTarget } from '../onboarding/target';
import {
  NOT_YET,
  refuseNotYet,
  secondsSinceProvisioning,
  usableAfter,
  type ScheduleSettings,
  type ValidationResult,
} from '../onboarding/validation-schedule';

/** Session name of validation attempts; shows in the member account's CloudTrail. */
export const VALIDATION_SESSION_NAME = 'datadog-onboarding-validation';

/**
 * Makes one validation attempt.
 *
 * `AccessDenied` from STS or from the read call means IAM has not propagated the role, its trust policy or its
 * policy yet: the step throws the "not yet" error of the schedule's phase, and the state machine's `Retry` makes the
 * next attempt (see `refuseNotYet`).
 *
 * @param input - `{target, roleArn, externalId, provisionedAt}`; `provisionedAt` (ISO 8601, from ProvisionRole)
 *   starts the schedule and the bound.
 * @param now - the current time; default now.
 * @returns `{assumable: true, attempts, waitedSeconds, waitSeconds: 0, startedAt}`: `waitedSeconds` since provisioning,
 *   `startedAt` the provisioning time, `attempts` counted from the schedule.
 * @throws NotYetUsableError `RoleNotYetAssumable.Early|Middle|Late` while the role is not assumable yet.
 * @throws RoleValidationTimeoutError when the next attempt would start past `settings.maxTotalSeconds` after provisioning.
 * @throws AccountNotActiveError when the account was suspended, is closing or was closed meanwhile.
 * @throws RoleValidationError for any other refusal (e.g. a malformed role ARN).
 * @throws the SDK's transient errors unchanged (the state machine retries them).
 */
export async function validateRole(
  { target, roleArn, externalId, provisionedAt }: ValidateRoleInput,
  settings: ScheduleSettings,
  now: () => Date = () => new Date(),
): Promise<ValidationResult> {
  const outcome = await tryAssume(target, roleArn, externalId);
  const elapsed = secondsSinceProvisioning(provisionedAt, now());
  if (outcome === 'assumable') return usableAfter(provisionedAt, elapsed, settings);
  // A suspended, closing or closed account refuses everything: waiting would not help (one still activating will
  // be reachable, so the retries go on). Only the automation's own organization can tell, for accounts of its partition.
  const state = target.partition === ownPartition() ? await accountState(target.partition, target.accountId) : undefined;
  if (reachability(state) === 'closed') {
    throw new AccountNotActiveError(`the account became ${state} in AWS Organizations during onboarding`, {
      accountId: target.accountId,
      step: 'ValidateRole',
      remedy: 'Nothing to fix unless the account is reopened; then replay it',
    });
  }
  return refuseNotYet(NOT_YET.role, secondsSinceProvisioning(provisionedAt, now()), outcome, roleArn, settings, {
    accountId: target.accountId,
    step: 'ValidateRole',
    remedy:
      'Check the role trust policy in the member account (an SCP or permissions boundary may deny sts:AssumeRole), then replay the account; raise MaxValidationSeconds if IAM is slow',
  });
}

/** `assumable`, or the error name of the refusal that means "not yet" (AWS's error names, an open set). */
type RoleTry = string;

async function tryAssume(target: OnboardingTarget, roleArn: string, externalId: string): Promise<RoleTry> {
  const context = { accountId: target.accountId, step: 'ValidateRole' };
  const access = await partitionAccess(target.partition, context);
  // Which call was refused tells propagation (sts:AssumeRole) from a policy without the read (iam:ListAccountAliases).
  let call = 'sts:AssumeRole';
  try {
    const credentials = await assumeRole({
      partition: target.partition,
      roleArn,
      sessionName: VALIDATION_SESSION_NAME,
      externalId,
      credentials: access.credentials,
      region: access.stsRegion,
    });
    call = 'iam:ListAccountAliases';
    const iam = new IAMClient({ region: access.iamRegion, credentials });
    await iam.send(new ListAccountAliasesCommand({}));
    return 'assumable';
  } catch (error) {
    if (isAccessDenied(error)) return `${call} ${(error as Error).name}`;
    if (isTransientAwsError(error)) throw error;
    const explained = explainInvalidCredentials(error, target.partition, access, context);
    if (explained !== error) throw explained;
    throw new RoleValidationError(`assuming ${roleArn} failed: ${(error as Error).name}`, {
      ...context,
      remedy: 'See the error name in the AWS STS or IAM API reference',
      cause: error,
    });
  }
}
