/**
 * `--state FILE`: a run's sandbox and registrations saved, loaded by the next run, without any key value in the file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { newSandboxFor, runLocally } from '../../local/run';
import { AwsSandbox } from '../../local/sandbox';
import { loadState, saveState } from '../../local/state-file';
import { StateFileError } from '../../local/state-file-error';
import { rotateLocally } from '../../local/rotate';
import { runCliHere, sampleEvent } from '../helpers';

/** A state file path in a new folder. */
const file = () => path.join(mkdtempSync(path.join(tmpdir(), 'onboarding-state-')), 'state.json');

/** Loads the state file and runs `input` again on what it holds, as `npm start -- … --state FILE` does. */
async function replayFrom(stateFile: string, input: unknown) {
  const loaded = loadState(stateFile);
  const replay = await runLocally({
    input,
    sandbox: loaded.sandbox,
    datadogAccounts: loaded.datadogAccounts,
    accountRecords: loaded.accountRecords,
  });
  return { loaded, replay };
}

describe('Functions: saveState and loadState', () => {
  it('carries a run over to the next: the replay changes nothing in AWS or Datadog, and only its own record', async () => {
    // Prepare
    const stateFile = file();
    const input = sampleEvent('console-replay.json');
    const first = await runLocally({ input, sandbox: newSandboxFor(input) });

    // Act
    const firstState = loadState(stateFile);
    expect(firstState).toEqual({});
    const seeded = newSandboxFor(input);
    const onboarded = await runLocally({ input, sandbox: seeded });
    saveState(stateFile, seeded, onboarded.datadogAccounts, onboarded.accountRecords);
    const { replay } = await replayFrom(stateFile, input);

    // Assess
    expect(first.outcome).toBe('onboarded');
    expect(replay).toMatchObject({ outcome: 'onboarded', validationAttempts: 0, datadog: onboarded.datadog });
    // The lease taken (UpdateItem) and the record written with its release (UpdateItem); read first (GetItem).
    expect(replay.calls.mutating).toEqual({ iam: 0, sts: 0, organizations: 0, secretsmanager: 0, s3: 0, datadog: 0, dynamodb: 2 });
    expect(replay.calls.reads).toEqual({ dynamodb: 1 });
  }, 180_000);

  it("saves and loads the accounts table's items: the record survives to the next run, which keeps its origin", async () => {
    // Prepare: a run of its own, whose registration this application created.
    const stateFile = file();
    const input = sampleEvent('console-replay.json');
    const sandbox = newSandboxFor(input);
    const onboarded = await runLocally({ input, sandbox });
    const [record] = onboarded.accountRecords ?? [];
    expect(record).toMatchObject({ accountId: '444455556666', state: 'onboarded', origin: 'created' });

    // Act
    saveState(stateFile, sandbox, onboarded.datadogAccounts, onboarded.accountRecords);
    const { loaded, replay } = await replayFrom(stateFile, input);

    // Assess: the file holds the record as the table held it; the replay (registration unchanged) still says created.
    expect((JSON.parse(readFileSync(stateFile, 'utf8')) as { accountRecords: unknown }).accountRecords).toEqual(onboarded.accountRecords);
    expect(loaded.accountRecords).toEqual(onboarded.accountRecords);
    expect(replay.accountRecords).toEqual([
      expect.objectContaining({ accountId: '444455556666', state: 'onboarded', origin: 'created', policyHash: record.policyHash }),
    ]);
  }, 180_000);

  it('loads a state file saved before there were account records, and refuses a malformed record or lease in one line', () => {
    const stateFile = file();
    const input = sampleEvent('console-replay.json');
    saveState(stateFile, newSandboxFor(input), []);
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, unknown>;
    delete saved.accountRecords;
    writeFileSync(stateFile, JSON.stringify(saved));
    expect(loadState(stateFile).accountRecords).toEqual([]);

    writeFileSync(stateFile, JSON.stringify({ ...saved, accountRecords: [{ accountId: '1234', state: 'onboarded' }] }));
    expect(() => loadState(stateFile)).toThrow(`--state ${stateFile}: accountRecords.0.accountId: must be a 12-digit AWS account id`);

    const lease = { accountId: '444455556666', leaseHolder: 'someone', leaseExpiresAt: 1_800_000_000 };
    writeFileSync(stateFile, JSON.stringify({ ...saved, accountRecords: [lease] }));
    expect(() => loadState(stateFile)).toThrow(`--state ${stateFile}: accountRecords.0.leaseHolder: must be an execution ARN`);
    writeFileSync(stateFile, JSON.stringify({ ...saved, accountRecords: [{ ...lease, leaseHolder: undefined, leaseExpiresAt: 'soon' }] }));
    expect(() => loadState(stateFile)).toThrow(`--state ${stateFile}: accountRecords.0.leaseExpiresAt:`);
  });

  it('leaves the Datadog keys secret out of the file', async () => {
    const stateFile = file();
    const input = sampleEvent('console-replay.json');
    const sandbox = newSandboxFor(input);
    const keys = { apiKey: 'state-file-canary-api-key-0123', appKey: 'state-file-canary-app-key-4567' };
    const { startLocalDatadog } = await import('../../local/datadog/server');
    const datadog = await startLocalDatadog(keys);
    try {
      await runLocally({ input, sandbox, datadogUrl: datadog.url, datadogKeys: keys });
    } finally {
      await datadog.close();
    }

    saveState(stateFile, sandbox, []);

    const text = readFileSync(stateFile, 'utf8');
    expect(text).not.toContain(keys.apiKey);
    expect(text).not.toContain(keys.appKey);
    expect(text).not.toContain('datadog-onboarding/datadog-keys');
  });

  it('refuses a file that is not a saved state, in one line', () => {
    const stateFile = file();
    writeFileSync(stateFile, '{"version": 2}');
    expect(() => loadState(stateFile)).toThrow(new StateFileError(`--state ${stateFile}: not a state file of npm start (version 1)`));
    writeFileSync(stateFile, '{');
    expect(() => loadState(stateFile)).toThrow(StateFileError);
  });

  it.each([
    [
      'a sandbox field of the wrong type',
      (state: SavedState) => Object.assign(state.sandbox, { clockMs: 'soon' }),
      'sandbox.clockMs: Invalid input: expected number, received string',
    ],
    [
      'no sandbox',
      (state: SavedState) => Object.assign(state, { sandbox: null }),
      'sandbox: Invalid input: expected object, received null',
    ],
    [
      'a registration without an id',
      (state: SavedState) => state.datadogAccounts.push({ x: 1 }),
      'datadogAccounts.1.id: Invalid input: expected string, received undefined',
    ],
    [
      'a registration that is not an object',
      (state: SavedState) => state.datadogAccounts.push(null),
      'datadogAccounts.1: Invalid input: expected object, received null',
    ],
    [
      'two registrations of one account',
      (state: SavedState) =>
        state.datadogAccounts.push({ ...(state.datadogAccounts[0] as object), id: '0c6fd9a4-0a39-4bb9-8f4f-5a2c0a8d0b7e' }),
      'datadogAccounts.1: repeats 444455556666 (one registration per id and AWS account)',
    ],
  ])('names what is wrong in one line, with no class name, for %s', async (_, spoil, problem) => {
    // Prepare: a copy of one run's saved state, spoiled.
    const stateFile = file();
    const state = JSON.parse(await savedByRun()) as SavedState;
    spoil(state);
    writeFileSync(stateFile, JSON.stringify(state));

    // Act
    const { code, stdout, stderr } = await runCliHere(['events/console-replay.json', '--state', stateFile]);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toBe(`npm start: --state ${stateFile}: ${problem}\n`);
    expect(stdout).toBe('');
  });
});

type SavedState = { sandbox: Record<string, unknown>; datadogAccounts: unknown[] };

let saved: Promise<string> | undefined;
/** The state file `npm start -- events/console-replay.json --state FILE` writes, as text (one run, for every case). */
function savedByRun(): Promise<string> {
  saved ??= (async () => {
    const stateFile = file();
    await runCliHere(['events/console-replay.json', '--state', stateFile]);
    return readFileSync(stateFile, 'utf8');
  })();
  return saved;
}

describe('Command: npm start --state, when the file cannot be written', () => {
  it('refuses, before running, a state file whose folder does not exist', async () => {
    const stateFile = path.join(mkdtempSync(path.join(tmpdir(), 'onboarding-state-')), 'missing', 'org.json');

    const { code, stdout, stderr } = await runCliHere(['events/console-replay.json', '--state', stateFile]);

    expect(code).toBe(2);
    expect(stderr).toBe(`npm start: --state ${stateFile}: the folder ${path.dirname(stateFile)} does not exist\n`);
    expect(stdout).toBe('');
  });

  it('refuses, before running, a state file that is a folder', async () => {
    const stateFile = mkdtempSync(path.join(tmpdir(), 'onboarding-state-'));

    const { code, stderr } = await runCliHere(['events/console-replay.json', '--state', stateFile]);

    expect(code).toBe(2);
    expect(stderr).toBe(`npm start: --state ${stateFile}: not a file\n`);
  });

  it('reports a finished run, then fails the save in one line, when the folder goes away meanwhile', async () => {
    // Prepare
    const folder = mkdtempSync(path.join(tmpdir(), 'onboarding-state-'));
    const stateFile = path.join(folder, 'org.json');

    // Act: the folder is removed once the run has started.
    const { code, stdout, stderr } = await runCliHere(['events/console-replay.json', '--state', stateFile], {
      onStdout: (text) => {
        if (text.startsWith('Onboarding from')) rmSync(folder, { recursive: true, force: true });
      },
    });

    // Assess
    expect(code).toBe(1);
    expect(stdout).toContain('outcome: onboarded');
    expect(stderr).toBe(`npm start: cannot save the state to ${stateFile} (ENOENT); the run's result above was not saved\n`);
  });
});

describe('Command: npm start --state, two runs on one file', () => {
  it('refuses the second run while the first holds the file, in one line, and loses no update', async () => {
    // Prepare
    const stateFile = file();

    // Act: both start at once; the second finds the first's lock.
    const [first, second] = await Promise.all([
      runCliHere(['events/console-replay.json', '--state', stateFile]),
      runCliHere(['events/control-tower-update-managed-account.json', '--state', stateFile]),
    ]);

    // Assess
    expect(first.code).toBe(0);
    expect(second).toEqual({
      code: 2,
      stdout: '',
      stderr: `npm start: --state ${stateFile} is in use by another run (process ${process.pid} is using it); wait for it to finish, or delete the lock if no run is left\n`,
    });
    expect(loadState(stateFile).datadogAccounts).toHaveLength(1);
    expect(existsSync(`${stateFile}.lock`)).toBe(false);
    const after = await runCliHere(['events/control-tower-update-managed-account.json', '--state', stateFile]);
    expect(after.code).toBe(0);
    expect(loadState(stateFile).datadogAccounts).toHaveLength(2);
  });

  it('takes over the lock of a run that died', async () => {
    // Prepare: a lock left by a process that has exited.
    const stateFile = file();
    const { pid } = spawnSync(process.execPath, ['-e', '']);
    writeFileSync(`${stateFile}.lock`, `${pid}\n`);

    // Act
    const { code } = await runCliHere(['events/console-replay.json', '--state', stateFile]);

    // Assess
    expect(code).toBe(0);
    expect(loadState(stateFile).datadogAccounts).toHaveLength(1);
    expect(existsSync(`${stateFile}.lock`)).toBe(false);
  });
});

describe('Functions: runLocally and rotateLocally on a saved organization', () => {
  const OTHER_MANAGEMENT = '999988887777';
  const fromOtherManagement = (name: string) => ({ ...sampleEvent(name), account: OTHER_MANAGEMENT });

  it('runs any mix of its events and console replays in the organization the state holds', async () => {
    // Prepare: the organization of another management account than the samples'.
    const stateFile = file();
    const sandbox = newSandboxFor(fromOtherManagement('organizations-create-account-result.json'));
    const onboarded = await runLocally({ input: fromOtherManagement('organizations-create-account-result.json'), sandbox });
    saveState(stateFile, sandbox, onboarded.datadogAccounts);

    // Act
    const saved = loadState(stateFile);
    const replay = await runLocally({
      input: sampleEvent('console-replay.json'),
      sandbox: saved.sandbox,
      datadogAccounts: saved.datadogAccounts,
    });
    const update = await runLocally({
      input: fromOtherManagement('control-tower-update-managed-account.json'),
      sandbox: saved.sandbox,
      datadogAccounts: replay.datadogAccounts,
    });

    // Assess
    expect(onboarded.outcome).toBe('onboarded');
    expect(replay).toMatchObject({ outcome: 'onboarded', accountId: '444455556666', datadog: onboarded.datadog });
    // This replay gets no records (none passed): its own lease and record only.
    expect(replay.calls.mutating).toEqual({ iam: 0, sts: 0, organizations: 0, secretsmanager: 0, s3: 0, datadog: 0, dynamodb: 2 });
    expect(update).toMatchObject({ outcome: 'onboarded', accountId: '555566667777' });
    expect(update.datadogAccounts).toHaveLength(2);
  });

  it('rejects, in one line and changing nothing, an event of another management account', async () => {
    const sandbox = newSandboxFor(sampleEvent('console-replay.json'));
    const before = JSON.stringify(sandbox.toJSON().state);

    const summary = await runLocally({ input: fromOtherManagement('organizations-create-account-result.json'), sandbox });

    expect(summary).toMatchObject({
      outcome: 'rejected',
      reason:
        'the event comes from account 999988887777 (aws), but the saved organization is managed by 111122223333 (aws): use another state file for that organization',
    });
    expect(JSON.stringify(sandbox.toJSON().state)).toBe(before);
  });

  it('rotates a key in the organization of another management account', async () => {
    // Prepare
    const sandbox = new AwsSandbox({ managementAccountId: OTHER_MANAGEMENT });
    const replay = sampleEvent('govcloud-console-replay.json');
    const onboarded = await runLocally({ input: replay, sandbox, datadogSite: 'datadoghq.com' });

    // Act
    const rotated = await rotateLocally({ accountId: '777788889999', sandbox, datadogAccounts: onboarded.datadogAccounts });

    // Assess
    expect(onboarded.outcome).toBe('onboarded');
    expect(rotated).toMatchObject({ outcome: 'rotated', previousAccessKeyId: onboarded.datadog?.accessKeyId });
  });
});
