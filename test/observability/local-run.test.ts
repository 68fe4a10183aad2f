/**
 * Onboarding you can watch, end to end on the local run: the metrics the functions emit (EMF, captured into the
 * summary) and the Datadog events the record steps post, for an onboarded and a failed account; `DatadogEvents`
 * false; an event Datadog refuses.
 */
import { startLocalDatadog } from '../../local/datadog/server';
import type { EmittedMetric } from '../../local/functions';
import { lifecycleEventTime, runLocally } from '../../local/run';
import { AwsSandbox, VirtualClock } from '../../local/sandbox';
import { METRIC_NAMES, METRICS_NAMESPACE } from '../../shared/observability/metric-names';
import { sampleEvent } from '../helpers';

const MEMBER = '444455556666';
const MANAGEMENT = '111122223333';
const SERVICE = { service: 'datadog-aws-account-onboarding' };

/** The Control Tower sample, its lifecycle event `secondsAgo` before the sandbox's clock. */
function controlTowerEvent(sandbox: AwsSandbox, secondsAgo: number): Record<string, unknown> {
  return {
    ...sampleEvent('control-tower-create-managed-account.json'),
    time: new Date(sandbox.clock.now() - secondsAgo * 1000).toISOString(),
  };
}

/** The metrics of that name, as `{value, unit, dimensions}`. */
function named(metrics: EmittedMetric[], name: string) {
  return metrics.filter((metric) => metric.name === name).map(({ value, unit, dimensions }) => ({ value, unit, dimensions }));
}

describe('Observability: the local run', () => {
  it('emits the onboarded metrics, the time to onboard from the lifecycle event on the virtual clock, and one success event', async () => {
    // Prepare: the event happened 90 virtual seconds before the run starts.
    const sandbox = new AwsSandbox({ managementAccountId: MANAGEMENT, propagationSeconds: 10 });
    const event = controlTowerEvent(sandbox, 90);

    // Act
    const summary = await runLocally({ input: event, sandbox });

    // Assess
    expect(summary.outcome).toBe('onboarded');
    expect(summary.metrics.every((metric) => metric.namespace === METRICS_NAMESPACE)).toBe(true);
    expect(named(summary.metrics, METRIC_NAMES.onboarded)).toEqual([{ value: 1, unit: 'Count', dimensions: SERVICE }]);
    expect(named(summary.metrics, METRIC_NAMES.validationAttempts)).toEqual([
      { value: summary.validationAttempts, unit: 'Count', dimensions: SERVICE },
    ]);
    expect(summary.validationAttempts).toBeGreaterThan(1);
    const record = summary.accountRecords?.find((item) => item.accountId === MEMBER) as { lastOnboardedAt: string };
    const expected = (Date.parse(record.lastOnboardedAt) - Date.parse(String(event.time))) / 1000;
    expect(named(summary.metrics, METRIC_NAMES.timeToOnboard)).toEqual([{ value: expected, unit: 'Seconds', dimensions: SERVICE }]);
    // 90 s before the run, then the validation waits on the virtual clock.
    expect(expected).toBeGreaterThan(90 + (summary.validatedAfterSeconds ?? 0) - 1);
    expect(named(summary.metrics, METRIC_NAMES.failed)).toEqual([]);
    expect(summary.datadogEvents).toEqual([
      expect.objectContaining({
        title: `AWS account onboarded into Datadog: ${MEMBER}`,
        text: `Account ${MEMBER} (partition aws, OU ou-XXXX-l3zc8b3h (Custom)) onboarded`,
        tags: [
          `aws_account:${MEMBER}`,
          'aws_partition:aws',
          'organizational_unit:ou-xxxx-l3zc8b3h',
          'organizational_unit_name:custom',
          'outcome:onboarded',
          'service:datadog-aws-account-onboarding',
        ],
        alert_type: 'success',
        aggregation_key: `aws-account-${MEMBER}`,
      }),
    ]);
    // Events are not integration calls: a replay's "nothing written" stays true.
    expect(summary.calls.mutating.datadog).toBe(2);
  });

  it('emits no time to onboard for a console replay (no lifecycle event)', async () => {
    // Act
    const summary = await runLocally({ input: sampleEvent('console-replay.json') });

    // Assess
    expect(summary.outcome).toBe('onboarded');
    expect(named(summary.metrics, METRIC_NAMES.onboarded)).toHaveLength(1);
    expect(named(summary.metrics, METRIC_NAMES.timeToOnboard)).toEqual([]);
    expect(summary.datadogEvents.map((event) => event.tags.filter((tag) => tag.startsWith('outcome:')))).toEqual([['outcome:onboarded']]);
  });

  it("plays a sample event written years ago at its own time: TimeToOnboard measures the onboarding, not the sample's age", async () => {
    // Prepare: the Control Tower sample's time is 2018-08-30T21:42:18Z.
    const event = sampleEvent('control-tower-create-managed-account.json');
    const eventMs = Date.parse(String(event.time));

    // Act: the run makes its own sandbox.
    const summary = await runLocally({ input: event });

    // Assess: seconds (the validation waits on the virtual clock), from the event's time to the record's.
    expect(summary.outcome).toBe('onboarded');
    const record = summary.accountRecords?.find((item) => item.accountId === MEMBER) as { lastOnboardedAt: string };
    const [timeToOnboard] = named(summary.metrics, METRIC_NAMES.timeToOnboard);
    expect(timeToOnboard.value).toBe((Date.parse(record.lastOnboardedAt) - eventMs) / 1000);
    expect(timeToOnboard.value).toBeGreaterThanOrEqual(summary.validatedAfterSeconds ?? 0);
    expect(timeToOnboard.value).toBeLessThan(900);
  });

  it("moves a saved sandbox whose clock is behind the event on to the event's time, never back", async () => {
    // Prepare: a sandbox whose clock is a day before the event, and one a minute after it.
    const event = sampleEvent('control-tower-create-managed-account.json');
    const eventMs = Date.parse(String(event.time));
    const behind = new AwsSandbox({ managementAccountId: MANAGEMENT, clock: new VirtualClock(eventMs - 86_400_000) });
    const ahead = new AwsSandbox({ managementAccountId: MANAGEMENT, clock: new VirtualClock(eventMs + 60_000) });

    // Act
    const fromBehind = await runLocally({ input: event, sandbox: behind });
    const fromAhead = await runLocally({ input: event, sandbox: ahead });

    // Assess: from behind, the onboarding alone (not a day more); from ahead, the minute the event had waited.
    const seconds = (summary: typeof fromBehind) => named(summary.metrics, METRIC_NAMES.timeToOnboard)[0].value;
    expect(seconds(fromBehind)).toBeLessThan(900);
    expect(seconds(fromAhead)).toBeGreaterThanOrEqual(60);
    expect(lifecycleEventTime({ ...event, time: new Date(Date.now() + 60_000).toISOString() })).toBeUndefined();
    expect(lifecycleEventTime({ accountId: MEMBER })).toBeUndefined();
  });

  it('emits the failure in total and per error name, and one error event with the cause on one line', async () => {
    // Prepare: the member account has no role the automation can assume.
    const sandbox = new AwsSandbox({ managementAccountId: MANAGEMENT, propagationSeconds: 10 });
    sandbox.addAccount(MEMBER);

    // Act
    const summary = await runLocally({ input: sampleEvent('organizations-create-account-result.json'), sandbox });

    // Assess
    expect(summary.outcome).toBe('failed');
    // The per-error one is published at once, the total when the invocation ends.
    expect(named(summary.metrics, METRIC_NAMES.failed)).toEqual([
      { value: 1, unit: 'Count', dimensions: { ...SERVICE, ErrorName: 'MemberAccountAccessError' } },
      { value: 1, unit: 'Count', dimensions: SERVICE },
    ]);
    expect(named(summary.metrics, METRIC_NAMES.onboarded)).toEqual([]);
    expect(summary.datadogEvents).toHaveLength(1);
    const [event] = summary.datadogEvents;
    expect(event.alert_type).toBe('error');
    expect(event.tags).toEqual(expect.arrayContaining([`aws_account:${MEMBER}`, 'outcome:failed', 'error:memberaccountaccesserror']));
    expect(event.text).toMatch(new RegExp(`^Account ${MEMBER} \\(partition aws\\) failed: MemberAccountAccessError — .+`));
    expect(event.text).not.toContain('\n');
  });

  it('sends no event with DatadogEvents false, and still emits the metrics', async () => {
    // Act
    const summary = await runLocally({ input: sampleEvent('console-replay.json'), parameters: { DatadogEvents: 'false' } });

    // Assess
    expect(summary.outcome).toBe('onboarded');
    expect(summary.datadogEvents).toEqual([]);
    expect(named(summary.metrics, METRIC_NAMES.onboarded)).toHaveLength(1);
  });

  it('onboards all the same when Datadog refuses the event, and sends it to --datadog-url', async () => {
    // Prepare: a Datadog server of our own that fails every event with a 500 (once: no client retries for events).
    const keys = { apiKey: 'api-key-of-the-test', appKey: 'app-key-of-the-test' };
    const refusing = await startLocalDatadog({
      ...keys,
      faults: { before: (operation) => (operation === 'CreateEvent' ? 500 : undefined) },
    });
    const accepting = await startLocalDatadog(keys);

    try {
      // Act
      const refused = await runLocally({ input: sampleEvent('console-replay.json'), datadogUrl: refusing.url, datadogKeys: keys });
      const sent = await runLocally({ input: sampleEvent('console-replay.json'), datadogUrl: accepting.url, datadogKeys: keys });

      // Assess
      expect(refused.outcome).toBe('onboarded');
      expect(
        refusing
          .requests()
          .filter((request) => request.operation === 'CreateEvent')
          .map((request) => request.status),
      ).toEqual([500]);
      expect(refusing.events()).toEqual([]);
      expect(named(refused.metrics, METRIC_NAMES.onboarded)).toHaveLength(1);
      expect(sent.outcome).toBe('onboarded');
      expect(accepting.events().map((event) => event.tags.find((tag) => tag.startsWith('outcome:')))).toEqual(['outcome:onboarded']);
      // The summary lists the embedded server's events only; with --datadog-url that server has them.
      expect(sent.datadogEvents).toEqual([]);
    } finally {
      await refusing.close();
      await accepting.close();
    }
  });
});
