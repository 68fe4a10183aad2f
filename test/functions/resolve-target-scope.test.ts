import { ListParentsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { resolveTargetStep } from '../../functions/resolve-target/index';
import { getAccountRecord } from '../../shared/aws/account-records';
import { RESOLVE_TARGET_ENVIRONMENT } from '../helpers';
import { useAccountsTable } from '../support/dynamodb';

const organizations = mockClient(OrganizationsClient);
const SELF = 'arn:aws:states:us-east-1:111122223333:execution:stack-onboarding:replay-1';
const resolve = (input: unknown) => resolveTargetStep({ input, executionArn: SELF });
const EVENT = {
  trigger: {
    source: 'aws.organizations',
    eventName: 'CreateAccountResult',
    eventId: 'e-1',
    region: 'us-east-1',
    time: '2026-01-01T00:00:00Z',
  },
};
/** 444455556666 sits in ou-ab12-22222222, under ou-ab12-11111111, under the root. */
const PARENTS: Record<string, { Id: string; Type: 'ROOT' | 'ORGANIZATIONAL_UNIT' }> = {
  '444455556666': { Id: 'ou-ab12-22222222', Type: 'ORGANIZATIONAL_UNIT' },
  'ou-ab12-22222222': { Id: 'ou-ab12-11111111', Type: 'ORGANIZATIONAL_UNIT' },
  'ou-ab12-11111111': { Id: 'r-ab12', Type: 'ROOT' },
};

describe('ResolveTarget: scope', () => {
  useAccountsTable();

  beforeEach(() => {
    Object.assign(process.env, RESOLVE_TARGET_ENVIRONMENT);
    organizations.reset();
    organizations.on(ListParentsCommand).callsFake(({ ChildId }: { ChildId: string }) => ({ Parents: [PARENTS[ChildId]] }));
  });
  afterEach(() => Object.assign(process.env, RESOLVE_TARGET_ENVIRONMENT));

  it('reads no OU path when no OU rule is set', async () => {
    await expect(resolve({ accountId: '444455556666' })).resolves.not.toHaveProperty('outOfScope');
    expect(organizations.commandCalls(ListParentsCommand)).toHaveLength(0);
  });

  it('refuses a console replay of an account out of scope, naming the rule and the parameter', async () => {
    process.env.EXCLUDE_ORGANIZATIONAL_UNITS = 'ou-ab12-11111111';
    const recordBefore = await getAccountRecord('444455556666');
    const replay = resolve({ accountId: '444455556666' });
    await expect(replay).rejects.toMatchObject({ name: 'AccountOutOfScopeError' });
    await expect(replay).rejects.toThrow(
      'account 444455556666, step ResolveTarget: out of scope: OU ou-ab12-11111111 is excluded by ExcludeOrganizationalUnits. Change the IncludeOrganizationalUnits',
    );
    // Decided before the lease: the account's record is untouched.
    expect(await getAccountRecord('444455556666')).toEqual(recordBefore);
  });

  it('skips a lifecycle event of an account out of scope, with the reason, and takes no lease', async () => {
    process.env.INCLUDE_ORGANIZATIONAL_UNITS = 'ou-ab12-33333333,ou-ab12-44444444';
    const recordBefore = await getAccountRecord('444455556666');
    const result = await resolve({ accountId: '444455556666', ...EVENT });
    expect(result).toMatchObject({
      concurrentExecutionArn: null,
      outOfScope: { reason: 'not under any IncludeOrganizationalUnits (ou-ab12-33333333, ou-ab12-44444444)' },
    });
    // Decided before the lease: the account's record is untouched.
    expect(await getAccountRecord('444455556666')).toEqual(recordBefore);
  });

  it('leaves alone an account a reconciliation planned to offboard for scope, when it is in scope again by now', async () => {
    // Prepare: planned out of scope (Sandboxes was excluded then); the exclusion is gone by the time the offboarding runs.
    process.env.EXCLUDE_ORGANIZATIONAL_UNITS = 'ou-ab12-99999999';
    const planned = 'out of scope: OU ou-ab12-22222222 is excluded by ExcludeOrganizationalUnits';
    const recordBefore = await getAccountRecord('444455556666');

    // Act
    const result = await resolve({
      accountId: '444455556666',
      action: 'offboard',
      reconciliation: { action: 'offboard', reason: planned },
    });

    // Assess: skipped, and no lease taken.
    expect(result).toMatchObject({
      action: 'skip',
      concurrentExecutionArn: null,
      outOfScope: { reason: `in scope again since the reconciliation planned its offboarding (${planned}): not offboarded` },
    });
    expect(await getAccountRecord('444455556666')).toEqual(recordBefore);
  });

  it("offboards an account a reconciliation planned to offboard for scope, still out of scope, with the plan's reason", async () => {
    process.env.EXCLUDE_ORGANIZATIONAL_UNITS = 'ou-ab12-22222222';
    const planned = 'out of scope: OU ou-ab12-22222222 is excluded by ExcludeOrganizationalUnits';

    const result = await resolve({
      accountId: '444455556666',
      action: 'offboard',
      reconciliation: { action: 'offboard', reason: planned },
    });

    expect(result).toMatchObject({ action: 'offboard', offboard: { reason: `offboarding planned by the reconciliation: ${planned}` } });
  });

  it('takes an account of a nested OU under an included one', async () => {
    process.env.INCLUDE_ORGANIZATIONAL_UNITS = 'ou-ab12-11111111';
    await expect(resolve({ accountId: '444455556666', ...EVENT })).resolves.not.toHaveProperty('outOfScope');
    expect(organizations.commandCalls(ListParentsCommand)).toHaveLength(3);
  });

  it('applies ExcludeAccounts and the management account rule', async () => {
    process.env.EXCLUDE_ACCOUNTS = '999988887777,444455556666';
    await expect(resolve({ accountId: '444455556666', ...EVENT })).resolves.toMatchObject({
      outOfScope: { reason: 'account 444455556666 is excluded by ExcludeAccounts' },
    });
    process.env.EXCLUDE_ACCOUNTS = '';
    await expect(resolve({ accountId: '111122223333' })).rejects.toThrow(/OnboardManagementAccount=true/);
    process.env.ONBOARD_MANAGEMENT_ACCOUNT = 'true';
    await expect(resolve({ accountId: '111122223333' })).resolves.not.toHaveProperty('outOfScope');
  });

  it('applies only ExcludeAccounts to an account of another partition (not in this organization)', async () => {
    process.env.INCLUDE_ORGANIZATIONAL_UNITS = 'ou-ab12-33333333';
    await expect(resolve({ accountId: '777788889999', partition: 'aws-us-gov' })).resolves.not.toHaveProperty('outOfScope');
    expect(organizations.commandCalls(ListParentsCommand)).toHaveLength(0);
  });

  it('refuses a malformed scope parameter in one line', async () => {
    process.env.EXCLUDE_ACCOUNTS = '1234';
    await expect(resolve({ accountId: '444455556666' })).rejects.toThrow(
      'environment variable EXCLUDE_ACCOUNTS.0: must list 12-digit account ids, comma-separated',
    );
  });
});
