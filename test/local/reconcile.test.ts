/**
 * A whole reconciliation locally (`npm start -- reconcile`'s engine): the template's ReconcileOrganization, its real
 * functions, the onboarding state machine run per account with startExecution.sync:2, the sandbox organization and
 * the local Datadog.
 */
import { applyOrgFile, datadogAccountsOf, parseOrgFile } from '../../local/org-file';
import { reconcileLocally } from '../../local/reconcile';
import { AwsSandbox } from '../../local/sandbox';
import { METRIC_NAMES } from '../../shared/observability/metric-names';

const MANAGEMENT = '123412341234';
const WORKLOADS = 'ou-ab12-11111111';
const ORG = parseOrgFile({
  managementAccountId: MANAGEMENT,
  organizationalUnits: [{ id: WORKLOADS, name: 'Workloads', parentId: 'r-ab12' }],
  accounts: [
    { id: '210987654321', name: 'payments-prod', parentId: WORKLOADS, state: 'ACTIVE' },
    { id: '210987654322', name: 'payments-dev', parentId: WORKLOADS, state: 'ACTIVE' },
    { id: '210987654323', name: 'gone', state: 'CLOSED' },
  ],
  datadogAccounts: [{ aws_account_id: '210987654322', aws_partition: 'aws', auth_config: { role_name: 'DatadogIntegrationRole' } }],
});

function organization(): { sandbox: AwsSandbox; datadogAccounts: ReturnType<typeof datadogAccountsOf> } {
  const sandbox = new AwsSandbox({ managementAccountId: MANAGEMENT });
  applyOrgFile(sandbox, ORG, { managementAccountId: MANAGEMENT, defaultAccessRoleName: 'OrganizationAccountAccessRole' });
  return { sandbox, datadogAccounts: datadogAccountsOf(ORG) };
}

const actions = (summary: Awaited<ReturnType<typeof reconcileLocally>>) =>
  summary.accounts.map(({ accountId, action, outcome }) => [accountId, action, outcome]);

describe('Function: reconcileLocally', () => {
  it('plans without changing anything on a dry run', async () => {
    // Prepare
    const { sandbox, datadogAccounts } = organization();

    // Act
    const summary = await reconcileLocally({ sandbox, datadogAccounts, dryRun: true });

    // Assess: nothing changed in the accounts, Datadog or the records (the plan and report go to the reconciliation bucket).
    expect(summary).toMatchObject({ outcome: 'reconciled', dryRun: true, counts: { onboard: 2, skip: 2, failed: 0 } });
    expect(actions(summary)).toEqual([
      [MANAGEMENT, 'skip', 'skipped'],
      ['210987654321', 'onboard', 'planned'],
      ['210987654322', 'onboard', 'planned'],
      ['210987654323', 'skip', 'skipped'],
    ]);
    expect(summary.calls.mutating).toMatchObject({ iam: 0, sts: 0, organizations: 0, secretsmanager: 0, datadog: 0, dynamodb: 0 });
    expect(summary.accountRecords).toEqual([]);
  }, 180_000);

  it('backfills the organization (adopting the foreign registration), then finds the fleet converged at O(1) Datadog requests', async () => {
    // Prepare
    const { sandbox, datadogAccounts } = organization();

    // Act
    const backfill = await reconcileLocally({ sandbox, datadogAccounts });
    const again = await reconcileLocally({ sandbox, datadogAccounts: backfill.datadogAccounts, accountRecords: backfill.accountRecords });

    // Assess
    expect(backfill.outcome).toBe('reconciled');
    expect(actions(backfill)).toEqual([
      [MANAGEMENT, 'skip', 'skipped'],
      ['210987654321', 'onboard', 'onboarded'],
      ['210987654322', 'onboard', 'onboarded'],
      ['210987654323', 'skip', 'skipped'],
    ]);
    expect(backfill.accountRecords).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ accountId: '210987654321', state: 'onboarded', origin: 'created' }),
        expect.objectContaining({ accountId: '210987654322', state: 'onboarded', origin: 'adopted' }),
      ]),
    );
    expect(again.accounts.map(({ accountId, reason }) => `${accountId}: ${reason}`)).toEqual([
      `${MANAGEMENT}: out of scope: the management account is onboarded only with OnboardManagementAccount=true`,
      '210987654321: converged',
      '210987654322: converged',
      '210987654323: the account is CLOSED, not ACTIVE',
    ]);
    expect(again.counts).toEqual({ onboard: 0, repair: 0, offboard: 0, none: 2, skip: 2, failed: 0 });
    expect(again.calls.mutating).toMatchObject({ iam: 0, sts: 0, organizations: 0, secretsmanager: 0, datadog: 0, dynamodb: 0 });
    expect(again.datadogRequests.total).toBeLessThanOrEqual(3);
  }, 300_000);

  it('repairs an account whose registration went missing: one `repaired` Datadog event and AccountsRepaired, not an onboarding', async () => {
    // Prepare: a backfilled fleet, then someone deletes one registration in Datadog.
    const { sandbox, datadogAccounts } = organization();
    const backfill = await reconcileLocally({ sandbox, datadogAccounts });
    const outcomes = (summary: typeof backfill) =>
      summary.datadogEvents.map((event) => event.tags.find((tag) => tag.startsWith('outcome:')));
    const named = (summary: typeof backfill, name: string) => summary.metrics.filter((metric) => metric.name === name);
    const remaining = backfill.datadogAccounts.filter((account) => account.attributes.aws_account_id !== '210987654321');

    // Act
    const repair = await reconcileLocally({ sandbox, datadogAccounts: remaining, accountRecords: backfill.accountRecords });

    // Assess: the backfill told two onboardings; the repair one repair, of that account, counted once.
    expect(outcomes(backfill)).toEqual(['outcome:onboarded', 'outcome:onboarded']);
    expect(named(backfill, METRIC_NAMES.onboarded)).toHaveLength(2);
    expect(named(backfill, METRIC_NAMES.repaired)).toEqual([]);
    expect(actions(repair)).toContainEqual(['210987654321', 'repair', 'onboarded']);
    expect(repair.datadogEvents).toEqual([
      expect.objectContaining({
        title: 'AWS account integration repaired: 210987654321',
        text: expect.stringMatching(/ repaired: drift: .+/),
        tags: expect.arrayContaining(['aws_account:210987654321', 'outcome:repaired']),
      }),
    ]);
    // The event says what drifted, in the plan's words.
    const reason = repair.accounts.find((account) => account.accountId === '210987654321')?.reason ?? '(none)';
    expect(repair.datadogEvents[0].text).toContain(reason.slice(0, 60));
    expect(named(repair, METRIC_NAMES.repaired).map((metric) => metric.value)).toEqual([1]);
    expect(named(repair, METRIC_NAMES.onboarded)).toEqual([]);
    expect(named(repair, METRIC_NAMES.timeToOnboard)).toEqual([]);
  }, 300_000);

  it('finds a fleet converged under a settings document that tags {ou_name}: the tree walk gives the OU names', async () => {
    // Prepare
    const { sandbox, datadogAccounts } = organization();
    const settingsDocument = { defaults: { account_tags: ['ou:{ou_name}', 'account:{account_name}'] } };
    const backfill = await reconcileLocally({ sandbox, datadogAccounts, settingsDocument });

    // Act
    const again = await reconcileLocally({
      sandbox,
      datadogAccounts: backfill.datadogAccounts,
      accountRecords: backfill.accountRecords,
      settingsDocument,
    });

    // Assess: the registrations carry the OU's name, and the plan wants the same: converged, no repair.
    const tags = backfill.datadogAccounts.map((account) => account.attributes.account_tags);
    expect(tags).toHaveLength(2);
    expect(tags).toEqual(
      expect.arrayContaining([
        ['ou:Workloads', 'account:payments-prod'],
        ['ou:Workloads', 'account:payments-dev'],
      ]),
    );
    expect(again.counts).toEqual({ onboard: 0, repair: 0, offboard: 0, none: 2, skip: 2, failed: 0 });
    expect(again.calls.mutating.datadog).toBe(0);
  }, 300_000);

  it('slows down and fails no account when Datadog answers 429 to executions running side by side', async () => {
    // Prepare: one request per 10 s per endpoint group, for three onboardings at once.
    const sandbox = new AwsSandbox({ managementAccountId: MANAGEMENT });
    const ids = ['210987654331', '210987654332', '210987654333'];
    const org = parseOrgFile({ managementAccountId: MANAGEMENT, accounts: ids.map((id) => ({ id, name: `a-${id}`, state: 'ACTIVE' })) });
    applyOrgFile(sandbox, org, { managementAccountId: MANAGEMENT, defaultAccessRoleName: 'OrganizationAccountAccessRole' });

    // Act
    const summary = await reconcileLocally({ sandbox, datadogRateLimit: { requests: 1, seconds: 10 } });

    // Assess: every account onboarded; the 429s cost virtual time (each group allows one request per window), no account.
    expect(summary.outcome).toBe('reconciled');
    expect(summary.counts).toMatchObject({ onboard: 3, failed: 0 });
    expect(summary.datadogAccounts.map((account) => account.attributes.aws_account_id).sort()).toEqual(ids);
    expect(summary.datadogRequests.throttled).toBeGreaterThan(0);
    expect(summary.virtualSeconds).toBeGreaterThanOrEqual(30);
  }, 120_000);
});
