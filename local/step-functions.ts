/**
 * Step Functions for the local run: the template's state machine executed with `aws-local-stepfunctions`, each Task
 * state calling the real handler of the function its `Resource` names, and `StartExecution` / `DescribeExecution`
 * of the starter answered by a mocked SFN client that records executions.
 */
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { StateMachine, type ExecutionError } from 'aws-local-stepfunctions';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { executionArn } from '../shared/onboarding/execution-name';
import { runDistributedMap, type DistributedMapDefinition } from './distributed-map';
import { ExecutionScheduler } from './execution-scheduler';
import type { VirtualClock } from './sandbox';

/** An execution the local Step Functions knows of. */
export interface LocalExecution {
  name: string;
  executionArn: string;
  input: unknown;
  status: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  startDate: Date;
  output?: unknown;
  error?: string;
  cause?: string;
  /** What happened in it, oldest first, as reported to the progress listener (set once it runs). */
  events?: ProgressEvent[];
}

/** The recorded executions of the local state machine, and the mocked `SFNClient`. */
export class LocalExecutions {
  private readonly executions = new Map<string, LocalExecution>();
  private stub?: { restore(): void };

  constructor(readonly stateMachineArn: string) {}

  /** ARN of a named execution. */
  arnOf(name: string): string {
    return executionArn(this.stateMachineArn, name);
  }

  /** Records an execution; `ExecutionAlreadyExists` when the name is taken, as Step Functions answers. */
  start(name: string, input: unknown): LocalExecution {
    const arn = this.arnOf(name);
    if (this.executions.has(arn)) {
      throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${arn}'`, $metadata: { httpStatusCode: 400 } });
    }
    // Start dates order executions (one onboarding per account: the earliest goes ahead), so no two are equal.
    const latest = Math.max(0, ...[...this.executions.values()].map((other) => other.startDate.getTime()));
    const execution: LocalExecution = {
      name,
      executionArn: arn,
      input,
      status: 'PENDING',
      startDate: new Date(Math.max(Date.now(), latest + 1)),
    };
    this.executions.set(arn, execution);
    return execution;
  }

  /** Every execution recorded, in the order started. */
  all(): LocalExecution[] {
    return [...this.executions.values()];
  }

  /** Executions started but not yet run. */
  pending(): LocalExecution[] {
    return [...this.executions.values()].filter((execution) => execution.status === 'PENDING');
  }

  /** Mocks every `SFNClient`: StartExecution records, DescribeExecution reports. */
  install(): void {
    const stub = mockClient(SFNClient);
    stub.on(StartExecutionCommand).callsFake((input: { stateMachineArn?: string; name?: string; input?: string }) => {
      const execution = this.start(input.name ?? `local-${Date.now()}`, JSON.parse(input.input ?? '{}'));
      return { executionArn: execution.executionArn, startDate: new Date() };
    });
    // A started execution counts as RUNNING until it ends, as in Step Functions.
    const status = (execution: LocalExecution) => (execution.status === 'PENDING' ? 'RUNNING' : execution.status);
    stub.on(DescribeExecutionCommand).callsFake((input: { executionArn?: string }) => {
      const execution = this.executions.get(input.executionArn ?? '');
      if (!execution)
        throw new ExecutionDoesNotExist({
          message: `Execution Does Not Exist: '${input.executionArn}'`,
          $metadata: { httpStatusCode: 400 },
        });
      return {
        executionArn: execution.executionArn,
        stateMachineArn: this.stateMachineArn,
        name: execution.name,
        status: status(execution),
        input: JSON.stringify(execution.input),
        startDate: execution.startDate,
      };
    });
    stub.on(ListExecutionsCommand).callsFake((input: { stateMachineArn?: string; statusFilter?: string }) => ({
      executions: [...this.executions.values()]
        .filter(
          (execution) =>
            input.stateMachineArn === this.stateMachineArn && (!input.statusFilter || status(execution) === input.statusFilter),
        )
        .map((execution) => ({
          executionArn: execution.executionArn,
          stateMachineArn: this.stateMachineArn,
          name: execution.name,
          status: status(execution),
          startDate: execution.startDate,
        })),
    }));
    this.stub = stub;
  }

  /** Puts the real SFN client back. */
  restore(): void {
    this.stub?.restore();
  }
}

/** A Task handler: the function's handler invoked with the state's effective input. */
export type TaskInvoker = (functionArn: string, input: unknown) => Promise<unknown>;

/** Receives the progress of a local run, for the person running it. */
export type ProgressListener = (event: ProgressEvent) => void;

/**
 * One step-level event of an execution, as `aws-local-stepfunctions` reports them: `ExecutionStarted` (with the
 * execution's `input`), `StateEntered`, `StateExited`, `StateFailed`, `StateRetried`…
 */
export interface ProgressEvent {
  type: string;
  /** The execution's name. */
  execution?: string;
  state?: string;
  stateType?: string;
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  /**
   * The sandbox's virtual time when the event was reported, epoch milliseconds (a Wait state's `StateEntered` comes
   * after its seconds have passed), so times within an execution, e.g. from provisioning to validation, can be read.
   */
  clockMs?: number;
  /**
   * Of a `StateRetried` event: seconds the state backs off before the retry (its retrier's wait, see
   * {@link retryWaitSeconds}); the retry's attempt starts at `clockMs` plus these.
   */
  retryWaitSeconds?: number;
}

type StateDefinition = {
  Type: string;
  Resource?: string;
  Seconds?: number;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
  ItemProcessor?: { ProcessorConfig?: { Mode?: string }; States: Record<string, StateDefinition> };
  Iterator?: { States: Record<string, StateDefinition> };
  [field: string]: unknown;
};

/** Every state of a definition, including those inside inline Map states (not a Distributed Map's: its children run apart). */
function allStates(definition: { States?: unknown }): Record<string, StateDefinition> {
  const top = (definition.States ?? {}) as Record<string, StateDefinition>;
  const inner = Object.values(top).flatMap((state) => {
    const processor = isDistributedMap(state) ? undefined : (state.ItemProcessor ?? state.Iterator);
    return processor ? [allStates(processor)] : [];
  });
  return Object.assign({}, top, ...inner) as Record<string, StateDefinition>;
}

function isDistributedMap(state: StateDefinition): boolean {
  return state.Type === 'Map' && state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
}

/** Fields a Task state shares with a Wait or a Map state, kept when one is run as a Task. */
const TASK_FIELDS = ['Comment', 'InputPath', 'OutputPath', 'ResultPath', 'ResultSelector', 'Retry', 'Catch', 'Next', 'End'];

/**
 * The `TimeoutSeconds` given to a Task state that has none, and to the Task a Wait or a Distributed Map becomes: the
 * longest real timer Node.js arms (2^31 − 1 ms). Step Functions puts no time-out on a Task without `TimeoutSeconds`
 * ("Using timeouts to avoid stuck Step Functions workflow executions", Step Functions developer guide), nor on a Wait
 * or a Map state; `aws-local-stepfunctions` would give each 60 real seconds, which a reconciliation of a thousand
 * accounts outlasts.
 */
export const NO_TIME_OUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * The definition `aws-local-stepfunctions` runs: Wait states and Distributed Map states become Task states (same
 * input and output processing) whose local handlers sleep on the scheduler or run the map; the library has no
 * virtual-time Wait and no Distributed Map. A Task with no time-out gets none ({@link NO_TIME_OUT_SECONDS}).
 */
function runnableDefinition(definition: Record<string, unknown>, partition: string): Record<string, unknown> {
  const states = definition.States as Record<string, StateDefinition> | undefined;
  if (!states) return definition;
  const rewritten = Object.fromEntries(
    Object.entries(states).map(([name, state]) => {
      const kind = state.Type === 'Wait' ? 'wait' : isDistributedMap(state) ? 'distributedMap' : undefined;
      if (kind) {
        const fields = Object.fromEntries(TASK_FIELDS.filter((field) => state[field] !== undefined).map((field) => [field, state[field]]));
        // A placeholder the library accepts as a Task resource; the state's local handler does the work.
        return [
          name,
          {
            Type: 'Task',
            Resource: `arn:${partition}:lambda:us-east-1:000000000000:function:local-${kind}`,
            TimeoutSeconds: NO_TIME_OUT_SECONDS,
            ...fields,
          },
        ];
      }
      if (state.Type === 'Task' && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
        return [name, { ...state, TimeoutSeconds: NO_TIME_OUT_SECONDS }];
      }
      for (const key of ['ItemProcessor', 'Iterator'] as const) {
        const processor = state[key];
        if (state.Type === 'Map' && processor) return [name, { ...state, [key]: runnableDefinition(processor, partition) }];
      }
      if (state.Type === 'Parallel' && Array.isArray(state.Branches)) {
        return [
          name,
          { ...state, Branches: (state.Branches as Record<string, unknown>[]).map((branch) => runnableDefinition(branch, partition)) },
        ];
      }
      return [name, state];
    }),
  );
  return { ...definition, States: rewritten };
}

/** The seconds a Wait state waits from `now` (epoch ms), for its effective input (Amazon States Language, "Wait State"). */
function waitSeconds(state: StateDefinition, input: unknown, nowMs: number): number {
  if (state.Seconds !== undefined) return state.Seconds;
  if (state.SecondsPath !== undefined) return Number(valueAtPath(input, state.SecondsPath) ?? 0);
  const timestamp = state.Timestamp ?? (state.TimestampPath !== undefined ? valueAtPath(input, state.TimestampPath) : undefined);
  if (typeof timestamp === 'string') return Math.max(0, (Date.parse(timestamp) - nowMs) / 1000);
  return 0;
}

/** The state machines of the local deployment by ARN, with their executions: what `states:startExecution` starts. */
export class LocalStateMachines {
  private readonly byArn = new Map<string, { definition: Record<string, unknown>; executions: LocalExecutions }>();

  /** Makes a state machine startable by its ARN (`executions.stateMachineArn`). */
  register(definition: Record<string, unknown>, executions: LocalExecutions): void {
    this.byArn.set(executions.stateMachineArn, { definition, executions });
  }

  /** The state machine of that ARN, or `undefined`. */
  get(stateMachineArn: string): { definition: Record<string, unknown>; executions: LocalExecutions } | undefined {
    return this.byArn.get(stateMachineArn);
  }
}

/** Compiled definitions by their JSON: validating one takes the library most of a second, running it milliseconds. */
const compiledDefinitions = new Map<
  string,
  { original: Record<string, StateDefinition>; runnable: Record<string, unknown>; machine: StateMachine }
>();
const COMPILED_KEPT = 32;

function compiled(definition: Record<string, unknown>, partition: string) {
  const key = `${partition}\n${JSON.stringify(definition)}`;
  let entry = compiledDefinitions.get(key);
  if (!entry) {
    const runnable = runnableDefinition(definition, partition);
    entry = {
      original: allStates(definition),
      runnable,
      machine: new StateMachine(runnable as never, { validationOptions: { checkArn: true, checkPaths: true } }),
    };
    // Oldest first out: a process runs a handful of definitions.
    if (compiledDefinitions.size >= COMPILED_KEPT) compiledDefinitions.delete(compiledDefinitions.keys().next().value as string);
    compiledDefinitions.set(key, entry);
  }
  return entry;
}

/** Options of {@link runExecution} beyond one execution of one state machine. */
export interface ExecutionOptions {
  /**
   * The virtual time of concurrent executions; default a new one for this execution alone (its Wait states then
   * advance the clock at once, as a single execution's would).
   */
  scheduler?: ExecutionScheduler;
  /** State machines `states:startExecution.sync:2` can run (the nested executions are recorded in their executions). */
  machines?: LocalStateMachines;
  /** The ARN of the state machine the execution belongs to, when not `executions.stateMachineArn` (a map run's children). */
  stateMachineArn?: string;
  /** Runs the engine's own AWS calls (a Distributed Map's S3 reads and writes) as the state machine's execution role. */
  asStateMachineRole?: <T>(call: () => Promise<T>) => Promise<T>;
  /**
   * Whether the execution keeps its progress events (`LocalExecution.events`); default true. Nested executions and
   * map children do not: each event holds a state's input and output, which at 10,000 accounts outgrew the heap, and
   * only the top-level execution's are read.
   */
  keepEvents?: boolean;
}

/** A Task state's error, named as Step Functions names it (States.TaskFailed, StepFunctions.*Exception…). */
function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * The optimized `states:startExecution` integration, locally: records the execution as StartExecution would, and
 * fails with the integration's error name when the name is taken (Step Functions developer guide, "Start a new AWS
 * Step Functions state machine from a running execution").
 */
function startFromStateMachine(executions: LocalExecutions | undefined, input: unknown): { ExecutionArn: string; StartDate: string } {
  if (!executions) throw new Error('states:startExecution needs the local executions');
  const { Name, Input } = input as { Name: string; Input: unknown };
  try {
    const started = executions.start(Name, typeof Input === 'string' ? JSON.parse(Input) : Input);
    return { ExecutionArn: started.executionArn, StartDate: started.startDate.toISOString() };
  } catch (error) {
    const taken = new Error((error as Error).message);
    taken.name = 'StepFunctions.ExecutionAlreadyExistsException';
    throw taken;
  }
}

function valueAtPath(document: unknown, jsonPath: string): unknown {
  // Wait states here use simple `$.a.b` paths.
  return jsonPath
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], document);
}

/** A retrier of a `Retry` field, as far as its wait goes. */
export interface Retrier {
  IntervalSeconds?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

/**
 * Seconds Step Functions waits before the `attempt`-th retry (from 1) of a retrier: `IntervalSeconds` (default 1)
 * times `BackoffRate` (default 2) to the power `attempt - 1`, at most `MaxDelaySeconds`, and with `JitterStrategy`
 * `FULL` a random share of that (Step Functions developer guide, "Handling errors in Step Functions workflows").
 *
 * @param random - source in [0, 1); default `Math.random`.
 */
export function retryWaitSeconds(retrier: Retrier, attempt: number, random: () => number = Math.random): number {
  const wait = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** Math.max(0, attempt - 1);
  const capped = retrier.MaxDelaySeconds === undefined ? wait : Math.min(wait, retrier.MaxDelaySeconds);
  return retrier.JitterStrategy === 'FULL' ? capped * random() : capped;
}

/**
 * The `states:startExecution.sync:2` integration, locally: starts the execution, runs it to its end, and returns
 * DescribeExecution's fields with `Input` and `Output` as JSON (`.sync:2`, not text); a failed, timed-out or aborted
 * execution fails the Task with `States.TaskFailed` and the same fields, `Error` and `Cause` included, as its cause
 * (Step Functions developer guide, "Start a new AWS Step Functions state machine from a running execution" and
 * "Run a Job (.sync)").
 */
async function startExecutionSync(
  input: unknown,
  runner: {
    invoke: TaskInvoker;
    clock: VirtualClock;
    onProgress: ProgressListener;
    options: ExecutionOptions & { scheduler: ExecutionScheduler };
  },
): Promise<unknown> {
  const { StateMachineArn, Input, Name } = input as { StateMachineArn?: string; Input?: unknown; Name?: string };
  const target = runner.options.machines?.get(StateMachineArn ?? '');
  if (!target) {
    throw namedError('StepFunctions.StateMachineDoesNotExistException', `State Machine Does Not Exist: '${StateMachineArn}'`);
  }
  let started: LocalExecution;
  try {
    started = target.executions.start(Name ?? randomUUID(), typeof Input === 'string' ? JSON.parse(Input) : (Input ?? {}));
  } catch (error) {
    throw namedError('StepFunctions.ExecutionAlreadyExistsException', (error as Error).message);
  }
  const { scheduler } = runner.options;
  const done = await scheduler.awaitOthers(
    runExecution(target.definition, started, runner.invoke, runner.clock, runner.onProgress, target.executions, {
      ...runner.options,
      stateMachineArn: undefined,
      keepEvents: false,
    }),
  );
  const described = {
    ExecutionArn: done.executionArn,
    StateMachineArn: target.executions.stateMachineArn,
    Name: done.name,
    Status: done.status,
    StartDate: done.startDate.getTime(),
    StopDate: runner.clock.now(),
    Input: done.input,
    InputDetails: { Included: true },
  };
  if (done.status === 'SUCCEEDED') return { ...described, Output: done.output, OutputDetails: { Included: true } };
  throw namedError('States.TaskFailed', JSON.stringify({ ...described, Error: done.error, Cause: done.cause }));
}

/**
 * Runs one execution of the definition to its end.
 *
 * Wait states take no real time: each parks the execution on the scheduler's virtual clock, which moves to the
 * earliest wake-up once no execution runs (so IAM's propagation delay passes exactly as it would, and the waits of
 * concurrent executions overlap). So does each wait of a `Retry` (see {@link retryWaitSeconds}), so a rate limit's
 * window passes while the state machine backs off. Distributed Map states and the `states:startExecution(.sync:2)`
 * integrations run locally (see `distributed-map.ts`).
 *
 * @returns the execution, with status `SUCCEEDED` and output, or `FAILED` with error and cause, and its events.
 *
 * @example
 * ```ts
 * const executions = new LocalExecutions(stateMachineArn);
 * const done = await runExecution(definition, executions.start('run-1', {}), invoke, sandbox.clock, () => undefined, executions);
 * done.status; // 'SUCCEEDED'
 * ```
 */
export function runExecution(
  definition: Record<string, unknown>,
  execution: LocalExecution,
  invoke: TaskInvoker,
  clock: VirtualClock,
  onProgress: ProgressListener,
  executions?: LocalExecutions,
  options: ExecutionOptions = {},
): Promise<LocalExecution> {
  const scheduler = options.scheduler ?? new ExecutionScheduler(clock);
  // Counted as running from the call on (synchronously), so a parent that awaits it never leaves an idle gap.
  return scheduler.run(() => executeOnce(definition, execution, invoke, clock, onProgress, executions, { ...options, scheduler }));
}

async function executeOnce(
  definition: Record<string, unknown>,
  execution: LocalExecution,
  invoke: TaskInvoker,
  clock: VirtualClock,
  onProgress: ProgressListener,
  executions: LocalExecutions | undefined,
  options: ExecutionOptions & { scheduler: ExecutionScheduler },
): Promise<LocalExecution> {
  execution.status = 'RUNNING';
  const { scheduler } = options;
  const stateMachineArn = options.stateMachineArn ?? executions?.stateMachineArn ?? '';
  const partition = stateMachineArn.split(':')[1] || 'aws';
  const { original, runnable, machine } = compiled(definition, partition);
  const runner = { invoke, clock, onProgress, options };
  /** Seconds of `Retry` backoff each state owes before its next attempt, from its StateRetried events. */
  const retryWaits = new Map<string, number>();
  const handlerOf = (name: string, state: StateDefinition) => {
    const before = original[name];
    if (before?.Type === 'Wait') return (input: unknown) => scheduler.sleep(waitSeconds(before, input, clock.now())).then(() => input);
    if (before && isDistributedMap(before)) {
      return (input: unknown) =>
        runDistributedMap(name, before as unknown as DistributedMapDefinition, input, {
          stateMachineArn,
          scheduler,
          asStateMachineRole: options.asStateMachineRole,
          runChild: async (processor, child) => {
            const done = await runExecution(
              processor,
              {
                name: child.name,
                executionArn: child.executionArn,
                input: child.input,
                status: 'PENDING',
                startDate: new Date(clock.now()),
              },
              invoke,
              clock,
              onProgress,
              undefined,
              { ...options, stateMachineArn: child.stateMachineArn, keepEvents: false },
            );
            return {
              status: done.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED',
              output: done.output,
              error: done.error,
              cause: done.cause,
            };
          },
        });
    }
    const resource = state.Resource as string;
    if (/:states:::states:startExecution\.sync(:2)?$/.test(resource)) return (input: unknown) => startExecutionSync(input, runner);
    if (/:states:::states:startExecution$/.test(resource))
      return (input: unknown) => Promise.resolve(startFromStateMachine(executions, input));
    return (input: unknown) => invoke(resource, input);
  };
  const taskHandlers = Object.fromEntries(
    Object.entries(allStates(runnable))
      .filter(([, state]) => state.Type === 'Task' && state.Resource)
      .map(([name, state]) => {
        const handle = handlerOf(name, state);
        return [
          name,
          async (input: unknown) => {
            // Let the event-log reader below report the state's entry (or retry) before its work starts.
            await new Promise((resolve) => setImmediate(resolve));
            const backoff = retryWaits.get(name);
            if (backoff !== undefined) {
              retryWaits.delete(name);
              await scheduler.sleep(backoff);
            }
            return handle(input);
          },
        ];
      }),
  );
  const zero = (type: string) =>
    Object.fromEntries(
      Object.entries(allStates(runnable))
        .filter(([, state]) => state.Type === type)
        .map(([name]) => [name, 0]),
    );

  const events: ProgressEvent[] = [];
  const keepEvents = options.keepEvents !== false;
  if (keepEvents) execution.events = events;
  const report = (event: ProgressEvent) => {
    if (keepEvents) events.push(event);
    onProgress(event);
  };
  const run = machine.run(execution.input as never, {
    overrides: { taskResourceLocalHandlers: taskHandlers as never, retryIntervalOverrides: zero('Task') },
    context: {
      Execution: { Name: execution.name, Id: execution.executionArn, Input: execution.input as never },
      StateMachine: { Id: stateMachineArn, Name: stateMachineArn.split(':').pop() ?? '' },
    },
  });
  const progress = (async () => {
    for await (const event of run.eventLogs) {
      const entry = event as {
        type: string;
        state?: { name: string; type: string; input?: unknown; output?: unknown };
        Error?: string;
        Cause?: string;
      };
      const state = entry.state;
      const retry = (entry as { retry?: { retrier: Retrier; attempt: number } }).retry;
      // The library counts retries per retrier (its `retrierAttempts`, anew at each entry into the state), as Step
      // Functions does; `attempt` is that retrier's count, from 1.
      const backoff =
        entry.type === 'StateRetried' && retry !== undefined && state ? retryWaitSeconds(retry.retrier, retry.attempt) : undefined;
      if (backoff !== undefined && state) {
        // Waited by the state's handler before its next attempt (the library retries at once).
        retryWaits.set(state.name, (retryWaits.get(state.name) ?? 0) + backoff);
      }
      report({
        type: entry.type,
        execution: execution.name,
        state: state?.name,
        // The state's own type, not the Task a Wait or Distributed Map runs as.
        stateType: state ? (original[state.name]?.Type ?? state.type) : undefined,
        input: entry.type === 'ExecutionStarted' ? execution.input : state?.input,
        output: state?.output,
        error: entry.Error,
        cause: entry.Cause,
        clockMs: clock.now(),
        ...(backoff === undefined ? {} : { retryWaitSeconds: backoff }),
      });
    }
  })();
  try {
    execution.output = await run.result;
    execution.status = 'SUCCEEDED';
  } catch (error) {
    const failure = (error as ExecutionError).cause as Error | undefined;
    execution.status = 'FAILED';
    execution.error = failure?.name ?? (error as Error).name;
    execution.cause = failure?.message ?? (error as Error).message;
  }
  await progress;
  return execution;
}
