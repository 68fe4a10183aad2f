import { RoleValidationTimeoutError, type ErrorContext } from '../errors';

/**
 * When to try assuming the role (or using the key) again: at fixed times after the first attempt, dense while IAM
 * usually propagates, sparser after, within a total bound (`MaxValidationSeconds`).
 */

/** One phase of the schedule: `attempts` more attempts, `everySeconds` apart; the last phase has no end. */
export interface SchedulePhase {
  everySeconds: number;
  /** Attempts in this phase; absent for the last one, which lasts until the bound. */
  attempts?: number;
}

/**
 * The shipped schedule: the first attempt at 0 s, then 8 attempts 4 s apart (to 32 s), 5 attempts 18 s apart (to
 * 122 s), then every 60 s until the bound.
 *
 * IAM changes take "a few seconds (usually) to a minute (rare)" to propagate (Datadog's stratus-red-team; 10-30 s in
 * terraform-provider-aws #6566). The numbers come from `npm run bench -- validation`, which sweeps propagation delays
 * of 1-900 s through the local run (README, "The shortest safe time to onboard"), against the goals of issue 9:
 * - every 4 s to 32 s: median overshoot 2.1 s for any delay up to 30 s (goal 3 s). Every 5 s gives 2.45 s, too close
 *   to the goal once an attempt's own latency on AWS (STS and one read, under a second) is added; every 3 s gives
 *   1.45 s for 2 more attempts by 30 s.
 * - every 18 s to 122 s: worst overshoot 18 s for any delay up to 120 s (goal 20 s), 5 attempts.
 * - every 60 s after (the former backoff's cap): 27 attempts within the default 900 s (goal 30).
 *
 * Each attempt costs 3 state transitions ($0.000075) and an invocation: an onboarding stays within $0.001 for delays
 * up to 28 s (role delegation; 32 s with access keys) and costs about $0.0025 at 900 s. No schedule meeting the
 * overshoot goals does better past 30 s: they need 11 attempts for a 120 s delay, and $0.001 pays for 8.
 */
export const VALIDATION_SCHEDULE: readonly SchedulePhase[] = [
  { everySeconds: 4, attempts: 8 },
  { everySeconds: 18, attempts: 5 },
  { everySeconds: 60 },
];

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

/** Settings of the schedule, in seconds. */
export interface ScheduleSettings {
  /** Bound on the total wait, or with `startedAt` on the time since the first attempt (parameter `MaxValidationSeconds`). */
  maxTotalSeconds: number;
  /** When to attempt; default {@link VALIDATION_SCHEDULE}. */
  phases?: readonly SchedulePhase[];
}

/**
 * The first scheduled attempt strictly after `spentSeconds` since the first attempt, seconds since the first attempt.
 *
 * @throws Error when a phase's `everySeconds` is not positive, or a phase but the last has no `attempts`.
 * @example
 * ```ts
 * nextAttemptSeconds(0); // 4
 * nextAttemptSeconds(33); // 50
 * ```
 */
export function nextAttemptSeconds(spentSeconds: number, phases: readonly SchedulePhase[] = VALIDATION_SCHEDULE): number {
  let at = 0;
  for (const [index, phase] of phases.entries()) {
    if (!(phase.everySeconds > 0)) throw new Error(`schedule phase ${index + 1}: everySeconds must be positive, got ${phase.everySeconds}`);
    if (phase.attempts === undefined) {
      if (index !== phases.length - 1) throw new Error(`schedule phase ${index + 1}: only the last phase may have no attempts`);
      return at + (Math.floor((spentSeconds - at) / phase.everySeconds) + 1) * phase.everySeconds;
    }
    const end = at + phase.attempts * phase.everySeconds;
    if (spentSeconds < end) return at + (Math.floor((spentSeconds - at) / phase.everySeconds) + 1) * phase.everySeconds;
    at = end;
  }
  throw new Error('the schedule must end with a phase without attempts');
}

/** Seconds spent so far: the waits, or the time since the first attempt when it is known and longer. */
function spentSeconds(progress: ValidationProgress, now: Date): number {
  if (progress.startedAt === undefined) return progress.waitedSeconds;
  return Math.max(progress.waitedSeconds, (now.getTime() - Date.parse(progress.startedAt)) / 1000);
}

/**
 * The wait before the next attempt, or `undefined` when less than a second of the bound is left.
 *
 * Waits are whole seconds (a Wait state's `SecondsPath` takes an integer): up to the next scheduled attempt, rounded
 * up, so slow attempts do not pile up delays, but capped at what is left of the bound, rounded down.
 *
 * @param progress - `waitedSeconds`: seconds spent since the first attempt (or waited, when its start is unknown).
 * @returns seconds to wait, at least 1.
 */
export function nextWaitSeconds(progress: ValidationProgress, settings: ScheduleSettings): number | undefined {
  const spent = progress.waitedSeconds;
  const left = Math.floor(settings.maxTotalSeconds - spent);
  if (left < 1) return undefined;
  const untilNext = Math.max(1, Math.ceil(nextAttemptSeconds(spent, settings.phases) - spent));
  return Math.min(untilNext, left);
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
  settings: ScheduleSettings,
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
