/**
 * The application's CloudWatch metrics (Powertools Metrics, embedded metric format): one emitter per outcome, called
 * by the step that knows the outcome happened. The dashboard in template.yaml charts exactly {@link METRIC_NAMES}
 * (test/observability/dashboard.test.ts checks both sides).
 *
 * Every metric is in namespace {@link METRICS_NAMESPACE} with the dimension `service`; a few also carry one more
 * dimension (`ErrorName`, `Action`), emitted as a separate metric document so the plain totals stay summable.
 * The stored metrics of an invocation are flushed by `logMetrics` in `shared/middleware/onboarding-handler.ts`.
 *
 * @example
 * ```ts
 * emitOnboarded({ validationAttempts: 3, timeToOnboardSeconds: 212 });
 * emitFailed('MemberAccountAccessError');
 * ```
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, SERVICE_NAME } from '../logger';
import { METRICS_NAMESPACE, METRIC_DIMENSIONS, METRIC_NAMES } from './metric-names';

/** The logger Powertools Metrics takes (its `logger` option). */
type GenericLogger = NonNullable<NonNullable<ConstructorParameters<typeof Metrics>[0]>['logger']>;

export { METRICS_NAMESPACE, METRIC_NAMES, METRIC_DIMENSIONS } from './metric-names';

/** CloudWatch dimension values: 1–1024 characters (CloudWatch API reference, `Dimension`); kept short and printable. */
function dimensionValue(value: string): string {
  const cleaned = value.replace(/[^\w.:/-]/g, '_').slice(0, 128);
  return cleaned === '' ? 'Unknown' : cleaned;
}

/**
 * Powertools warns through its logger when an invocation stored no metric ("No application metrics to publish"):
 * most steps emit none, so that one is dropped; every other warning stays a warning.
 */
const metricsLogger: GenericLogger = {
  debug: (...args) => logger.debug(String(args[0]), ...(args.slice(1) as [])),
  info: (...args) => logger.info(String(args[0]), ...(args.slice(1) as [])),
  warn: (...args) => {
    if (!String(args[0]).startsWith('No application metrics')) logger.warn(String(args[0]), ...(args.slice(1) as []));
  },
  error: (...args) => logger.error(String(args[0]), ...(args.slice(1) as [])),
};

/** The functions' metrics: stored during an invocation, flushed to stdout as EMF when it ends. */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME, logger: metricsLogger });

/** Publishes one metric at once with an extra dimension (its own EMF document). */
function emitWithDimension(name: string, dimension: string, value: string, count: number): void {
  const single = metrics.singleMetric();
  single.addDimension(dimension, dimensionValue(value));
  single.addMetric(name, MetricUnit.Count, count);
}

/**
 * Records one onboarded account: {@link METRIC_NAMES.onboarded}, its validation attempts and, when the lifecycle
 * event's time is known, the time to onboard.
 *
 * @param outcome.validationAttempts - attempts this execution made (`$.validation.attempts`).
 * @param outcome.timeToOnboardSeconds - seconds from the lifecycle event to the registration; absent for a console
 *   replay (no event) or an unreadable event time.
 */
export function emitOnboarded(outcome: { validationAttempts: number; timeToOnboardSeconds?: number }): void {
  metrics.addMetric(METRIC_NAMES.onboarded, MetricUnit.Count, 1);
  metrics.addMetric(METRIC_NAMES.validationAttempts, MetricUnit.Count, outcome.validationAttempts);
  if (outcome.timeToOnboardSeconds !== undefined)
    metrics.addMetric(METRIC_NAMES.timeToOnboard, MetricUnit.Seconds, outcome.timeToOnboardSeconds);
}

/**
 * Records one failed onboarding: {@link METRIC_NAMES.failed} in total and per error name.
 *
 * @param errorName - the execution's error (`$.error.Error`, e.g. `MemberAccountAccessError`, `States.Timeout`).
 */
export function emitFailed(errorName: string): void {
  metrics.addMetric(METRIC_NAMES.failed, MetricUnit.Count, 1);
  emitWithDimension(METRIC_NAMES.failed, METRIC_DIMENSIONS.errorName, errorName, 1);
}

/** Records one offboarded account ({@link METRIC_NAMES.offboarded}); for the step that ends an offboarding. */
export function emitOffboarded(): void {
  metrics.addMetric(METRIC_NAMES.offboarded, MetricUnit.Count, 1);
}

/**
 * Records one account repaired by reconciliation ({@link METRIC_NAMES.repaired}) and its validation attempts; called
 * by RecordOnboarding instead of {@link emitOnboarded} when the execution's input says a reconciliation planned a
 * `repair` (no lifecycle event, so no time to onboard).
 *
 * @param outcome.validationAttempts - attempts this execution made (`$.validation.attempts`).
 */
export function emitRepaired(outcome: { validationAttempts: number }): void {
  metrics.addMetric(METRIC_NAMES.repaired, MetricUnit.Count, 1);
  metrics.addMetric(METRIC_NAMES.validationAttempts, MetricUnit.Count, outcome.validationAttempts);
}

/**
 * Records what one reconciliation planned: {@link METRIC_NAMES.reconciliationActions} per action, zeros included so
 * a quiet fleet charts as 0 rather than as missing data.
 *
 * @param counts - accounts per action, e.g. `{ onboard: 2, repair: 1, offboard: 0, unchanged: 40 }`.
 * @throws RangeError for a negative or non-integer count (a bug in the caller).
 */
export function emitReconciliation(counts: Readonly<Record<string, number>>): void {
  const entries = Object.entries(counts);
  // All checked before any is emitted: a bad count emits nothing.
  const bad = entries.find(([, count]) => !Number.isInteger(count) || count < 0);
  if (bad) throw new RangeError(`reconciliation count of ${bad[0]} must be a whole number, got ${bad[1]}`);
  for (const [action, count] of entries) emitWithDimension(METRIC_NAMES.reconciliationActions, METRIC_DIMENSIONS.action, action, count);
}
