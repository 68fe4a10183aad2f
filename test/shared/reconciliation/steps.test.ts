import type { AWSAccountResponseData } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAccountResponseData';
import type { PlanItem, PlanRecord } from '../../../shared/reconciliation/plan';
import { planReconciliationStep, type PlanReconciliationDependencies } from '../../../shared/steps/plan-reconciliation';
import { reportReconciliationStep } from '../../../shared/steps/report-reconciliation';
import { onboardedRecord } from '../../support/plan-records';

const PERMISSIONS = ['ec2:Describe*'];
const RESOURCE_PERMISSIONS = ['s3:GetBucketTagging'];
const SETTINGS = {
  bucket: 'reconciliation-bucket',
  maxConcurrency: 20,
  desired: {
    partition: 'aws' as const,
    roleName: 'DatadogIntegrationRole',
    settingsFor: () => ({ account_tags: [], metrics_config: { enabled: true }, resources_config: { extended_collection: true } }),
  },
};

function registration(accountId: string): AWSAccountResponseData {
  return {
    id: `config-${accountId}`,
    type: 'account',
    attributes: {
      awsAccountId: accountId,
      awsPartition: 'aws',
      authConfig: { roleName: 'DatadogIntegrationRole', externalId: `external-${accountId}` },
      accountTags: [],
      metricsConfig: { enabled: true },
      resourcesConfig: { extendedCollection: true },
    },
  };
}

function record(accountId: string): PlanRecord {
  // The role of an account that collects resources (the settings below) holds both lists.
  return onboardedRecord(accountId, [...PERMISSIONS, ...RESOURCE_PERMISSIONS]);
}

/** Dependencies over an organization of `ids`, counting the inventory's calls. */
function inventory(
  ids: string[],
  options: { registered?: string[]; recorded?: string[]; permissions?: string[]; source?: 'datadog' | 'snapshot' } = {},
) {
  const source = options.source ?? 'datadog';
  const written = new Map<string, string>();
  const calls = { organization: 0, registrations: 0, permissions: 0 };
  const dependencies: PlanReconciliationDependencies = {
    listOrganization: () => {
      calls.organization += 1;
      return Promise.resolve(ids.map((accountId) => ({ accountId, state: 'ACTIVE', ancestorIds: ['r-ab12'] })));
    },
    listRegistrations: () => {
      calls.registrations += 1;
      return Promise.resolve((options.registered ?? []).map(registration));
    },
    resourceCollectionPermissions: () => {
      calls.permissions += 1;
      return Promise.resolve({ actions: RESOURCE_PERMISSIONS, source });
    },
    standardPermissions: () => {
      calls.permissions += 1;
      return Promise.resolve({ actions: options.permissions ?? PERMISSIONS, source });
    },

    listRecords: async function* () {
      for (const id of options.recorded ?? []) yield record(id);
    },
    scopeOf: () => ({ inScope: true }),
    putObject: (key, body) => {
      written.set(key, body);
      return Promise.resolve();
    },
    nowSeconds: () => 1_800_000_000,
  };
  return { dependencies, written, calls };
}

describe('planReconciliationStep', () => {
  it('writes the plan to plans/<execution>.json and names where results and report go', async () => {
    // Arrange
    const { dependencies, written } = inventory(['111111111111', '222222222222'], {
      registered: ['222222222222'],
      recorded: ['222222222222'],
    });

    // Act
    const result = await planReconciliationStep({ input: { dryRun: true }, executionName: 'daily-1' }, SETTINGS, dependencies);

    // Assert
    expect(result).toEqual({
      bucket: 'reconciliation-bucket',
      planKey: 'plans/daily-1.json',
      resultsPrefix: 'results/daily-1',
      reportKey: 'reports/daily-1.json',
      dryRun: true,
      maxConcurrency: 20,
      counts: { onboard: 1, repair: 0, offboard: 0, none: 1, skip: 0 },
      mutating: 1,
    });
    const plan = JSON.parse(written.get('plans/daily-1.json') ?? '[]') as PlanItem[];
    expect(plan.map(({ accountId, action }) => [accountId, action])).toEqual([
      ['111111111111', 'onboard'],
      ['222222222222', 'none'],
    ]);
  });

  it('asks Datadog the same number of times for 1 account and for 2,000 converged ones, and plans no mutating action', async () => {
    // Arrange
    const ids = Array.from({ length: 2000 }, (_, i) => String(100000000000 + i));
    const small = inventory(['100000000000'], { registered: ['100000000000'], recorded: ['100000000000'] });
    const large = inventory(ids, { registered: ids, recorded: ids });

    // Act
    await planReconciliationStep({ input: {}, executionName: 'one' }, SETTINGS, small.dependencies);
    const result = await planReconciliationStep({ input: {}, executionName: 'many' }, SETTINGS, large.dependencies);

    // Assert
    expect(large.calls).toEqual(small.calls);
    expect(large.calls).toEqual({ organization: 1, registrations: 1, permissions: 2 });
    expect(result.mutating).toBe(0);
    expect(result.counts.none).toBe(2000);
  });

  it("judges no account's policy when Datadog's lists could not be read (the snapshot), and each policy again once they can", async () => {
    // Arrange: the policy was written from Datadog's list; this run's standard list differs from it.
    const ids = ['100000000000'];
    const options = { registered: ids, recorded: ids, permissions: [...PERMISSIONS, 'ec2:GetSnapshotBlockPublicAccessState'] };
    const unreadable = inventory(ids, { ...options, source: 'snapshot' });
    const readable = inventory(ids, options);

    // Act
    const planned = await planReconciliationStep({ input: {}, executionName: 'outage' }, SETTINGS, unreadable.dependencies);
    const replanned = await planReconciliationStep({ input: {}, executionName: 'after' }, SETTINGS, readable.dependencies);

    // Assert
    expect(planned.counts).toMatchObject({ none: 1, repair: 0 });
    expect(replanned.counts).toMatchObject({ none: 0, repair: 1 });
    expect(JSON.parse(readable.written.get('plans/after.json')!)).toEqual([
      expect.objectContaining({
        accountId: '100000000000',
        action: 'repair',
        reason: 'the policy differs from the permissions Datadog publishes now',
      }),
    ]);
  });
});

describe('reportReconciliationStep', () => {
  const objects = new Map<string, string>();
  const dependencies = {
    getObject: (bucket: string, key: string) => {
      const text = objects.get(`${bucket}/${key}`);
      return text === undefined ? Promise.reject(new Error(`NoSuchKey ${key}`)) : Promise.resolve(text);
    },
    putObject: (bucket: string, key: string, body: string) => {
      objects.set(`${bucket}/${key}`, body);
      return Promise.resolve();
    },
  };
  const entry = (output: object) => ({ Status: 'SUCCEEDED', Input: '{}', Output: JSON.stringify(output) });

  it('reads the manifest and result files, writes the report with every account, outputs counts and failed accounts', async () => {
    // Arrange
    objects.set(
      'b/results/r/run/manifest.json',
      JSON.stringify({
        DestinationBucket: 'b',
        MapRunArn: 'arn:aws:states:us-east-1:111122223333:mapRun:reconcile/ReconcileAccounts:run',
        ResultFiles: { SUCCEEDED: [{ Key: 'results/r/run/SUCCEEDED_0.json', Size: 1 }], FAILED: [], PENDING: [] },
      }),
    );
    objects.set(
      'b/results/r/run/SUCCEEDED_0.json',
      JSON.stringify([
        entry({ accountId: '2', action: 'onboard', reason: 'r', outcome: 'failed', error: 'E', cause: 'C' }),
        entry({ accountId: '1', action: 'none', reason: 'converged', outcome: 'unchanged' }),
      ]),
    );

    // Act
    const result = await reportReconciliationStep(
      {
        plan: { bucket: 'b', reportKey: 'reports/r.json', dryRun: false },
        mapRun: { MapRunArn: 'arn', ResultWriterDetails: { Bucket: 'b', Key: 'results/r/run/manifest.json' } },
      },
      dependencies,
    );

    // Assert
    expect(result).toMatchObject({
      outcome: 'failed',
      counts: { onboard: 1, none: 1, failed: 1 },
      failedAccounts: [{ accountId: '2', action: 'onboard', error: 'E', cause: 'C' }],
      report: { bucket: 'b', key: 'reports/r.json' },
    });
    const report = JSON.parse(objects.get('b/reports/r.json') ?? '{}') as { accounts: { accountId: string }[] };
    expect(report.accounts.map((account) => account.accountId)).toEqual(['1', '2']);
  });

  it('outputs 50 failed accounts at most, each cause cut to 1,000 characters, within 256 KiB; the report holds all, whole', async () => {
    // Arrange: 60 accounts whose onboarding crashed, each cause as long as Step Functions keeps (32,768 characters).
    const cause = `{"errorType":"Runtime.ExitError","trace":["${'x'.repeat(32_700)}"]}`;
    objects.set(
      'b/results/big/run/manifest.json',
      JSON.stringify({
        DestinationBucket: 'b',
        MapRunArn: 'arn:aws:states:us-east-1:111122223333:mapRun:reconcile/ReconcileAccounts:run',
        ResultFiles: { SUCCEEDED: [{ Key: 'results/big/run/SUCCEEDED_0.json', Size: 1 }], FAILED: [], PENDING: [] },
      }),
    );
    const failed = Array.from({ length: 60 }, (_, index) => String(100000000000 + index));
    objects.set(
      'b/results/big/run/SUCCEEDED_0.json',
      JSON.stringify(failed.map((accountId) => entry({ accountId, action: 'onboard', reason: 'r', outcome: 'failed', error: 'E', cause }))),
    );

    // Act
    const result = await reportReconciliationStep(
      {
        plan: { bucket: 'b', reportKey: 'reports/big.json', dryRun: false },
        mapRun: { MapRunArn: 'arn', ResultWriterDetails: { Bucket: 'b', Key: 'results/big/run/manifest.json' } },
      },
      dependencies,
    );

    // Assert
    expect(result.failedAccounts).toHaveLength(50);
    for (const account of result.failedAccounts) expect(account.cause).toHaveLength(1000);
    expect(JSON.stringify(result).length).toBeLessThan(256 * 1024);
    const report = JSON.parse(objects.get('b/reports/big.json') ?? '{}') as { accounts: { cause?: string }[] };
    expect(report.accounts.map((account) => account.cause)).toEqual(failed.map(() => cause));
  });
});
