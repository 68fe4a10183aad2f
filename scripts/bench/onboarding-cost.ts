/**
 * What one onboarding costs at AWS list prices, and how far a validation came after the role became usable: the pure
 * arithmetic of the validation bench section.
 */

/**
 * List prices, US dollars: Step Functions Standard workflows, $0.025 per 1,000 state transitions; Lambda on arm64,
 * $0.0000133334 per GB-second and $0.20 per million requests (aws.amazon.com/step-functions/pricing,
 * aws.amazon.com/lambda/pricing, us-east-1).
 */
export const LIST_PRICES = {
  perStateTransition: 0.025 / 1000,
  perLambdaGbSecond: 0.0000133334,
  perLambdaRequest: 0.2 / 1_000_000,
} as const;

/** One Lambda invocation, as Lambda bills it. */
export interface BilledInvocation {
  /** The function's `MemorySize`, MB. */
  memoryMb: number;
  /** Billed duration, milliseconds (Lambda rounds up to the next millisecond). */
  billedMs: number;
}

/** The cost of one onboarding, US dollars, by what it is paid for. */
export interface OnboardingCost {
  stepFunctions: number;
  lambdaCompute: number;
  lambdaRequests: number;
  total: number;
}

/**
 * The cost of one onboarding: its state transitions and its Lambda invocations at `prices`.
 *
 * @param transitions - state transitions of the execution (each state entered counts once).
 * @throws Error when `transitions` is negative or not an integer, or an invocation has a negative memory or duration.
 * @example
 * ```ts
 * onboardingCost(40, []).total; // 0.001
 * ```
 */
export function onboardingCost(
  transitions: number,
  invocations: readonly BilledInvocation[],
  prices: typeof LIST_PRICES = LIST_PRICES,
): OnboardingCost {
  if (!Number.isInteger(transitions) || transitions < 0) throw new Error(`transitions must be a non-negative integer, got ${transitions}`);
  const bad = invocations.find((invocation) => !(invocation.memoryMb >= 0) || !(invocation.billedMs >= 0));
  if (bad) throw new Error(`an invocation needs a non-negative memoryMb and billedMs, got ${JSON.stringify(bad)}`);
  const gbSeconds = invocations.reduce((sum, { memoryMb, billedMs }) => sum + (memoryMb / 1024) * (Math.ceil(billedMs) / 1000), 0);
  const stepFunctions = transitions * prices.perStateTransition;
  const lambdaCompute = gbSeconds * prices.perLambdaGbSecond;
  const lambdaRequests = invocations.length * prices.perLambdaRequest;
  return { stepFunctions, lambdaCompute, lambdaRequests, total: stepFunctions + lambdaCompute + lambdaRequests };
}

/** How long after the role (or key) became usable the validation noticed, seconds and percent of the delay. */
export interface Overshoot {
  seconds: number;
  /** `seconds` as a percentage of the delay; `Infinity` for a delay of 0 with a positive overshoot. */
  percent: number;
}

/**
 * The overshoot of a validation: validated at `validatedAtSeconds` after provisioning, usable from `delaySeconds`.
 *
 * @throws Error when the validation came before the delay had passed (the sandbox would have been wrong).
 */
export function overshoot(validatedAtSeconds: number, delaySeconds: number): Overshoot {
  const seconds = validatedAtSeconds - delaySeconds;
  if (seconds < 0) throw new Error(`validated at ${validatedAtSeconds} s, before the ${delaySeconds} s propagation delay had passed`);
  return { seconds, percent: delaySeconds === 0 ? (seconds === 0 ? 0 : Infinity) : (seconds / delaySeconds) * 100 };
}

/**
 * The worst overshoot of an attempt schedule for any delay in (0, `upToSeconds`]: a delay just past an attempt waits
 * for the next one, so it is the longest gap between attempts that starts before `upToSeconds`.
 *
 * @param attemptSeconds - when each attempt is made, seconds after provisioning, ascending.
 * @returns the worst overshoot, seconds; `Infinity` when no attempt comes at or after `upToSeconds`.
 */
export function worstOvershoot(attemptSeconds: readonly number[], upToSeconds: number): number {
  if (attemptSeconds.length === 0 || attemptSeconds[attemptSeconds.length - 1] < upToSeconds) return Infinity;
  let worst = 0;
  for (let index = 1; index < attemptSeconds.length; index += 1) {
    const previous = attemptSeconds[index - 1];
    if (previous >= upToSeconds) break;
    worst = Math.max(worst, attemptSeconds[index] - previous);
  }
  return worst;
}

/**
 * The overshoot of an attempt schedule for one delay: the first attempt at or after the delay comes that much later.
 *
 * @param attemptSeconds - when each attempt is made, seconds after provisioning, ascending.
 * @returns seconds; `Infinity` when no attempt comes at or after the delay.
 */
export function overshootForDelay(attemptSeconds: readonly number[], delaySeconds: number): number {
  const first = attemptSeconds.find((at) => at >= delaySeconds);
  return first === undefined ? Infinity : first - delaySeconds;
}

/**
 * The median overshoot of an attempt schedule over delays spread evenly in (0, `upToSeconds`], `stepSeconds` apart:
 * what the schedule gives for any delay, not only the swept ones (which may fall on attempts).
 */
export function medianOvershootUpTo(attemptSeconds: readonly number[], upToSeconds: number, stepSeconds = 0.1): number {
  const count = Math.round(upToSeconds / stepSeconds);
  const overshoots = Array.from({ length: count }, (_, index) => overshootForDelay(attemptSeconds, (index + 1) * stepSeconds));
  return Math.round(median(overshoots) * 1000) / 1000;
}

/**
 * The median (the mean of the middle two for an even count).
 *
 * @throws Error for no values.
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('the median of no values is undefined');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
