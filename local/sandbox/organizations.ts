/**
 * The simulated Organizations API, the operations the product calls: DescribeAccount, DescribeCreateAccountStatus,
 * DescribeOrganization, and the tree: ListParents, ListRoots, ListOrganizationalUnitsForParent and
 * ListAccountsForParent (Organizations API reference), paginated as AWS does (`NextToken`, `MaxResults` 1–20).
 *
 * The organization holds the management account and every sandbox account of the same partition. Accounts of
 * another partition (GovCloud) are not members: GovCloud accounts belong to a separate organization, if any
 * (AWS GovCloud (US) User Guide, "AWS Organizations in AWS GovCloud (US)").
 */
import {
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
} from '@aws-sdk/client-organizations';
import type { Account, CreateAccountFailureReason } from '@aws-sdk/client-organizations';
import { arn } from '../../shared/partitions';
import { organizationsError } from './errors';
import { isOrganizationMember } from './iam-entities';
import type { CallContext, Operation } from './operations';
import { operation, paginate, requireAllowed } from './operations';
import { rootIdOf, type AccountState, type SandboxState } from './state';

/** `MaxResults` of the tree's List operations: 1 to 20 (Organizations API reference, ListAccountsForParent). */
const MAX_RESULTS = 20;
const CHILD_ID = /^(\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
const PARENT_ID = /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/;

function invalidInput(): Error {
  return organizationsError('InvalidInputException', 'You provided a value that does not match the required pattern.');
}

/** One page of a tree listing, as Organizations pages: `MaxResults` 1–20, an opaque `NextToken`. */
function treePage<T>(items: T[], input: { NextToken?: string; MaxResults?: number }): { page: T[]; next?: string } {
  if (input.MaxResults !== undefined && !(Number.isInteger(input.MaxResults) && input.MaxResults >= 1 && input.MaxResults <= MAX_RESULTS)) {
    throw invalidInput();
  }
  return paginate(items, input.NextToken, input.MaxResults, MAX_RESULTS, () =>
    organizationsError('InvalidInputException', 'The NextToken value is not valid.'),
  );
}

/** Refuses a `ParentId` that is neither the root nor an OU of the organization (`ParentNotFoundException`). */
function requireParent(state: SandboxState, parentId: string): void {
  if (!PARENT_ID.test(parentId)) throw invalidInput();
  if (parentId !== rootIdOf(state) && !state.organizationalUnits.some((unit) => unit.id === parentId)) {
    throw organizationsError('ParentNotFoundException', "We can't find a root or OU with the ParentId that you specified.");
  }
}

/** `arn:<p>:organizations::<management>:ou/<org id>/<ou id>` (Organizations API reference, OrganizationalUnit.Arn). */
function unitArn(state: SandboxState, unitId: string): string {
  return arn(state.partition, 'organizations', '', state.managementAccountId, `ou/${state.organizationId}/${unitId}`);
}

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
  return Object.values(state.accounts).filter((account) => account.partition === state.partition && account.left !== true);
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

  operation('DescribeOrganization', DescribeOrganizationCommand, async (_input, call) => {
    const { state } = call.core;
    // Any member account may describe its organization (Organizations API reference, DescribeOrganization).
    requireMember(call);
    await requireAllowed(call, { resourceArn: '*' });
    return {
      Organization: {
        Id: state.organizationId,
        Arn: arn(state.partition, 'organizations', '', state.managementAccountId, `organization/${state.organizationId}`),
        FeatureSet: 'ALL' as const,
        MasterAccountId: state.managementAccountId,
        MasterAccountArn: accountArn(state, state.managementAccountId),
        MasterAccountEmail: state.accounts[state.managementAccountId]?.email,
      },
    };
  }),

  operation('ListRoots', ListRootsCommand, async (input, call) => {
    const { state } = call.core;
    requireManagement(call);
    await requireAllowed(call, { resourceArn: '*' });
    const root = rootIdOf(state);
    const { page, next } = treePage([root], input);
    return {
      Roots: page.map((id) => ({
        Id: id,
        Arn: arn(state.partition, 'organizations', '', state.managementAccountId, `root/${state.organizationId}/${id}`),
        Name: 'Root',
        PolicyTypes: [],
      })),
      ...(next ? { NextToken: next } : {}),
    };
  }),

  operation('ListParents', ListParentsCommand, async (input, call) => {
    const { state } = call.core;
    requireManagement(call);
    const childId = input.ChildId ?? '';
    if (!CHILD_ID.test(childId)) throw invalidInput();
    await requireAllowed(call, { resourceArn: '*' });
    const root = rootIdOf(state);
    const parentId = childId.startsWith('ou-')
      ? state.organizationalUnits.find((unit) => unit.id === childId)?.parentId
      : organizationMembers(state)
          .filter((account) => account.accountId === childId)
          .map((account) => account.parentId ?? root)[0];
    if (!parentId) {
      throw organizationsError(
        'ChildNotFoundException',
        "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
      );
    }
    const { page, next } = treePage([parentId], input);
    return {
      Parents: page.map((id) => ({ Id: id, Type: id === root ? ('ROOT' as const) : ('ORGANIZATIONAL_UNIT' as const) })),
      ...(next ? { NextToken: next } : {}),
    };
  }),

  operation('ListOrganizationalUnitsForParent', ListOrganizationalUnitsForParentCommand, async (input, call) => {
    const { state } = call.core;
    requireManagement(call);
    const parentId = input.ParentId ?? '';
    requireParent(state, parentId);
    await requireAllowed(call, { resourceArn: '*' });
    const units = state.organizationalUnits.filter((unit) => unit.parentId === parentId).sort((a, b) => a.id.localeCompare(b.id));
    const { page, next } = treePage(units, input);
    return {
      OrganizationalUnits: page.map((unit) => ({ Id: unit.id, Arn: unitArn(state, unit.id), Name: unit.name })),
      ...(next ? { NextToken: next } : {}),
    };
  }),

  operation('ListAccountsForParent', ListAccountsForParentCommand, async (input, call) => {
    const { state } = call.core;
    requireManagement(call);
    const parentId = input.ParentId ?? '';
    requireParent(state, parentId);
    await requireAllowed(call, { resourceArn: '*' });
    const root = rootIdOf(state);
    const accounts = organizationMembers(state)
      .filter((account) => (account.parentId ?? root) === parentId)
      .sort((a, b) => a.accountId.localeCompare(b.accountId));
    const { page, next } = treePage(accounts, input);
    return { Accounts: page.map((account) => accountOutput(state, account)), ...(next ? { NextToken: next } : {}) };
  }),
];
