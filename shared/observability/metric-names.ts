/**
 * The names of the application's CloudWatch metrics and their dimensions: what the emitters of `metrics.ts` emit and
 * what the dashboard in template.yaml charts. A module of its own, without the Powertools instance, so readers of the
 * names (the dashboard's test, other modules) do not create it.
 */

/** CloudWatch namespace of every metric of the application. */
export const METRICS_NAMESPACE = 'DatadogAwsOnboarding';

/** Names of the metrics, and what one data point means. */
export const METRIC_NAMES = {
  /** One account onboarded (registered with Datadog and recorded). Count. */
  onboarded: 'AccountsOnboarded',
  /** One account offboarded (registration removed, role or user deleted). Count. */
  offboarded: 'AccountsOffboarded',
  /** One account repaired by reconciliation (drift corrected). Count. */
  repaired: 'AccountsRepaired',
  /** One onboarding failed; also per `ErrorName`. Count. */
  failed: 'AccountsFailed',
  /** Validation attempts one onboarding made (0 when the role or key was already proven). Count. */
  validationAttempts: 'ValidationAttempts',
  /** Seconds from the lifecycle event's time to the account's registration being recorded. Seconds. */
  timeToOnboard: 'TimeToOnboard',
  /** Accounts one reconciliation planned per action, per `Action`. Count. */
  reconciliationActions: 'ReconciliationActions',
} as const;

/** Dimension names beyond `service`. */
export const METRIC_DIMENSIONS = { errorName: 'ErrorName', action: 'Action' } as const;
