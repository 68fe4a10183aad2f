/**
 * The RemoveMemberResources step of the offboarding path (`OffboardingMode` `everything` only): in a member account
 * that can still be reached, deletes the Datadog role, the user and its access keys, and their integration policies,
 * only those this application created (tagged, `shared/iam/ownership.ts`). An account that is closed (or closing, or
 * suspended) or no longer in the organization is never assumed into: the step says so and succeeds.
 */
import { ownPartition } from '../aws/partition-credentials';
import { organizationMembership } from '../aws/account-state';
import { reachMemberAccount } from '../aws/member-account';
import { AccountNotActiveError, MemberAccountAccessError } from '../errors';
import { removeOwnedIdentities, type PrincipalRemoval } from '../iam/removal';
import { recordOffboarded, type OffboardedReport, type OffboardingRecords } from '../onboarding/offboarding-records';
import type { RemoveMemberResourcesInput } from '../onboarding/step-inputs';

const STEP = 'RemoveMemberResources';

/** Settings: the Datadog user's name (parameter `DatadogUserName`) and the records. */
export interface RemoveMemberResourcesSettings {
  userName: string;
  records: OffboardingRecords;
  now?: () => Date;
  /** Posts the offboarded event; default `sendLifecycleEvent`. */
  sendEvent?: OffboardedReport['sendEvent'];
}

/** Output, carried as `$.memberResources`. */
export type RemoveMemberResourcesResult =
  | { action: 'removed'; reason: string; memberAccessRoleName: string; role: PrincipalRemoval; user: PrincipalRemoval }
  | { action: 'skipped'; reason: string };

/** Why the account must not be assumed into, read from Organizations (own partition only), or `undefined`. */
async function unreachableReason(
  partition: RemoveMemberResourcesInput['target']['partition'],
  accountId: string,
): Promise<string | undefined> {
  // Another partition's organization (GovCloud) is not this one's to ask; STS's refusal tells there.
  if (partition !== ownPartition()) return undefined;
  const membership = await organizationMembership(partition, accountId);
  if (!membership.member) return 'the account is no longer in the organization: it is not assumed into';
  if (membership.state !== 'ACTIVE')
    return `the account is ${membership.state ?? 'in an unknown state'} in AWS Organizations: it is not assumed into`;
  return undefined;
}

/**
 * Removes this application's role, user, keys and policies from a reachable member account, then records the account
 * `offboarded`, releases the lease and reports it (AccountsOffboarded metric, `offboarded` Datadog event). Resources not tagged as this application's are kept and reported `foreign`.
 * Idempotent: a replay finds them `absent`.
 *
 * @throws the SDK's errors (e.g. `DeleteConflictException` when someone added an inline policy or login profile);
 *   PartitionCredentialsError for another partition without stored credentials.
 */
export async function removeMemberResources(
  { target, executionArn, registration, executionInput }: RemoveMemberResourcesInput,
  settings: RemoveMemberResourcesSettings,
): Promise<RemoveMemberResourcesResult> {
  const now = settings.now ?? (() => new Date());
  // This step ends the offboarding, so it sends the offboarded event (RemoveRegistration did not): with the keys
  // secret's ARN and GetSecretValue on that one secret (template.yaml), as the record steps have.
  const finish = async <T extends RemoveMemberResourcesResult>(result: T): Promise<T> => {
    const removed =
      result.action === 'removed'
        ? `member resources removed (role ${result.role.action}, user ${result.user.action})`
        : `member resources not removed (${result.reason})`;
    const detail = registration ? `Datadog registration ${registration.action} (${registration.reason}); ${removed}` : removed;
    await recordOffboarded(settings.records, executionArn, now(), {
      target,
      where: executionInput?.context,
      detail,
      sendEvent: settings.sendEvent,
    });
    return result;
  };
  const unreachable = await unreachableReason(target.partition, target.accountId);
  if (unreachable) return finish({ action: 'skipped', reason: unreachable });
  let access;
  try {
    access = await reachMemberAccount(target, STEP);
  } catch (error) {
    // Closed, or no member access role trusts the automation any more: nothing of ours can be reached, nothing fails.
    if (error instanceof AccountNotActiveError || error instanceof MemberAccountAccessError) {
      return finish({ action: 'skipped', reason: `the account cannot be reached: ${error.message}` });
    }
    throw error;
  }
  const { role, user } = await removeOwnedIdentities(access.iam, { roleName: target.roleName, userName: settings.userName });
  return finish({
    action: 'removed',
    reason: 'OffboardingMode is everything and the account is reachable',
    memberAccessRoleName: access.accessRoleName,
    role,
    user,
  });
}
