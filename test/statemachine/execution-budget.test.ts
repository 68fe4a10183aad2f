/**
 * The execution time-out of the state machine and the `MaxValidationSeconds` bound agree: the bound is derived from
 * the definition's `TimeoutSeconds`, so validation ends, and the validator's trust statement expires, before the
 * execution can time out (an execution time-out cannot be caught, so nothing would remove the statement).
 */
import { loadTemplate } from '../../local/template';
import { onboardingDefinition } from '../support/onboarding-definition';
import { ENV, MAX_VALIDATION_SECONDS_BOUND } from '../../shared/config';
import { VALIDATOR_TRUST_GRACE_SECONDS } from '../../shared/onboarding/validator-trust-expiry';
import { maxValidationSecondsFor, pathBudgets, worstCaseTaskSeconds, type AslMachine } from './execution-budget';

const template = loadTemplate();
const definition = onboardingDefinition(template) as unknown as AslMachine;
const parameter = template.Parameters.MaxValidationSeconds as unknown as { MaxValue: number; Default: number; Description: string };

describe('Function: worstCaseTaskSeconds', () => {
  it('adds every retry of every retrier, each after its longest wait, capped by MaxDelaySeconds', () => {
    // Prepare
    const state = {
      Type: 'Task',
      TimeoutSeconds: 10,
      Retry: [{ MaxAttempts: 3, IntervalSeconds: 5, BackoffRate: 2, MaxDelaySeconds: 15 }, { MaxAttempts: 1 }],
    };

    // Act
    const seconds = worstCaseTaskSeconds('Step', state);

    // Assess: 5 attempts of 10 s, waits 5, 10, 15 (capped) and 1 (defaults).
    expect(seconds).toBe(5 * 10 + 5 + 10 + 15 + 1);
  });

  it('leaves out the "not yet" retriers of a validation Task, which MaxValidationSeconds bounds', () => {
    // Prepare
    const state = {
      Type: 'Task',
      TimeoutSeconds: 10,
      Retry: [
        { ErrorEquals: ['RoleNotYetAssumable.Late'], MaxAttempts: 25, IntervalSeconds: 152, BackoffRate: 1 },
        { ErrorEquals: ['TransientError'], MaxAttempts: 1, IntervalSeconds: 2 },
      ],
    };

    // Act
    const seconds = worstCaseTaskSeconds('ValidateRole', state);

    // Assess: the first attempt, and one transient retry after 2 s.
    expect(seconds).toBe(10 + 2 + 10);
  });

  it('refuses a Task without TimeoutSeconds', () => {
    // Act
    const seconds = () => worstCaseTaskSeconds('Step', { Type: 'Task' });

    // Assess
    expect(seconds).toThrow('Task Step has no TimeoutSeconds');
  });
});

describe('State machine: execution time-out and MaxValidationSeconds', () => {
  const paths = pathBudgets(definition);

  it('has a validation Task on the role path and on the access-key path', () => {
    // Assess
    expect(new Set(paths.flatMap((path) => (path.validationTask ? [path.validationTask] : [])))).toEqual(
      new Set(['ValidateRole', 'ValidateAccessKey']),
    );
  });

  it('derives the MaxValue of MaxValidationSeconds in template.yaml, and the functions’ own bound, from TimeoutSeconds', () => {
    // Act
    const derived = maxValidationSecondsFor(definition, VALIDATOR_TRUST_GRACE_SECONDS);

    // Assess
    expect(definition.TimeoutSeconds).toBe(17700);
    expect(derived).toBe(3600);
    expect(parameter.MaxValue).toBe(derived);
    expect(MAX_VALIDATION_SECONDS_BOUND).toBe(derived);
    expect(ENV.MAX_VALIDATION_SECONDS.safeParse(String(derived)).success).toBe(true);
    expect(ENV.MAX_VALIDATION_SECONDS.safeParse(String(derived + 1)).success).toBe(false);
    expect(parameter.Description).toContain(`at most ${derived}`);
    expect(parameter.Description).toContain(`${definition.TimeoutSeconds}-second time-out`);
    expect(parameter.Description).toContain(`expires ${VALIDATOR_TRUST_GRACE_SECONDS} s after`);
    expect(parameter.Default).toBeLessThanOrEqual(derived);
  });

  it('would lower the bound with a shorter time-out, so template.yaml and the definition cannot drift apart unnoticed', () => {
    // Act
    const derived = maxValidationSecondsFor({ ...definition, TimeoutSeconds: 3600 }, VALIDATOR_TRUST_GRACE_SECONDS);

    // Assess
    expect(derived).toBeLessThan(parameter.MaxValue);
  });

  it('ends every path within the time-out at the largest bound', () => {
    // Act
    const overruns = paths
      .map((path) => ({ path: path.states.join(' > '), seconds: path.fixedSeconds + (path.validationTask ? parameter.MaxValue : 0) }))
      .filter(({ seconds }) => seconds > (definition.TimeoutSeconds ?? 0));

    // Assess
    expect(paths.length).toBeGreaterThan(4);
    expect(overruns).toEqual([]);
  });

  it('lets the validator’s trust statement expire before the execution can time out, and not before validation ends', () => {
    // Act
    const problems = paths
      .filter((path) => path.validationTask !== undefined)
      .flatMap((path) => {
        const validation = path.validationTask as string;
        const provisioning = path.states
          .slice(0, path.states.indexOf(validation))
          .filter((name) => definition.States[name].Type === 'Task')
          .pop() as string;
        // The statement is written during the provisioning Task's last attempt, and must outlast the rest of that
        // attempt, the bound, and the loop's last attempt.
        const needed =
          (definition.States[provisioning].TimeoutSeconds ?? 0) + worstCaseTaskSeconds(validation, definition.States[validation]);
        const expiresBy = (path.secondsBeforeValidation ?? 0) + parameter.MaxValue + VALIDATOR_TRUST_GRACE_SECONDS;
        return [
          ...(VALIDATOR_TRUST_GRACE_SECONDS < needed ? [`${validation}: grace ${VALIDATOR_TRUST_GRACE_SECONDS} s < ${needed} s`] : []),
          ...(expiresBy > (definition.TimeoutSeconds ?? 0)
            ? [`${validation}: the statement may live ${expiresBy} s into the execution`]
            : []),
        ];
      });

    // Assess
    expect(problems).toEqual([]);
  });
});
