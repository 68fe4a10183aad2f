/**
 * The validation loop's schedule: the bound counts the time since the first attempt (attempts included) when it is
 * known, so the loop ends within `MaxValidationSeconds` of its start, as the state machine's time-out assumes.
 */
import { RoleValidationTimeoutError } from '../../../shared/errors';
import { afterRefusal } from '../../../shared/onboarding/validation-schedule';

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

    // Assess
    expect(next).toEqual({ assumable: false, attempts: 6, waitedSeconds: 160, waitSeconds: 60, lastError: 'AccessDenied' });
  });
});
