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
import { executionArn } from '../shared/onboarding/execution-name';
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
}

type StateDefinition = {
  Type: string;
  Resource?: string;
  Seconds?: number;
  SecondsPath?: string;
  ItemProcessor?: { States: Record<string, StateDefinition> };
  Iterator?: { States: Record<string, StateDefinition> };
};

/** Every state of a definition, including those inside Map states. */
function allStates(definition: { States?: unknown }): Record<string, StateDefinition> {
  const top = (definition.States ?? {}) as Record<string, StateDefinition>;
  const inner = Object.values(top).flatMap((state) => {
    const processor = state.ItemProcessor ?? state.Iterator;
    return processor ? [allStates(processor)] : [];
  });
  return Object.assign({}, top, ...inner) as Record<string, StateDefinition>;
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

/** The JSON text of each definition this process has validated already. */
const validatedDefinitions = new Set<string>();

/**
 * The local state machine of a definition, validated (ARNs and paths checked) the first time this process sees the
 * definition: the validator compiles its JSON schemas anew on every call (about a quarter of a second), and a run
 * starts one execution per account, a replay or a test many more.
 *
 * @throws Error naming what is invalid, when the definition is not valid Amazon States Language.
 */
function stateMachineOf(definition: Record<string, unknown>): StateMachine {
  const key = JSON.stringify(definition);
  const validated = validatedDefinitions.has(key);
  const machine = new StateMachine(definition as never, {
    validationOptions: validated ? { noValidate: true } : { checkArn: true, checkPaths: true },
  });
  // The validator fills in each state's default QueryLanguage: the definition's text as it now stands is valid too.
  validatedDefinitions.add(key).add(JSON.stringify(definition));
  return machine;
}

/**
 * Runs one execution of the definition to its end.
 *
 * Wait states take no real time: each advances the sandbox's virtual clock by its seconds instead, so IAM's
 * propagation delay passes exactly as it would. So does each wait of a `Retry` (see {@link retryWaitSeconds}), so a
 * rate limit's window passes while the state machine backs off.
 *
 * @returns the execution, with status `SUCCEEDED` and output, or `FAILED` with error and cause, and its events.
 */
export async function runExecution(
  definition: Record<string, unknown>,
  execution: LocalExecution,
  invoke: TaskInvoker,
  clock: VirtualClock,
  onProgress: ProgressListener,
  executions?: LocalExecutions,
): Promise<LocalExecution> {
  const states = allStates(definition);
  const taskHandlers = Object.fromEntries(
    Object.entries(states)
      .filter(([, state]) => state.Type === 'Task' && state.Resource)
      .map(([name, state]) => [
        name,
        async (input: unknown) => {
          // Let the event-log reader below handle a Wait state's clock advance before the next task runs.
          await new Promise((resolve) => setImmediate(resolve));
          if (/:states:::states:startExecution$/.test(state.Resource as string)) return startFromStateMachine(executions, input);
          return invoke(state.Resource as string, input);
        },
      ]),
  );
  const zero = (type: string) =>
    Object.fromEntries(
      Object.entries(states)
        .filter(([, state]) => state.Type === type)
        .map(([name]) => [name, 0]),
    );

  const machine = stateMachineOf(definition);
  execution.status = 'RUNNING';
  const events: ProgressEvent[] = [];
  execution.events = events;
  const report = (event: ProgressEvent) => {
    events.push(event);
    onProgress(event);
  };
  const run = machine.run(execution.input as never, {
    overrides: { taskResourceLocalHandlers: taskHandlers as never, waitTimeOverrides: zero('Wait'), retryIntervalOverrides: zero('Task') },
    context: {
      Execution: { Name: execution.name, Id: execution.executionArn, Input: execution.input as never },
      StateMachine: { Id: executions?.stateMachineArn ?? '', Name: (executions?.stateMachineArn ?? '').split(':').pop() ?? '' },
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
      if (entry.type === 'StateEntered' && state?.type === 'Wait') {
        const definitionState = states[state.name];
        const seconds = Number(definitionState.Seconds ?? valueAtPath(state.input, definitionState.SecondsPath ?? '$.none') ?? 0);
        clock.advance(seconds);
      }
      const retry = (entry as { retry?: { retrier: Retrier; attempt: number } }).retry;
      if (entry.type === 'StateRetried' && retry !== undefined) clock.advance(retryWaitSeconds(retry.retrier, retry.attempt));
      report({
        type: entry.type,
        execution: execution.name,
        state: state?.name,
        stateType: state?.type,
        input: entry.type === 'ExecutionStarted' ? execution.input : state?.input,
        output: state?.output,
        error: entry.Error,
        cause: entry.Cause,
        clockMs: clock.now(),
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
