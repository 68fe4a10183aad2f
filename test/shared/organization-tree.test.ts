import {
  ChildNotFoundException,
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { ancestorsOf, listOrganization } from '../../shared/aws/organization-tree';
import { AccountNotInOrganizationError } from '../../shared/errors';

const organizations = mockClient(OrganizationsClient);
const client = new OrganizationsClient({ region: 'us-east-1' });

/** A tree: root r-ab12 → ou-1 → ou-2 (nested); 45 accounts under ou-2, 25 OUs under the root, one account at the root. */
const parentOf: Record<string, string> = { 'ou-ab12-00000001': 'r-ab12', 'ou-ab12-00000002': 'ou-ab12-00000001', '100000000000': 'r-ab12' };
for (let index = 0; index < 45; index += 1) parentOf[String(200000000000 + index)] = 'ou-ab12-00000002';
for (let index = 3; index < 28; index += 1) parentOf[`ou-ab12-${String(index).padStart(8, '0')}`] = 'r-ab12';

function page<T>(items: T[], token: string | undefined, max: number | undefined) {
  const start = token ? Number(token) : 0;
  const size = Math.min(max ?? 20, 20);
  const end = start + size;
  return { items: items.slice(start, end), next: end < items.length ? String(end) : undefined };
}
const childrenOf = (parent: string) => Object.keys(parentOf).filter((child) => parentOf[child] === parent);

beforeEach(() => {
  organizations.reset();
  organizations.on(ListParentsCommand).callsFake(({ ChildId }: { ChildId: string }) => {
    const parent = parentOf[ChildId];
    if (!parent)
      throw new ChildNotFoundException({
        message: "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
        $metadata: {},
      });
    return { Parents: [{ Id: parent, Type: parent.startsWith('r-') ? 'ROOT' : 'ORGANIZATIONAL_UNIT' }] };
  });
  organizations.on(DescribeOrganizationCommand).resolves({ Organization: { Id: 'o-ab12cd34ef', MasterAccountId: '100000000000' } });
  organizations.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-ab12', Name: 'Root' }] });
  organizations.on(ListOrganizationalUnitsForParentCommand).callsFake(({ ParentId, NextToken, MaxResults }) => {
    const { items, next } = page(
      childrenOf(ParentId).filter((id) => id.startsWith('ou-')),
      NextToken,
      MaxResults,
    );
    return { OrganizationalUnits: items.map((Id) => ({ Id, Name: Id })), NextToken: next };
  });
  organizations.on(ListAccountsForParentCommand).callsFake(({ ParentId, NextToken, MaxResults }) => {
    const { items, next } = page(
      childrenOf(ParentId).filter((id) => /^\d{12}$/.test(id)),
      NextToken,
      MaxResults,
    );
    return {
      Accounts: items.map((Id) => ({ Id, Name: `account ${Id}`, State: Id === '200000000044' ? 'SUSPENDED' : 'ACTIVE' })),
      NextToken: next,
    };
  });
});

describe('ancestorsOf', () => {
  it('climbs ListParents through nested OUs to the root, nearest first', async () => {
    await expect(ancestorsOf('200000000007', client)).resolves.toEqual(['ou-ab12-00000002', 'ou-ab12-00000001', 'r-ab12']);
    expect(organizations.commandCalls(ListParentsCommand)).toHaveLength(3);
    await expect(ancestorsOf('100000000000', client)).resolves.toEqual(['r-ab12']);
  });

  it('says the account is not in the organization when Organizations does not know it', async () => {
    const failure = ancestorsOf('999999999999', client);
    await expect(failure).rejects.toBeInstanceOf(AccountNotInOrganizationError);
    await expect(failure).rejects.toThrow(/^account 999999999999: the account is not in the organization/);
  });
});

describe('listOrganization', () => {
  it('walks every OU and account with pagination, in O(OUs + accounts/20) calls', async () => {
    const inventory = await listOrganization(client);
    expect(inventory.managementAccountId).toBe('100000000000');
    expect(inventory.accounts).toHaveLength(46);
    expect(inventory.accounts.find((account) => account.accountId === '200000000044')).toEqual({
      accountId: '200000000044',
      name: 'account 200000000044',
      state: 'SUSPENDED',
      ancestorIds: ['ou-ab12-00000002', 'ou-ab12-00000001', 'r-ab12'],
      // The OU's Name from the ListOrganizationalUnitsForParent page that listed it: {ou_name} at no extra call.
      parentName: 'ou-ab12-00000002',
    });
    expect(inventory.accounts.find((account) => account.accountId === '100000000000')).toMatchObject({
      ancestorIds: ['r-ab12'],
      parentName: 'Root',
    });
    // 28 parents (the root and 27 OUs); the root's 26 OUs take 2 pages.
    expect(organizations.commandCalls(ListOrganizationalUnitsForParentCommand)).toHaveLength(28 + 1);
    // Account listing: 28 parents, ou-2's 45 accounts take 3 pages.
    expect(organizations.commandCalls(ListAccountsForParentCommand)).toHaveLength(28 + 2);
    for (const call of organizations.commandCalls(ListAccountsForParentCommand))
      expect(call.args[0].input.MaxResults).toBeLessThanOrEqual(20);
    expect(organizations.commandCalls(ListParentsCommand)).toHaveLength(0);
  });
});
