/**
 * `--state FILE`: a run's sandbox and registrations saved, loaded by the next run, without any key value in the file.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { newSandboxFor, runLocally } from '../../local/run';
import { StateFileError, loadState, saveState } from '../../local/state-file';
import { sampleEvent } from '../helpers';

describe('Functions: saveState and loadState', () => {
  const file = () => path.join(mkdtempSync(path.join(tmpdir(), 'onboarding-state-')), 'state.json');

  it('carries a run over to the next: the replay makes no mutating call at all', async () => {
    // Prepare
    const stateFile = file();
    const input = sampleEvent('console-replay.json');
    const first = await runLocally({ input, sandbox: newSandboxFor(input) });

    // Act
    const firstState = loadState(stateFile);
    expect(firstState).toEqual({});
    const seeded = newSandboxFor(input);
    const onboarded = await runLocally({ input, sandbox: seeded });
    saveState(stateFile, seeded, onboarded.datadogAccounts);
    const loaded = loadState(stateFile);
    const replay = await runLocally({ input, sandbox: loaded.sandbox, datadogAccounts: loaded.datadogAccounts });

    // Assess
    expect(first.outcome).toBe('onboarded');
    expect(replay).toMatchObject({ outcome: 'onboarded', validationAttempts: 0, datadog: onboarded.datadog });
    expect(replay.calls.mutating).toEqual({ iam: 0, sts: 0, organizations: 0, secretsmanager: 0, datadog: 0 });
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
    expect(text).not.toContain('datadog-onboarding/datadog-keys');
  });

  it('refuses a file that is not a saved state, in one line', () => {
    const stateFile = file();
    writeFileSync(stateFile, '{"version": 2}');
    expect(() => loadState(stateFile)).toThrow(new StateFileError(`--state ${stateFile}: not a state file of npm start (version 1)`));
    writeFileSync(stateFile, '{');
    expect(() => loadState(stateFile)).toThrow(StateFileError);
  });
});
