/**
 * Secrets hygiene of `npm start -- --json --verbose --datadog-url URL` with the keys in DD_API_KEY / DD_APP_KEY:
 * whatever the flow, neither key appears on stdout or stderr (the functions' own logs included).
 */
import { startLocalDatadog, type LocalDatadogServer } from '../../local/datadog/server';
import { runCli, type CliRun } from '../helpers';
import { CANARY_KEYS, canariesIn } from './canaries';

/**
 * Runs the CLI as `npm start` does, asynchronously: the Datadog server it calls runs in this process, so a
 * synchronous spawn would leave it unable to answer.
 */
function start(datadogUrl: string, ...args: string[]): Promise<CliRun> {
  return runCli([...args, '--json', '--verbose', '--datadog-url', datadogUrl], { DD_API_KEY: CANARY_KEYS.apiKey, DD_APP_KEY: CANARY_KEYS.appKey });
}

describe('Secrets hygiene: npm start', () => {
  const servers: LocalDatadogServer[] = [];

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  it('prints neither key in any flow, on stdout or stderr, with --verbose logs', async () => {
    // Prepare: one Datadog per flow (each starts with no registration); one expects other keys (403).
    const flows = [
      { name: 'Control Tower sample', file: 'events/control-tower-create-managed-account.json', keys: CANARY_KEYS, outcome: 'onboarded', code: 0 },
      { name: 'Organizations sample', file: 'events/organizations-create-account-result.json', keys: CANARY_KEYS, outcome: 'onboarded', code: 0 },
      { name: 'console replay', file: 'events/console-replay.json', keys: CANARY_KEYS, outcome: 'onboarded', code: 0 },
      { name: 'keys refused (403)', file: 'events/console-replay.json', keys: { apiKey: 'the-real-api-key', appKey: 'the-real-app-key' }, outcome: 'failed', code: 1 },
      { name: 'ignored event', file: 'events/control-tower-create-managed-account-failed.json', keys: CANARY_KEYS, outcome: 'ignored', code: 0 },
    ];
    for (const flow of flows) servers.push(await startLocalDatadog(flow.keys));

    // Act
    const runs = await Promise.all(flows.map((flow, index) => start(servers[index].url, flow.file)));

    // Assess: each flow did what it should, with the functions' logs on stderr and the keys sent to Datadog...
    flows.forEach((flow, index) => {
      const { code, stdout, stderr } = runs[index];
      expect({ flow: flow.name, code, outcome: (JSON.parse(stdout) as { outcome: string }).outcome }).toEqual({ flow: flow.name, code: flow.code, outcome: flow.outcome });
      expect(stderr).toMatch(flow.outcome === 'ignored' ? /"message":\s*"event ignored"/ : /"message":\s*"target resolved"/);
      const statuses = servers[index].requests().map((request) => `${request.operation} ${request.status}`);
      if (flow.outcome === 'onboarded') expect(statuses).toContain('CreateAWSAccount 200');
      if (flow.outcome === 'failed') expect(statuses).toContain('ListAWSAccounts 403');
    });
    // ...and no output holds them.
    const leaks = flows.flatMap((flow, index) => [
      ...canariesIn(runs[index].stdout).map((form) => `${flow.name}: stdout holds ${form}`),
      ...canariesIn(runs[index].stderr).map((form) => `${flow.name}: stderr holds ${form}`),
    ]);
    expect(leaks).toEqual([]);
  });
});
