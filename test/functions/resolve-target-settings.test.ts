/**
 * ResolveTarget resolves the account's Datadog settings from the settings document: its OU path and names are read
 * from Organizations only when the document needs them and the lifecycle event did not give them.
 */
import {
  DescribeAccountCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { resolveTargetStep } from '../../functions/resolve-target/index';
import { getAccountRecord } from '../../shared/aws/account-records';
import { RESOLVE_TARGET_ENVIRONMENT } from '../helpers';
import { useAccountsTable } from '../support/dynamodb';

const organizations = mockClient(OrganizationsClient);
const SELF = 'arn:aws:states:us-east-1:111122223333:execution:stack-onboarding:replay-1';
const resolve = (input: unknown) => resolveTargetStep({ input, executionArn: SELF });
/** 444455556666 sits in ou-ab12-22222222 (Payments), under ou-ab12-11111111 (Production), under the root. */
const PARENTS: Record<string, { Id: string; Type: 'ROOT' | 'ORGANIZATIONAL_UNIT' }> = {
  '444455556666': { Id: 'ou-ab12-22222222', Type: 'ORGANIZATIONAL_UNIT' },
  'ou-ab12-22222222': { Id: 'ou-ab12-11111111', Type: 'ORGANIZATIONAL_UNIT' },
  'ou-ab12-11111111': { Id: 'r-ab12', Type: 'ROOT' },
};
const DOCUMENT = {
  defaults: { account_tags: ['account:{account_id}'], resources_config: { extended_collection: false } },
  organizationalUnits: {
    'ou-ab12-11111111': {
      account_tags: ['env:prod', 'ou:{ou_name}', 'name:{account_name}'],
      aws_regions: { include_all: true },
      resources_config: { extended_collection: true, cloud_security_posture_management_collection: true },
    },
  },
};

describe('ResolveTarget: the account settings', () => {
  useAccountsTable();

  beforeEach(() => {
    Object.assign(process.env, RESOLVE_TARGET_ENVIRONMENT, { DATADOG_SETTINGS_DOCUMENT: JSON.stringify(DOCUMENT) });
    organizations.reset();
    organizations.on(ListParentsCommand).callsFake(({ ChildId }: { ChildId: string }) => ({ Parents: [PARENTS[ChildId]] }));
    organizations.on(DescribeAccountCommand).resolves({ Account: { Id: '444455556666', Name: 'payments-prod' } });
    organizations.on(ListOrganizationalUnitsForParentCommand).resolves({
      OrganizationalUnits: [
        { Id: 'ou-ab12-99999999', Name: 'Other' },
        { Id: 'ou-ab12-22222222', Name: 'Payments' },
      ],
    });
  });
  afterEach(() => {
    delete process.env.DATADOG_SETTINGS_DOCUMENT;
  });

  it('merges the OU settings of its ancestors, reading the names from Organizations for a console replay', async () => {
    const result = await resolve({ accountId: '444455556666' });
    expect(result.settings).toEqual({
      account_tags: ['env:prod', 'ou:Payments', 'name:payments-prod'],
      aws_regions: { include_all: true },
      resources_config: { extended_collection: true, cloud_security_posture_management_collection: true },
    });
    expect(organizations.commandCalls(ListOrganizationalUnitsForParentCommand)[0].args[0].input).toMatchObject({
      ParentId: 'ou-ab12-11111111',
    });
  });

  it("takes the names from the lifecycle event's context, without asking Organizations", async () => {
    const result = await resolve({
      accountId: '444455556666',
      context: { accountName: 'from-event', organizationalUnitId: 'ou-ab12-22222222', organizationalUnitName: 'Payments (event)' },
    });
    expect(result.settings?.account_tags).toEqual(['env:prod', 'ou:Payments (event)', 'name:from-event']);
    expect(organizations.commandCalls(DescribeAccountCommand)).toHaveLength(0);
    expect(organizations.commandCalls(ListOrganizationalUnitsForParentCommand)).toHaveLength(0);
  });

  it('reads nothing from Organizations when the document has no OU settings and no OU placeholder', async () => {
    process.env.DATADOG_SETTINGS_DOCUMENT = JSON.stringify({ defaults: { account_tags: ['account:{account_id}'] } });
    const result = await resolve({ accountId: '444455556666' });
    expect(result.settings).toEqual({ account_tags: ['account:444455556666'] });
    expect(organizations.calls()).toHaveLength(0);
  });

  it('fails in one line naming the path, before taking the lease, when the document is bad', async () => {
    process.env.DATADOG_SETTINGS_DOCUMENT = JSON.stringify({
      defaults: { metrics_config: { namespace_filters: { include_only: ['EC2'] } } },
    });
    const recordBefore = await getAccountRecord('444455556666');
    await expect(resolve({ accountId: '444455556666' })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/^settings defaults\.metrics_config\.namespace_filters\.include_only\[0\]: unknown namespace "EC2"/),
    });
    expect(await getAccountRecord('444455556666')).toEqual(recordBefore);
  });
});
