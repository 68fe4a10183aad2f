/**
 * Secrets hygiene of `npm start -- --json --datadog-url URL` with the keys in DD_API_KEY / DD_APP_KEY: whatever the
 * flow, neither key appears on stdout or stderr (with `--verbose`, the functions' own logs included).
 */
import { startLocalDatadog, type LocalDatadogServer } from '../../local/datadog/server';
import { runCli, runCliHere, type CliRun } from '../helpers';
import { CANARY_KEYS, canariesIn } from './canaries';

const KEYS_ENV = { DD_API_KEY: CANARY_KEYS.apiKey, DD_APP_KEY: CANARY_KEYS.appKey };

interface Flow {
  name: string;
  file: string;
  keys: { apiKey: string; appKey: string };
  outcome: string;
  code: number;
}

/** One Datadog per flow (each starts with no registration); one expects other keys (403). */
const FLOWS: Flow[] = [
  {
    name: 'Control Tower sample',
    file: 'events/control-tower-create-managed-account.json',
    keys: CANARY_KEYS,
    outcome: 'onboarded',
    code: 0,
  },
  {
    name: 'Organizations sample',
    file: 'events/organizations-create-account-result.json',
    keys: CANARY_KEYS,
    outcome: 'onboarded',
    code: 0,
  },
  { name: 'console replay', file: 'events/console-replay.json', keys: CANARY_KEYS, outcome: 'onboarded', code: 0 },
  {
    name: 'keys refused (403)',
    file: 'events/console-replay.json',
    keys: { apiKey: 'the-real-api-key', appKey: 'the-real-app-key' },
    outcome: 'failed',
    code: 1,
  },
  {
    name: 'ignored event',
    file: 'events/control-tower-create-managed-account-failed.json',
    keys: CANARY_KEYS,
    outcome: 'ignored',
    code: 0,
  },
];

describe('Secrets hygiene: npm start', () => {
  const servers: LocalDatadogServer[] = [];

  /** Starts one local Datadog per flow, expecting that flow's keys. */
  async function datadogsFor(flows: Flow[]): Promise<LocalDatadogServer[]> {
    const started = await Promise.all(flows.map((flow) => startLocalDatadog(flow.keys)));
    servers.push(...started);
    return started;
  }

  /** Each flow did what it should, and the keys were sent to Datadog. */
  function expectOutcomes(flows: Flow[], runs: CliRun[], datadogs: LocalDatadogServer[]): void {
    flows.forEach((flow, index) => {
      const { code, stdout } = runs[index];
      expect({ flow: flow.name, code, outcome: (JSON.parse(stdout) as { outcome: string }).outcome }).toEqual({
        flow: flow.name,
        code: flow.code,
        outcome: flow.outcome,
      });
      const statuses = datadogs[index].requests().map((request) => `${request.operation} ${request.status}`);
      if (flow.outcome === 'onboarded') expect(statuses).toContain('CreateAWSAccount 200');
      if (flow.outcome === 'failed') expect(statuses).toContain('ListAWSAccounts 403');
    });
  }

  /** Where a key shows in what the runs wrote. */
  function leaksOf(flows: Flow[], runs: CliRun[]): string[] {
    return flows.flatMap((flow, index) => [
      ...canariesIn(runs[index].stdout).map((form) => `${flow.name}: stdout holds ${form}`),
      ...canariesIn(runs[index].stderr).map((form) => `${flow.name}: stderr holds ${form}`),
    ]);
  }

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  it('prints neither key in any flow, on stdout or stderr', async () => {
    // Prepare
    const datadogs = await datadogsFor(FLOWS);

    // Act: `main` with the keys in its environment, as the process gives them; one run at a time, as a process runs
    // one (a local run installs its sandbox for the whole process).
    const runs: CliRun[] = [];
    for (const [index, flow] of FLOWS.entries())
      runs.push(await runCliHere([flow.file, '--json', '--datadog-url', datadogs[index].url], { env: KEYS_ENV }));

    // Assess
    expectOutcomes(FLOWS, runs, datadogs);
    expect(leaksOf(FLOWS, runs)).toEqual([]);
  });

  // Spawned: --verbose sends the functions' own logs to the process's stderr, so only the whole output of a real
  // process shows them. The flow where Datadog refuses the keys: its logs and its failure (exit 1) carry the most.
  it('prints neither key anywhere in the whole output of the process, with --verbose logs, when Datadog refuses the keys', async () => {
    // Prepare
    const flows = FLOWS.filter((flow) => flow.name === 'keys refused (403)');
    const datadogs = await datadogsFor(flows);

    // Act
    const runs = await Promise.all(
      flows.map((flow, index) => runCli([flow.file, '--json', '--verbose', '--datadog-url', datadogs[index].url], KEYS_ENV)),
    );

    // Assess: the functions' logs are on stderr (so they were scanned)...
    expectOutcomes(flows, runs, datadogs);
    for (const run of runs) expect(run.stderr).toMatch(/"message":\s*"target resolved"/);
    // ...and no output holds a key.
    expect(leaksOf(flows, runs)).toEqual([]);
  });
});
