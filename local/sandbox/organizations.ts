/**
 * The simulated Organizations API, the operations the product calls: DescribeAccount and
 * DescribeCreateAccountStatus (Organizations API reference).
 *
 * The organization holds the management account and every sandbox account of the same partition. Accounts of
 * another partition (GovCloud) are not members: GovCloud accounts belong to a separate organization, if any
 * (AWS GovCloud (US) User Guide, "AWS Organizations in AWS GovCloud (US)").
 */
import { DescribeAccountCommand, DescribeCreateAccountStatusCommand } from '@aws-sdk/client-organizations';
import type { Account, CreateAccountFailureReason } from '@aws-sdk/client-organizations';
import { arn } from '../../shared/partitions';
import { organizationsError } from './errors';
import { isOrganizationMember } from './iam-entities';
import type { CallContext, Operation } from './operations';
import { operation, requireAllowed } from './operations';
import type { AccountState, SandboxState } from './state';

/** `arn:<p>:organizations::<management>:account/<org id>/<account>` (Organizations API reference, Account.Arn). */
function accountArn(state: SandboxState, accountId: string): string {
  return arn(state.partition, 'organizations', '', state.managementAccountId, `account/${state.organizationId}/${accountId}`);
}

function accountOutput(state: SandboxState, account: AccountState): Account {
  return {
    Id: account.accountId,
    Arn: accountArn(state, account.accountId),
    Email: account.email,
    Name: account.name,
    // `Status` was retired on 9 September 2026: only `State` is answered.
    State: account.state,
    JoinedMethod: account.accountId === state.managementAccountId ? 'INVITED' : 'CREATED',
    JoinedTimestamp: new Date(account.joinedMs),
  };
}

/** Refuses callers outside the organization, as Organizations does. */
function requireMember(call: CallContext): void {
  if (!isOrganizationMember(call.core.state, call.caller.accountId) || call.caller.partition !== call.core.state.partition) {
    throw organizationsError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
  }
}

/**
 * Refuses callers outside the management account: DescribeAccount and DescribeCreateAccountStatus
 * "can be called only from the organization's management account or by a member account that is a delegated
 * administrator" (the sandbox has no delegated administrators).
 */
function requireManagement(call: CallContext): void {
  requireMember(call);
  if (call.caller.accountId !== call.core.state.managementAccountId) {
    throw organizationsError('AccessDeniedException', "You don't have permissions to access this resource.");
  }
}

function organizationMembers(state: SandboxState): AccountState[] {
  return Object.values(state.accounts).filter((account) => account.partition === state.partition);
}

/** The Organizations operations. */
export const organizationsOperations: Operation[] = [
  operation('DescribeAccount', DescribeAccountCommand, async (input, call) => {
    const { state } = call.core;
    requireManagement(call);
    const accountId = input.AccountId ?? '';
    if (!/^\d{12}$/.test(accountId)) {
      throw organizationsError('InvalidInputException', 'You provided a value that does not match the required pattern.');
    }
    await requireAllowed(call, { resourceArn: accountArn(state, accountId) });
    const account = organizationMembers(state).find((candidate) => candidate.accountId === accountId);
    if (!account) throw organizationsError('AccountNotFoundException', "You specified an account that doesn't exist.");
    return { Account: accountOutput(state, account) };
  }),

  operation('DescribeCreateAccountStatus', DescribeCreateAccountStatusCommand, async (input, call) => {
    const { state } = call.core;
    requireManagement(call);
    const id = input.CreateAccountRequestId ?? '';
    if (!/^car-[a-z0-9]{8,32}$/.test(id)) {
      throw organizationsError('InvalidInputException', 'You provided a value that does not match the required pattern.');
    }
    await requireAllowed(call, { resourceArn: '*' });
    const status = state.createAccountStatuses.find((candidate) => candidate.id === id);
    if (!status) {
      throw organizationsError(
        'CreateAccountStatusNotFoundException',
        "We can't find an create account request with the CreateAccountRequestId that you specified.",
      );
    }
    return {
      CreateAccountStatus: {
        Id: status.id,
        State: status.state,
        RequestedTimestamp: new Date(status.requestedMs),
        ...(status.accountName !== undefined ? { AccountName: status.accountName } : {}),
        ...(status.completedMs !== undefined ? { CompletedTimestamp: new Date(status.completedMs) } : {}),
        ...(status.accountId !== undefined ? { AccountId: status.accountId } : {}),
        ...(status.govCloudAccountId !== undefined ? { GovCloudAccountId: status.govCloudAccountId } : {}),
        ...(status.failureReason !== undefined ? { FailureReason: status.failureReason as CreateAccountFailureReason } : {}),
      },
    };
  }),
];
