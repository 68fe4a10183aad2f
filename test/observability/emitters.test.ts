/**
 * The emitters other steps call (offboarding, repair, reconciliation): what each puts in CloudWatch, read back from
 * the EMF they print, as the local run captures it.
 */
import { captureMetrics, type EmittedMetric } from '../../local/functions';
import { secondsSince } from '../../shared/time';

type MetricsModule = typeof import('../../shared/observability/metrics');

/** The environment the local run gives a function (local/deployment.ts): dev mode (the global console), metrics on. */
const FUNCTION_ENVIRONMENT = { POWERTOOLS_DEV: 'true', POWERTOOLS_METRICS_DISABLED: 'false' };
const saved = Object.fromEntries(Object.keys(FUNCTION_ENVIRONMENT).map((name) => [name, process.env[name]]));

/** The metrics module as a function loads it, in that environment. */
function loadMetrics(): MetricsModule {
  let loaded: MetricsModule | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('../../shared/observability/metrics') as MetricsModule;
  });
  return loaded!;
}

/** Runs `emit` as an invocation would, its stored metrics flushed at the end, and returns what it emitted. */
async function emitted(module: MetricsModule, emit: () => void): Promise<Pick<EmittedMetric, 'name' | 'value' | 'dimensions'>[]> {
  const into: EmittedMetric[] = [];
  await captureMetrics(into, async () => {
    emit();
    module.metrics.publishStoredMetrics();
  });
  return into.map(({ name, value, dimensions }) => ({ name, value, dimensions }));
}

const SERVICE = { service: 'datadog-aws-account-onboarding' };

describe('Module: shared/observability/metrics', () => {
  // Single metrics (the dimensioned ones) read it when emitted, so it stays for the whole suite.
  Object.assign(process.env, FUNCTION_ENVIRONMENT);
  const module = loadMetrics();

  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("counts an offboarded and a repaired account, with the repair's validation attempts", async () => {
    expect(await emitted(module, () => (module.emitOffboarded(), module.emitRepaired({ validationAttempts: 2 })))).toEqual([
      { name: 'AccountsOffboarded', value: 1, dimensions: SERVICE },
      { name: 'AccountsRepaired', value: 1, dimensions: SERVICE },
      { name: 'ValidationAttempts', value: 2, dimensions: SERVICE },
    ]);
  });

  it('counts a reconciliation per action, zeros included', async () => {
    expect(await emitted(module, () => module.emitReconciliation({ onboard: 2, repair: 0, offboard: 1 }))).toEqual([
      { name: 'ReconciliationActions', value: 2, dimensions: { ...SERVICE, Action: 'onboard' } },
      { name: 'ReconciliationActions', value: 0, dimensions: { ...SERVICE, Action: 'repair' } },
      { name: 'ReconciliationActions', value: 1, dimensions: { ...SERVICE, Action: 'offboard' } },
    ]);
  });

  it('refuses a count that is not a whole number, emitting nothing', async () => {
    const emit = () => expect(() => module.emitReconciliation({ onboard: 1, repair: -1 })).toThrow('reconciliation count of repair');
    expect(await emitted(module, emit)).toEqual([]);
  });

  it('measures the time to onboard from the event time, none without one, 0 for a time just ahead', () => {
    const now = new Date('2026-12-02T10:00:00Z');
    expect(secondsSince('2026-12-02T09:58:30Z', now)).toBe(90);
    expect(secondsSince(undefined, now)).toBeUndefined();
    expect(secondsSince('not a time', now)).toBeUndefined();
    expect(secondsSince('2026-12-02T10:00:02Z', now)).toBe(0);
  });
});
