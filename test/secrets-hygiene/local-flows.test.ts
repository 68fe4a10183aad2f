/**
 * Secrets hygiene: every local flow runs with canary Datadog keys, and every log line, every state of the
 * execution, the summary, the Datadog server's records and any error are scanned for them. The keys belong in the
 * keys secret and in the request headers to Datadog, and nowhere else.
 */
import { restoreQuietLogs } from '../support/verbose-logs';
import { startLocalDatadog, type DatadogEventRecord, type LocalDatadogServer } from '../../local/datadog/server';
import { runLocally, type LocalRunOptions, type LocalRunSummary } from '../../local/run';
import { AwsSandbox } from '../../local/sandbox';
import { logger } from '../../shared/logger';
import { sampleEvent } from '../helpers';
import { CANARY_KEYS, canariesIn, canariesInValue, captureOutput } from './canaries';

const MEMBER = '444455556666';
const MANAGEMENT = '111122223333';

/** Everything one flow produced that anyone could read. */
interface Observed {
  summary?: LocalRunSummary;
  error?: unknown;
  progress: unknown[];
  output: string;
  requests: unknown[];
  registrations: unknown[];
  /** The Datadog events the flow posted (the record steps'). */
  events: DatadogEventRecord[];
}

/** Runs one flow against `datadog` with the canary keys, capturing everything it produced. */
async function runFlow(datadog: LocalDatadogServer, options: Partial<LocalRunOptions> & { input: unknown }): Promise<Observed> {
  const progress: unknown[] = [];
  const before = datadog.requests().length;
  const eventsBefore = datadog.events().length;
  const { value, error, output } = await captureOutput(() =>
    runLocally({
      datadogUrl: datadog.url,
      datadogKeys: CANARY_KEYS,
      logLevel: 'DEBUG',
      onProgress: (event) => progress.push(event),
      ...options,
    }),
  );
  return {
    summary: value,
    error,
    progress,
    output,
    requests: datadog.requests().slice(before),
    registrations: datadog.accounts(),
    events: datadog.events().slice(eventsBefore),
  };
}

/** Where a canary showed up, by channel; empty when nothing leaked. */
function leaks(observed: Observed): Record<string, string[]> {
  const found: Record<string, string[]> = {
    summary: canariesInValue(observed.summary ?? null),
    'progress events (execution state)': canariesInValue(observed.progress),
    'stdout, stderr and console': canariesIn(observed.output),
    'Datadog server requests': canariesInValue(observed.requests),
    'Datadog registrations': canariesInValue(observed.registrations),
    'Datadog events': canariesInValue(observed.events),
    error: observed.error === undefined ? [] : canariesInValue(observed.error),
  };
  return Object.fromEntries(Object.entries(found).filter(([, forms]) => forms.length > 0));
}

/** Operations the Datadog server answered, with status. */
function answered(observed: Observed): string[] {
  return (observed.requests as { operation: string; status: number }[]).map((request) => `${request.operation} ${request.status}`);
}

/** A sandbox of the organization with the member account, and its access role only when asked. */
function organization(accessRole?: string): AwsSandbox {
  const sandbox = new AwsSandbox({ managementAccountId: MANAGEMENT, propagationSeconds: 10 });
  sandbox.addAccount(MEMBER);
  if (accessRole) {
    sandbox.putRole(MEMBER, accessRole, {
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MANAGEMENT}:root` }, Action: 'sts:AssumeRole' }],
      },
      attachedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'],
    });
  }
  return sandbox;
}

describe('Secrets hygiene: local flows', () => {
  let datadog: LocalDatadogServer;

  // A fresh Datadog for each flow, so each starts with no registration.
  beforeEach(async () => {
    datadog = await startLocalDatadog(CANARY_KEYS);
  });

  afterEach(async () => {
    await datadog.close();
  });

  afterAll(() => {
    restoreQuietLogs();
    logger.setLogLevel('SILENT');
  });

  describe('controls: the scan would see a leak', () => {
    it('finds each canary verbatim, URL-encoded, base64-encoded, JSON-escaped and inside a larger base64 blob', () => {
      // Prepare
      const { apiKey, appKey } = CANARY_KEYS;
      const texts = [
        `header ${apiKey}`,
        `url ?key=${encodeURIComponent(appKey)}`,
        `basic ${Buffer.from(`x${apiKey}:${appKey}`).toString('base64')}`,
        `base64url ${Buffer.from(`yy${appKey}`).toString('base64url')}`,
        JSON.stringify({ secret: JSON.stringify({ apiKey }) }),
        `without its prefix ${apiKey.slice('canary+api/'.length, -1)}.`,
      ];

      // Act
      const found = texts.map((text) => canariesIn(text).length > 0);

      // Assess
      expect(found).toEqual([true, true, true, true, true, true]);
      expect(canariesIn('nothing secret here')).toEqual([]);
    });

    it('captures what the functions log at DEBUG, so a key in a log line would be found', async () => {
      // Act
      const { output } = await captureOutput(async () => logger.info('probe', { apiKey: CANARY_KEYS.apiKey }));

      // Assess
      expect(output).toContain('"message":"probe"');
      expect(canariesIn(output)).toContain('apiKey (verbatim)');
    });
  });

  it.each([
    ['the Control Tower sample', 'control-tower-create-managed-account.json'],
    ['the Organizations sample', 'organizations-create-account-result.json'],
    ['a console replay', 'console-replay.json'],
  ])('onboards %s with the keys on the wire only', async (_, file) => {
    // Act
    const observed = await runFlow(datadog, { input: sampleEvent(file) });

    // Assess: the flow ran, logged, and Datadog accepted the canary keys (so they were on the wire)...
    expect(observed.error).toBeUndefined();
    expect(observed.summary?.outcome).toBe('onboarded');
    expect(observed.output).toContain('"message":"account registered"');
    expect(answered(observed)).toEqual(expect.arrayContaining(['ListAWSAccounts 200', 'CreateAWSAccount 200']));
    expect(observed.progress.length).toBeGreaterThan(10);
    // ...and nothing anyone can read holds them.
    expect(leaks(observed)).toEqual({});
    // The onboarding's Datadog event tells the account and outcome only: no key, and not the external ID either.
    expect(observed.events.map((event) => event.tags.find((tag) => tag.startsWith('outcome:')))).toEqual(['outcome:onboarded']);
    const externalId = observed.summary?.datadog?.externalId;
    expect(externalId).toBeTruthy();
    expect(JSON.stringify(observed.events)).not.toContain(String(externalId));
  });

  it('keeps the keys out of a failure where Datadog refuses them (403)', async () => {
    // Prepare: a Datadog that expects other keys.
    const strict = await startLocalDatadog({ apiKey: 'the-real-api-key', appKey: 'the-real-app-key' });

    try {
      // Act
      const observed = await runFlow(strict, { input: sampleEvent('control-tower-create-managed-account.json') });

      // Assess: Datadog received the canary keys and refused them...
      expect(observed.summary?.outcome).toBe('failed');
      expect(observed.summary?.reason).toMatch(/^DatadogRequestError: .*403/);
      expect(answered(observed)).toContain('ListAWSAccounts 403');
      expect(observed.output).toContain('"message":"step failed"');
      // ...and the failure, its logs and its state do not repeat them.
      expect(leaks(observed)).toEqual({});
    } finally {
      await strict.close();
    }
  });

  it('keeps the keys out of a failure in the member account (no access role)', async () => {
    // Prepare
    const sandbox = organization();

    // Act
    const observed = await runFlow(datadog, { input: sampleEvent('organizations-create-account-result.json'), sandbox });

    // Assess: the keys are in the sandbox's Secrets Manager, where they belong...
    expect(canariesInValue(sandbox.toJSON())).toEqual(expect.arrayContaining(['apiKey (verbatim)', 'appKey (verbatim)']));
    expect(observed.summary?.outcome).toBe('failed');
    expect(observed.summary?.reason).toMatch(/^MemberAccountAccessError: /);
    expect(answered(observed)).toContain('ListAWSAccounts 200');
    // ...and nowhere else, not in the failure's Datadog event either.
    expect(observed.events.map((event) => event.alert_type)).toEqual(['error']);
    expect(leaks(observed)).toEqual({});
  });

  it('keeps the keys out of an ignored event', async () => {
    // Prepare
    const sandbox = organization('AWSControlTowerExecution');

    // Act
    const observed = await runFlow(datadog, { input: sampleEvent('control-tower-create-managed-account-failed.json'), sandbox });

    // Assess
    expect(canariesInValue(sandbox.toJSON())).toEqual(expect.arrayContaining(['apiKey (verbatim)', 'appKey (verbatim)']));
    expect(observed.summary?.outcome).toBe('ignored');
    expect(observed.output).toContain('"message":"event ignored"');
    expect(observed.requests).toEqual([]);
    expect(leaks(observed)).toEqual({});
  });

  it('keeps the keys out of a replay of an onboarded account (adopted registration, nothing written)', async () => {
    // Prepare
    const sandbox = organization('OrganizationAccountAccessRole');
    const first = await runFlow(datadog, { input: sampleEvent('console-replay.json'), sandbox });
    sandbox.clock.advance(3600);

    // Act
    const replay = await runFlow(datadog, { input: sampleEvent('console-replay.json'), sandbox });

    // Assess
    expect(first.summary?.outcome).toBe('onboarded');
    expect(replay.summary?.outcome).toBe('onboarded');
    expect(answered(replay)).toContain('ListAWSAccounts 200');
    expect(leaks(first)).toEqual({});
    expect(leaks(replay)).toEqual({});
  });
});
