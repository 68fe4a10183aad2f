/**
 * `npm start` as a user meets it: exit codes, one JSON document with --json, one-line errors.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OPTIONS, USAGE, UsageError, parseCommandLine } from '../../local/cli-options';
import { loadState } from '../../local/state-file';
import { ROOT, runCli, runCliHere as startHere } from '../helpers';

/** Runs `npm start` in this process: what these tests check is `main`'s, not the process boundary's. */
const start = (...args: string[]) => startHere(args);

// Spawned: what only a real process shows. Here its exit code and one JSON document on stdout, over 64 KiB, flushed
// whole to a pipe whose reader lags (without the flush before exit it is cut at 64 KiB), and nothing else there; exit 2 with one line and nothing else for a rejected file in
// test/hostile-input/cli.test.ts; the functions' --verbose logs on its stderr in test/secrets-hygiene/cli.test.ts.
// The rest runs `main` in this process.
describe('Command: npm start, as a process', () => {
  it('prints exactly one JSON document with --json, over 64 KiB, whole on stdout, progress on stderr, and exits 0', async () => {
    // Act: a CreateGovCloudAccount request onboards two accounts; the summary carries both sandboxes, over 64 KiB.
    const { code, stdout, stderr } = await runCli(['events/organizations-create-govcloud-account.json', '--json'], {}, 120_000, true);

    // Assess
    expect(code).toBe(0);
    expect(stderr).toContain('→ ResolveTarget');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout.length).toBeGreaterThan(65_536);
    expect(JSON.parse(stdout)).toMatchObject({
      outcome: 'onboarded',
      onboardings: [
        { accountId: '333344445555', partition: 'aws', outcome: 'onboarded' },
        { accountId: '777788889999', partition: 'aws-us-gov', outcome: 'onboarded' },
      ],
    });
  });
});

describe('Command: npm start', () => {
  it('prints the whole JSON document of a reconciliation, over 64 KiB, on stdout', async () => {
    // Prepare: a small organization; the summary carries every account's sandbox, well over 64 KiB.
    const org = path.join(mkdtempSync(path.join(tmpdir(), 'onboarding-reconcile-')), 'org.json');
    writeFileSync(
      org,
      JSON.stringify({
        managementAccountId: '123412341234',
        accounts: [
          { id: '210987654321', name: 'payments-prod', state: 'ACTIVE' },
          { id: '210987654322', name: 'payments-dev', state: 'ACTIVE' },
        ],
      }),
    );

    // Act
    const { code, stdout, stderr } = await start('reconcile', '--org', org, '--json');

    // Assess
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.length).toBeGreaterThan(65_536);
    expect(JSON.parse(stdout)).toMatchObject({ outcome: 'reconciled', counts: { onboard: 2, failed: 0 } });
  });

  it('reconcile --settings: applies the document, and refuses a bad one in one line naming its path, before running', async () => {
    // Prepare
    const dir = mkdtempSync(path.join(tmpdir(), 'onboarding-reconcile-settings-'));
    const org = path.join(dir, 'org.json');
    writeFileSync(
      org,
      JSON.stringify({
        managementAccountId: '123412341234',
        organizationalUnits: [{ id: 'ou-ab12-11111111', name: 'Workloads', parentId: 'r-ab12' }],
        accounts: [{ id: '210987654321', name: 'payments-prod', parentId: 'ou-ab12-11111111', state: 'ACTIVE' }],
      }),
    );
    const good = path.join(dir, 'settings.yaml');
    writeFileSync(good, 'defaults:\n  account_tags: ["ou:{ou_name}"]\n');
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ defaults: { metrics_config: { namespace_filters: { exclude_only: ['AWS/EC3'] } } } }));

    // Act
    const applied = await start('reconcile', '--org', org, '--settings', good, '--json');
    const refused = await start('reconcile', '--org', org, '--settings', bad, '--json');

    // Assess
    expect(applied.code).toBe(0);
    const summary = JSON.parse(applied.stdout) as { datadogAccounts: { attributes: { account_tags?: string[] } }[] };
    expect(summary.datadogAccounts.map((account) => account.attributes.account_tags)).toEqual([['ou:Workloads']]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('settings defaults.metrics_config.namespace_filters.exclude_only[0]: unknown namespace "AWS/EC3"');
  });

  it('prints exactly one JSON document with --json, progress on stderr, and exits 0 when onboarded', async () => {
    const { code, stdout, stderr } = await start('events/organizations-create-account-result.json', '--json');
    expect(code).toBe(0);
    expect(stderr).toContain('→ ResolveTarget');
    expect(stderr).not.toMatch(/\n\s+at /);
    const summary = JSON.parse(stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      outcome: 'onboarded',
      accountId: '444455556666',
      partition: 'aws',
      validationAttempts: expect.any(Number),
      datadog: { accountConfigId: expect.any(String), roleName: 'DatadogIntegrationRole', externalId: expect.any(String) },
      sandbox: { accounts: { '444455556666': { roles: expect.any(Array), policies: expect.any(Array), users: [] } } },
      datadogAccounts: [expect.objectContaining({ type: 'account' })],
    });
  });

  it('runs the Control Tower sample by default and ends with a readable summary', async () => {
    const { code, stdout } = await start();
    expect(code).toBe(0);
    expect(stdout).toContain('Onboarding from events/control-tower-create-managed-account.json');
    expect(stdout).toContain('→ ValidateRole');
    expect(stdout).toContain('outcome: onboarded');
  });

  it("onboards for the site --datadog-site names: the role trusts that site's Datadog account", async () => {
    const { code, stdout } = await startHere(['--datadog-site', 'ap1.datadoghq.com', '--json']);

    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as {
      sandbox: { accounts: Record<string, { roles: { roleName: string; assumeRolePolicyDocument: unknown }[] }> };
    };
    const role = summary.sandbox.accounts['444455556666'].roles.find((candidate) => candidate.roleName === 'DatadogIntegrationRole');
    // ap1.datadoghq.com's AWS account (BRIEF: Datadog's DdAccountIdBySite), not the default site's 464622532012.
    expect(JSON.stringify(role?.assumeRolePolicyDocument)).toContain('arn:aws:iam::417141415827:root');
    expect(JSON.stringify(role?.assumeRolePolicyDocument)).not.toContain('464622532012');
  });

  it('exits 0 with the reason for an ignored event', async () => {
    const { code, stdout } = await start('events/control-tower-create-managed-account-failed.json', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      outcome: 'ignored',
      reason: 'CreateManagedAccount for account 444455556666 is in state FAILED',
    });
  });

  it.each([
    ['a missing file', ['events/nope.json'], /^npm start: events\/nope\.json: no such file\n$/],
    ['an unknown site', ['--datadog-site', 'datadog.example'], /^npm start: --datadog-site datadog\.example is not a Datadog site/],
    ['an unknown option', ['--colour'], /^npm start: Unknown option '--colour' \(npm start -- --help lists the options\)\n$/],
  ])('exits 2 with one line for %s', async (_, args, message) => {
    const { code, stderr, stdout } = await start(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.split('\n')).toEqual([expect.stringMatching(/^npm start: /), '']);
    expect(stdout).toBe('');
  });

  it('exits 2 with one line for invalid JSON and for a rejected console input', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'onboarding-cli-'));
    writeFileSync(path.join(dir, 'broken.json'), '{"accountId": ');
    writeFileSync(path.join(dir, 'bad-id.json'), '{"accountId": "12"}');

    const broken = await start(path.join(dir, 'broken.json'));
    const badId = await start(path.join(dir, 'bad-id.json'));
    const badIdJson = await start(path.join(dir, 'bad-id.json'), '--json');

    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^npm start: .*broken\.json is not valid JSON: .*\n$/);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toBe('npm start: execution input accountId: must be a 12-digit AWS account id\n');
    // With --json too: the line on stderr, the document (the same reason) on stdout.
    expect(badIdJson.code).toBe(2);
    expect(badIdJson.stderr).toBe('npm start: execution input accountId: must be a 12-digit AWS account id\n');
    expect(JSON.parse(badIdJson.stdout)).toMatchObject({ outcome: 'rejected' });
  });
});

describe('Command: npm start, its options', () => {
  it.each([['--help'], ['-h']])('%s prints the usage, every option included, and exits 0', async (flag) => {
    const { code, stdout, stderr } = await startHere([flag]);

    expect(code).toBe(0);
    expect(stdout).toBe(`${USAGE}\n`);
    for (const name of Object.keys(OPTIONS)) expect(USAGE).toContain(`--${name}`);
    expect(USAGE).toContain('-h, --help');
    expect(stderr).toBe('');
  });

  it.each([
    [['--propagation-seconds', '-5'], '-5'],
    [['--propagation-seconds=-5'], '-5'],
    [['--propagation-seconds', '100000'], '100000'],
    [['--propagation-seconds', '1e3'], '1e3'],
  ])('refuses %j in one line saying what is allowed', (args, shown) => {
    expect(() => parseCommandLine(args, ROOT)).toThrow(
      new UsageError(`--propagation-seconds must be a whole number of seconds from 0 to 86400, got ${shown}`),
    );
  });

  it.each([['0/10'], ['60'], ['60/0'], ['1.5/10'], ['-1/10'], ['60/10s'], ['2000000/10']])(
    'refuses --datadog-rate-limit %s in one line',
    (value) => {
      expect(() => parseCommandLine(['--datadog-rate-limit', value], ROOT)).toThrow(
        new UsageError(
          `--datadog-rate-limit must be REQUESTS/SECONDS, whole numbers from 1 (at most 1000000/86400), e.g. 60/10, got ${value}`,
        ),
      );
    },
  );

  it('takes --datadog-rate-limit REQUESTS/SECONDS, for the embedded Datadog only', () => {
    expect(parseCommandLine(['--datadog-rate-limit', '1/10'], ROOT)).toMatchObject({ datadogRateLimit: { requests: 1, seconds: 10 } });
    expect(parseCommandLine([], ROOT)).not.toHaveProperty('datadogRateLimit');
    expect(() => parseCommandLine(['--datadog-rate-limit', '1/10', '--datadog-url', 'http://127.0.0.1:9'], ROOT)).toThrow(
      '--datadog-rate-limit applies to the embedded Datadog server, not to --datadog-url',
    );
  });

  it('exits 2 with one line for a bad --datadog-rate-limit, before running anything', async () => {
    const { code, stdout, stderr } = await startHere(['--datadog-rate-limit', 'fast']);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'npm start: --datadog-rate-limit must be REQUESTS/SECONDS, whole numbers from 1 (at most 1000000/86400), e.g. 60/10, got fast\n',
    );
  });

  it('says what COUNT of a fault may be', () => {
    expect(() => parseCommandLine(['--fault', 'iam:CreateRole:Throttling:100000'], ROOT)).toThrow(
      'COUNT must be a whole number from 1 to 99999, or always',
    );
  });

  it('reads the event and the state file from where the user stands, not from the package folder', async () => {
    // Prepare: npm runs scripts from the package folder; INIT_CWD is where the user typed the command.
    const here = mkdtempSync(path.join(tmpdir(), 'onboarding-cwd-'));
    writeFileSync(path.join(here, 'replay.json'), readFileSync(path.join(ROOT, 'events', 'console-replay.json')));

    // Act
    const { code, stdout } = await startHere(['replay.json', '--state', 'org.json'], { cwd: here });

    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Onboarding from replay\.json\n/);
    expect(loadState(path.join(here, 'org.json')).datadogAccounts).toHaveLength(1);
  });

  it('applies --propagation-seconds to a saved state too, from this run on', async () => {
    // Prepare: a saved organization where IAM takes 10 s; then another account is onboarded with 0 s.
    const stateFile = path.join(mkdtempSync(path.join(tmpdir(), 'onboarding-state-')), 'org.json');
    await startHere(['events/console-replay.json', '--state', stateFile]);

    // Act
    const { code, stdout } = await startHere([
      'events/control-tower-update-managed-account.json',
      '--state',
      stateFile,
      '--propagation-seconds',
      '0',
    ]);

    // Assess: the role is assumable at the first attempt, and the saved state keeps the new delay.
    expect(code).toBe(0);
    expect(stdout).toContain('✓ role assumable (attempt 1)');
    expect(loadState(stateFile).sandbox?.propagationSeconds).toBe(0);
  });
});

describe('Command: npm start, what it prints', () => {
  it('reports the attempts of a failed validation, without a next attempt after the failure, in access-key words', async () => {
    // Act: IAM takes longer than MaxValidationSeconds (900 s) to make the key usable.
    const { code, stdout } = await startHere(['events/govcloud-console-replay.json', '--propagation-seconds', '80000']);

    // Assess
    expect(code).toBe(1);
    const lines = stdout.split('\n');
    const failedAt = lines.findIndex((line) => line.includes('✗ ValidateAccessKey: RoleValidationTimeoutError'));
    expect(failedAt).toBeGreaterThan(0);
    expect(lines.slice(failedAt).join('\n')).not.toContain('next attempt');
    expect(stdout).toContain('… access key not usable yet (attempt 1, 0 s after provisioning, InvalidClientTokenId); next attempt in 4 s');
    expect(stdout).toContain(
      '… access key not usable yet (attempt 19, 748 s after provisioning, InvalidClientTokenId); next attempt in 152 s',
    );
    expect(stdout).not.toContain('assumable');
    expect(stdout).toContain('validation attempts: 20');
  });

  it('labels the steps of each account of a GovCloud request, and sums up the mutating calls', async () => {
    const { code, stdout } = await startHere(['events/organizations-create-govcloud-account.json']);

    expect(code).toBe(0);
    expect(stdout).toContain('execution request-car-examplegovcloudrequestid333\n  → DescribeAccountRequest');
    expect(stdout).toContain('execution onboard-333344445555: account 333344445555 (aws)\n  → ResolveTarget');
    expect(stdout).toContain('execution onboard-777788889999: account 777788889999 (aws-us-gov)\n  → ResolveTarget');
    // Then the metrics the functions emitted and the Datadog events, one line each: the two onboardings'.
    expect(stdout).toMatch(
      /\nmutating calls: iam \d+, secretsmanager \d+, datadog \d+, dynamodb \d+\nmetrics: (.*AccountsOnboarded 1.*){2}\nDatadog events: onboarded, onboarded\n$/,
    );
  });
});
