import { MAX_VALIDATION_SECONDS_BOUND } from '../config';
import { NotYetUsableError, RoleValidationTimeoutError, type ErrorContext } from '../errors';
import { secondsSince } from '../time';

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
 * The shipped schedule: the first attempt at 0 s, then 8 attempts 4 s apart (to 32 s), 6 attempts 18 s apart (to
 * 140 s), then every 152 s until the bound (292, 444, 596, 748 and 900 s with the default 900 s).
 *
 * IAM changes take "a few seconds (usually) to a minute (rare)" to propagate (Datadog's stratus-red-team; 10-30 s in
 * terraform-provider-aws #6566). The numbers come from `npm run bench -- validation`, which sweeps propagation delays
 * of 1-900 s through the local run (README, "The shortest safe time to onboard"), against the goals of issue 9:
 * - every 4 s to 32 s: median overshoot 2.1 s for any delay up to 30 s (goal 3 s). Every 5 s gives 2.45 s, too close
 *   to the goal once an attempt's own latency on AWS (STS and one read, under a second) is added; every 3 s gives
 *   1.45 s for 2 more attempts by 30 s.
 * - every 18 s to 140 s: worst overshoot 18 s for any delay up to 120 s (goal 20 s), 6 attempts.
 * - every 152 s after: (900 - 140) / 5, so the last attempt falls on the default bound, and 20 attempts in all
 *   within 900 s (goal 30).
 *
 * The state machine repeats an attempt with its Task's `Retry` (see {@link notYetRetriers}): one state transition and
 * one invocation per further attempt, about $0.0000285. An onboarding then stays within $0.001 for any delay up to
 * the bound: 22 attempts would still fit, 23 would not, hence the 152 s once rare delays past 140 s are reached.
 */
export const VALIDATION_SCHEDULE: readonly SchedulePhase[] = [
  { everySeconds: 4, attempts: 8 },
  { everySeconds: 18, attempts: 6 },
  { everySeconds: 152 },
];

/** Progress of a validation: the rotation's own loop, and the successful attempt's result carried as `$.validation`. */
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

/**
 * A validation attempt's outcome. ValidateRole and ValidateAccessKey return only a success (carried in the state
 * machine as `$.validation`: `waitedSeconds` since provisioning, `startedAt` the provisioning time); a refusal there
 * is thrown (see {@link refuseNotYet}). The rotation's own loop gets refusals from {@link afterRefusal}.
 */
export interface ValidationResult extends ValidationProgress {
  /** True once the role was assumed (or the key used) and the read call succeeded. */
  assumable: boolean;
  /** Seconds to wait before the next attempt; 0 when assumable. */
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

/**
 * Names of the phases of {@link VALIDATION_SCHEDULE}, in order: the suffix of a "not yet" error, which picks the
 * retrier of its phase (`RoleNotYetAssumable.Early`, `.Middle`, `.Late`).
 */
export const PHASE_NAMES = ['Early', 'Middle', 'Late'] as const;

/** What a "not yet" is about: its error prefix in the state machine, and its words in messages. */
export const NOT_YET = {
  role: { errorPrefix: 'RoleNotYetAssumable', what: 'not assumable yet', atTheBound: 'not assumable' },
  accessKey: { errorPrefix: 'AccessKeyNotYetUsable', what: 'not usable yet', atTheBound: 'not usable' },
} as const;

/** Whether an error name is one of the "not yet" errors the validation Tasks retry on schedule. */
export function isNotYetErrorName(name: string): boolean {
  return Object.values(NOT_YET).some(({ errorPrefix }) => name.startsWith(`${errorPrefix}.`));
}

/** One phase placed on the time line: from `fromSeconds` (after provisioning), an attempt every `everySeconds`. */
interface PlacedPhase {
  index: number;
  everySeconds: number;
  fromSeconds: number;
  /** Absent for the last phase. */
  untilSeconds?: number;
}

function placed(phases: readonly SchedulePhase[]): PlacedPhase[] {
  nextAttemptSeconds(0, phases); // validates the phases
  let at = 0;
  return phases.map((phase, index) => {
    const from = at;
    if (phase.attempts !== undefined) at += phase.attempts * phase.everySeconds;
    return { index, everySeconds: phase.everySeconds, fromSeconds: from, ...(phase.attempts === undefined ? {} : { untilSeconds: at }) };
  });
}

/**
 * The attempts of the schedule within a bound: seconds after provisioning, from 0, ascending.
 *
 * @example
 * ```ts
 * attemptSecondsWithin(160); // [0, 4, 8, … 32, 50, 68, … 140]
 * ```
 */
export function attemptSecondsWithin(maxTotalSeconds: number, phases: readonly SchedulePhase[] = VALIDATION_SCHEDULE): number[] {
  const times = [0];
  for (;;) {
    const next = nextAttemptSeconds(times[times.length - 1], phases);
    if (next > maxTotalSeconds) return times;
    times.push(next);
  }
}

/**
 * The retriers a validation Task's `Retry` field starts with: one per phase, matching `<errorPrefix>.<phase>`, a
 * fixed `IntervalSeconds` (`BackoffRate` 1, no jitter), and `MaxAttempts` for the most attempts the phase can hold
 * at the largest `MaxValidationSeconds` ({@link MAX_VALIDATION_SECONDS_BOUND}), plus 2 for clock skew between
 * functions. Each retrier keeps its own count of retries within one entry into the state (Amazon States Language,
 * "Retrying after an error"), so the phases do not add up against each other's `MaxAttempts`.
 */
export function notYetRetriers(errorPrefix: string, phases: readonly SchedulePhase[] = VALIDATION_SCHEDULE) {
  if (phases.length !== PHASE_NAMES.length) throw new Error(`the schedule needs ${PHASE_NAMES.length} phases, got ${phases.length}`);
  return placed(phases).map((phase) => ({
    ErrorEquals: [`${errorPrefix}.${PHASE_NAMES[phase.index]}`],
    IntervalSeconds: phase.everySeconds,
    MaxAttempts: Math.ceil(((phase.untilSeconds ?? MAX_VALIDATION_SECONDS_BOUND) - phase.fromSeconds) / phase.everySeconds) + 2,
    BackoffRate: 1,
  }));
}

/**
 * Refuses a validation attempt that found the role (or key) not usable yet, `elapsedSeconds` after provisioning:
 * with the "not yet" error of the phase the time falls in, which the state machine retries after that phase's
 * interval, or, when that retry would start past the bound, with the terminal timeout error.
 *
 * The attempt's number is counted from the schedule: a retried Task gets the same input each time, so the function
 * cannot count its own retries (each attempt's own duration shifts the later ones a little on AWS).
 *
 * @param refusal - the AWS error of the refusal, e.g. `sts:AssumeRole AccessDenied`.
 * @param subject - what was tried, e.g. the role ARN, for the messages.
 * @throws NotYetUsableError named `<errorPrefix>.<phase>`, e.g. `RoleNotYetAssumable.Early`, while the bound allows
 *   another attempt.
 * @throws RoleValidationTimeoutError when the schedule's next attempt falls past `settings.maxTotalSeconds`.
 * @example
 * ```ts
 * refuseNotYet(NOT_YET.role, 9.8, 'sts:AssumeRole AccessDenied', roleArn, { maxTotalSeconds: 900 }, context);
 * // throws RoleNotYetAssumable.Early: "… not assumable yet (attempt 3, 10 s after provisioning, …); next attempt in 4 s"
 * ```
 */
export function refuseNotYet(
  kind: (typeof NOT_YET)[keyof typeof NOT_YET],
  elapsedSeconds: number,
  refusal: string,
  subject: string,
  settings: ScheduleSettings,
  context: ErrorContext,
): never {
  const phases = settings.phases ?? VALIDATION_SCHEDULE;
  const elapsed = Math.max(0, elapsedSeconds);
  const attempt = attemptNumberAt(elapsed, phases);
  const phase = placed(phases).find((candidate) => candidate.untilSeconds === undefined || elapsed < candidate.untilSeconds) as PlacedPhase;
  const seconds = Math.round(elapsed);
  // The bound is on the schedule's next attempt, not on now + interval: on AWS each attempt's own duration makes
  // the later ones run a little late, which would otherwise lose the last scheduled attempt (900 s at 900).
  if (nextAttemptSeconds(elapsed, phases) > settings.maxTotalSeconds) {
    throw new RoleValidationTimeoutError(
      `${subject} was still ${kind.atTheBound} after ${attempt} attempts over ${seconds} s since provisioning (last error: ${refusal})`,
      context,
    );
  }
  throw new NotYetUsableError(
    `${kind.errorPrefix}.${PHASE_NAMES[phase.index]}`,
    `${subject} ${kind.what} (attempt ${attempt}, ${seconds} s after provisioning, ${refusal}); next attempt in ${phase.everySeconds} s`,
    { accountId: context.accountId, step: context.step },
  );
}

/**
 * The result of ValidateRole or ValidateAccessKey when an attempt succeeded `elapsedSeconds` after provisioning (the
 * state machine carries it as `$.validation`): nothing more to wait for.
 *
 * @param provisionedAt - when provisioning ended (ISO 8601): the schedule's start.
 * @example
 * ```ts
 * usableAfter('2026-01-01T00:00:00Z', 12.3, { maxTotalSeconds: 900 });
 * // { assumable: true, attempts: 4, waitedSeconds: 12.3, waitSeconds: 0, startedAt: '2026-01-01T00:00:00Z' }
 * ```
 */
export function usableAfter(provisionedAt: string, elapsedSeconds: number, settings: ScheduleSettings): ValidationResult {
  return {
    assumable: true,
    attempts: attemptNumberAt(elapsedSeconds, settings.phases),
    waitedSeconds: elapsedSeconds,
    waitSeconds: 0,
    startedAt: provisionedAt,
  };
}

/**
 * The number of the attempt made `elapsedSeconds` after provisioning, counted from the schedule: the scheduled
 * attempts at or before that time (at least 1).
 */
export function attemptNumberAt(elapsedSeconds: number, phases: readonly SchedulePhase[] = VALIDATION_SCHEDULE): number {
  const elapsed = Math.max(0, elapsedSeconds);
  return placed(phases).reduce((count, phase) => {
    if (elapsed < phase.fromSeconds) return count;
    const within = Math.floor((elapsed - phase.fromSeconds) / phase.everySeconds);
    const cap = phase.untilSeconds === undefined ? Infinity : (phase.untilSeconds - phase.fromSeconds) / phase.everySeconds;
    return count + Math.min(within, cap);
  }, 1);
}

/**
 * Seconds from `provisionedAt` (ISO 8601, checked by the step's input schema) to `now`, never negative.
 */
export function secondsSinceProvisioning(provisionedAt: string, now: Date = new Date()): number {
  return secondsSince(provisionedAt, now) ?? 0;
}
