/**
 * Every Task state that calls Datadog retries `DatadogRateLimitedError` (a rate limit its function could not wait
 * out within shared/datadog/http.ts's bound) long enough that a sustained limit slows an account down and never fails
 * it, with full jitter so throttled executions do not come back in step.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { onboardingDefinition } from '../support/onboarding-definition';
import { retryWaitSeconds, type Retrier } from '../../local/step-functions';
import { MAX_RATE_LIMIT_WAIT_SECONDS } from '../../shared/datadog/http';

type Task = { Type: string; Resource?: string; Retry?: (Retrier & { ErrorEquals: string[]; MaxAttempts?: number })[] };

const definition = onboardingDefinition() as { States: Record<string, Task> };
const kebab = (name: string) => name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();

/** Task states whose step module (shared/steps/<kebab-state-name>.ts) builds a Datadog client. */
const datadogTasks = Object.entries(definition.States)
  .filter(([, state]) => state.Type === 'Task' && /:function:/.test(state.Resource ?? ''))
  .filter(([name]) => {
    const file = path.join(__dirname, '../../shared/steps', `${kebab(name)}.ts`);
    return readFileSync(file, 'utf8').includes('datadogApiFor');
  })
  .map(([name]) => name);

describe('State machine: retry of DatadogRateLimitedError', () => {
  it('finds the Task states that call Datadog', () => {
    // Assess
    expect(datadogTasks.sort()).toEqual(['LookUpRegistration', 'RegisterAccount', 'RemoveRegistration']);
  });

  it.each(datadogTasks)('%s retries it first, with full jitter, for at least 30 minutes on average', (name) => {
    // Prepare
    const retriers = definition.States[name].Retry ?? [];

    // Act
    const index = retriers.findIndex((retrier) => retrier.ErrorEquals.includes('DatadogRateLimitedError'));
    const retrier = retriers[index];
    const attempts = retrier?.MaxAttempts ?? 3;
    // Expected wait of full jitter is half the delay; each failed attempt first waited up to the functions' bound.
    const expectedSeconds = Array.from({ length: attempts }, (_, retry) => retryWaitSeconds(retrier, retry + 1, () => 0.5)).reduce(
      (sum, seconds) => sum + seconds + MAX_RATE_LIMIT_WAIT_SECONDS,
      0,
    );

    // Assess
    expect(index).toBe(0);
    expect(retrier).toMatchObject({ ErrorEquals: ['DatadogRateLimitedError'], JitterStrategy: 'FULL' });
    expect(attempts).toBeGreaterThanOrEqual(10);
    expect(expectedSeconds).toBeGreaterThanOrEqual(30 * 60);
  });
});

describe('Function: retryWaitSeconds', () => {
  it('follows IntervalSeconds, BackoffRate and MaxDelaySeconds, and takes a random share with full jitter', () => {
    // Prepare
    const retrier: Retrier = { IntervalSeconds: 10, BackoffRate: 1.5, MaxDelaySeconds: 300 };

    // Act
    const waits = [1, 2, 3, 20].map((attempt) => retryWaitSeconds(retrier, attempt));
    const jittered = retryWaitSeconds({ ...retrier, JitterStrategy: 'FULL' }, 2, () => 0.25);

    // Assess
    expect(waits).toEqual([10, 15, 22.5, 300]);
    expect(jittered).toBe(3.75);
    expect(retryWaitSeconds({}, 3)).toBe(4);
  });
});
