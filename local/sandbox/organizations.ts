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

function isOrganizationMemberOf(state: SandboxState, account: AccountState | undefined): account is AccountState {
  return account !== undefined && account.partition === state.partition && account.left !== true;
}

/** The member account with that id, if any: looked up, not searched (an organization has up to 10,000 accounts). */
function organizationMember(state: SandboxState, accountId: string): AccountState | undefined {
  const account = Object.hasOwn(state.accounts, accountId) ? state.accounts[accountId] : undefined;
  return isOrganizationMemberOf(state, account) ? account : undefined;
}

/**
 * The member accounts under each parent, per state, sorted by id, built on first use: listing the tree page by page
 * must not scan every account on every page (10,000 accounts, 20 a page). A state gets a new index when it is
 * replaced (`applyOrganization` places accounts in a copy); {@link forgetOrganizationIndex} drops it when accounts
 * are added to the same state.
 */
const membersByParent = new WeakMap<SandboxState, Map<string, AccountState[]>>();

/** Drops the index of `state`'s members by parent: call when accounts are added to the state. */
export function forgetOrganizationIndex(state: SandboxState): void {
  membersByParent.delete(state);
}

function membersUnder(state: SandboxState, parentId: string): AccountState[] {
  let index = membersByParent.get(state);
  if (!index) {
    index = new Map();
    const root = rootIdOf(state);
    for (const account of Object.values(state.accounts)) {
      if (!isOrganizationMemberOf(state, account)) continue;
      const parent = account.parentId ?? root;
      const members = index.get(parent) ?? [];
      members.push(account);
      index.set(parent, members);
    }
    for (const members of index.values()) members.sort((a, b) => byId(a.accountId, b.accountId));
    membersByParent.set(state, index);
  }
  return index.get(parentId) ?? [];
}

/** Ascending by id: ids are ASCII digits and letters, compared as strings (no locale rules, which are slow at scale). */
function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
    const account = organizationMember(state, accountId);
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
    const member = childId.startsWith('ou-') ? undefined : organizationMember(state, childId);
    const parentId = childId.startsWith('ou-')
      ? state.organizationalUnits.find((unit) => unit.id === childId)?.parentId
      : member && (member.parentId ?? root);
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
    const units = state.organizationalUnits.filter((unit) => unit.parentId === parentId).sort((a, b) => byId(a.id, b.id));
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
    const { page, next } = treePage(membersUnder(state, parentId), input);
    return { Accounts: page.map((account) => accountOutput(state, account)), ...(next ? { NextToken: next } : {}) };
  }),
];
