import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ExecutionScheduler } from '../../local/execution-scheduler';
import { AwsSandbox, VirtualClock } from '../../local/sandbox';
import { LocalExecutions, runExecution, type IntegrationCall, type LocalStateMachines, type TaskInvoker } from '../../local/step-functions';

const MANAGEMENT = '111122223333';
const START_MS = Date.UTC(2026, 0, 1);
const PARENT_ARN = `arn:aws:states:us-east-1:${MANAGEMENT}:stateMachine:reconcile`;
const CHILD_ARN = `arn:aws:states:us-east-1:${MANAGEMENT}:stateMachine:onboarding`;
const WORK = `arn:aws:lambda:us-east-1:${MANAGEMENT}:function:work`;
const BUCKET = 'plans-111122223333';
const ROLE = `arn:aws:sts::${MANAGEMENT}:assumed-role/StateMachineRole/local`;

/** A Distributed Map over an S3 plan whose children call `work` (after waiting `wait` seconds, if any). */
function mapDefinition(fields: Record<string, unknown>, wait?: number): Record<string, unknown> {
  const processorStates: Record<string, unknown> = {
    Work: { Type: 'Task', Resource: WORK, End: true },
  };
  if (wait !== undefined) processorStates.Pause = { Type: 'Wait', Seconds: wait, Next: 'Work' };
  return {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { Bucket: BUCKET, 'Key.$': '$.planKey' },
        },
        ItemSelector: { 'accountId.$': '$$.Map.Item.Value.accountId', 'dryRun.$': '$.dryRun' },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: wait !== undefined ? 'Pause' : 'Work',
          States: processorStates,
        },
        ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: BUCKET, Prefix: 'results' } },
        ResultPath: '$.map',
        End: true,
        ...fields,
      },
    },
  };
}

describe('Local Step Functions engine', () => {
  let sandbox: AwsSandbox;
  let executions: LocalExecutions;
  const s3 = new S3Client({ region: 'us-east-1' });
  const asRole = <T>(call: () => Promise<T>) => sandbox.asPrincipal(ROLE, call);

  beforeEach(() => {
    sandbox = new AwsSandbox({ managementAccountId: MANAGEMENT, clock: new VirtualClock(START_MS) });
    sandbox.putBucket(BUCKET);
    sandbox.install();
    executions = new LocalExecutions(PARENT_ARN);
  });

  afterEach(() => sandbox.restore());

  async function putPlan(items: unknown[]): Promise<void> {
    await asRole(() => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'plans/p.json', Body: JSON.stringify(items) })));
  }

  /** Runs `definition` once with `invoke`, in a scheduler of its own. */
  function run(definition: Record<string, unknown>, invoke: TaskInvoker, input: unknown = { planKey: 'plans/p.json', dryRun: false }) {
    return runExecution(definition, executions.start('run', input), {
      invoke,
      clock: sandbox.clock,
      executions,
      asStateMachineRole: asRole,
    });
  }

  describe('Retry', () => {
    /** A Task that throws the named errors in turn, then succeeds, recording the virtual second of each attempt. */
    function failing(names: string[], attemptsAt: number[]): TaskInvoker {
      const left = [...names];
      return () => {
        attemptsAt.push((sandbox.clock.now() - START_MS) / 1000);
        const name = left.shift();
        if (name === undefined) return Promise.resolve({ ok: true });
        const error = new Error(`${name} happened`);
        error.name = name;
        return Promise.reject(error);
      };
    }

    /**
     * Runs a definition of one Task state X (`task`: its Retry, Catch, Next; `states`: the others) whose attempts
     * throw `errors` in turn, then succeed.
     *
     * @returns the execution, the virtual second of each attempt and the events.
     */
    async function runFailing(name: string, task: Record<string, unknown>, errors: string[], states: Record<string, unknown> = {}) {
      const definition = { StartAt: 'X', States: { X: { Type: 'Task', Resource: WORK, ...task }, ...states } };
      const attemptsAt: number[] = [];
      const events: { type: string; retryWaitSeconds?: number }[] = [];
      const done = await runExecution(definition, executions.start(name, {}), {
        invoke: failing(errors, attemptsAt),
        clock: sandbox.clock,
        onProgress: (event) => events.push(event),
        executions,
      });
      return { done, attemptsAt, events };
    }

    it('counts retries per retrier and waits IntervalSeconds × BackoffRate^n, as the Amazon States Language example', async () => {
      // Arrange: the "Complex retry scenarios" example of the Amazon States Language specification: ErrorA, ErrorB,
      // ErrorC, ErrorB wait 1 s, 2 s, then 5 s (the second retrier's own first retry); the fourth error finds the
      // first retrier's 2 retries spent and goes to the Catch.
      const task = {
        Retry: [
          { ErrorEquals: ['ErrorA', 'ErrorB'], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 2 },
          { ErrorEquals: ['ErrorC'], IntervalSeconds: 5 },
        ],
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Z' }],
        Next: 'Y',
      };
      const states = { Y: { Type: 'Pass', End: true }, Z: { Type: 'Pass', Result: 'caught', End: true } };

      // Act
      const { done, attemptsAt, events } = await runFailing('retries', task, ['ErrorA', 'ErrorB', 'ErrorC', 'ErrorB'], states);

      // Assert
      expect(done.status).toBe('SUCCEEDED');
      expect(done.output).toBe('caught');
      expect(attemptsAt).toEqual([0, 1, 3, 8]);
      expect(events.filter((event) => event.type === 'StateRetried').map((event) => event.retryWaitSeconds)).toEqual([1, 2, 5]);
    });

    it('caps each wait at MaxDelaySeconds, and keeps a fixed interval with BackoffRate 1', async () => {
      // Arrange
      const task = {
        Retry: [
          { ErrorEquals: ['Growing'], IntervalSeconds: 2, BackoffRate: 3, MaxDelaySeconds: 10, MaxAttempts: 3 },
          { ErrorEquals: ['Fixed'], IntervalSeconds: 4, BackoffRate: 1, MaxAttempts: 3 },
        ],
        End: true,
      };

      // Act
      const { done, attemptsAt } = await runFailing('capped', task, ['Growing', 'Growing', 'Growing', 'Fixed', 'Fixed', 'Fixed']);

      // Assert: waits 2, 6, 10 (18 capped), then 4, 4, 4.
      expect(done.status).toBe('SUCCEEDED');
      expect(attemptsAt).toEqual([0, 2, 8, 18, 22, 26, 30]);
    });
  });

  describe('Distributed Map', () => {
    it('runs one child per item of the S3 plan, at most MaxConcurrency at a time, with the ItemSelector as input', async () => {
      // Arrange
      await putPlan(Array.from({ length: 7 }, (_, i) => ({ accountId: String(100000000000 + i) })));
      let inFlight = 0;
      let peak = 0;
      const seen: unknown[] = [];
      const invoke: TaskInvoker = async (_arn, input) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        seen.push(input);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return { done: (input as { accountId: string }).accountId };
      };

      // Act
      const done = await run(mapDefinition({ MaxConcurrency: 3 }), invoke);

      // Assert
      expect(done.status).toBe('SUCCEEDED');
      expect(peak).toBe(3);
      expect(seen).toHaveLength(7);
      expect(seen).toContainEqual({ accountId: '100000000006', dryRun: false });
    });

    it('reports each child’s Lambda invocations as its parent state machine’s, once per attempt', async () => {
      // Arrange: one item, whose first attempt fails and is retried.
      await putPlan([{ accountId: '100000000000' }]);
      const calls: IntegrationCall[] = [];
      let attempts = 0;
      const invoke: TaskInvoker = () =>
        ++attempts === 1 ? Promise.reject(Object.assign(new Error('x'), { name: 'Retry.Me' })) : Promise.resolve({});
      const definition = mapDefinition({});
      const processor = (definition.States as { Each: { ItemProcessor: { States: { Work: Record<string, unknown> } } } }).Each
        .ItemProcessor;
      processor.States.Work.Retry = [{ ErrorEquals: ['Retry.Me'], IntervalSeconds: 1 }];

      // Act
      const done = await runExecution(definition, executions.start('run', { planKey: 'plans/p.json', dryRun: false }), {
        invoke,
        clock: sandbox.clock,
        executions,
        asStateMachineRole: asRole,
        onIntegration: (call) => calls.push(call),
      });

      // Assert
      expect(done.status).toBe('SUCCEEDED');
      expect(calls.map(({ stateMachineArn, action, resource }) => [stateMachineArn, action, resource])).toEqual([
        [PARENT_ARN, 'lambda:InvokeFunction', WORK],
        [PARENT_ARN, 'lambda:InvokeFunction', WORK],
      ]);
    });

    it('writes manifest.json and SUCCEEDED_0.json / FAILED_0.json as Step Functions does and outputs MapRunArn and ResultWriterDetails', async () => {
      // Arrange
      await putPlan([{ accountId: '1' }, { accountId: '2' }, { accountId: '3' }]);
      const invoke: TaskInvoker = (_arn, input) => {
        if ((input as { accountId: string }).accountId === '2') {
          const error = new Error('account 2 is broken');
          error.name = 'BrokenAccountError';
          return Promise.reject(error);
        }
        return Promise.resolve({ ok: (input as { accountId: string }).accountId });
      };

      // Act
      const done = await run(mapDefinition({ ToleratedFailurePercentage: 100 }), invoke);

      // Assert
      expect(done.status).toBe('SUCCEEDED');
      const { map } = done.output as { map: { MapRunArn: string; ResultWriterDetails: { Bucket: string; Key: string } } };
      expect(map.MapRunArn).toMatch(/^arn:aws:states:us-east-1:111122223333:mapRun:reconcile\/Each:[0-9a-f-]{36}$/);
      const runId = map.MapRunArn.split(':').pop() as string;
      expect(map.ResultWriterDetails).toEqual({ Bucket: BUCKET, Key: `results/${runId}/manifest.json` });
      const manifest = JSON.parse(sandbox.objectText(BUCKET, map.ResultWriterDetails.Key) ?? 'null') as Record<string, unknown>;
      expect(manifest).toEqual({
        DestinationBucket: BUCKET,
        MapRunArn: map.MapRunArn,
        ResultFiles: {
          FAILED: [{ Key: `results/${runId}/FAILED_0.json`, Size: expect.any(Number) }],
          PENDING: [],
          SUCCEEDED: [{ Key: `results/${runId}/SUCCEEDED_0.json`, Size: expect.any(Number) }],
        },
      });
      const succeeded = JSON.parse(sandbox.objectText(BUCKET, `results/${runId}/SUCCEEDED_0.json`) ?? '[]') as Record<string, unknown>[];
      const failed = JSON.parse(sandbox.objectText(BUCKET, `results/${runId}/FAILED_0.json`) ?? '[]') as Record<string, unknown>[];
      expect(succeeded.map((entry) => JSON.parse(entry.Output as string) as unknown)).toEqual([{ ok: '1' }, { ok: '3' }]);
      expect(succeeded[0]).toMatchObject({
        Status: 'SUCCEEDED',
        Input: '{"accountId":"1","dryRun":false}',
        StateMachineArn: `${PARENT_ARN}/Each`,
        ExecutionArn: expect.stringMatching(/^arn:aws:states:us-east-1:111122223333:execution:reconcile\/Each:/),
      });
      expect(failed).toEqual([
        expect.objectContaining({
          Status: 'FAILED',
          Error: 'BrokenAccountError',
          Cause: 'account 2 is broken',
          Input: '{"accountId":"2","dryRun":false}',
        }),
      ]);
    });

    it('fails with States.ExceedToleratedFailureThreshold when failures exceed ToleratedFailurePercentage, after writing the results', async () => {
      // Arrange
      await putPlan([{ accountId: '1' }, { accountId: '2' }, { accountId: '3' }, { accountId: '4' }]);
      const invoke: TaskInvoker = (_arn, input) =>
        ['1', '2'].includes((input as { accountId: string }).accountId) ? Promise.reject(new Error('no')) : Promise.resolve({});

      // Act
      const done = await run(mapDefinition({ ToleratedFailurePercentage: 25, MaxConcurrency: 1 }), invoke);

      // Assert
      expect(done.status).toBe('FAILED');
      expect(done.error).toBe('States.ExceedToleratedFailureThreshold');
      expect(sandbox.objectKeys(BUCKET, 'results/').some((key) => key.endsWith('/FAILED_0.json'))).toBe(true);
    });

    it('fails with States.ItemReaderFailed when the plan object does not exist', async () => {
      // Act
      const done = await run(mapDefinition({}), () => Promise.resolve({}));

      // Assert
      expect(done.status).toBe('FAILED');
      expect(done.error).toBe('States.ItemReaderFailed');
      expect(done.cause).toContain('NoSuchKey');
    });

    it('takes MaxConcurrency from MaxConcurrencyPath', async () => {
      // Arrange
      await putPlan([{ accountId: '1' }, { accountId: '2' }, { accountId: '3' }]);
      let inFlight = 0;
      let peak = 0;
      const invoke: TaskInvoker = async () => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return {};
      };

      // Act
      await run(mapDefinition({ MaxConcurrencyPath: '$.concurrency' }), invoke, { planKey: 'plans/p.json', dryRun: true, concurrency: 1 });

      // Assert
      expect(peak).toBe(1);
    });
  });

  describe('virtual time of concurrent executions', () => {
    it('overlaps the Wait states of concurrent children: 6 children waiting 30 s, 3 at a time, take 60 s', async () => {
      // Arrange
      await putPlan(Array.from({ length: 6 }, (_, i) => ({ accountId: String(i) })));

      // Act
      const done = await run(mapDefinition({ MaxConcurrency: 3 }, 30), () => Promise.resolve({}));

      // Assert
      expect(done.status).toBe('SUCCEEDED');
      expect(sandbox.clock.now() - START_MS).toBe(60_000);
    });

    it('adds the waits up when the children run one at a time', async () => {
      // Arrange
      await putPlan(Array.from({ length: 3 }, (_, i) => ({ accountId: String(i) })));

      // Act
      await run(mapDefinition({ MaxConcurrency: 1 }, 30), () => Promise.resolve({}));

      // Assert
      expect(sandbox.clock.now() - START_MS).toBe(90_000);
    });

    it('does not move the clock while a Lambda invocation is in flight, and wakes sleepers in time order', async () => {
      // Arrange
      const scheduler = new ExecutionScheduler(sandbox.clock);
      const order: string[] = [];
      let release: () => void = () => undefined;
      const slowLambda = new Promise<void>((resolve) => (release = resolve));

      // Act
      const sleeping = [
        scheduler.run(() => scheduler.sleep(20).then(() => order.push(`late@${(sandbox.clock.now() - START_MS) / 1000}`))),
        scheduler.run(() => scheduler.sleep(5).then(() => order.push(`early@${(sandbox.clock.now() - START_MS) / 1000}`))),
      ];
      const working = scheduler.run(() => slowLambda);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const whileWorking = sandbox.clock.now();
      release();
      await Promise.all([...sleeping, working]);

      // Assert
      expect(whileWorking).toBe(START_MS);
      expect(order).toEqual(['early@5', 'late@20']);
    });

    it('keeps a single execution as before: each Wait advances the clock by its seconds', async () => {
      // Arrange
      const definition = {
        StartAt: 'First',
        States: {
          First: { Type: 'Wait', Seconds: 10, Next: 'Second' },
          Second: { Type: 'Wait', SecondsPath: '$.seconds', Next: 'Work' },
          Work: { Type: 'Task', Resource: WORK, End: true },
        },
      };
      const at: number[] = [];

      // Act
      const done = await run(
        definition,
        (_arn, input) => {
          at.push(sandbox.clock.now() - START_MS);
          return Promise.resolve(input);
        },
        { seconds: 7 },
      );

      // Assert
      expect(done.status).toBe('SUCCEEDED');
      expect(done.output).toEqual({ seconds: 7 });
      expect(at).toEqual([17_000]);
      expect(done.events?.filter((event) => event.type === 'StateEntered').map((event) => event.stateType)).toEqual([
        'Wait',
        'Wait',
        'Task',
      ]);
    });
    it('fails with States.Runtime on a Wait for a Timestamp, which it does not run', async () => {
      // Act
      const done = await run({ StartAt: 'Until', States: { Until: { Type: 'Wait', Timestamp: '2026-12-02T00:00:00Z', End: true } } }, () =>
        Promise.resolve({}),
      );

      // Assert
      expect(done.status).toBe('FAILED');
      expect(done.error).toBe('States.Runtime');
    });
  });

  describe('states:startExecution.sync:2', () => {
    const parent = (input: Record<string, unknown>) => ({
      StartAt: 'Nested',
      States: {
        Nested: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution.sync:2',
          Parameters: { StateMachineArn: CHILD_ARN, Input: input },
          End: true,
        },
      },
    });
    const child = {
      StartAt: 'Wait',
      States: {
        Wait: { Type: 'Wait', Seconds: 15, Next: 'Work' },
        Work: { Type: 'Task', Resource: WORK, End: true },
      },
    };

    function withChild(): { machines: LocalStateMachines; nested: LocalExecutions } {
      const nested = new LocalExecutions(CHILD_ARN);
      return { machines: new Map([[CHILD_ARN, { definition: child, executions: nested }]]), nested };
    }

    it('runs the nested execution to its end and returns its output as JSON, the execution recorded in its state machine', async () => {
      // Arrange
      const { machines, nested } = withChild();

      // Act
      const done = await runExecution(parent({ accountId: '444455556666' }), executions.start('parent', {}), {
        invoke: (_arn, input) => Promise.resolve({ outcome: 'onboarded', ...(input as object) }),
        clock: sandbox.clock,
        executions,
        machines,
      });

      // Assert
      expect(done.status).toBe('SUCCEEDED');
      expect(done.output).toMatchObject({
        Status: 'SUCCEEDED',
        StateMachineArn: CHILD_ARN,
        Input: { accountId: '444455556666' },
        Output: { outcome: 'onboarded', accountId: '444455556666' },
      });
      expect(sandbox.clock.now() - START_MS).toBe(15_000);
      const [recorded] = nested.all();
      expect(recorded).toMatchObject({ status: 'SUCCEEDED', input: { accountId: '444455556666' } });
      // Only the execution run directly keeps its events: at 10,000 accounts the nested ones' outgrew the heap.
      expect(done.events?.length).toBeGreaterThan(0);
      expect(recorded.events).toBeUndefined();
    });

    it('fails with States.TaskFailed and the nested execution’s error and cause in the cause when it fails', async () => {
      // Arrange
      const { machines } = withChild();
      const failing: TaskInvoker = () => {
        const error = new Error('role could not be assumed');
        error.name = 'MemberAccountUnreachableError';
        return Promise.reject(error);
      };

      // Act
      const done = await runExecution(parent({ accountId: '1' }), executions.start('parent', {}), {
        invoke: failing,
        clock: sandbox.clock,
        executions,
        machines,
      });

      // Assert
      expect(done.status).toBe('FAILED');
      expect(done.error).toBe('States.TaskFailed');
      expect(JSON.parse(done.cause ?? '{}')).toMatchObject({
        Status: 'FAILED',
        StateMachineArn: CHILD_ARN,
        Error: 'MemberAccountUnreachableError',
        Cause: 'role could not be assumed',
      });
    });

    it('reports each call the roles make, as made: the nested execution’s as its own state machine’s', async () => {
      // Arrange
      const { machines } = withChild();
      const calls: IntegrationCall[] = [];

      // Act
      await runExecution(parent({ accountId: '444455556666' }), executions.start('parent', {}), {
        invoke: () => Promise.resolve({}),
        clock: sandbox.clock,
        executions,
        machines,
        onIntegration: (call) => calls.push(call),
      });

      // Assert
      expect(calls.map(({ stateMachineArn, action, resource }) => [stateMachineArn, action, resource])).toEqual([
        [PARENT_ARN, 'states:StartExecution', CHILD_ARN],
        [CHILD_ARN, 'lambda:InvokeFunction', WORK],
      ]);
      expect(calls[0].input).toEqual({ StateMachineArn: CHILD_ARN, Input: { accountId: '444455556666' } });
    });

    it('starts without .sync only in its own state machine: another ARN does not exist for it', async () => {
      // Arrange
      const start = (StateMachineArn: string) => ({
        StartAt: 'Start',
        States: {
          Start: {
            Type: 'Task',
            Resource: 'arn:aws:states:::states:startExecution',
            Parameters: { StateMachineArn, Name: 'n' },
            End: true,
          },
        },
      });
      const invoke = () => Promise.resolve({});

      // Act
      const own = await runExecution(start(PARENT_ARN), executions.start('own', {}), { invoke, clock: sandbox.clock, executions });
      const other = await runExecution(start(CHILD_ARN), executions.start('other', {}), { invoke, clock: sandbox.clock, executions });

      // Assert
      expect(own.status).toBe('SUCCEEDED');
      expect(executions.all().map((execution) => execution.name)).toEqual(['own', 'n', 'other']);
      expect(other.error).toBe('StepFunctions.StateMachineDoesNotExistException');
    });

    it('fails with StepFunctions.StateMachineDoesNotExistException for an unknown state machine', async () => {
      // Act
      const done = await runExecution(parent({}), executions.start('parent', {}), {
        invoke: () => Promise.resolve({}),
        clock: sandbox.clock,
        executions,
        machines: new Map(),
      });

      // Assert
      expect(done.error).toBe('StepFunctions.StateMachineDoesNotExistException');
    });
  });
});
