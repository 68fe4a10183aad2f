/**
 * The offboarding path of the template's state machine, run with aws-local-stepfunctions and stand-in handlers:
 * ResolveTarget's action decides; RemoveRegistration, then RemoveMemberResources only when required; a failure goes
 * through RecordFailure; another execution holding the lease stops it without changes.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { aTarget } from '../helpers';
import { executionContext, onboardingDefinition, withoutWaits } from '../support/onboarding-definition';
import { OnboardingError } from '../../shared/errors';

const definition = onboardingDefinition();
const target = aTarget();
const offboard = { reason: 'account 444455556666 was closed (CloseAccountResult SUCCEEDED)', accountGone: true };
const registration = { action: 'deleted', accountConfigId: 'cfg-1', reason: 'this application created it' };

type Handlers = Record<string, (input: never) => unknown>;

async function run(overrides: Handlers, calls: string[]) {
  const defaults: Handlers = {
    ResolveTarget: () => ({ target, concurrentExecutionArn: null, action: 'offboard', offboard }),
    RemoveRegistration: () => ({
      registration,
      keySecret: { action: 'absent', arn: null },
      memberCleanupRequired: false,
      memberCleanupReason: 'OffboardingMode is registration',
    }),
    RemoveMemberResources: () => ({ action: 'removed', reason: 'OffboardingMode is everything and the account is reachable' }),
    RecordFailure: () => ({ state: 'failed' }),
  };
  const handlers = Object.fromEntries(
    Object.entries({ ...defaults, ...overrides }).map(([name, fn]) => [
      name,
      async (input: never) => {
        calls.push(name);
        return fn(input);
      },
    ]),
  );
  const execution = new StateMachine(definition as never).run(
    { accountId: '444455556666', action: 'offboard' },
    {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        ...withoutWaits(definition),
      },
      context: executionContext('offboard-444455556666'),
    },
  );
  try {
    return { output: (await execution.result) as Record<string, unknown> };
  } catch (error) {
    return { failure: (error as { cause?: Error }).cause?.name };
  }
}

describe('State machine: the offboarding path', () => {
  it('removes the registration, skips member resources when not required, and outputs offboarded', async () => {
    const calls: string[] = [];

    const { output } = await run({}, calls);

    expect(calls).toEqual(['ResolveTarget', 'RemoveRegistration']);
    expect(output).toEqual({
      outcome: 'offboarded',
      accountId: '444455556666',
      partition: 'aws',
      reason: offboard.reason,
      registration,
      keySecret: { action: 'absent', arn: null },
      memberResources: { action: 'skipped', reason: 'OffboardingMode is registration' },
    });
  });

  it('runs RemoveMemberResources when RemoveRegistration says it is required, with the execution as lease holder', async () => {
    const calls: string[] = [];
    let received: unknown;

    const { output } = await run(
      {
        RemoveRegistration: () => ({
          registration,
          keySecret: { action: 'deleted', arn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:k-AbCdEf' },
          memberCleanupRequired: true,
          memberCleanupReason: 'OffboardingMode is everything',
        }),
        RemoveMemberResources: (input: never) => ((received = input), { action: 'removed', reason: 'reachable' }),
      },
      calls,
    );

    expect(calls).toEqual(['ResolveTarget', 'RemoveRegistration', 'RemoveMemberResources']);
    // What RemoveRegistration did and the execution input (the OU) go along: this step sends the offboarded event.
    expect(received).toEqual({
      target,
      executionArn: expect.stringMatching(/:execution:test-onboarding:offboard-444455556666$/),
      registration,
      executionInput: { accountId: '444455556666', action: 'offboard' },
    });
    expect(output).toMatchObject({ outcome: 'offboarded', memberResources: { action: 'removed' } });
  });

  it('an onboarding execution (no action, or onboard) never enters the offboarding path', async () => {
    const calls: string[] = [];
    await run(
      {
        ResolveTarget: () => ({ target, concurrentExecutionArn: null, action: 'onboard', settings: {} }),
        LookUpRegistration: () => {
          throw new OnboardingError('stop here');
        },
      },
      calls,
    );
    expect(calls).not.toContain('RemoveRegistration');
    expect(calls).toContain('LookUpRegistration');
  });

  it('a failure records the failure (lease released) and fails the execution with its own error', async () => {
    const calls: string[] = [];

    const { failure } = await run(
      {
        RemoveRegistration: () => {
          throw new OnboardingError('Datadog deleteAWSAccount answered 403');
        },
      },
      calls,
    );

    expect(calls).toEqual(['ResolveTarget', 'RemoveRegistration', 'RecordFailure']);
    expect(failure).toBe('OnboardingError');
  });

  it('stops without changes while another execution holds the account', async () => {
    const calls: string[] = [];
    const other = 'arn:aws:states:us-east-1:111122223333:execution:test-onboarding:onboard-444455556666';

    const { output } = await run({ ResolveTarget: () => ({ target, concurrentExecutionArn: other, action: 'offboard', offboard }) }, calls);

    expect(calls).toEqual(['ResolveTarget']);
    expect(output).toMatchObject({ outcome: 'skipped', runningExecutionArn: other });
  });
});
