import {
  ChildNotFoundException,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  OrganizationsClient,
  ParentNotFoundException,
  InvalidInputException,
} from '@aws-sdk/client-organizations';
import { AwsSandbox } from '../../local/sandbox';
import { sandboxPerTest } from './sandbox/helpers';
import { ancestorsOf, listOrganization } from '../../shared/aws/organization-tree';
import { AccountNotInOrganizationError } from '../../shared/errors';

const MANAGEMENT = '123412341234';

function organization(): AwsSandbox {
  const sandbox = new AwsSandbox({
    managementAccountId: MANAGEMENT,
    partition: 'aws',
    defaultPrincipalArn: `arn:aws:iam::${MANAGEMENT}:root`,
  });
  const units = [
    { id: 'ou-ab12-11111111', name: 'Workloads', parentId: 'r-ab12' },
    { id: 'ou-ab12-22222222', name: 'Prod', parentId: 'ou-ab12-11111111' },
  ];
  for (let index = 0; index < 23; index += 1)
    units.push({ id: `ou-ab12-3${String(index).padStart(7, '0')}`, name: `team ${index}`, parentId: 'r-ab12' });
  const accounts = [];
  for (let index = 0; index < 25; index += 1) {
    const accountId = String(210987654300 + index);
    sandbox.addAccount(accountId);
    accounts.push({ accountId, parentId: 'ou-ab12-22222222' });
  }
  sandbox.addAccount('444455556666');
  accounts.push({ accountId: '444455556666', parentId: 'ou-ab12-11111111', state: 'SUSPENDED' as const });
  sandbox.addAccount('777788889999');
  accounts.push({ accountId: '777788889999', left: true });
  sandbox.applyOrganization({ rootId: 'r-ab12', organizationalUnits: units, accounts });
  return sandbox;
}

describe('Sandbox: the organization tree as Organizations serves it', () => {
  // The tests call the SDK only: the installed sandbox answers them.
  sandboxPerTest(() => undefined, { make: organization });

  it('answers ListParents up to the root, and ChildNotFoundException for an account that left', async () => {
    await expect(ancestorsOf('210987654301', new OrganizationsClient({ region: 'us-east-1' }))).resolves.toEqual([
      'ou-ab12-22222222',
      'ou-ab12-11111111',
      'r-ab12',
    ]);
    await expect(ancestorsOf(MANAGEMENT, new OrganizationsClient({ region: 'us-east-1' }))).resolves.toEqual(['r-ab12']);
    await expect(ancestorsOf('777788889999', new OrganizationsClient({ region: 'us-east-1' }))).rejects.toBeInstanceOf(
      AccountNotInOrganizationError,
    );
    await expect(ancestorsOf('999999999999', new OrganizationsClient({ region: 'us-east-1' }))).rejects.toThrow(
      ChildNotFoundException.name,
    );
  });

  it('pages the tree 20 at a time and the walk finds every member with its state and OU path', async () => {
    const client = new OrganizationsClient({ region: 'us-east-1' });
    const first = await client.send(new ListOrganizationalUnitsForParentCommand({ ParentId: 'r-ab12' }));
    expect(first.OrganizationalUnits).toHaveLength(20);
    const second = await client.send(new ListOrganizationalUnitsForParentCommand({ ParentId: 'r-ab12', NextToken: first.NextToken }));
    expect(second.OrganizationalUnits).toHaveLength(4);
    expect(second.NextToken).toBeUndefined();
    const inventory = await listOrganization(client);
    expect(inventory.managementAccountId).toBe(MANAGEMENT);
    expect(inventory.accounts.map((account) => account.accountId).sort()).toHaveLength(27); // 25 + 1 + management; not the one that left
    expect(inventory.accounts.find((account) => account.accountId === '444455556666')).toMatchObject({
      state: 'SUSPENDED',
      ancestorIds: ['ou-ab12-11111111', 'r-ab12'],
    });
  });

  it('refuses what AWS refuses: MaxResults over 20, a parent that does not exist', async () => {
    const client = new OrganizationsClient({ region: 'us-east-1' });
    await expect(client.send(new ListAccountsForParentCommand({ ParentId: 'r-ab12', MaxResults: 21 }))).rejects.toBeInstanceOf(
      InvalidInputException,
    );
    await expect(client.send(new ListAccountsForParentCommand({ ParentId: 'ou-ab12-99999999' }))).rejects.toBeInstanceOf(
      ParentNotFoundException,
    );
  });
});
