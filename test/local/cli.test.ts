/**
 * `npm start` as a user meets it: exit codes, one JSON document with --json, one-line errors.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers';

const start = (...args: string[]) => runCli(args);

describe('Command: npm start', () => {
  it('prints exactly one JSON document with --json and exits 0 when onboarded', async () => {
    const { code, stdout } = await start('events/organizations-create-account-result.json', '--json');
    expect(code).toBe(0);
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
    const { code, stdout } = await start('--datadog-site', 'datadoghq.eu');
    expect(code).toBe(0);
    expect(stdout).toContain('Onboarding from events/control-tower-create-managed-account.json');
    expect(stdout).toContain('→ ValidateRole');
    expect(stdout).toContain('outcome: onboarded');
  });

  it('exits 0 with the reason for an ignored event', async () => {
    const { code, stdout } = await start('events/control-tower-create-managed-account-failed.json', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ outcome: 'ignored', reason: 'CreateManagedAccount for account 444455556666 is in state FAILED' });
  });

  it.each([
    ['a missing file', ['events/nope.json'], /^npm start: cannot read events\/nope\.json: ENOENT\n$/],
    ['an unknown site', ['--datadog-site', 'datadog.example'], /^npm start: --datadog-site datadog\.example is not a Datadog site/],
    ['an unknown option', ['--colour'], /^npm start: Unknown option '--colour'/],
  ])('exits 2 with one line for %s', async (_, args, message) => {
    const { code, stderr, stdout } = await start(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).toBe('');
  });

  it('exits 2 with one line for invalid JSON and for a rejected console input', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'onboarding-cli-'));
    writeFileSync(path.join(dir, 'broken.json'), '{"accountId": ');
    writeFileSync(path.join(dir, 'bad-id.json'), '{"accountId": "12"}');

    const broken = await start(path.join(dir, 'broken.json'));
    const badId = await start(path.join(dir, 'bad-id.json'));

    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^npm start: .*broken\.json is not valid JSON: .*\n$/);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toBe('npm start: execution input accountId: must be a 12-digit AWS account id\n');
  });
});
