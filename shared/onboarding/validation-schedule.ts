import { RoleValidationTimeoutError, type ErrorContext } from '../errors';

/**
 * When to try assuming the role again: exponential backoff, capped, within a total bound.
 *
 * IAM changes take "a few seconds (usually) to a minute (rare)" to propagate (Datadog's stratus-red-team; 10-30 s in
 * terraform-provider-aws #6566), so the first waits are short and the later ones long.
 */

/** Progress of the validation loop, carried in the state machine as `$.validation`. */
export interface ValidationProgress {
  /** Attempts made so far. */
  attempts: number;
  /** Seconds already spent waiting between attempts. */
  waitedSeconds: number;
}

/** Backoff settings, in seconds. */
export interface BackoffSettings {
  /** First wait. Default 5. */
  initialSeconds?: number;
  /** Longest single wait. Default 60. */
  maxIntervalSeconds?: number;
  /** Bound on the total wait (parameter `MaxValidationSeconds`). */
  maxTotalSeconds: number;
}

/**
 * The wait before the next attempt, or `undefined` when waiting longer would pass the total bound.
 *
 * @param attempts - attempts made so far (1 after the first failure).
 * @returns seconds to wait: `initial * 2^(attempts-1)`, capped at `maxIntervalSeconds` and at what is left of the bound.
 */
export function nextWaitSeconds(progress: ValidationProgress, settings: BackoffSettings): number | undefined {
  const initial = settings.initialSeconds ?? 5;
  const cap = settings.maxIntervalSeconds ?? 60;
  const left = settings.maxTotalSeconds - progress.waitedSeconds;
  if (left <= 0) return undefined;
  const exponential = initial * 2 ** Math.max(0, progress.attempts - 1);
  return Math.min(exponential, cap, left);
}

/** What a refused attempt leads to: the wait before the next one (seconds), with the progress so far. */
export interface RefusedAttempt extends ValidationProgress {
  assumable: false;
  waitSeconds: number;
  /** The refusal, e.g. `sts:AssumeRole AccessDenied`. */
  lastError: string;
}

/**
 * Schedules the next attempt after a refusal that means "not yet", or gives up at the bound.
 *
 * @param progress - attempts made before this one, and seconds waited so far.
 * @param stillNot - what is still not usable, for the message, e.g. `<role ARN> was still not assumable`.
 * @throws RoleValidationTimeoutError with `stillNot`, the attempts, the seconds and the last refusal, with `context`.
 */
export function afterRefusal(
  progress: ValidationProgress,
  refusal: string,
  settings: BackoffSettings,
  stillNot: string,
  context: ErrorContext,
): RefusedAttempt {
  const attempts = progress.attempts + 1;
  const wait = nextWaitSeconds({ attempts, waitedSeconds: progress.waitedSeconds }, settings);
  if (wait === undefined) {
    throw new RoleValidationTimeoutError(
      `${stillNot} after ${attempts} attempts over ${progress.waitedSeconds} s (last error: ${refusal})`,
      context,
    );
  }
  return { assumable: false, attempts, waitedSeconds: progress.waitedSeconds + wait, waitSeconds: wait, lastError: refusal };
}
