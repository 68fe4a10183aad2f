/**
 * A local run under a tight Datadog rate limit: the functions wait out 429s on the sandbox's virtual clock (never on
 * a real timer), the state machine backs off on `DatadogRateLimitedError`, and every account ends onboarded.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { newSandboxFor, runLocally } from '../../local/run';
import { NO_TIME_OUT_SECONDS } from '../../local/step-functions';
import { sampleEvent } from '../helpers';

/**
 * The time-out timers the local Step Functions engine arms for each Task and for the execution (`TimeoutSeconds` of
 * the definition): cleared when the state ends, they never wait. Any other real timer of a second or more would be a
 * real wait.
 */
const TIME_OUT_TIMERS = new Set([
  ...[...readFileSync(path.join(__dirname, '../../statemachine/onboarding.asl.json'), 'utf8').matchAll(/"TimeoutSeconds": (\d+)/g)].map(
    ([, seconds]) => Number(seconds) * 1000,
  ),
  // A state with no time-out (a Wait run as a Task, a Task without TimeoutSeconds) arms the longest timer, never fired.
  NO_TIME_OUT_SECONDS * 1000,
]);

/** Runs the sample with that limit; the run's virtual seconds and the real timers of 1 s or more it set (time-outs aside). */
async function throttledRun(file: string, datadogRateLimit?: { requests: number; seconds: number }) {
  const input = sampleEvent(file);
  const sandbox = newSandboxFor(input);
  // Windows are aligned on the clock (as Datadog's are): start at a window's beginning, so the run's waits do not depend
  // on where in a window the real time of day falls.
  const windowMs = (datadogRateLimit?.seconds ?? 1) * 1000;
  sandbox.clock.advance(((windowMs - (sandbox.clock.now() % windowMs)) % windowMs) / 1000);
  const start = sandbox.clock.now();
  // Who set each timer: the AWS SDK's HTTP handler (DynamoDB calls go over real HTTP to the local DynamoDB) defers its
  // socket listeners on a timer of its own, which is no wait of ours.
  const set: { delay: number; bySdk: boolean }[] = [];
  const realSetTimeout = global.setTimeout;
  const timers = jest.spyOn(global, 'setTimeout').mockImplementation(((handler: () => void, delay?: number, ...args: unknown[]) => {
    set.push({ delay: delay ?? 0, bySdk: /node_modules[\\/]@smithy[\\/]/.test(new Error().stack ?? '') });
    return realSetTimeout(handler, delay, ...args);
  }) as typeof setTimeout);
  try {
    const summary = await runLocally({ input, sandbox, ...(datadogRateLimit ? { datadogRateLimit } : {}) });
    const longTimers = set
      .filter((timer) => !timer.bySdk)
      .map((timer) => timer.delay)
      .filter((delay) => delay >= 1_000 && !TIME_OUT_TIMERS.has(delay));
    return { summary, virtualSeconds: (sandbox.clock.now() - start) / 1000, longTimers };
  } finally {
    timers.mockRestore();
  }
}

describe('Function: runLocally under a Datadog rate limit', () => {
  it('onboards both accounts of a GovCloud request at 1 request per 10 s, waiting on virtual time only', async () => {
    // Act
    const free = await throttledRun('organizations-create-govcloud-account.json');
    const throttled = await throttledRun('organizations-create-govcloud-account.json', { requests: 1, seconds: 10 });

    // Assess
    expect(throttled.summary.outcome).toBe('onboarded');
    expect(throttled.summary.onboardings?.map((onboarding) => onboarding.outcome)).toEqual(['onboarded', 'onboarded']);
    expect(throttled.summary.datadogRequests.throttled).toBeGreaterThan(0);
    expect(throttled.summary.datadogRequests.total).toBeGreaterThan(free.summary.datadogRequests.total);
    expect(free.summary.datadogRequests).toEqual({ total: free.summary.datadogRequests.total, throttled: 0 });
    // The waits passed on the sandbox's clock, and no real timer was set for them.
    expect(throttled.virtualSeconds).toBeGreaterThan(free.virtualSeconds);
    expect(throttled.longTimers).toEqual([]);
  });

  it('onboards at 1 request per 600 s: past the functions’ bound, the state machine retries DatadogRateLimitedError', async () => {
    // Act
    const { summary, virtualSeconds, longTimers } = await throttledRun('console-replay.json', { requests: 1, seconds: 600 });

    // Assess
    expect(summary.outcome).toBe('onboarded');
    expect(summary.datadogRequests.throttled).toBeGreaterThan(0);
    // Each group allows one request per 10 minutes: the second read of the registrations waits for the next window.
    expect(virtualSeconds).toBeGreaterThan(60);
    expect(longTimers).toEqual([]);
  });
});
