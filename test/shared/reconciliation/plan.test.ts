import {
  planReconciliation,
  type DatadogRegistration,
  type DesiredState,
  type OrganizationAccount,
  type PlanInput,
  type PlanRecord,
} from '../../../shared/reconciliation/plan';
import { policyHashOf } from '../../../shared/reconciliation/policy-hash';
import { onboardedRecord } from '../../support/plan-records';

const ROOT = 'r-ab12';
const WORKLOADS = 'ou-ab12-11111111';
const SANDBOXES = 'ou-ab12-22222222';
const NOW = 1_800_000_000;
const PERMISSIONS = ['ec2:Describe*', 'cloudwatch:GetMetricData'];
const DESIRED: DesiredState = {
  partition: 'aws',
  policyHashFor: () => policyHashOf(PERMISSIONS),
  roleName: 'DatadogIntegrationRole',
  // The settings document's: a team tag and the account's id for every account.
  settingsFor: ({ accountId }) => ({
    account_tags: ['team:platform', `account:${accountId}`],
    metrics_config: { enabled: true },
    resources_config: { extended_collection: true },
  }),
};

function account(accountId: string, fields: Partial<OrganizationAccount> = {}): OrganizationAccount {
  return { accountId, state: 'ACTIVE', ancestorIds: [WORKLOADS, ROOT], ...fields };
}

function registration(accountId: string, fields: Partial<DatadogRegistration> = {}): DatadogRegistration {
  return {
    accountConfigId: `config-${accountId}`,
    accountId,
    partition: 'aws',
    roleName: 'DatadogIntegrationRole',
    externalId: `external-${accountId}`,
    settings: {
      account_tags: ['team:platform', `account:${accountId}`],
      metrics_config: { enabled: true, automute_enabled: true },
      resources_config: { extended_collection: true },
    },
    ...fields,
  };
}

function record(accountId: string, fields: Partial<PlanRecord> = {}): PlanRecord {
  return onboardedRecord(accountId, PERMISSIONS, fields);
}

/** Sandboxes OU out of scope (excluded), everything else in. */
function plan(fields: Partial<PlanInput>) {
  return planReconciliation({
    accounts: [],
    registrations: [],
    records: [],
    desired: DESIRED,
    scopeOf: (candidate) =>
      candidate.ancestorIds.includes(SANDBOXES) ? { inScope: false, reason: `OU ${SANDBOXES} is excluded` } : { inScope: true },
    nowSeconds: NOW,
    ...fields,
  });
}

describe('planReconciliation', () => {
  it('onboards an in-scope ACTIVE account Datadog does not hold', () => {
    expect(plan({ accounts: [account('111111111111')] })).toEqual([
      {
        accountId: '111111111111',
        partition: 'aws',
        action: 'onboard',
        reason: 'in scope, ACTIVE, not registered in Datadog',
        expected: {},
      },
    ]);
  });

  it('adopts an in-scope account registered by someone else, naming the registration, and onboards it', () => {
    const [item] = plan({ accounts: [account('111111111111')], registrations: [registration('111111111111')] });
    expect(item).toMatchObject({ action: 'onboard', adopts: { accountConfigId: 'config-111111111111' } });
    expect(item.reason).toContain('adopted');
  });

  it('leaves a converged account alone', () => {
    const [item] = plan({
      accounts: [account('111111111111')],
      registrations: [registration('111111111111')],
      records: [record('111111111111')],
    });
    expect(item).toEqual({
      accountId: '111111111111',
      partition: 'aws',
      action: 'none',
      reason: 'converged',
      expected: { authType: 'role', roleName: 'DatadogIntegrationRole', externalId: 'external-111111111111' },
    });
  });

  it.each([
    [
      'the policy hash is old',
      { policyHash: policyHashOf(['ec2:Describe*']) },
      {},
      'the policy differs from the permissions Datadog publishes now',
    ],
    [
      'the last onboarding failed',
      { state: 'failed' as const, lastError: { error: 'DatadogRequestError', cause: 'x' } },
      {},
      'the last onboarding failed: DatadogRequestError',
    ],
    ['the role name differs', {}, { roleName: 'SomeoneElsesRole' }, "the registration's role name differs"],
    ['the external ID differs', {}, { externalId: 'other' }, "the registration's external ID differs"],
    [
      'the tags differ',
      {},
      { settings: { account_tags: ['team:platform'], metrics_config: { enabled: true }, resources_config: { extended_collection: true } } },
      'the registration\'s settings differ from the settings document (account_tags: ["team:platform"] → ["team:platform","account:111111111111"])',
    ],
    [
      'metric collection is off',
      {},
      {
        settings: {
          account_tags: ['team:platform', 'account:111111111111'],
          metrics_config: { enabled: false },
          resources_config: { extended_collection: true },
        },
      },
      "the registration's settings differ from the settings document (metrics_config.enabled: false → true)",
    ],
    [
      'another registration replaced ours',
      {},
      { accountConfigId: 'config-new' },
      'the Datadog registration is not the one this application recorded',
    ],
  ])('repairs an account when %s', (_what, recordFields, registrationFields, reason) => {
    const [item] = plan({
      accounts: [account('111111111111')],
      registrations: [registration('111111111111', registrationFields)],
      records: [record('111111111111', recordFields)],
    });
    expect(item).toMatchObject({ action: 'repair', reason });
  });

  it('repairs an onboarded account whose registration disappeared from Datadog', () => {
    expect(plan({ accounts: [account('111111111111')], records: [record('111111111111')] })[0]).toMatchObject({
      action: 'repair',
      reason: 'the Datadog registration is missing',
    });
  });

  it.each(['CLOSED', 'SUSPENDED', 'PENDING_CLOSURE'])('offboards an account of ours that is %s', (state) => {
    expect(
      plan({
        accounts: [account('111111111111', { state })],
        registrations: [registration('111111111111')],
        records: [record('111111111111')],
      })[0],
    ).toMatchObject({ action: 'offboard', reason: `the account is ${state}` });
  });

  it('skips a closed account this application never onboarded, even when Datadog holds a registration of it', () => {
    expect(
      plan({ accounts: [account('111111111111', { state: 'CLOSED' })], registrations: [registration('111111111111')] })[0],
    ).toMatchObject({
      action: 'skip',
      reason: 'the account is CLOSED, not ACTIVE',
    });
  });

  it('skips an account still being created (PENDING_ACTIVATION)', () => {
    expect(plan({ accounts: [account('111111111111', { state: 'PENDING_ACTIVATION' })] })[0].action).toBe('skip');
  });

  it("offboards an account of ours that moved out of scope, and never touches an out-of-scope account's foreign registration", () => {
    const items = plan({
      accounts: [account('111111111111', { ancestorIds: [SANDBOXES, ROOT] }), account('222222222222', { ancestorIds: [SANDBOXES, ROOT] })],
      registrations: [registration('111111111111'), registration('222222222222')],
      records: [record('111111111111')],
    });
    expect(items).toEqual([
      expect.objectContaining({ accountId: '111111111111', action: 'offboard', reason: `out of scope: OU ${SANDBOXES} is excluded` }),
      { accountId: '222222222222', partition: 'aws', action: 'skip', reason: `out of scope: OU ${SANDBOXES} is excluded`, expected: {} },
    ]);
  });

  it('offboards a recorded account that left the organization, and skips a foreign registration of an account outside it', () => {
    const items = plan({
      registrations: [registration('111111111111'), registration('222222222222')],
      records: [record('111111111111'), record('333333333333', { state: 'offboarded' })],
    });
    expect(items.map(({ accountId, action }) => [accountId, action])).toEqual([
      ['111111111111', 'offboard'],
      ['222222222222', 'skip'],
      ['333333333333', 'skip'],
    ]);
  });

  it('skips an account whose onboarding holds a live lease, and repairs one whose lease ran out', () => {
    const items = plan({
      accounts: [account('111111111111'), account('222222222222')],
      records: [
        record('111111111111', { state: 'onboarding', leaseExpiresAt: NOW + 60 }),
        record('222222222222', { state: 'onboarding', leaseExpiresAt: NOW - 1 }),
      ],
    });
    expect(items.map(({ action, reason }) => [action, reason])).toEqual([
      ['skip', 'an onboarding of the account is running'],
      ['repair', 'the last onboarding did not finish'],
    ]);
  });

  it("keeps every reason within DetectDrift's input (1,024 characters), however long the rule it names", () => {
    const items = planReconciliation({
      accounts: [account('111111111111')],
      registrations: [],
      records: [record('111111111111')],
      desired: DESIRED,
      scopeOf: () => ({ inScope: false, reason: `not under any IncludeOrganizationalUnits (${'ou-ab12-12345678, '.repeat(200)})` }),
      nowSeconds: NOW,
    });
    expect(items).toEqual([expect.objectContaining({ action: 'offboard', reason: expect.stringMatching(/^out of scope: not under any/) })]);
    expect(items[0].reason.length).toBeLessThanOrEqual(1024);
  });

  it('reads the records written before any step recorded the account: the lease alone, or a console offboarding', () => {
    // Arrange: ResolveTarget's lease is all an onboarding writes until it records the account; a console offboarding of
    // an account never onboarded records its state alone. Neither names a partition.
    const leaseOnly = (accountId: string, leaseExpiresAt: number): PlanRecord => ({ accountId, leaseExpiresAt });
    const items = plan({
      accounts: [account('111111111111'), account('222222222222'), account('333333333333')],
      records: [
        leaseOnly('111111111111', NOW + 60),
        leaseOnly('222222222222', NOW - 1),
        { accountId: '333333333333', state: 'offboarded' },
        leaseOnly('444444444444', NOW - 1),
      ],
    });

    // Assert: the onboarding that died before recording anything is onboarded again; the account outside the
    // organization is not taken for one of this partition.
    expect(items.map(({ accountId, action, reason }) => [accountId, action, reason])).toEqual([
      ['111111111111', 'skip', 'an onboarding of the account is running'],
      ['222222222222', 'repair', 'the last onboarding did not finish'],
      ['333333333333', 'onboard', 'in scope, ACTIVE, not registered in Datadog'],
      ['444444444444', 'skip', 'not in the organization'],
    ]);
  });

  it('skips accounts of another partition (GovCloud twins are reconciled with their own organization)', () => {
    const items = plan({
      registrations: [registration('444444444444', { partition: 'aws-us-gov' })],
      records: [record('555555555555', { partition: 'aws-us-gov' })],
    });
    expect(items).toEqual([
      expect.objectContaining({
        accountId: '555555555555',
        partition: 'aws-us-gov',
        action: 'skip',
        reason: 'a aws-us-gov account: reconciled with its own organization',
      }),
    ]);
  });

  it('plans only the accounts asked for, skipping an id found nowhere', () => {
    const items = plan({ accounts: [account('111111111111'), account('222222222222')], accountIds: ['222222222222', '999999999999'] });
    expect(items.map(({ accountId, action }) => [accountId, action])).toEqual([
      ['222222222222', 'onboard'],
      ['999999999999', 'skip'],
    ]);
  });

  it('plans a converged fleet of 10,000 accounts as none', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => String(100000000000 + i));
    const items = plan({
      accounts: ids.map((id) => account(id)),
      registrations: ids.map((id) => registration(id)),
      records: ids.map((id) => record(id)),
    });
    expect(items.every((item) => item.action === 'none')).toBe(true);
    expect(items).toHaveLength(10_000);
  });
});

describe('policyHashOf', () => {
  it('does not depend on order or duplicates, and changes with the permissions', () => {
    expect(policyHashOf(['b:B', 'a:A', 'a:A'])).toBe(policyHashOf(['a:A', 'b:B']));
    expect(policyHashOf(['a:A'])).not.toBe(policyHashOf(['a:A', 'b:B']));
    expect(policyHashOf([])).toMatch(/^[0-9a-f]{64}$/);
  });
});
