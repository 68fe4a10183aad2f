/**
 * The member account's status in AWS Organizations, to explain why it cannot be reached.
 */
import { DescribeAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import type { Partition } from '../partitions';
import { iamRegion } from './regions';

/**
 * Reads the account's status (`ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`; Organizations API reference, Account
 * `Status`). Organizations is served from the same region as IAM in each partition.
 *
 * @returns the status, or `undefined` when it cannot be read (the caller keeps its own explanation).
 */
export async function accountStatus(partition: Partition, accountId: string): Promise<string | undefined> {
  try {
    const organizations = new OrganizationsClient({ region: iamRegion(partition) });
    const { Account } = await organizations.send(new DescribeAccountCommand({ AccountId: accountId }));
    return Account?.Status ?? Account?.State;
  } catch {
    return undefined;
  }
}
