/**
 * The member account's state in AWS Organizations, to explain why it cannot be reached.
 */
import { AccountNotFoundException, DescribeAccountCommand, OrganizationsClient, type AccountState } from '@aws-sdk/client-organizations';
import type { Partition } from '../partitions';
import { iamRegion } from './regions';

/**
 * Reads the account's `State`: `PENDING_ACTIVATION`, `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE` or `CLOSED`
 * (Organizations API reference, Account `State`; the older `Status` was retired on 9 September 2026 and is not read).
 * Organizations is served from the same region as IAM in each partition.
 *
 * @returns the state, or `undefined` when it cannot be read (the caller keeps its own explanation).
 */
export async function accountState(partition: Partition, accountId: string): Promise<AccountState | undefined> {
  try {
    const organizations = new OrganizationsClient({ region: iamRegion(partition) });
    const { Account } = await organizations.send(new DescribeAccountCommand({ AccountId: accountId }));
    return Account?.State;
  } catch {
    return undefined;
  }
}

/** States in which an account will never be reachable again unless it is reopened. */
const NOT_ACTIVE: ReadonlySet<AccountState> = new Set<AccountState>(['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED']);

/**
 * What a state means for reaching the account: `closed` (suspended, closing or closed: give up), `activating`
 * (created, not yet active: it will be reachable, try later) or `active`/unknown (the refusal has another cause).
 */
export function reachability(state: AccountState | undefined): 'closed' | 'activating' | 'other' {
  if (state === undefined) return 'other';
  if (NOT_ACTIVE.has(state)) return 'closed';
  return state === 'PENDING_ACTIVATION' ? 'activating' : 'other';
}

/**
 * Whether the account is still a member of the automation's organization, and its `State`: the one read that decides,
 * before anything assumes a role in it, whether an account being offboarded can be reached.
 *
 * @returns `{member: false}` when Organizations does not know the account (`AccountNotFoundException`: it left, or
 *   was removed), else `{member: true, state}`.
 * @throws the SDK's other errors (throttling is retried by the state machine).
 */
export async function organizationMembership(
  partition: Partition,
  accountId: string,
): Promise<{ member: false } | { member: true; state: AccountState | undefined }> {
  const organizations = new OrganizationsClient({ region: iamRegion(partition) });
  try {
    const { Account } = await organizations.send(new DescribeAccountCommand({ AccountId: accountId }));
    return { member: true, state: Account?.State };
  } catch (error) {
    if (error instanceof AccountNotFoundException) return { member: false };
    throw error;
  }
}
