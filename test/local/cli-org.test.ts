/**
 * `npm start -- --org FILE --parameter KEY=VALUE`: the organization and the stack parameters of a local run.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadState } from '../../local/state-file';
import { runCliHere } from '../helpers';

const MANAGEMENT = '111122223333';
const ORG = {
  managementAccountId: MANAGEMENT,
  organizationalUnits: [
    { id: 'ou-ab12-11111111', name: 'Workloads', parentId: 'r-ab12' },
    { id: 'ou-ab12-22222222', name: 'Prod', parentId: 'ou-ab12-11111111' },
    { id: 'ou-ab12-33333333', name: 'Sandbox', parentId: 'r-ab12' },
  ],
  accounts: [
    {
      id: '444455556666',
      name: 'payments-prod',
      parentId: 'ou-ab12-22222222',
      state: 'ACTIVE',
      accessRoleName: 'OrganizationAccountAccessRole',
    },
    { id: '210987654321', name: 'playground', parentId: 'ou-ab12-33333333' },
    { id: '210987654322', name: 'gone', left: true },
  ],
  datadogAccounts: [{ aws_account_id: '210987654323', aws_partition: 'aws', auth_config: { role_name: 'SomeoneElsesRole' } }],
};

function orgFile(content: unknown): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'onboarding-org-'));
  const file = path.join(dir, 'org.json');
  writeFileSync(file, JSON.stringify(content));
  return { dir, file };
}

function replayFile(dir: string, accountId: string): string {
  const file = path.join(dir, `replay-${accountId}.json`);
  writeFileSync(file, JSON.stringify({ accountId }));
  return file;
}

describe('Command: npm start --org, --parameter', () => {
  it('onboards an account of a nested OU under IncludeOrganizationalUnits and saves the organization with --state', async () => {
    const { dir, file } = orgFile(ORG);
    const state = path.join(dir, 'state.json');
    const { code, stdout } = await runCliHere([
      replayFile(dir, '444455556666'),
      '--org',
      file,
      '--parameter',
      'IncludeOrganizationalUnits=ou-ab12-11111111',
      '--state',
      state,
      '--json',
    ]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as { outcome: string; datadogAccounts: { attributes: { aws_account_id: string } }[] };
    expect(summary.outcome).toBe('onboarded');
    expect(summary.datadogAccounts.map((record) => record.attributes.aws_account_id).sort()).toEqual(['210987654323', '444455556666']);
    const saved = loadState(state).sandbox!.toJSON().state;
    expect(saved.rootId).toBe('r-ab12');
    expect(saved.organizationalUnits).toHaveLength(3);
    expect(saved.accounts['444455556666'].parentId).toBe('ou-ab12-22222222');
    expect(saved.accounts['210987654322'].left).toBe(true);
  });

  it('refuses a replay out of scope with the reason (exit 2) and skips an event out of scope (exit 0)', async () => {
    const { dir, file } = orgFile(ORG);
    const replay = await runCliHere([
      replayFile(dir, '210987654321'),
      '--org',
      file,
      '--parameter',
      'ExcludeOrganizationalUnits=ou-ab12-33333333',
    ]);
    expect(replay.code).toBe(2);
    expect(replay.stderr).toContain('OU ou-ab12-33333333 is excluded by ExcludeOrganizationalUnits');

    const event = await runCliHere([
      'events/organizations-create-account-result.json',
      '--org',
      file,
      '--parameter',
      'ExcludeAccounts=444455556666',
      '--json',
    ]);
    expect(event.code).toBe(0);
    expect(JSON.parse(event.stdout)).toMatchObject({ outcome: 'ignored', reason: 'account 444455556666 is excluded by ExcludeAccounts' });
  });

  it.each([
    [['--parameter', 'NoSuchParameter=1'], '--parameter NoSuchParameter is not a parameter of template.yaml'],
    [['--parameter', 'OnboardManagementAccount=yes'], '--parameter OnboardManagementAccount=yes: not one of true, false'],
    [['--parameter', 'ExcludeAccounts=123,210987654321'], '--parameter ExcludeAccounts=123,210987654321: "123" does not match'],
    [['--parameter', 'IncludeOrganizationalUnits=Workloads'], '--parameter IncludeOrganizationalUnits=Workloads: the value does not match'],
    [['--parameter', 'MaxValidationSeconds=5'], '--parameter MaxValidationSeconds=5: below 60'],
    [['--parameter', 'novalue'], '--parameter novalue: must be KEY=VALUE'],
  ])('refuses %j in one line, exit 2', async (args, message) => {
    const { code, stdout, stderr } = await runCliHere(['events/console-replay.json', ...args]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toEqual([expect.stringContaining(message), '']);
  });

  it.each([
    [{ ...ORG, managementAccountId: '12' }, 'managementAccountId: must be a 12-digit AWS account id'],
    [{ ...ORG, accounts: [{ id: '444455556666', parentld: 'r-ab12' }] }, 'accounts.0: Unrecognized key: "parentld"'],
    [{ ...ORG, accounts: [{ id: '444455556666', state: 'GONE' }] }, 'accounts.0.state:'],
    [
      { ...ORG, accounts: [{ id: '444455556666', parentId: 'ou-ab12-99999999' }] },
      "account 444455556666's parent ou-ab12-99999999 is not an OU",
    ],
    [
      {
        ...ORG,
        organizationalUnits: [{ id: 'ou-ab12-11111111', name: 'W', parentId: 'r-zz99' }],
        accounts: [{ id: '444455556666', parentId: 'r-ab12' }],
      },
      'an organization has one root, the file names r-zz99 and r-ab12',
    ],
    [{ ...ORG, managementAccountId: '999988887777' }, 'is not the management account of the saved organization'],
  ])('refuses a wrong --org file in one line naming the field, exit 2, and changes nothing (%#)', async (content, message) => {
    const { dir, file } = orgFile(content);
    const state = path.join(dir, 'state.json');
    // A saved organization first, so a wrong file would have something to change.
    expect((await runCliHere(['events/console-replay.json', '--state', state])).code).toBe(0);
    const before = readFileSync(state, 'utf8');
    const { code, stdout, stderr } = await runCliHere(['events/console-replay.json', '--org', file, '--state', state]);
    expect(code).toBe(2);
    expect(stderr.split('\n')).toEqual([expect.stringMatching(/^npm start: --org .*org\.json: /), '']);
    expect(stderr).toContain(message);
    expect(stdout).toBe('');
    expect(existsSync(state) && readFileSync(state, 'utf8')).toBe(before);
  });
});
