/**
 * The validation bench's arithmetic: cost at list prices, overshoot, and the goals read from the measured rows.
 */
import fc from 'fast-check';
import {
  LIST_PRICES,
  median,
  medianOvershootUpTo,
  onboardingCost,
  overshoot,
  overshootForDelay,
  worstOvershoot,
} from '../../../scripts/bench/onboarding-cost';
import { goalLines, type ValidationRow } from '../../../scripts/bench/validation';

describe('Function: onboardingCost', () => {
  it('prices transitions at $0.025 per 1,000, Lambda at $0.0000133334 per GB-s and $0.20 per million requests', () => {
    // Act: 40 transitions; two 256 MB invocations of 1 s, one 512 MB of 0.5 s (rounded up to the millisecond).
    const cost = onboardingCost(40, [
      { memoryMb: 256, billedMs: 1000 },
      { memoryMb: 256, billedMs: 1000 },
      { memoryMb: 512, billedMs: 499.2 },
    ]);

    // Assess
    expect(cost.stepFunctions).toBeCloseTo(0.001, 12);
    expect(cost.lambdaCompute).toBeCloseTo((0.25 + 0.25 + 0.5 * 0.5) * 0.0000133334, 12);
    expect(cost.lambdaRequests).toBeCloseTo(3 * 0.0000002, 12);
    expect(cost.total).toBeCloseTo(cost.stepFunctions + cost.lambdaCompute + cost.lambdaRequests, 15);
    expect(LIST_PRICES.perStateTransition).toBe(0.000025);
  });

  it('refuses a count of transitions that is not a whole non-negative number, and a negative invocation', () => {
    // Act
    const fractional = () => onboardingCost(1.5, []);
    const negative = () => onboardingCost(1, [{ memoryMb: 256, billedMs: -1 }]);

    // Assess
    expect(fractional).toThrow('transitions must be a non-negative integer, got 1.5');
    expect(negative).toThrow('an invocation needs a non-negative memoryMb and billedMs, got {"memoryMb":256,"billedMs":-1}');
  });
});

describe('Function: overshoot', () => {
  it('is the seconds after the delay, and their percentage of it', () => {
    // Assess
    expect(overshoot(35, 16)).toEqual({ seconds: 19, percent: 118.75 });
    expect(overshoot(4, 4)).toEqual({ seconds: 0, percent: 0 });
    expect(overshoot(0, 0)).toEqual({ seconds: 0, percent: 0 });
    expect(overshoot(4, 0).percent).toBe(Infinity);
  });

  it('refuses a validation before the delay had passed', () => {
    // Act
    const early = () => overshoot(4, 5);

    // Assess
    expect(early).toThrow('validated at 4 s, before the 5 s propagation delay had passed');
  });
});

describe('Function: worstOvershoot and medianOvershootUpTo', () => {
  const OLD = [0, 5, 15, 35, 75, 135, 195];

  it('reads the former backoff’s worst overshoot up to 120 s (60 s, 75 → 135) and median up to 30 s', () => {
    // Assess
    expect(worstOvershoot(OLD, 120)).toBe(60);
    expect(worstOvershoot(OLD, 30)).toBe(20);
    expect(worstOvershoot(OLD, 300)).toBe(Infinity);
    expect(overshootForDelay(OLD, 16)).toBe(19);
    expect(overshootForDelay(OLD, 196)).toBe(Infinity);
    // Delays in (0, 30]: (0,5] → 0-5 s, (5,15] → 0-10 s, (15,30] → 5-20 s late: half are later than 7.5 s.
    expect(medianOvershootUpTo(OLD, 30)).toBeCloseTo(7.5, 0);
  });

  it('bounds every delay’s overshoot by the worst, for any ascending schedule', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 30 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (gaps, fraction) => {
          // Prepare
          const at = gaps.reduce<number[]>((times, gap) => [...times, times[times.length - 1] + gap], [0]);
          const upTo = at[at.length - 1];
          const delay = fraction * upTo;

          // Assess
          expect(overshootForDelay(at, delay)).toBeLessThanOrEqual(worstOvershoot(at, upTo));
          expect(worstOvershoot(at, upTo)).toBe(Math.max(...gaps));
        },
      ),
    );
  });
});

describe('Function: median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    // Assess
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(() => median([])).toThrow('the median of no values is undefined');
  });
});

describe('Function: goalLines', () => {
  const row = (
    delaySeconds: number,
    attempts: number,
    validatedAtSeconds: number,
    costUsd: number,
    attemptSeconds: number[] = [],
  ): ValidationRow => ({
    auth: 'role',
    delaySeconds,
    attempts,
    validatedAtSeconds,
    overshootSeconds: validatedAtSeconds - delaySeconds,
    overshootPercent: ((validatedAtSeconds - delaySeconds) / delaySeconds) * 100,
    transitions: 13 + 3 * attempts,
    invocations: 6 + attempts,
    costUsd,
    attemptSeconds,
  });

  it('says which goals the rows meet, and the distance and the attempts $0.001 pays for where they do not', () => {
    // Prepare: every 10 s up to 200 s; cost $0.0004 + $0.0001 per further attempt.
    const at = Array.from({ length: 21 }, (_, index) => index * 10);
    const rows = [row(5, 2, 10, 0.0005), row(30, 4, 30, 0.0007), row(120, 13, 120, 0.0016), row(200, 21, 200, 0.0024, at)];

    // Act
    const lines = goalLines(rows);

    // Assess
    expect(lines).toEqual([
      'median overshoot, delays <= 30 s: 2.5 s swept, 4.95 s for any delay (delays 0.1 s apart) (goal <= 3 s): NOT met',
      'worst overshoot, delays <= 120 s: 5 s swept, 10 s for any delay (the longest gap between attempts) (goal <= 20 s): met',
      'attempts within 200 s: 21 (goal <= 30): met',
      'cost per onboarded account: <= $0.001 for 2 of 4 delays (up to 30 s); at most $0.002400 (200 s): NOT met',
      '  $0.000400 with one attempt, $0.0001000 per further attempt: $0.001 pays for 7 attempts',
    ]);
  });
});
