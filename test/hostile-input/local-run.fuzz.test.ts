/**
 * Hostile inputs through the whole local flow (`npm start`'s engine): console-like inputs the schema refuses end
 * `rejected`, lifecycle-like events that onboard nothing end `ignored` or `rejected`; either way nothing is created
 * in any account, Datadog is not called, no execution runs, and the reason is one line that echoes no value.
 */
import { restoreQuietLogs } from '../support/verbose-logs';
import fc from 'fast-check';
import { startLocalDatadog, type LocalDatadogServer } from '../../local/datadog/server';
import { runLocally, type LocalRunSummary } from '../../local/run';
import { decideLifecycleEvent } from '../../shared/events/lifecycle-event';
import { logger } from '../../shared/logger';
import { executionInputSchema } from '../../shared/onboarding/execution-input';
import { sampleEvent } from '../helpers';
import { captureOutput, echoedPayloads, hostileConsoleInput, hostileLifecycleEvent, LINE_TERMINATOR } from './hostile-values';

const KEYS = { apiKey: 'hostile-input-api-key', appKey: 'hostile-input-app-key' };
/** runLocally prefixes the starter's reason with why no EventBridge rule fired. */
const MAX_REASON = 400;

function looksLikeEventBridgeEvent(input: unknown): boolean {
  return input !== null && typeof input === 'object' && ('detail-type' in input || 'source' in input);
}

/** What the run created: Datadog roles and policies in any account, registrations. */
function created(summary: LocalRunSummary): string[] {
  const accounts = Object.entries(summary.sandbox.accounts);
  return [
    ...accounts.flatMap(([id, account]) =>
      account.roles.filter((role) => role.roleName === 'DatadogIntegrationRole').map(() => `role in ${id}`),
    ),
    ...accounts.flatMap(([id, account]) =>
      account.policies.filter((policy) => policy.policyName.startsWith('DatadogIntegrationPolicy')).map(() => `policy in ${id}`),
    ),
    ...summary.datadogAccounts.map((registration) => `registration ${registration.id}`),
  ];
}

describe('Hostile input: runLocally', () => {
  let datadog: LocalDatadogServer;

  beforeAll(async () => {
    datadog = await startLocalDatadog(KEYS);
  });

  afterAll(async () => {
    await datadog.close();
    restoreQuietLogs();
    logger.setLogLevel('SILENT');
  });

  async function checkNothingHappens(input: unknown, outcomes: LocalRunSummary['outcome'][]): Promise<void> {
    // Prepare
    const before = datadog.requests().length;
    const progress: unknown[] = [];

    // Act
    const {
      value: summary,
      error,
      output,
    } = await captureOutput(() =>
      runLocally({ input, datadogUrl: datadog.url, datadogKeys: KEYS, logLevel: 'DEBUG', onProgress: (event) => progress.push(event) }),
    );

    // Assess
    expect(error).toBeUndefined();
    if (summary === undefined) throw new Error('no summary');
    expect(outcomes).toContain(summary.outcome);
    expect(summary.reason).toEqual(expect.any(String));
    expect(summary.reason).not.toMatch(LINE_TERMINATOR);
    expect(summary.reason?.length).toBeLessThanOrEqual(MAX_REASON);
    expect(echoedPayloads(summary.reason ?? '')).toEqual([]);
    expect(echoedPayloads(output)).toEqual([]);
    expect(created(summary)).toEqual([]);
    expect(progress).toEqual([]);
    expect(datadog.requests()).toHaveLength(before);
  }

  it('captures the starter’s log line in a local run (control: the scans below see what the functions log)', async () => {
    // Act
    const { value: summary, output } = await captureOutput(() =>
      runLocally({
        input: sampleEvent('control-tower-create-managed-account-failed.json'),
        datadogUrl: datadog.url,
        datadogKeys: KEYS,
        logLevel: 'DEBUG',
      }),
    );

    // Assess
    expect(summary?.outcome).toBe('ignored');
    expect(output).toContain('"message":"event ignored"');
    expect(output).toContain(summary?.reason);
  });

  it('rejects a console-like input the schema refuses, in one redacted line, with nothing created', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileConsoleInput.filter((input) => !looksLikeEventBridgeEvent(input) && !executionInputSchema.safeParse(input).success),
        async (input) => checkNothingHappens(input, ['rejected']),
      ),
      { numRuns: 60 },
    );
  });

  it('ignores or rejects a lifecycle-like event that onboards nothing, in one redacted line, with nothing created', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileLifecycleEvent.filter((event) => looksLikeEventBridgeEvent(event) && decideLifecycleEvent(event).action !== 'onboard'),
        async (event) => checkNothingHappens(event, ['ignored', 'rejected']),
      ),
      { numRuns: 60 },
    );
  });

  it('rejects a console input with a hostile field name, and says which input was refused', async () => {
    // Act
    const { value: summary } = await captureOutput(() =>
      runLocally({
        input: { accountId: '444455556666', "x'; DROP TABLE accounts;--\nforged-entry": 1 },
        datadogUrl: datadog.url,
        datadogKeys: KEYS,
      }),
    );

    // Assess
    expect(summary?.outcome).toBe('rejected');
    expect(summary?.reason).toMatch(/^execution input \(top level\): /);
    expect(summary?.reason).not.toMatch(LINE_TERMINATOR);
    expect(echoedPayloads(summary?.reason ?? '')).toEqual([]);
  });
});
