/**
 * The validation loop's schedule: the bound counts the time since the first attempt (attempts included) when it is
 * known, so the loop ends within `MaxValidationSeconds` of its start, as the state machine's time-out assumes.
 */
import fc from 'fast-check';
import { MAX_VALIDATION_SECONDS_BOUND } from '../../../shared/config';
import { NotYetUsableError, RoleValidationTimeoutError } from '../../../shared/errors';
import {
  afterRefusal,
  attemptNumberAt,
  attemptSecondsWithin,
  isNotYetErrorName,
  NOT_YET,
  notYetRetriers,
  refuseNotYet,
  nextAttemptSeconds,
  usableAfter,
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

    // Act: the next scheduled attempt (292 s) is past the bound (290 s).
    const next = afterRefusal(
      progress,
      'sts:AssumeRole AccessDenied',
      { maxTotalSeconds: 290 },
      'the role was still not assumable',
      CONTEXT,
      secondsAfterStart(280),
    );

    // Assess
    expect(next).toEqual({
      assumable: false,
      attempts: 6,
      waitedSeconds: 110,
      waitSeconds: 10,
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
  it('keeps the last scheduled attempt when earlier attempts ran late (AWS latency), and gives up after it', () => {
    // Prepare
    const context = { accountId: '444455556666', step: 'ValidateRole' };
    const refuse = (elapsed: number) => () =>
      refuseNotYet(NOT_YET.role, elapsed, 'sts:AssumeRole AccessDenied', 'role', { maxTotalSeconds: 900 }, context);

    // Act / Assess: the attempt scheduled at 748 s ran 6 s late; the one at 900 s is still due.
    expect(refuse(754)).toThrow(expect.objectContaining({ name: 'RoleNotYetAssumable.Late' }));
    expect(refuse(754)).toThrow('attempt 19');
    expect(refuse(906)).toThrow(expect.objectContaining({ name: 'RoleValidationTimeoutError' }));
  });

  it('attempts at 0, every 4 s to 32 s, every 18 s to 140 s, then every 152 s, the last at the bound', () => {
    // Act
    const { at } = attemptTimes(900);

    // Assess
    expect(at).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32, 50, 68, 86, 104, 122, 140, 292, 444, 596, 748, 900]);
    expect(attemptSecondsWithin(900)).toEqual(at);
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

  it('makes the next attempt at most 4 s after a refusal up to 32 s in, 18 s up to 140 s, 152 s after', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 3600, noNaN: true }), (spent) => {
        // Act
        const next = nextAttemptSeconds(spent);

        // Assess
        expect(next).toBeGreaterThan(spent);
        expect(next - spent).toBeLessThanOrEqual(spent < 32 ? 4 : spent < 140 ? 18 : 152);
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

describe('Function: refuseNotYet', () => {
  const refuse =
    (elapsedSeconds: number, maxTotalSeconds = 900) =>
    () =>
      refuseNotYet(
        NOT_YET.role,
        elapsedSeconds,
        'sts:AssumeRole AccessDenied',
        'arn:aws:iam::444455556666:role/R',
        { maxTotalSeconds },
        CONTEXT,
      );

  it.each([
    [0, 'RoleNotYetAssumable.Early', 1, 4],
    [31.9, 'RoleNotYetAssumable.Early', 8, 4],
    [32, 'RoleNotYetAssumable.Middle', 9, 18],
    [139.9, 'RoleNotYetAssumable.Middle', 14, 18],
    [140, 'RoleNotYetAssumable.Late', 15, 152],
  ])('%s s after provisioning throws %s, attempt %i, retried in %i s', (elapsed, name, attempt, interval) => {
    // Act
    const thrown = (() => {
      try {
        refuse(elapsed)();
      } catch (error) {
        return error as Error;
      }
      return undefined;
    })();

    // Assess: short, for the execution history: the subject, the attempt, the time, the refusal, the next attempt.
    expect(thrown).toBeInstanceOf(NotYetUsableError);
    expect(thrown?.name).toBe(name);
    expect(thrown?.message).toBe(
      `account 444455556666, step ValidateRole: arn:aws:iam::444455556666:role/R not assumable yet (attempt ${attempt}, ${Math.round(elapsed)} s after provisioning, sts:AssumeRole AccessDenied); next attempt in ${interval} s`,
    );
    expect(isNotYetErrorName(name)).toBe(true);
  });

  it('gives up with the terminal error when the next attempt would start past the bound', () => {
    // Assess
    expect(refuse(748)).toThrow(NotYetUsableError);
    expect(refuse(748.5)).toThrow(NotYetUsableError);
    expect(refuse(900.5)).toThrow(RoleValidationTimeoutError);
    expect(refuse(900.5)).toThrow(
      'arn:aws:iam::444455556666:role/R was still not assumable after 20 attempts over 901 s since provisioning (last error: sts:AssumeRole AccessDenied)',
    );
    expect(refuse(57, 60)).toThrow(RoleValidationTimeoutError);
    expect(isNotYetErrorName('RoleValidationTimeoutError')).toBe(false);
  });

  it('counts the attempt from the schedule, as attemptSecondsWithin lists them', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 3600, noNaN: true }), (elapsed) => {
        // Assess
        expect(attemptNumberAt(elapsed)).toBe(attemptSecondsWithin(elapsed).length);
      }),
    );
  });

  it('needs no more retries of a phase than its retrier allows, with attempts of 0-5 s and clocks up to 2 s apart', () => {
    // Prepare
    const retriers = notYetRetriers(NOT_YET.role.errorPrefix);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 5, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }), (attemptSeconds, skew) => {
        // Act: the retries of one validation that never succeeds, at the largest bound.
        const retries = new Map<string, number>();
        let clock = skew;
        for (;;) {
          clock += attemptSeconds;
          const name = (() => {
            try {
              refuseNotYet(NOT_YET.role, clock, 'AccessDenied', 'R', { maxTotalSeconds: MAX_VALIDATION_SECONDS_BOUND }, CONTEXT);
            } catch (error) {
              return (error as Error).name;
            }
            return 'none';
          })();
          if (name === 'RoleValidationTimeoutError') break;
          retries.set(name, (retries.get(name) ?? 0) + 1);
          clock += retriers.find((retrier) => retrier.ErrorEquals[0] === name)?.IntervalSeconds ?? NaN;
        }

        // Assess
        for (const retrier of retriers) expect(retries.get(retrier.ErrorEquals[0]) ?? 0).toBeLessThanOrEqual(retrier.MaxAttempts);
      }),
    );
  });

  it('retries each phase at its fixed interval, matched by its own error name', () => {
    // Assess
    expect(notYetRetriers('RoleNotYetAssumable')).toEqual([
      { ErrorEquals: ['RoleNotYetAssumable.Early'], IntervalSeconds: 4, MaxAttempts: 10, BackoffRate: 1 },
      { ErrorEquals: ['RoleNotYetAssumable.Middle'], IntervalSeconds: 18, MaxAttempts: 8, BackoffRate: 1 },
      { ErrorEquals: ['RoleNotYetAssumable.Late'], IntervalSeconds: 152, MaxAttempts: 25, BackoffRate: 1 },
    ]);
  });
});

describe('Function: usableAfter', () => {
  it('reports the attempt that succeeded as the schedule counts it, the seconds since provisioning, and no more waiting', () => {
    // 10 s after provisioning is the third scheduled attempt (0, 4, 8 s); 40 s the ninth (every 4 s to 32, then every 18 s).
    expect(usableAfter(STARTED_AT, 10, { maxTotalSeconds: 900 })).toEqual({
      assumable: true,
      attempts: 3,
      waitedSeconds: 10,
      waitSeconds: 0,
      startedAt: STARTED_AT,
    });
    expect(usableAfter(STARTED_AT, 40, { maxTotalSeconds: 900 })).toMatchObject({ attempts: 9, waitedSeconds: 40 });
  });

  it('counts attempts on the phases it is given', () => {
    const phases = [{ everySeconds: 5 }];
    expect(usableAfter(STARTED_AT, 12, { maxTotalSeconds: 900, phases })).toMatchObject({ attempts: 3 });
  });
});
