/**
 * The template's state machine definition, run with aws-local-stepfunctions and stand-in handlers: the order of the
 * steps, the validation loop, its bound, retries of transient errors and immediate failure on the others.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { aTarget } from '../helpers';
import { executionContext, onboardingDefinition, withoutWaits } from '../support/onboarding-definition';
import {
  AccountPendingActivationError,
  AccountRequestInProgressError,
  MemberAccountAccessError,
  NotYetUsableError,
  OnboardingError,
  RoleValidationTimeoutError,
  TransientError,
} from '../../shared/errors';
import { NOT_YET, notYetRetriers } from '../../shared/onboarding/validation-schedule';

const definition = onboardingDefinition();

type Handlers = Record<string, (input: never) => unknown>;

/** The account's settings as ResolveTarget resolves them from the settings document. */
const SETTINGS = { account_tags: ['team:platform'], resources_config: { extended_collection: true } };
const target = { ...aTarget(), alternateMemberAccessRoleName: 'AWSControlTowerExecution' };
/** An account Datadog reaches with an access key (GovCloud: Datadog cannot assume a role there). */
const KEYS_TARGET = { ...target, accountId: '777788889999', partition: 'aws-us-gov', authType: 'access_keys' };
/** RegisterAccount's output for {@link KEYS_TARGET}. */
const KEY_REGISTRATION = {
  accountConfigId: 'cfg-2',
  authType: 'access_keys',
  roleName: null,
  externalId: null,
  accessKeyId: 'AKIAEXAMPLEKEYID0001',
  action: 'created',
};

/** The validator giving up, and how the execution reports it. */
const validationTimeout = () => new RoleValidationTimeoutError('still not assumable', { accountId: '444455556666', step: 'ValidateRole' });
/** RemoveValidatorTrust unable to write the trust policy. */
const failCleanUp = () => {
  throw new OnboardingError('trust policy not writable', { accountId: '444455556666', step: 'RemoveValidatorTrust' });
};
const VALIDATION_TIMED_OUT = { error: 'RoleValidationTimeoutError', cause: 'account 444455556666, step ValidateRole: still not assumable' };
/** When the stand-in ProvisionRole and ProvisionAccessKey end. */
const PROVISIONED_AT = '2026-12-02T10:00:00.000Z';
/** The validator's "not yet" in the given phase, as the function throws it. */
const notYet = (name: string, step = 'ValidateRole') =>
  new NotYetUsableError(name, 'not assumable yet', { accountId: '444455556666', step });

function happyHandlers(calls: string[], overrides: Handlers = {}): Handlers {
  const record = (name: string, fn: (input: never) => unknown) => async (input: never) => {
    calls.push(name);
    return fn(input);
  };
  let keyAttempts = 0;
  const defaults: Handlers = {
    ResolveTarget: () => ({ target, concurrentExecutionArn: null, settings: SETTINGS }),
    LookUpRegistration: () => ({
      accountConfigId: null,
      externalId: 'ext-1',
      permissions: ['iam:ListAccountAliases'],
      permissionsSource: 'snapshot',
    }),
    ProvisionRole: () => ({
      roleArn: 'arn:aws:iam::444455556666:role/DatadogIntegrationRole',
      policyArns: ['p1'],
      changed: true,
      validationRequired: true,
      memberAccessRoleName: 'OrganizationAccountAccessRole',
      provisionedAt: PROVISIONED_AT,
    }),
    ValidateRole: (input: { provisionedAt: string }) => ({
      assumable: true,
      attempts: 1,
      waitedSeconds: 0.3,
      waitSeconds: 0,
      startedAt: input.provisionedAt,
    }),
    RemoveValidatorTrust: () => ({ trustPolicyUpdated: true }),
    RegisterAccount: () => ({ accountConfigId: 'cfg-1', roleName: 'DatadogIntegrationRole', externalId: 'ext-1', action: 'created' }),
    ProvisionAccessKey: () => ({
      userArn: 'arn:aws-us-gov:iam::777788889999:user/DatadogIntegrationUser',
      policyArns: ['p1'],
      keySecretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:k-AbCdEf',
      changed: true,
      validationRequired: true,
      memberAccessRoleName: 'OrganizationAccountAccessRole',
      provisionedAt: PROVISIONED_AT,
    }),
    RecordOnboarding: () => ({ state: 'onboarded' }),
    RecordFailure: () => ({ state: 'failed' }),
    // Not usable at the first attempt, usable at the second (the retry).
    ValidateAccessKey: (input: { provisionedAt: string }) => {
      keyAttempts += 1;
      if (keyAttempts === 1) throw notYet('AccessKeyNotYetUsable.Early', 'ValidateAccessKey');
      return { assumable: true, attempts: keyAttempts, waitedSeconds: 4.2, waitSeconds: 0, startedAt: input.provisionedAt };
    },
  };
  return Object.fromEntries(Object.entries({ ...defaults, ...overrides }).map(([name, fn]) => [name, record(name, fn)]));
}

// Built (and so validated: ASL schema, ARNs, paths) once: validation compiles the validator's schemas anew each time.
const machine = new StateMachine(definition as never);

async function run(handlers: Handlers, input: unknown = { accountId: '444455556666' }) {
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      ...withoutWaits(definition),
    },
    context: executionContext('replay'),
  });
  const events: { type: string; state?: { name: string; input?: unknown } }[] = [];
  const drained = (async () => {
    for await (const event of execution.eventLogs) events.push(event);
  })();
  try {
    const output = await execution.result;
    await drained;
    return { output, events };
  } catch (error) {
    await drained;
    const cause = (error as { cause?: Error }).cause;
    return { failure: { error: cause?.name, cause: cause?.message }, events };
  }
}

describe('State machine: onboarding.asl.json', () => {
  it('runs the steps in order and outputs the summary', async () => {
    // Prepare
    const calls: string[] = [];

    // Act
    const { output } = await run(happyHandlers(calls));

    // Assess
    expect(calls).toEqual([
      'ResolveTarget',
      'LookUpRegistration',
      'ProvisionRole',
      'ValidateRole',
      'RemoveValidatorTrust',
      'RegisterAccount',
      'RecordOnboarding',
    ]);
    expect(output).toEqual({
      outcome: 'onboarded',
      accountId: '444455556666',
      partition: 'aws',
      datadogSite: 'datadoghq.com',
      authType: 'role',
      memberAccessRoleName: 'OrganizationAccountAccessRole',
      roleArn: 'arn:aws:iam::444455556666:role/DatadogIntegrationRole',
      userArn: null,
      keySecretArn: null,
      policyArns: ['p1'],
      validationAttempts: 1,
      datadog: { accountConfigId: 'cfg-1', roleName: 'DatadogIntegrationRole', externalId: 'ext-1', action: 'created' },
    });
  });

  it('registers with Datadog only after validation passed, retrying each "not yet" with its phase’s retrier', async () => {
    // Prepare
    const calls: string[] = [];
    const inputs: unknown[] = [];
    const refusals = ['RoleNotYetAssumable.Early', 'RoleNotYetAssumable.Early', 'RoleNotYetAssumable.Middle'];
    const handlers = happyHandlers(calls, {
      ValidateRole: (input: { provisionedAt: string }) => {
        inputs.push(input);
        const refusal = refusals.shift();
        if (refusal) throw notYet(refusal);
        return { assumable: true, attempts: 4, waitedSeconds: 50.2, waitSeconds: 0, startedAt: input.provisionedAt };
      },
    });

    // Act
    const { output, events } = await run(handlers);

    // Assess: one entry into ValidateRole, three retries (4 s, 4 s, then the Middle retrier's 18 s), the same input
    // each time: the provisioning time from ProvisionRole, no loop state in between.
    expect(calls.filter((name) => name === 'ValidateRole')).toHaveLength(4);
    expect(calls.indexOf('RegisterAccount')).toBeGreaterThan(calls.lastIndexOf('ValidateRole'));
    expect(output).toMatchObject({ outcome: 'onboarded', validationAttempts: 4 });
    expect(new Set(inputs.map((input) => JSON.stringify(input)))).toEqual(
      new Set([
        JSON.stringify({
          target,
          roleArn: 'arn:aws:iam::444455556666:role/DatadogIntegrationRole',
          externalId: 'ext-1',
          provisionedAt: PROVISIONED_AT,
        }),
      ]),
    );
    const entered = events.filter((event) => event.type === 'StateEntered' && event.state?.name === 'ValidateRole');
    const retries = events
      .filter((event) => event.type === 'StateRetried' && event.state?.name === 'ValidateRole')
      .map((event) => (event as { retry?: { retrier: { IntervalSeconds: number } } }).retry?.retrier.IntervalSeconds);
    expect(entered).toHaveLength(1);
    expect(retries).toEqual([4, 4, 18]);
  });

  it('repeats validation with the retriers of the schedule, before the transient one, for the role and the access key', () => {
    // Assess: the retriers come from the schedule's own numbers, so the definition and the function cannot disagree.
    const retry = (name: string) => (definition.States as Record<string, { Retry: unknown[] }>)[name].Retry;
    expect(retry('ValidateRole').slice(0, 3)).toEqual(notYetRetriers(NOT_YET.role.errorPrefix));
    expect(retry('ValidateAccessKey').slice(0, 3)).toEqual(notYetRetriers(NOT_YET.accessKey.errorPrefix));
    expect(retry('ValidateRole')).toHaveLength(4);
    expect(retry('ValidateAccessKey')).toHaveLength(4);
  });

  it('skips validation for an account already converged and validated', async () => {
    const calls: string[] = [];
    const handlers = happyHandlers(calls, {
      ProvisionRole: () => ({
        roleArn: 'arn:aws:iam::444455556666:role/DatadogIntegrationRole',
        policyArns: ['p1'],
        changed: false,
        validationRequired: false,
        memberAccessRoleName: 'OrganizationAccountAccessRole',
      }),
    });
    const { output } = await run(handlers);
    expect(calls).toEqual(['ResolveTarget', 'LookUpRegistration', 'ProvisionRole', 'RegisterAccount', 'RecordOnboarding']);
    expect(output).toMatchObject({ outcome: 'onboarded', validationAttempts: 0 });
  });

  it('fails with the validator’s cause when the role never becomes assumable, and never registers', async () => {
    // Prepare
    const calls: string[] = [];
    let attempts = 0;
    const handlers = happyHandlers(calls, {
      ValidateRole: () => {
        attempts += 1;
        if (attempts === 3) throw validationTimeout();
        throw notYet('RoleNotYetAssumable.Late');
      },
    });

    // Act
    const { failure } = await run(handlers);

    // Assess
    expect(failure).toEqual(VALIDATION_TIMED_OUT);
    expect(calls.filter((name) => name === 'ValidateRole')).toHaveLength(3);
    expect(calls).not.toContain('RegisterAccount');
  });

  it('fails at once, without retry, on a non-transient error', async () => {
    const calls: string[] = [];
    const handlers = happyHandlers(calls, {
      ProvisionRole: () => {
        throw new MemberAccountAccessError('cannot assume', { accountId: '444455556666', step: 'ProvisionRole' });
      },
    });
    const { failure } = await run(handlers);
    expect(failure?.error).toBe('MemberAccountAccessError');
    expect(calls.filter((name) => name === 'ProvisionRole')).toHaveLength(1);
    expect(calls).not.toContain('ValidateRole');
  });

  it('retries a transient error and goes on', async () => {
    const calls: string[] = [];
    let failures = 2;
    const handlers = happyHandlers(calls, {
      RegisterAccount: () => {
        if (failures-- > 0) throw new TransientError('Datadog answered 503');
        return { accountConfigId: 'cfg-1', roleName: 'DatadogIntegrationRole', externalId: 'ext-1', action: 'created' };
      },
    });
    const { output } = await run(handlers);
    expect(output).toMatchObject({ outcome: 'onboarded' });
    expect(calls.filter((name) => name === 'RegisterAccount')).toHaveLength(3);
  });

  it('gives up on a transient error after the retry budget', async () => {
    const calls: string[] = [];
    const handlers = happyHandlers(calls, {
      LookUpRegistration: () => {
        throw new TransientError('Datadog answered 503');
      },
    });
    const { failure } = await run(handlers);
    expect(failure?.error).toBe('TransientError');
    expect(calls.filter((name) => name === 'LookUpRegistration')).toHaveLength(5);
  });

  it('takes the access-key path where Datadog needs a key: user and key, key proven usable, then registration with the key secret', async () => {
    // Prepare
    const calls: string[] = [];
    let registered: unknown;
    const handlers = happyHandlers(calls, {
      ResolveTarget: () => ({ target: KEYS_TARGET, concurrentExecutionArn: null, settings: SETTINGS }),
      LookUpRegistration: () => ({
        accountConfigId: null,
        externalId: null,
        source: 'not-needed',
        permissions: ['iam:ListAccountAliases'],
        permissionsSource: 'snapshot',
      }),
      RegisterAccount: (input: never) => ((registered = input), KEY_REGISTRATION),
    });

    // Act
    const { output } = await run(handlers);

    // Assess
    expect(calls).toEqual([
      'ResolveTarget',
      'LookUpRegistration',
      'ProvisionAccessKey',
      'ValidateAccessKey',
      'ValidateAccessKey',
      'RegisterAccount',
      'RecordOnboarding',
    ]);
    expect(registered).toEqual({
      target: KEYS_TARGET,
      externalId: null,
      keySecretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:k-AbCdEf',
      settings: SETTINGS,
    });
    expect(output).toMatchObject({
      outcome: 'onboarded',
      authType: 'access_keys',
      roleArn: null,
      userArn: 'arn:aws-us-gov:iam::777788889999:user/DatadogIntegrationUser',
      keySecretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:k-AbCdEf',
      validationAttempts: 2,
    });
    expect(JSON.stringify(output)).not.toMatch(/secretAccessKey/);
  });

  it('follows a GovCloud account request until it succeeded, then starts one onboarding per created account', async () => {
    // Prepare
    const calls: string[] = [];
    const started: unknown[] = [];
    let attempts = 0;
    const handlers = happyHandlers(calls, {
      DescribeAccountRequest: () => {
        attempts += 1;
        if (attempts < 3) throw new AccountRequestInProgressError('still in progress');
        return {
          requestId: 'car-example12345',
          state: 'SUCCEEDED',
          accounts: [
            { accountId: '333344445555', partition: 'aws' },
            { accountId: '777788889999', partition: 'aws-us-gov' },
          ],
        };
      },
      StartAccountOnboarding: (input: never) => {
        started.push(input);
        if ((input as { Name: string }).Name === 'onboard-333344445555') {
          throw Object.assign(new Error('Execution Already Exists'), { name: 'StepFunctions.ExecutionAlreadyExistsException' });
        }
        return {
          ExecutionArn: 'arn:aws:states:us-east-1:111122223333:execution:test-onboarding:onboard-777788889999',
          StartDate: '2026-11-22T00:00:00Z',
        };
      },
    });

    // Act
    const { output } = await run(handlers, { createAccountRequestId: 'car-example12345' });

    // Assess
    expect(calls.filter((name) => name === 'DescribeAccountRequest')).toHaveLength(3);
    expect(calls).not.toContain('ResolveTarget');
    expect(started).toEqual([
      {
        StateMachineArn: 'arn:aws:states:us-east-1:111122223333:stateMachine:test-onboarding',
        Name: 'onboard-333344445555',
        Input: { accountId: '333344445555', partition: 'aws' },
      },
      {
        StateMachineArn: 'arn:aws:states:us-east-1:111122223333:stateMachine:test-onboarding',
        Name: 'onboard-777788889999',
        Input: { accountId: '777788889999', partition: 'aws-us-gov' },
      },
    ]);
    expect(output).toMatchObject({ outcome: 'requested', request: { state: 'SUCCEEDED' } });
  });

  it('hands ResolveTarget the execution input and the execution’s own ARN', async () => {
    let received: unknown;
    await run(
      happyHandlers([], {
        ResolveTarget: (input: never) => ((received = input), { target, concurrentExecutionArn: null, settings: SETTINGS }),
      }),
      {
        accountId: '444455556666',
        roleName: 'X',
      },
    );
    expect(received).toEqual({
      input: { accountId: '444455556666', roleName: 'X' },
      executionArn: 'arn:aws:states:us-east-1:111122223333:execution:test-onboarding:replay',
    });
  });

  it('stops without changes, as a success (no failed execution to alarm on), when an earlier onboarding of the account is running', async () => {
    const calls: string[] = [];
    const running = 'arn:aws:states:us-east-1:111122223333:execution:test-onboarding:onboard-444455556666';
    const { output, failure } = await run(happyHandlers(calls, { ResolveTarget: () => ({ target, concurrentExecutionArn: running }) }));
    expect(failure).toBeUndefined();
    expect(calls).toEqual(['ResolveTarget']);
    expect(output).toEqual({
      outcome: 'skipped',
      accountId: '444455556666',
      reason: 'another execution of this account is running and onboards it; this one changed nothing',
      runningExecutionArn: running,
    });
  });

  it('goes straight to the member access role that worked: later steps and the output get the alternate one', async () => {
    // Prepare: the hint was the Organizations role; ProvisionRole reached the account through Control Tower's.
    const calls: string[] = [];
    let removeTrustInput: { target?: { memberAccessRoleName?: string } } = {};
    const handlers = happyHandlers(calls, {
      ProvisionRole: () => ({
        roleArn: 'arn:aws:iam::444455556666:role/DatadogIntegrationRole',
        policyArns: ['p1'],
        changed: true,
        validationRequired: true,
        memberAccessRoleName: 'AWSControlTowerExecution',
        provisionedAt: PROVISIONED_AT,
      }),
      RemoveValidatorTrust: (input: never) => ((removeTrustInput = input), { trustPolicyUpdated: true }),
    });

    // Act
    const { output } = await run(handlers);

    // Assess
    expect(removeTrustInput.target?.memberAccessRoleName).toBe('AWSControlTowerExecution');
    expect(output).toMatchObject({ outcome: 'onboarded', memberAccessRoleName: 'AWSControlTowerExecution' });
  });

  it('reports the member access role that reached an access-key account', async () => {
    const handlers = happyHandlers([], {
      ResolveTarget: () => ({ target: KEYS_TARGET, concurrentExecutionArn: null, settings: SETTINGS }),
      ProvisionAccessKey: () => ({
        userArn: 'arn:aws-us-gov:iam::777788889999:user/U',
        policyArns: ['p1'],
        keySecretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:k-AbCdEf',
        changed: true,
        validationRequired: true,
        memberAccessRoleName: 'AWSControlTowerExecution',
        provisionedAt: PROVISIONED_AT,
      }),
      RegisterAccount: () => KEY_REGISTRATION,
    });

    const { output } = await run(handlers);

    expect(output).toMatchObject({ outcome: 'onboarded', authType: 'access_keys', memberAccessRoleName: 'AWSControlTowerExecution' });
  });

  it.each(['ProvisionRole'])('waits for an account still activating in %s, then goes on', async (step) => {
    // Prepare: Organizations says PENDING_ACTIVATION for the first three attempts.
    const calls: string[] = [];
    let refusals = 3;
    const happy = happyHandlers([]);
    const handlers = happyHandlers(calls, {
      [step]: async (input: never) => {
        if (refusals-- > 0)
          throw new AccountPendingActivationError('the account is PENDING_ACTIVATION', { accountId: '444455556666', step });
        return happy[step](input);
      },
    });

    // Act
    const { output, failure } = await run(handlers);

    // Assess
    expect(failure).toBeUndefined();
    expect(output).toMatchObject({ outcome: 'onboarded' });
    expect(calls.filter((name) => name === step)).toHaveLength(4);
  });

  it('gives every Task a timeout, a transient Retry and a catch-all routed to the failure record (validation through the clean-up)', () => {
    const tasks = Object.entries(definition.States as Record<string, Record<string, unknown>>).filter(([, state]) => state.Type === 'Task');
    expect(tasks.length).toBe(13);
    // A failed validation removes the validator's trust first; the clean-up's own failure is told apart after it.
    // Before ResolveTarget took the account's lease there is no account to record (a request, a refused input).
    const failed = { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'OnboardingFailed' };
    const catchAll: Record<string, unknown> = {
      DescribeAccountRequest: failed,
      ResolveTarget: failed,
      ValidateRole: { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RemoveValidatorTrust' },
      RemoveValidatorTrust: { ErrorEquals: ['States.ALL'], ResultPath: '$.cleanupError', Next: 'IsOnboardingFailing' },
      RecordFailure: { ErrorEquals: ['States.ALL'], ResultPath: '$.recordError', Next: 'OnboardingFailed' },
    };
    for (const [name, state] of tasks) {
      expect(state.TimeoutSeconds).toEqual(expect.any(Number));
      expect((state.Retry as { ErrorEquals: string[] }[]).flatMap((retrier) => retrier.ErrorEquals)).toContain('TransientError');
      expect(state.Catch).toEqual([catchAll[name] ?? { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' }]);
    }
  });

  it('records the onboarding with what the execution did, and releases the lease as this execution', async () => {
    const inputs: unknown[] = [];
    const { output } = await run(
      happyHandlers([], {
        RecordOnboarding: (input: never) => {
          inputs.push(input);
          return { state: 'onboarded' };
        },
      }),
    );
    expect(inputs).toEqual([
      {
        target,
        executionArn: 'arn:aws:states:us-east-1:111122223333:execution:test-onboarding:replay',
        registration: expect.objectContaining({ permissions: ['iam:ListAccountAliases'], externalId: 'ext-1' }),
        datadog: expect.objectContaining({ accountConfigId: 'cfg-1', action: 'created' }),
        keySecretArn: null,
        validation: expect.objectContaining({ assumable: true, attempts: 1 }),
        // The execution's own input: the lifecycle event's time and the OU, for the metrics and the Datadog event.
        executionInput: { accountId: '444455556666' },
      },
    ]);
    // The record's result is not the execution's: its output is the summary as before.
    expect(output).toMatchObject({ outcome: 'onboarded', datadog: { accountConfigId: 'cfg-1' } });
    expect(output).not.toHaveProperty('state');
  });

  it('records a failure with the execution’s own error, then fails with it', async () => {
    const calls: string[] = [];
    const inputs: unknown[] = [];
    const { failure } = await run(
      happyHandlers(calls, {
        ProvisionRole: () => {
          throw new MemberAccountAccessError('cannot assume the member access role', { accountId: '444455556666', step: 'ProvisionRole' });
        },
        RecordFailure: (input: never) => {
          inputs.push(input);
          return { state: 'failed' };
        },
      }),
    );
    const error = {
      error: 'MemberAccountAccessError',
      cause: 'account 444455556666, step ProvisionRole: cannot assume the member access role',
    };
    expect(failure).toEqual(error);
    expect(calls).toEqual(['ResolveTarget', 'LookUpRegistration', 'ProvisionRole', 'RecordFailure']);
    expect(inputs).toEqual([
      {
        target,
        executionArn: 'arn:aws:states:us-east-1:111122223333:execution:test-onboarding:replay',
        error: { Error: error.error, Cause: error.cause },
        executionInput: { accountId: '444455556666' },
      },
    ]);
  });

  it('fails with the execution’s own error when the failure cannot be recorded', async () => {
    const calls: string[] = [];
    const { failure } = await run(
      happyHandlers(calls, {
        ValidateRole: () => {
          throw validationTimeout();
        },
        RecordFailure: () => {
          throw new OnboardingError('table unavailable', { accountId: '444455556666', step: 'RecordFailure' });
        },
      }),
    );
    expect(failure).toEqual(VALIDATION_TIMED_OUT);
    expect(calls.filter((name) => name === 'RecordFailure')).toHaveLength(1);
  });

  it('records the clean-up’s failure, and a failed record of the onboarding, as failures', async () => {
    const calls: string[] = [];
    const cleanUp = await run(happyHandlers(calls, { RemoveValidatorTrust: failCleanUp }));
    expect(cleanUp.failure).toMatchObject({ error: 'OnboardingError' });
    expect(calls.slice(-1)).toEqual(['RecordFailure']);

    const recordCalls: string[] = [];
    const record = await run(
      happyHandlers(recordCalls, {
        RecordOnboarding: () => {
          throw new OnboardingError('conditional write refused', { accountId: '444455556666', step: 'RecordOnboarding' });
        },
      }),
    );
    expect(record.failure).toEqual({
      error: 'OnboardingError',
      cause: 'account 444455556666, step RecordOnboarding: conditional write refused',
    });
    expect(recordCalls.slice(-2)).toEqual(['RecordOnboarding', 'RecordFailure']);
  });

  it('records nothing for input ResolveTarget refuses: no lease was taken', async () => {
    const calls: string[] = [];
    const { failure } = await run(
      happyHandlers(calls, {
        ResolveTarget: () => {
          throw new OnboardingError('execution input accountId: must be a 12-digit AWS account id');
        },
      }),
    );
    expect(failure).toMatchObject({ error: 'OnboardingError' });
    expect(calls).toEqual(['ResolveTarget']);
  });

  it('removes the validator’s trust when validation fails, and still fails with the validation’s own error', async () => {
    // Prepare
    const calls: string[] = [];
    const failValidation = () => {
      throw validationTimeout();
    };
    const cleanedUp = happyHandlers(calls, { ValidateRole: failValidation });
    const handlers = happyHandlers(calls, { ValidateRole: failValidation, RemoveValidatorTrust: failCleanUp });

    // Act: the clean-up works; then the clean-up fails too.
    const withCleanUp = await run(cleanedUp);
    const withFailedCleanUp = await run(handlers);

    // Assess: the clean-up ran each time, nothing was registered, and the cause is the validation's.
    expect(calls.filter((name) => name === 'RemoveValidatorTrust')).toHaveLength(2);
    expect(calls).not.toContain('RegisterAccount');
    expect(withCleanUp.failure).toEqual(VALIDATION_TIMED_OUT);
    expect(withFailedCleanUp.failure).toEqual(VALIDATION_TIMED_OUT);
  });

  it('fails with the clean-up’s error, and registers nothing, when validation passed but the trust could not be cleaned up', async () => {
    // Prepare
    const calls: string[] = [];
    const handlers = happyHandlers(calls, { RemoveValidatorTrust: failCleanUp });

    // Act
    const { failure } = await run(handlers);

    // Assess
    expect(failure).toEqual({
      error: 'OnboardingError',
      cause: 'account 444455556666, step RemoveValidatorTrust: trust policy not writable',
    });
    expect(calls).not.toContain('RegisterAccount');
  });
});
