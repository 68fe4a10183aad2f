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
  /**
   * When the first attempt started (ISO 8601). With it, the bound counts all the time since then, attempts included,
   * not only the waits: the state machine's time-out is derived from that bound.
   */
  startedAt?: string;
}

/** One validation attempt's outcome (ValidateRole, ValidateAccessKey), carried in the state machine as `$.validation`. */
export interface ValidationResult extends ValidationProgress {
  /** True once the role was assumed (or the key used) and the read call succeeded. */
  assumable: boolean;
  /** Seconds the state machine waits before the next attempt; 0 when assumable. */
  waitSeconds: number;
  /** Why the last attempt did not succeed (AWS error name), absent when assumable. */
  lastError?: string;
}

/** Backoff settings, in seconds. */
export interface BackoffSettings {
  /** First wait. Default 5. */
  initialSeconds?: number;
  /** Longest single wait. Default 60. */
  maxIntervalSeconds?: number;
  /** Bound on the total wait, or with `startedAt` on the time since the first attempt (parameter `MaxValidationSeconds`). */
  maxTotalSeconds: number;
}

/** Seconds spent so far: the waits, or the time since the first attempt when it is known and longer. */
function spentSeconds(progress: ValidationProgress, now: Date): number {
  if (progress.startedAt === undefined) return progress.waitedSeconds;
  return Math.max(progress.waitedSeconds, (now.getTime() - Date.parse(progress.startedAt)) / 1000);
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
 * @param progress - attempts made before this one, seconds waited so far, and when the first attempt started.
 * @param stillNot - what is still not usable, for the message, e.g. `<role ARN> was still not assumable`.
 * @param now - the current time; default now.
 * @throws RoleValidationTimeoutError with `stillNot`, the attempts, the seconds and the last refusal, with `context`.
 */
export function afterRefusal(
  progress: ValidationProgress,
  refusal: string,
  settings: BackoffSettings,
  stillNot: string,
  context: ErrorContext,
  now: Date = new Date(),
): RefusedAttempt {
  const attempts = progress.attempts + 1;
  const spent = spentSeconds(progress, now);
  const wait = nextWaitSeconds({ attempts, waitedSeconds: spent }, settings);
  if (wait === undefined) {
    throw new RoleValidationTimeoutError(
      `${stillNot} after ${attempts} attempts over ${Math.round(spent)} s (last error: ${refusal})`,
      context,
    );
  }
  const refused: RefusedAttempt = {
    assumable: false,
    attempts,
    waitedSeconds: progress.waitedSeconds + wait,
    waitSeconds: wait,
    lastError: refusal,
  };
  return progress.startedAt === undefined ? refused : { ...refused, startedAt: progress.startedAt };
}
