/**
 * Simulated Organizations. Accounts of another partition are not members (AWS GovCloud (US) User Guide, "AWS
 * Organizations in AWS GovCloud (US)").
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
import { findAccount, isOrganizationMember } from './iam-entities';
import type { CallContext, Operation } from './operations';
import { operation, paginate, requireAllowed } from './operations';
import { OU_ID, ROOT_ID, rootIdOf, type AccountState, type SandboxState } from './state';

/** `MaxResults` of the tree's List operations: 1 to 20 (Organizations API reference, ListAccountsForParent). */
const MAX_RESULTS = 20;

const invalidInput = () => organizationsError('InvalidInputException', 'You provided a value that does not match the required pattern.');

function treePage<T>(items: T[], input: { NextToken?: string; MaxResults?: number }): { page: T[]; NextToken?: string } {
  if (input.MaxResults !== undefined && !(Number.isInteger(input.MaxResults) && input.MaxResults >= 1 && input.MaxResults <= MAX_RESULTS)) {
    throw invalidInput();
  }
  const { page, next } = paginate(items, input.NextToken, input.MaxResults, MAX_RESULTS, () =>
    organizationsError('InvalidInputException', 'The NextToken value is not valid.'),
  );
  return next ? { page, NextToken: next } : { page };
}

/** `arn:<p>:organizations::<management>:<kind>/<org id>[/<id>]`. */
export function organizationArn(state: SandboxState, kind: string, id?: string): string {
  const resource = [kind, state.organizationId, ...(id === undefined ? [] : [id])].join('/');
  return arn(state.partition, 'organizations', '', state.managementAccountId, resource);
}

function accountOutput(state: SandboxState, account: AccountState): Account {
  return {
    Id: account.accountId,
    Arn: organizationArn(state, 'account', account.accountId),
    Email: account.email,
    Name: account.name,
    // `Status` was retired on 9 September 2026: only `State` is answered.
    State: account.state,
    JoinedMethod: account.accountId === state.managementAccountId ? 'INVITED' : 'CREATED',
    JoinedTimestamp: new Date(account.joinedMs),
  };
}

/** Refuses callers outside the organization and, unless `anyMember`, outside the management account (no delegated admins). */
function requireCaller(call: CallContext, anyMember = false): void {
  const { state } = call.core;
  if (!isOrganizationMember(state, call.caller.accountId) || call.caller.partition !== state.partition) {
    throw organizationsError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
  }
  if (!anyMember && call.caller.accountId !== state.managementAccountId) {
    throw organizationsError('AccessDeniedException', "You don't have permissions to access this resource.");
  }
}

function organizationMember(state: SandboxState, accountId: string): AccountState | undefined {
  return isOrganizationMember(state, accountId) ? findAccount(state, accountId) : undefined;
}

/** Members under each parent, sorted, built on first use: a page of 20 must not scan 10,000 accounts. */
const membersByParent = new WeakMap<SandboxState, Map<string, AccountState[]>>();

/** Call when accounts are added to `state`. */
export function forgetOrganizationIndex(state: SandboxState): void {
  membersByParent.delete(state);
}

function membersUnder(state: SandboxState, parentId: string): AccountState[] {
  let index = membersByParent.get(state);
  if (!index) {
    index = new Map();
    for (const account of Object.values(state.accounts)) {
      if (!isOrganizationMember(state, account.accountId)) continue;
      const parent = account.parentId ?? rootIdOf(state);
      index.set(parent, [...(index.get(parent) ?? []), account]);
    }
    for (const members of index.values()) members.sort((a, b) => byId(a.accountId, b.accountId));
    membersByParent.set(state, index);
  }
  return index.get(parentId) ?? [];
}

/** Ascending, without locale rules (slow at scale). */
function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const organizationsOperations: Operation[] = [
  operation('DescribeAccount', DescribeAccountCommand, async (input, call) => {
    const { state } = call.core;
    requireCaller(call);
    const accountId = input.AccountId ?? '';
    if (!/^\d{12}$/.test(accountId)) throw invalidInput();
    await requireAllowed(call, { resourceArn: organizationArn(state, 'account', accountId) });
    const account = organizationMember(state, accountId);
    if (!account) throw organizationsError('AccountNotFoundException', "You specified an account that doesn't exist.");
    return { Account: accountOutput(state, account) };
  }),

  operation('DescribeCreateAccountStatus', DescribeCreateAccountStatusCommand, async (input, call) => {
    requireCaller(call);
    const id = input.CreateAccountRequestId ?? '';
    if (!/^car-[a-z0-9]{8,32}$/.test(id)) throw invalidInput();
    await requireAllowed(call, { resourceArn: '*' });
    const status = call.core.state.createAccountStatuses.find((candidate) => candidate.id === id);
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
        AccountName: status.accountName,
        CompletedTimestamp: status.completedMs === undefined ? undefined : new Date(status.completedMs),
        AccountId: status.accountId,
        GovCloudAccountId: status.govCloudAccountId,
        FailureReason: status.failureReason as CreateAccountFailureReason | undefined,
      },
    };
  }),

  operation('DescribeOrganization', DescribeOrganizationCommand, async (_input, call) => {
    const { state } = call.core;
    requireCaller(call, true);
    await requireAllowed(call, { resourceArn: '*' });
    return {
      Organization: {
        Id: state.organizationId,
        Arn: organizationArn(state, 'organization'),
        FeatureSet: 'ALL' as const,
        MasterAccountId: state.managementAccountId,
        MasterAccountArn: organizationArn(state, 'account', state.managementAccountId),
        MasterAccountEmail: state.accounts[state.managementAccountId]?.email,
      },
    };
  }),

  operation('ListRoots', ListRootsCommand, async (input, call) => {
    const { state } = call.core;
    requireCaller(call);
    await requireAllowed(call, { resourceArn: '*' });
    const { page, NextToken } = treePage([rootIdOf(state)], input);
    return { Roots: page.map((id) => ({ Id: id, Arn: organizationArn(state, 'root', id), Name: 'Root', PolicyTypes: [] })), NextToken };
  }),

  operation('ListParents', ListParentsCommand, async (input, call) => {
    const { state } = call.core;
    requireCaller(call);
    const childId = input.ChildId ?? '';
    if (!/^\d{12}$/.test(childId) && !OU_ID.test(childId)) throw invalidInput();
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
    const { page, NextToken } = treePage([parentId], input);
    return { Parents: page.map((id) => ({ Id: id, Type: id === root ? ('ROOT' as const) : ('ORGANIZATIONAL_UNIT' as const) })), NextToken };
  }),

  operation('ListOrganizationalUnitsForParent', ListOrganizationalUnitsForParentCommand, async (input, call) => {
    const { state } = call.core;
    const units = await childrenOf(call, input.ParentId, (parentId) =>
      state.organizationalUnits.filter((unit) => unit.parentId === parentId).sort((a, b) => byId(a.id, b.id)),
    );
    const { page, NextToken } = treePage(units, input);
    return {
      OrganizationalUnits: page.map((unit) => ({ Id: unit.id, Arn: organizationArn(state, 'ou', unit.id), Name: unit.name })),
      NextToken,
    };
  }),

  operation('ListAccountsForParent', ListAccountsForParentCommand, async (input, call) => {
    const { state } = call.core;
    const { page, NextToken } = treePage(await childrenOf(call, input.ParentId, (parentId) => membersUnder(state, parentId)), input);
    return { Accounts: page.map((account) => accountOutput(state, account)), NextToken };
  }),
];

/** The two List…ForParent operations' checks, then the children. */
async function childrenOf<T>(call: CallContext, parentId = '', children: (parentId: string) => T[]): Promise<T[]> {
  const { state } = call.core;
  requireCaller(call);
  if (!OU_ID.test(parentId) && !ROOT_ID.test(parentId)) throw invalidInput();
  if (parentId !== rootIdOf(state) && !state.organizationalUnits.some((unit) => unit.id === parentId)) {
    throw organizationsError('ParentNotFoundException', "We can't find a root or OU with the ParentId that you specified.");
  }
  await requireAllowed(call, { resourceArn: '*' });
  return children(parentId);
}
