/**
 * The organization's tree, read from AWS Organizations: one account's ancestors (for scope, per execution) and the
 * whole organization (for reconciliation). Called from the management account, where the stack runs.
 */
import {
  ChildNotFoundException,
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  OrganizationsClient,
  type AccountState,
  type Parent,
} from '@aws-sdk/client-organizations';
import { AccountNotInOrganizationError } from '../errors';
import { ownPartition } from './partition-credentials';
import { iamRegion } from './regions';

/** Page size of ListAccountsForParent / ListOrganizationalUnitsForParent: their `MaxResults` is at most 20 (Organizations API reference). */
const PAGE_SIZE = 20;
/** Organizations allows 5 levels of OUs under the root (Organizations User Guide, "Quotas"); a deeper chain is a loop. */
const MAX_DEPTH = 6;

let defaultClient: OrganizationsClient | undefined;

/** Organizations is served from the partition's IAM region (us-east-1 in the commercial partition). */
function organizationsClient(): OrganizationsClient {
  defaultClient ??= new OrganizationsClient({ region: iamRegion(ownPartition()) });
  return defaultClient;
}

/**
 * The ancestors of an account: its parent OU, that OU's parent, … up to and including the root, nearest first.
 * One `ListParents` call per level (an account and an OU each have exactly one parent).
 *
 * @param accountId - a 12-digit account id of this organization.
 * @returns e.g. `['ou-ab12-22222222', 'ou-ab12-11111111', 'r-ab12']`.
 * @throws AccountNotInOrganizationError when Organizations does not know the account (`ChildNotFoundException`):
 *   it is not, or no longer, in the organization.
 * @throws the SDK's other errors unchanged (throttling: the state machine retries the step).
 */
export async function ancestorsOf(accountId: string, client: OrganizationsClient = organizationsClient()): Promise<string[]> {
  const ancestors: string[] = [];
  let childId = accountId;
  for (let depth = 0; depth <= MAX_DEPTH; depth += 1) {
    let parent: Parent | undefined;
    try {
      parent = (await client.send(new ListParentsCommand({ ChildId: childId }))).Parents?.[0];
    } catch (error) {
      if (error instanceof ChildNotFoundException) {
        throw new AccountNotInOrganizationError(
          'the account is not in the organization (Organizations ListParents: ChildNotFoundException)',
          {
            accountId,
            remedy: 'Check the account id; an account that left the organization is not onboarded',
            cause: error,
          },
        );
      }
      throw error;
    }
    if (!parent?.Id) throw new Error(`Organizations ListParents returned no parent for ${childId}`);
    ancestors.push(parent.Id);
    if (parent.Type === 'ROOT') return ancestors;
    childId = parent.Id;
  }
  throw new Error(`Organizations ListParents: account ${accountId} is more than ${MAX_DEPTH} levels below the root`);
}

/**
 * The account's name in Organizations (`DescribeAccount`), for the `{account_name}` placeholder of the settings.
 *
 * @throws the SDK's errors unchanged.
 */
export async function accountNameOf(accountId: string, client: OrganizationsClient = organizationsClient()): Promise<string | undefined> {
  const { Account } = await client.send(new DescribeAccountCommand({ AccountId: accountId }));
  return Account?.Name;
}

/**
 * The name of an OU, found among its parent's OUs (`ListOrganizationalUnitsForParent`, the call the tree walk
 * makes), for the `{ou_name}` placeholder of the settings. A root is named `Root`, as Organizations names it.
 *
 * @param ancestorIds - from {@link ancestorsOf}: the OU first, then its parent.
 * @returns the name, or `undefined` when Organizations no longer lists the OU under its parent.
 * @throws the SDK's errors unchanged.
 */
export async function nearestAncestorName(
  ancestorIds: string[],
  client: OrganizationsClient = organizationsClient(),
): Promise<string | undefined> {
  const [unitId, parentId] = ancestorIds;
  if (unitId === undefined) return undefined;
  if (parentId === undefined) return 'Root';
  const units = await allPages(async (NextToken) => {
    const page = await client.send(new ListOrganizationalUnitsForParentCommand({ ParentId: parentId, NextToken, MaxResults: PAGE_SIZE }));
    return { items: page.OrganizationalUnits, next: page.NextToken };
  });
  return units.find((unit) => unit.Id === unitId)?.Name;
}

/** One account of the organization, as the tree walk finds it. */
export interface OrganizationAccount {
  accountId: string;
  name: string;
  /** Organizations `State`: ACTIVE, PENDING_ACTIVATION, SUSPENDED, PENDING_CLOSURE or CLOSED. */
  state: AccountState | undefined;
  /** Its ancestors, nearest first, ending with the root. */
  ancestorIds: string[];
  /**
   * The name of its nearest ancestor (`ancestorIds[0]`), for the settings' `{ou_name}`: the OU's `Name` from the
   * ListOrganizationalUnitsForParent call that found it, `Root` for the root (as {@link nearestAncestorName} says).
   */
  parentName?: string;
}

/** The whole organization. */
export interface OrganizationInventory {
  managementAccountId: string;
  accounts: OrganizationAccount[];
}

/** Every item of a NextToken-paginated Organizations list. */
async function allPages<T>(
  fetch: (nextToken: string | undefined) => Promise<{ items: T[] | undefined; next: string | undefined }>,
): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    items.push(...(page.items ?? []));
    token = page.next;
  } while (token);
  return items;
}

/**
 * Walks the whole organization: DescribeOrganization, ListRoots, then for the root and every OU (breadth first)
 * ListOrganizationalUnitsForParent and ListAccountsForParent, 20 per page. Calls: 2 + per parent ⌈OUs/20⌉ +
 * ⌈accounts/20⌉ (at least one each), so O(OUs + accounts/20), with every account's OU path for free.
 *
 * @returns the management account and every account with its state, ancestors and its parent's name.
 * @throws the SDK's errors unchanged (throttling is retried by the SDK, then by the caller's state).
 *
 * @example
 * ```ts
 * const { managementAccountId, accounts } = await listOrganization();
 * // accounts: [{ accountId: '210987654321', name: 'payments-prod', state: 'ACTIVE',
 * //   ancestorIds: ['ou-ab12-11111111', 'r-ab12'], parentName: 'Payments' }, …]
 * ```
 */
export async function listOrganization(client: OrganizationsClient = organizationsClient()): Promise<OrganizationInventory> {
  const { Organization } = await client.send(new DescribeOrganizationCommand({}));
  if (!Organization?.MasterAccountId) throw new Error('Organizations DescribeOrganization returned no management account');
  const roots = await allPages(async (NextToken) => {
    const page = await client.send(new ListRootsCommand({ NextToken }));
    return { items: page.Roots, next: page.NextToken };
  });
  const accounts: OrganizationAccount[] = [];
  // Each parent to visit with its own ancestors (nearest first, ending with the root) and its name: the walk lists
  // every OU with its name already, so `{ou_name}` costs no call (onboarding's nearestAncestorName makes the same one).
  const queue: { id: string; name: string | undefined; ancestorIds: string[] }[] = roots.flatMap((root) =>
    root.Id ? [{ id: root.Id, name: 'Root', ancestorIds: [] }] : [],
  );
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const parent = next;
    const path = [parent.id, ...parent.ancestorIds];
    const units = await allPages(async (NextToken) => {
      const page = await client.send(
        new ListOrganizationalUnitsForParentCommand({ ParentId: parent.id, NextToken, MaxResults: PAGE_SIZE }),
      );
      return { items: page.OrganizationalUnits, next: page.NextToken };
    });
    for (const unit of units) if (unit.Id) queue.push({ id: unit.Id, name: unit.Name, ancestorIds: path });
    const members = await allPages(async (NextToken) => {
      const page = await client.send(new ListAccountsForParentCommand({ ParentId: parent.id, NextToken, MaxResults: PAGE_SIZE }));
      return { items: page.Accounts, next: page.NextToken };
    });
    for (const account of members) {
      if (account.Id) {
        accounts.push({
          accountId: account.Id,
          name: account.Name ?? '',
          state: account.State,
          ancestorIds: path,
          ...(parent.name !== undefined ? { parentName: parent.name } : {}),
        });
      }
    }
  }
  return { managementAccountId: Organization.MasterAccountId, accounts };
}
