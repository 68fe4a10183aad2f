/**
 * Step Functions for the local run: the template's state machines run by `aws-local-stepfunctions`, Tasks calling the
 * real handlers; Wait, `Retry` backoff, Distributed Map and `states:startExecution(.sync:2)` run here on virtual time.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { StateMachine, type ExecutionError } from 'aws-local-stepfunctions';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { executionArn } from '../shared/onboarding/execution-name';
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
  /** Its progress events, oldest first (set once it runs). */
  events?: ProgressEvent[];
}

const statesError = (name: string, message: string): Error => Object.assign(new Error(message), { name });

/** An execution not yet run, started at `startMs` (epoch ms). */
function pendingExecution(name: string, arn: string, input: unknown, startMs: number): LocalExecution {
  return { name, executionArn: arn, input, status: 'PENDING', startDate: new Date(startMs) };
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

  /** Records an execution. @throws ExecutionAlreadyExists when the name is taken, as Step Functions answers. */
  start(name: string, input: unknown): LocalExecution {
    const arn = this.arnOf(name);
    if (this.executions.has(arn)) {
      throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${arn}'`, $metadata: { httpStatusCode: 400 } });
    }
    // Start dates order executions (one onboarding per account: the earliest goes ahead), so no two are equal.
    const latest = Math.max(0, ...this.all().map((other) => other.startDate.getTime()));
    const execution = pendingExecution(name, arn, input, Math.max(Date.now(), latest + 1));
    this.executions.set(arn, execution);
    return execution;
  }

  /** Every execution, in the order started. */
  all(): LocalExecution[] {
    return [...this.executions.values()];
  }

  /** Executions started but not yet run. */
  pending(): LocalExecution[] {
    return this.all().filter((execution) => execution.status === 'PENDING');
  }

  /** Mocks every `SFNClient`: StartExecution records, DescribeExecution reports (PENDING shows as RUNNING). */
  install(): void {
    const stub = mockClient(SFNClient);
    stub.on(StartExecutionCommand).callsFake((input: { name?: string; input?: string }) => {
      const execution = this.start(input.name ?? `local-${Date.now()}`, JSON.parse(input.input ?? '{}'));
      return { executionArn: execution.executionArn, startDate: new Date() };
    });
    stub.on(DescribeExecutionCommand).callsFake((input: { executionArn?: string }) => {
      const execution = this.executions.get(input.executionArn ?? '');
      if (!execution) {
        const message = `Execution Does Not Exist: '${input.executionArn}'`;
        throw new ExecutionDoesNotExist({ message, $metadata: { httpStatusCode: 400 } });
      }
      return {
        executionArn: execution.executionArn,
        stateMachineArn: this.stateMachineArn,
        name: execution.name,
        status: execution.status === 'PENDING' ? 'RUNNING' : execution.status,
        input: JSON.stringify(execution.input),
        startDate: execution.startDate,
      };
    });
    this.stub = stub;
  }

  restore(): void {
    this.stub?.restore();
  }
}

/** The state machines `states:startExecution.sync:2` can start: definition and executions by state machine ARN. */
export type LocalStateMachines = Map<string, { definition: Record<string, unknown>; executions: LocalExecutions }>;

/** Invokes the function a Task names with the state's effective input. */
export type TaskInvoker = (functionArn: string, input: unknown) => Promise<unknown>;

/** Receives the progress events of a local run. */
export type ProgressListener = (event: ProgressEvent) => void;

/** A call a state machine's role makes to run a Task, as the engine makes it (once per attempt): what its IAM policy must allow. */
export interface IntegrationCall {
  /** The state machine whose role calls (a Distributed Map's children: their parent). */
  stateMachineArn: string;
  action: 'lambda:InvokeFunction' | 'states:StartExecution';
  /** The function or state machine ARN called. */
  resource: string;
  /** The Task's effective input (for StartExecution: `StateMachineArn`, `Name`, `Input`). */
  input: unknown;
}

/** One event of an execution, as `aws-local-stepfunctions` reports them (`ExecutionStarted`, `StateEntered`…). */
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
  /** Virtual time of the event, epoch milliseconds. */
  clockMs?: number;
  /** Of a `StateRetried` event: seconds of backoff; the retry starts at `clockMs` plus these. */
  retryWaitSeconds?: number;
}

type StateDefinition = { Type: string; ItemProcessor?: ProcessorDefinition; [field: string]: unknown };
type Definition = { States: Record<string, StateDefinition> };
type ProcessorDefinition = Definition & { ProcessorConfig?: { Mode?: string }; StartAt: string };

const isDistributedMap = (state: StateDefinition) => state.Type === 'Map' && state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED';

/** Every state, including inline Maps' (not a Distributed Map's: its children run apart). */
function allStates(definition: Definition): Record<string, StateDefinition> {
  const inner = Object.values(definition.States).map((state) =>
    state.ItemProcessor && !isDistributedMap(state) ? allStates(state.ItemProcessor) : {},
  );
  return Object.assign({}, definition.States, ...inner) as Record<string, StateDefinition>;
}

/** Fields a Task state shares with a Wait or a Map state, kept when one is run as a Task. */
const TASK_FIELDS = ['Comment', 'InputPath', 'OutputPath', 'ResultPath', 'ResultSelector', 'Retry', 'Catch', 'Next', 'End'];

/**
 * `TimeoutSeconds` of a Task without one (and of a Wait or Distributed Map run as one): Node's longest timer, 2^31 − 1 ms.
 * Step Functions has none (developer guide, "Using timeouts to avoid stuck … executions"); the library's is 60 real s.
 */
export const NO_TIME_OUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** The definition the library runs: Wait and Distributed Map become Tasks run by local handlers (it has neither). */
function runnableDefinition<D extends Definition>(definition: D, partition: string): D {
  const states = Object.entries(definition.States).map(([name, state]): [string, StateDefinition] => {
    if (state.Type === 'Wait' || isDistributedMap(state)) {
      const fields = TASK_FIELDS.filter((field) => state[field] !== undefined).map((field): [string, unknown] => [field, state[field]]);
      const Resource = `arn:${partition}:lambda:us-east-1:000000000000:function:local-${state.Type}`;
      return [name, { Type: 'Task', Resource, TimeoutSeconds: NO_TIME_OUT_SECONDS, ...Object.fromEntries(fields) }];
    }
    if (state.Type === 'Task' && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
      return [name, { ...state, TimeoutSeconds: NO_TIME_OUT_SECONDS }];
    }
    if (state.ItemProcessor) return [name, { ...state, ItemProcessor: runnableDefinition(state.ItemProcessor, partition) }];
    return [name, state];
  });
  return { ...definition, States: Object.fromEntries(states) };
}

/** State machines by their definition's JSON: validating one takes the library most of a second, running it milliseconds. */
const machines = new Map<string, StateMachine>();

function machineFor(definition: unknown): StateMachine {
  const key = JSON.stringify(definition);
  let machine = machines.get(key);
  if (!machine)
    machines.set(key, (machine = new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } })));
  return machine;
}

/**
 * Evaluates a payload template as a Pass state's `Parameters` (the library does not export its evaluator).
 * @throws Error (`States.Runtime`…) as the state would fail, e.g. a path that matches nothing.
 */
async function evaluate(template: unknown, input: unknown, context: Record<string, unknown> = {}): Promise<unknown> {
  const machine = machineFor({ StartAt: 'T', States: { T: { Type: 'Pass', Parameters: template, End: true } } });
  try {
    return await machine.run(input as never, { context }).result;
  } catch (error) {
    // The library's ExecutionError wraps the state's own error.
    throw (error as { cause?: unknown }).cause ?? error;
  }
}

/** A state's `<field>`, or the input's value at its `<field>Path`. */
async function fieldValue(state: StateDefinition, field: string, input: unknown): Promise<unknown> {
  const path = state[`${field}Path`];
  return typeof path === 'string' ? ((await evaluate({ 'value.$': path }, input)) as { value: unknown }).value : state[field];
}

/** Options of {@link runExecution}. */
export interface ExecutionOptions {
  invoke: TaskInvoker;
  clock: VirtualClock;
  onProgress?: ProgressListener;
  /** Sees each call the state machines' roles make to run a Task (the least-privilege recorder). */
  onIntegration?: (call: IntegrationCall) => void;
  /** Where `states:startExecution` without `.sync` starts executions; its ARN is the running state machine's. */
  executions?: LocalExecutions;
  /** Virtual time shared by concurrent executions; default one of its own on `clock`. */
  scheduler?: ExecutionScheduler;
  /** State machines `states:startExecution.sync:2` can run. */
  machines?: LocalStateMachines;
  /** Runs a Distributed Map's S3 calls as the state machine's role. */
  asStateMachineRole?: <T>(call: () => Promise<T>) => Promise<T>;
}

type Run = Omit<ExecutionOptions, 'clock'> & {
  scheduler: ExecutionScheduler;
  /** Set for a nested execution or a map run's child, which keep no `events`: at 10,000 accounts they outgrew the heap. */
  stateMachineArn?: string;
};

/** A retrier of a `Retry` field, as far as its wait goes. */
export interface Retrier {
  IntervalSeconds?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

/**
 * Seconds Step Functions waits before the `attempt`-th retry (from 1): IntervalSeconds × BackoffRate^(attempt−1), capped
 * by MaxDelaySeconds, times `random()` under FULL jitter (developer guide, "Handling errors in Step Functions workflows").
 */
export function retryWaitSeconds(retrier: Retrier, attempt: number, random: () => number = Math.random): number {
  const wait = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** Math.max(0, attempt - 1);
  const capped = retrier.MaxDelaySeconds === undefined ? wait : Math.min(wait, retrier.MaxDelaySeconds);
  return retrier.JitterStrategy === 'FULL' ? capped * random() : capped;
}

/**
 * `states:startExecution` (developer guide, "Start a new … state machine from a running execution"); `.sync:2` runs it
 * and returns DescribeExecution's fields, or fails with `States.TaskFailed` and them (`Error`, `Cause`) as the cause.
 */
async function startExecution(input: unknown, run: Run, sync: boolean, caller: string): Promise<unknown> {
  const { StateMachineArn, Input, Name } = input as { StateMachineArn?: string; Input?: unknown; Name?: string };
  run.onIntegration?.({ stateMachineArn: caller, action: 'states:StartExecution', resource: String(StateMachineArn), input });
  // Without .sync it starts in the caller's own executions: the only ones it may name.
  const own = run.executions?.stateMachineArn === StateMachineArn ? run.executions : undefined;
  const target = sync ? run.machines?.get(StateMachineArn ?? '') : own && { definition: {}, executions: own };
  if (!target) throw statesError('StepFunctions.StateMachineDoesNotExistException', `State Machine Does Not Exist: '${StateMachineArn}'`);
  let started: LocalExecution;
  try {
    started = target.executions.start(Name ?? randomUUID(), typeof Input === 'string' ? JSON.parse(Input) : (Input ?? {}));
  } catch (error) {
    throw statesError('StepFunctions.ExecutionAlreadyExistsException', (error as Error).message);
  }
  if (!sync) return { ExecutionArn: started.executionArn, StartDate: started.startDate.toISOString() };
  const nested = { ...run, executions: target.executions, stateMachineArn: target.executions.stateMachineArn };
  const done = await run.scheduler.awaitOthers(execute(target.definition, started, nested));
  const described = {
    ExecutionArn: done.executionArn,
    StateMachineArn: target.executions.stateMachineArn,
    Name: done.name,
    Status: done.status,
    StartDate: done.startDate.getTime(),
    StopDate: run.scheduler.clock.now(),
    Input: done.input,
    InputDetails: { Included: true },
  };
  if (done.status === 'SUCCEEDED') return { ...described, Output: done.output, OutputDetails: { Included: true } };
  throw statesError('States.TaskFailed', JSON.stringify({ ...described, Error: done.error, Cause: done.cause }));
}

/** Distributed Map fields run locally besides TASK_FIELDS; any other fails the state. */
const MAP_FIELD = /^(Type|Label|Item(Processor|Reader|Selector)|MaxConcurrency(Path)?|ToleratedFailurePercentage|ResultWriter)$/;

/** Child executions at once when MaxConcurrency is 0 or absent (developer guide, "MaxConcurrency"). */
const UNLIMITED_CONCURRENCY = 10_000;

type S3Integration = { Resource: string; ReaderConfig?: { InputType?: string }; Parameters?: unknown };

/**
 * A Distributed Map (developer guide, "Using Map state in Distributed mode", "ResultWriter (Map)"): one child execution
 * per item of the S3 JSON array, results to `<Prefix>/<map run id>/{SUCCEEDED_0,FAILED_0,manifest}.json`.
 * @throws Error `States.ItemReaderFailed`, `.ResultWriterFailed`, `.ExceedToleratedFailureThreshold` or `.Runtime`.
 */
async function runDistributedMap(stateName: string, state: StateDefinition, input: unknown, run: Run): Promise<unknown> {
  const { ItemReader: reader, ResultWriter: writer } = state as { ItemReader?: S3Integration; ResultWriter?: S3Integration };
  const unsupported = Object.keys(state).filter((field) => !TASK_FIELDS.includes(field) && !MAP_FIELD.test(field));
  if (!/^arn:[\w-]+:states:::s3:getObject$/.test(reader?.Resource ?? '') || (reader?.ReaderConfig?.InputType ?? 'JSON') !== 'JSON') {
    unsupported.push('ItemReader (only s3:getObject of a JSON array)');
  }
  if (!/^arn:[\w-]+:states:::s3:putObject$/.test(writer?.Resource ?? '')) unsupported.push('ResultWriter (only s3:putObject)');
  if (unsupported.length > 0)
    throw statesError('States.Runtime', `Distributed Map ${stateName}: ${unsupported.join(', ')} is not run locally`);
  const [, partition, , region, account, , machineName] = (run.stateMachineArn ?? '').split(':');
  const s3 = new S3Client({ region });
  const s3Call = async <T>(errorName: string, what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await (run.asStateMachineRole ?? ((fn) => fn()))(call);
    } catch (error) {
      throw statesError(errorName, `Unable to ${what}: ${(error as Error).name}: ${(error as Error).message}`);
    }
  };
  const source = (await evaluate(reader?.Parameters ?? {}, input)) as { Bucket: string; Key: string };
  const items = await s3Call('States.ItemReaderFailed', `read s3://${source.Bucket}/${source.Key}`, async () => {
    const object = await s3.send(new GetObjectCommand(source));
    return JSON.parse((await object.Body?.transformToString()) ?? '') as unknown[];
  });
  if (!Array.isArray(items)) throw statesError('States.ItemReaderFailed', `s3://${source.Bucket}/${source.Key} does not hold a JSON array`);
  const maxConcurrency = (await fieldValue(state, 'MaxConcurrency', input)) ?? 0;
  if (typeof maxConcurrency !== 'number' || !(maxConcurrency >= 0)) {
    throw statesError('States.Runtime', `MaxConcurrency must be a non-negative number, got ${JSON.stringify(maxConcurrency)}`);
  }
  const label = (state.Label as string | undefined) ?? stateName;
  const arnPrefix = `arn:${partition}:states:${region}:${account}`;
  const mapRunId = randomUUID();
  const mapRunArn = `${arnPrefix}:mapRun:${machineName}/${label}:${mapRunId}`;
  const childMachineArn = `${arnPrefix}:stateMachine:${machineName}/${label}`;
  const processor = { StartAt: state.ItemProcessor?.StartAt, States: state.ItemProcessor?.States };
  const { scheduler } = run;

  const results = new Array<Record<string, unknown>>(items.length);
  let failed = 0;
  let next = 0;
  // Step Functions compares failures with the threshold over all items (developer guide, "Tolerated failure threshold").
  const exceeded = () => (failed / Math.max(items.length, 1)) * 100 > Number(state.ToleratedFailurePercentage ?? 0);
  const runItem = async (index: number): Promise<void> => {
    const name = randomUUID();
    const child = pendingExecution(name, executionArn(childMachineArn, name), items[index], scheduler.clock.now());
    try {
      const context = { Map: { Item: { Index: index, Value: items[index] } } };
      if (state.ItemSelector) child.input = await evaluate(state.ItemSelector, input, context);
      const childRun = { ...run, executions: undefined, stateMachineArn: childMachineArn };
      await scheduler.awaitOthers(execute(processor, child, childRun));
    } catch (error) {
      Object.assign(child, { status: 'FAILED', error: (error as Error).name, cause: (error as Error).message });
    }
    const succeeded = child.status === 'SUCCEEDED';
    if (!succeeded) failed += 1;
    results[index] = {
      ExecutionArn: child.executionArn,
      Name: name,
      StateMachineArn: childMachineArn,
      Status: succeeded ? 'SUCCEEDED' : 'FAILED',
      Input: JSON.stringify(child.input),
      InputDetails: { Included: true },
      ...(succeeded
        ? { Output: JSON.stringify(child.output ?? null), OutputDetails: { Included: true } }
        : { Error: child.error, Cause: child.cause }),
      RedriveCount: 0,
      RedriveStatus: succeeded ? 'NOT_REDRIVABLE' : 'REDRIVABLE_BY_MAP_RUN',
      StartDate: child.startDate.toISOString(),
      StopDate: new Date(scheduler.clock.now()).toISOString(),
    };
  };

  // Workers are started before the map awaits them, so the scheduler never sees an idle gap between children.
  const worker = async (): Promise<void> => {
    while (!exceeded() && next < items.length) await runItem(next++);
  };
  const workers = Array.from({ length: Math.min(maxConcurrency || UNLIMITED_CONCURRENCY, items.length) }, () => scheduler.run(worker));
  await scheduler.awaitOthers(Promise.all(workers));

  const { Bucket, Prefix } = (await evaluate(writer?.Parameters ?? {}, input)) as { Bucket: string; Prefix?: string };
  const base = Prefix ? `${Prefix.replace(/\/+$/, '')}/${mapRunId}` : mapRunId;
  const put = async (Key: string, content: unknown) => {
    const Body = JSON.stringify(content);
    const command = new PutObjectCommand({ Bucket, Key, Body, ContentType: 'application/json' });
    await s3Call('States.ResultWriterFailed', `write s3://${Bucket}/${Key}`, () => s3.send(command));
    return { Key, Size: Buffer.byteLength(Body, 'utf8') };
  };
  const ResultFiles: Record<string, { Key: string; Size: number }[]> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  for (const status of ['SUCCEEDED', 'FAILED']) {
    const entries = results.filter((result) => result.Status === status);
    if (entries.length > 0) ResultFiles[status].push(await put(`${base}/${status}_0.json`, entries));
  }
  const manifest = await put(`${base}/manifest.json`, { DestinationBucket: Bucket, MapRunArn: mapRunArn, ResultFiles });
  if (exceeded()) {
    throw statesError(
      'States.ExceedToleratedFailureThreshold',
      `The specified tolerated failure threshold was exceeded: ${failed} of ${items.length} child executions failed (map run ${mapRunArn})`,
    );
  }
  return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket, Key: manifest.Key } };
}

/**
 * Runs one execution to its end (`SUCCEEDED` with output or `FAILED` with error and cause). Waits and `Retry` backoff
 * park it on the scheduler's virtual clock, so concurrent waits overlap and IAM propagation passes as it would.
 */
export function runExecution(
  definition: Record<string, unknown>,
  execution: LocalExecution,
  options: ExecutionOptions,
): Promise<LocalExecution> {
  return execute(definition, execution, { ...options, scheduler: options.scheduler ?? new ExecutionScheduler(options.clock) });
}

// Counted as running from the call on (synchronously), so a parent that awaits it never leaves an idle gap.
const execute = (definition: Record<string, unknown>, execution: LocalExecution, run: Run): Promise<LocalExecution> =>
  run.scheduler.run(async () => {
    execution.status = 'RUNNING';
    const { scheduler } = run;
    const stateMachineArn = run.stateMachineArn ?? run.executions?.stateMachineArn ?? '';
    const original = allStates(definition as Definition);
    const runnable = runnableDefinition(definition as Definition, stateMachineArn.split(':')[1] || 'aws');
    // Seconds of `Retry` backoff each state owes before its next attempt.
    const retryWaits = new Map<string, number>();
    const handlerOf = (name: string, resource: string): ((input: unknown) => Promise<unknown>) => {
      const state = original[name];
      // Amazon States Language, "Wait State": `Seconds` or `SecondsPath` (no product state machine waits for a `Timestamp`).
      if (state.Type === 'Wait')
        return async (input) => {
          if ('Timestamp' in state || 'TimestampPath' in state)
            throw statesError('States.Runtime', `Wait ${name}: Timestamp is not run locally`);
          await scheduler.sleep(Number((await fieldValue(state, 'Seconds', input)) ?? 0));
          return input;
        };
      if (state.Type === 'Map') return (input) => runDistributedMap(name, state, input, { ...run, stateMachineArn });
      // A Distributed Map's children run as their parent's role.
      const caller = stateMachineArn.split('/')[0];
      const integration = /:states:::states:startExecution(\.sync(:2)?)?$/.exec(resource);
      if (integration) return (input) => startExecution(input, run, integration[1] !== undefined, caller);
      return (input) => {
        run.onIntegration?.({ stateMachineArn: caller, action: 'lambda:InvokeFunction', resource, input });
        return run.invoke(resource, input);
      };
    };
    const tasks = Object.entries(allStates(runnable)).filter(([, state]) => state.Type === 'Task');
    const taskHandler = (name: string, handle: (input: unknown) => Promise<unknown>) => async (input: unknown) => {
      // Let the event-log reader below report the state's entry (or retry) before its work starts.
      await new Promise((resolve) => setImmediate(resolve));
      const backoff = retryWaits.get(name) ?? 0;
      retryWaits.delete(name);
      await scheduler.sleep(backoff);
      return handle(input);
    };
    const taskHandlers = Object.fromEntries(
      tasks.map(([name, state]) => [name, taskHandler(name, handlerOf(name, String(state.Resource)))]),
    );

    if (run.stateMachineArn === undefined) execution.events = [];
    const { result, eventLogs } = machineFor(runnable).run(execution.input as never, {
      // The library retries at once: each backoff is slept by the state's handler before its next attempt.
      overrides: {
        taskResourceLocalHandlers: taskHandlers as never,
        retryIntervalOverrides: Object.fromEntries(tasks.map(([name]) => [name, 0])),
      },
      context: {
        Execution: { Name: execution.name, Id: execution.executionArn, Input: execution.input as never },
        StateMachine: { Id: stateMachineArn, Name: stateMachineArn.split(':').pop() ?? '' },
      },
    });
    const progress = (async () => {
      for await (const event of eventLogs) {
        const state = 'state' in event ? event.state : undefined;
        // The library counts retries per retrier (anew at each entry into the state), as Step Functions does.
        const backoff = event.type === 'StateRetried' ? retryWaitSeconds(event.retry.retrier, event.retry.attempt) : undefined;
        if (backoff !== undefined && state) retryWaits.set(state.name, (retryWaits.get(state.name) ?? 0) + backoff);
        const reported: ProgressEvent = {
          type: event.type,
          execution: execution.name,
          state: state?.name,
          // The state's own type, not the Task a Wait or Distributed Map runs as.
          stateType: state ? (original[state.name]?.Type ?? state.type) : undefined,
          input: event.type === 'ExecutionStarted' ? execution.input : state?.input,
          output: state?.output,
          error: 'Error' in event ? event.Error : undefined,
          cause: 'Cause' in event ? (event.Cause as string) : undefined,
          clockMs: scheduler.clock.now(),
          ...(backoff === undefined ? {} : { retryWaitSeconds: backoff }),
        };
        execution.events?.push(reported);
        run.onProgress?.(reported);
      }
    })();
    try {
      execution.output = await result;
      execution.status = 'SUCCEEDED';
    } catch (error) {
      const failure = (error as ExecutionError).cause as Error | undefined;
      execution.status = 'FAILED';
      execution.error = failure?.name ?? (error as Error).name;
      execution.cause = failure?.message ?? (error as Error).message;
    }
    await progress;
    return execution;
  });
