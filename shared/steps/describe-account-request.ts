/**
 * The DescribeAccountRequest step: following a CreateGovCloudAccount (or CreateAccount) request to the accounts it created:
 * `DescribeCreateAccountStatus` gives `AccountId` and, for GovCloud, `GovCloudAccountId` once the request SUCCEEDED
 * (Organizations API reference, CreateAccountStatus).
 */
import {
  CreateAccountStatusNotFoundException,
  DescribeCreateAccountStatusCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { ownPartition } from '../aws/partition-credentials';
import { iamRegion } from '../aws/regions';
import { AccountRequestInProgressError, InvalidInputError } from '../errors';
import type { DescribeAccountRequestInput } from '../onboarding/step-inputs';
import type { Partition } from '../partitions';

/** An account the request created, with its partition. */
export interface RequestedAccount {
  accountId: string;
  partition: Partition;
}

/** What the request came to. */
export interface AccountRequestResult {
  requestId: string;
  state: 'SUCCEEDED' | 'FAILED';
  /** The commercial account, and the GovCloud account when there is one; empty when the request FAILED. */
  accounts: RequestedAccount[];
  failureReason?: string;
}

const STEP = 'DescribeAccountRequest';

/**
 * Reads the request's status in the automation's own organization; its partition is that of the commercial account.
 *
 * @throws AccountRequestInProgressError while the request is `IN_PROGRESS` (the state machine retries with backoff).
 * @throws InvalidInputError when Organizations knows no such request.
 */
export async function describeAccountRequest({
  createAccountRequestId: requestId,
}: DescribeAccountRequestInput): Promise<AccountRequestResult> {
  const partition = ownPartition();
  const organizations = new OrganizationsClient({ region: iamRegion(partition) });
  let status;
  try {
    ({ CreateAccountStatus: status } = await organizations.send(
      new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: requestId }),
    ));
  } catch (error) {
    if (error instanceof CreateAccountStatusNotFoundException) {
      throw new InvalidInputError(`create-account request ${requestId} does not exist in this organization`, {
        step: STEP,
        remedy: 'Start the execution from the organization management account that made the request',
      });
    }
    throw error;
  }
  if (status?.State === 'IN_PROGRESS' || status?.State === undefined) {
    throw new AccountRequestInProgressError(`create-account request ${requestId} is still in progress`, { step: STEP });
  }
  if (status.State !== 'SUCCEEDED') {
    return { requestId, state: 'FAILED', accounts: [], failureReason: status.FailureReason };
  }
  const accounts: RequestedAccount[] = [];
  if (status.AccountId) accounts.push({ accountId: status.AccountId, partition });
  if (status.GovCloudAccountId) accounts.push({ accountId: status.GovCloudAccountId, partition: 'aws-us-gov' });
  return { requestId, state: 'SUCCEEDED', accounts };
}
