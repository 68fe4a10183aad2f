/**
 * `npm start -- reconcile --parameter KEY=VALUE --settings FILE`: a reconciliation with stack parameters and a
 * settings document, run in-process through the command's `main` (as `npm start` runs it); refused input is one
 * line on stderr, exit 2, and changes nothing.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../local/cli';

const MANAGEMENT = '123412341234';
const WORKLOADS = 'ou-ab12-11111111';
const ORG = {
  managementAccountId: MANAGEMENT,
  organizationalUnits: [{ id: WORKLOADS, name: 'Workloads', parentId: 'r-ab12' }],
  accounts: [
    { id: '210987654321', name: 'payments-prod', parentId: WORKLOADS, state: 'ACTIVE' },
    { id: '210987654322', name: 'payments-dev', parentId: WORKLOADS, state: 'ACTIVE' },
  ],
};

interface Summary {
  outcome: string;
  dryRun: boolean;
  counts: Record<string, number>;
  accounts: { accountId: string; action: string; reason: string; outcome: string }[];
  calls: { mutating: Record<string, number> };
}

/** A directory with the organization file (and whatever else a test writes there). */
function workspace(): { dir: string; org: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'reconcile-cli-'));
  const org = path.join(dir, 'org.json');
  writeFileSync(org, JSON.stringify(ORG));
  return { dir, org };
}

async function reconcile(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['reconcile', ...argv], {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    cwd,
    env: {},
  });
  return { code, stdout, stderr };
}

const plan = (summary: Summary) => summary.accounts.map(({ accountId, action }) => [accountId, action]);

describe('Command: npm start -- reconcile --parameter, --settings', () => {
  it('plans the sample organization of the README (events/organization.json) as the README says', async () => {
    // Act
    const { code, stdout } = await reconcile(['--org', 'events/organization.json', '--dry-run', '--json'], path.join(__dirname, '../..'));

    // Assess
    const summary = JSON.parse(stdout) as Summary;
    expect(code).toBe(0);
    expect(summary.counts).toMatchObject({ onboard: 3, skip: 3, failed: 0 });
    expect(summary.accounts.filter((account) => account.reason.includes('adopted')).map((account) => account.accountId)).toEqual([
      '210987654323',
    ]);
    expect(summary.calls.mutating).toMatchObject({ iam: 0, sts: 0, organizations: 0, secretsmanager: 0, datadog: 0, dynamodb: 0 });
  }, 120_000);

  it('says what a dry run left alone and what it wrote in the human summary', async () => {
    // Act
    const { code, stdout } = await reconcile(['--org', 'events/organization.json', '--dry-run'], path.join(__dirname, '../..'));

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain(
      'outcome: reconciled (dry run: nothing changed in the accounts, Datadog or the records; s3 holds its plan and report)',
    );
    expect(stdout).toMatch(/^mutating calls: s3 \d+$/m);
  }, 120_000);

  it('counts converged accounts in the human summary without listing them', async () => {
    // Prepare: a backfill saved in a state file.
    const { dir, org } = workspace();
    const state = path.join(dir, 'state.json');
    await reconcile(['--org', org, '--state', state], dir);

    // Act
    const { code, stdout } = await reconcile(['--state', state], dir);

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('accounts: onboard 0, repair 0, offboard 0, none 2, skip 1, failed 0');
    expect(stdout).toContain('  (2 converged accounts not listed; --json lists every account)');
    expect(stdout).not.toContain('210987654321');
  }, 120_000);

  it('skips an account of ExcludeAccounts and says why', async () => {
    // Prepare
    const { dir, org } = workspace();

    // Act
    const { code, stdout, stderr } = await reconcile(
      ['--org', org, '--parameter', 'ExcludeAccounts=210987654322', '--dry-run', '--json'],
      dir,
    );

    // Assess
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const summary = JSON.parse(stdout) as Summary;
    expect(plan(summary)).toEqual([
      [MANAGEMENT, 'skip'],
      ['210987654321', 'onboard'],
      ['210987654322', 'skip'],
    ]);
    expect(summary.accounts.find((account) => account.accountId === '210987654322')?.reason).toMatch(/ExcludeAccounts/);
  }, 120_000);

  it('saves the new, empty organization to a --state that does not exist yet, given no --org', async () => {
    const { dir } = workspace();

    const { code } = await reconcile(['--state', 'new.json', '--json'], dir);

    expect(code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, 'new.json'), 'utf8'))).toMatchObject({ sandbox: expect.any(Object) });
  });

  it('reads the relative paths of --org and --settings from where the user stands', async () => {
    // Prepare: the settings turn metrics off for the Workloads OU.
    const { dir } = workspace();
    writeFileSync(
      path.join(dir, 'settings.yaml'),
      `defaults:\n  metrics_config: { enabled: true }\norganizationalUnits:\n  ${WORKLOADS}:\n    metrics_config: { enabled: false }\naccounts: {}\n`,
    );
    const state = path.join(dir, 'state.json');
    const backfill = await reconcile(['--org', 'org.json', '--state', 'state.json', '--json'], dir);
    expect(backfill.code).toBe(0);

    // Act: the same fleet, with the settings file.
    const { code, stdout } = await reconcile(['--state', state, '--settings', 'settings.yaml', '--dry-run', '--json'], dir);

    // Assess: each onboarded registration now differs from the settings wanted.
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as Summary;
    expect(plan(summary)).toEqual([
      [MANAGEMENT, 'skip'],
      ['210987654321', 'repair'],
      ['210987654322', 'repair'],
    ]);
    expect(summary.accounts[1].reason).toMatch(/metrics_config/);
  }, 300_000);

  it.each([
    [
      'an unknown parameter',
      ['--parameter', 'NoSuchParameter=1'],
      /^npm start: --parameter NoSuchParameter is not a parameter of template\.yaml\n$/,
    ],
    [
      'a value the template refuses',
      ['--parameter', 'ReconcileMaxConcurrency=0'],
      /^npm start: --parameter ReconcileMaxConcurrency=0: below 1\n$/,
    ],
    ['a malformed parameter', ['--parameter', 'ExcludeAccounts'], /^npm start: --parameter ExcludeAccounts: must be KEY=VALUE/],
    [
      'a parameter the local deployment sets',
      ['--parameter', 'DatadogKeysSecretArn=x'],
      /^npm start: --parameter DatadogKeysSecretArn is set by/,
    ],
    ['a missing settings file', ['--settings', 'missing.yaml'], /^npm start: --settings .*missing\.yaml: no such file\n$/],
    ['an invalid settings file', ['--settings', 'bad.yaml'], /^npm start: --settings .*bad\.yaml: /],
    ['a settings path that is a folder', ['--settings', '.'], /^npm start: --settings .+: cannot be read \(EISDIR\)\n$/],
  ])('refuses %s in one line, exit 2, and changes nothing', async (_case, options, message) => {
    // Prepare: a state file the run would otherwise save back.
    const { dir, org } = workspace();
    writeFileSync(path.join(dir, 'bad.yaml'), 'defaults:\n  metrics_config: { enabled: maybe }\n');
    const state = path.join(dir, 'state.json');
    writeFileSync(state, '{}');

    // Act
    const { code, stdout, stderr } = await reconcile(['--org', org, '--state', state, ...options], dir);

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.split('\n')).toHaveLength(2);
    expect(readFileSync(state, 'utf8')).toBe('{}');
  });
});
