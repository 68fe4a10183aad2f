/**
 * The validation loop's schedule: the bound counts the time since the first attempt (attempts included) when it is
 * known, so the loop ends within `MaxValidationSeconds` of its start, as the state machine's time-out assumes.
 */
import fc from 'fast-check';
import { RoleValidationTimeoutError } from '../../../shared/errors';
import {
  afterRefusal,
  nextAttemptSeconds,
  nextWaitSeconds,
  VALIDATION_SCHEDULE,
  type ValidationProgress,
} from '../../../shared/onboarding/validation-schedule';

const CONTEXT = { accountId: '444455556666', step: 'ValidateRole' };
const STARTED_AT = '2026-12-02T10:00:00.000Z';
const secondsAfterStart = (seconds: number) => new Date(Date.parse(STARTED_AT) + seconds * 1000);

describe('Function: afterRefusal', () => {
  it('waits within what is left of the bound since the first attempt, attempts included, and carries the start on', () => {
    // Prepare: 100 s waited, but slow attempts made it 280 s since the first one.
    const progress = { attempts: 5, waitedSeconds: 100, startedAt: STARTED_AT };

    // Act
    const next = afterRefusal(
      progress,
      'sts:AssumeRole AccessDenied',
      { maxTotalSeconds: 300 },
      'the role was still not assumable',
      CONTEXT,
      secondsAfterStart(280),
    );

    // Assess
    expect(next).toEqual({
      assumable: false,
      attempts: 6,
      waitedSeconds: 120,
      waitSeconds: 20,
      lastError: 'sts:AssumeRole AccessDenied',
      startedAt: STARTED_AT,
    });
  });

  it('gives up once the time since the first attempt reached the bound, though the waits alone did not', () => {
    // Prepare
    const progress = { attempts: 5, waitedSeconds: 100, startedAt: STARTED_AT };

    // Act
    const next = () =>
      afterRefusal(
        progress,
        'sts:AssumeRole AccessDenied',
        { maxTotalSeconds: 300 },
        'the role was still not assumable',
        CONTEXT,
        secondsAfterStart(301),
      );

    // Assess
    expect(next).toThrow(RoleValidationTimeoutError);
    expect(next).toThrow('the role was still not assumable after 6 attempts over 301 s (last error: sts:AssumeRole AccessDenied)');
  });

  it('counts the waits alone when the start is not known', () => {
    // Prepare
    const progress = { attempts: 5, waitedSeconds: 100 };

    // Act
    const next = afterRefusal(
      progress,
      'AccessDenied',
      { maxTotalSeconds: 300 },
      'the key was still not usable',
      CONTEXT,
      secondsAfterStart(10_000),
    );

    // Assess: 100 s in, the next scheduled attempt is at 104 s (every 18 s from 32 s).
    expect(next).toEqual({ assumable: false, attempts: 6, waitedSeconds: 104, waitSeconds: 4, lastError: 'AccessDenied' });
  });
});

/** Every attempt the loop makes when nothing ever succeeds, seconds after the first (which is at 0), attempts taking `attemptSeconds`. */
function attemptTimes(maxTotalSeconds: number, attemptSeconds = 0): { at: number[]; waits: number[] } {
  const at = [0];
  const waits: number[] = [];
  let progress: ValidationProgress = { attempts: 0, waitedSeconds: 0 };
  let clock = 0;
  for (;;) {
    clock += attemptSeconds;
    const spent = Math.max(progress.waitedSeconds, clock);
    const wait = nextWaitSeconds({ attempts: progress.attempts + 1, waitedSeconds: spent }, { maxTotalSeconds });
    if (wait === undefined) return { at, waits };
    waits.push(wait);
    clock = spent + wait;
    progress = { attempts: progress.attempts + 1, waitedSeconds: clock };
    at.push(clock);
  }
}

describe('Schedule: VALIDATION_SCHEDULE', () => {
  it('attempts at 0, every 4 s to 32 s, every 18 s to 122 s, then every 60 s, the last at the bound', () => {
    // Act
    const { at } = attemptTimes(900);

    // Assess
    expect(at).toEqual([
      0, 4, 8, 12, 16, 20, 24, 28, 32, 50, 68, 86, 104, 122, 182, 242, 302, 362, 422, 482, 542, 602, 662, 722, 782, 842, 900,
    ]);
  });

  it('never makes more than 30 attempts within 900 s, and every wait is a positive whole second within the bound', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 900 }), fc.double({ min: 0, max: 5, noNaN: true }), (maxTotalSeconds, attemptSeconds) => {
        // Act
        const { at, waits } = attemptTimes(maxTotalSeconds, attemptSeconds);

        // Assess
        expect(at.length).toBeLessThanOrEqual(30);
        for (const wait of waits) {
          expect(Number.isInteger(wait)).toBe(true);
          expect(wait).toBeGreaterThanOrEqual(1);
        }
        expect(at[at.length - 1]).toBeLessThanOrEqual(maxTotalSeconds);
      }),
    );
  });

  it('makes the next attempt at most 4 s after a refusal up to 30 s in, 18 s up to 120 s, 60 s after', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 3600, noNaN: true }), (spent) => {
        // Act
        const next = nextAttemptSeconds(spent);

        // Assess
        expect(next).toBeGreaterThan(spent);
        expect(next - spent).toBeLessThanOrEqual(spent < 32 ? 4 : spent < 122 ? 18 : 60);
      }),
    );
  });

  it('keeps the total bounded: the waits never add up past MaxValidationSeconds, for any bound up to 3600 s', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3600 }), (maxTotalSeconds) => {
        // Act
        const { waits } = attemptTimes(maxTotalSeconds);

        // Assess
        expect(waits.reduce((sum, wait) => sum + wait, 0)).toBeLessThanOrEqual(maxTotalSeconds);
      }),
    );
  });

  it('refuses a schedule with a phase that is not positive, or an unbounded phase before the last', () => {
    // Act
    const zero = () => nextAttemptSeconds(10, [{ everySeconds: 0 }]);
    const unbounded = () => nextAttemptSeconds(10, [{ everySeconds: 2 }, { everySeconds: 4 }]);
    const bounded = () => nextAttemptSeconds(100, [{ everySeconds: 2, attempts: 3 }]);

    // Assess
    expect(zero).toThrow('schedule phase 1: everySeconds must be positive, got 0');
    expect(unbounded).toThrow('schedule phase 1: only the last phase may have no attempts');
    expect(bounded).toThrow('the schedule must end with a phase without attempts');
    expect(VALIDATION_SCHEDULE[VALIDATION_SCHEDULE.length - 1].attempts).toBeUndefined();
  });
});
