/**
 * The worst-case time of each path through the onboarding state machine, read from its definition: every Task
 * attempt its `Retry` allows, each running to its `TimeoutSeconds`, with the longest wait before each retry (Step
 * Functions developer guide, "Handling errors in Step Functions workflows": `IntervalSeconds` default 1,
 * `MaxAttempts` default 3, `BackoffRate` default 2, `MaxDelaySeconds` caps each wait; full jitter only shortens it).
 *
 * The validation Tasks (a Task whose `Retry` retries the "not yet" errors of `validation-schedule.ts`) are bounded
 * by `MaxValidationSeconds` from provisioning, not by those retriers' `MaxAttempts`: the function measures the time
 * since provisioning, attempts and waits included, and retries only while the next attempt starts within the bound.
 * A path through one counts that bound apart, plus the last attempt as an ordinary Task (its transient retries).
 */
import { isNotYetErrorName } from '../../shared/onboarding/validation-schedule';

/** A state of an ASL definition, as far as the budget needs it. */
interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
  TimeoutSeconds?: number;
  Seconds?: number;
  SecondsPath?: string;
  Retry?: { ErrorEquals?: string[]; MaxAttempts?: number; IntervalSeconds?: number; BackoffRate?: number; MaxDelaySeconds?: number }[];
  ItemProcessor?: AslMachine;
}

/** An ASL definition or a Map state's processor. */
export interface AslMachine {
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
}

/** One path from the start to an end (Catch branches aside: they go straight to the failure state). */
export interface PathBudget {
  /** The states, in order. */
  states: string[];
  /** Worst-case seconds of its states, the validation's scheduled retries aside. */
  fixedSeconds: number;
  /** The validation Task of the path, if it has one. */
  validationTask?: string;
  /** Worst-case seconds before the validation's first attempt. */
  secondsBeforeValidation?: number;
}

/** Whether a retrier retries only validation's "not yet" errors (bounded by `MaxValidationSeconds`, not counted). */
function isNotYetRetrier(retrier: { ErrorEquals?: string[] }): boolean {
  return (retrier.ErrorEquals ?? []).length > 0 && (retrier.ErrorEquals ?? []).every(isNotYetErrorName);
}

/** Whether a state is a validation Task: one whose `Retry` repeats validation's "not yet" errors. */
function isValidationTask(state: AslState): boolean {
  return state.Type === 'Task' && (state.Retry ?? []).some(isNotYetRetrier);
}

/**
 * Worst-case seconds of one Task state: all attempts run to the time-out, each retry after its longest wait. The
 * "not yet" retriers of a validation Task are left out: `MaxValidationSeconds` bounds them (counted per path).
 *
 * @throws Error when the Task has no `TimeoutSeconds` (Step Functions would let it run for a year).
 */
export function worstCaseTaskSeconds(name: string, state: AslState): number {
  if (state.TimeoutSeconds === undefined) throw new Error(`Task ${name} has no TimeoutSeconds`);
  let seconds = state.TimeoutSeconds;
  for (const retrier of (state.Retry ?? []).filter((candidate) => !isNotYetRetrier(candidate))) {
    const interval = retrier.IntervalSeconds ?? 1;
    const backoff = retrier.BackoffRate ?? 2;
    for (let retry = 1; retry <= (retrier.MaxAttempts ?? 3); retry += 1) {
      const wait = interval * backoff ** (retry - 1);
      seconds += Math.min(wait, retrier.MaxDelaySeconds ?? wait) + state.TimeoutSeconds;
    }
  }
  return seconds;
}

function successors(state: AslState): string[] {
  if (state.Type === 'Choice') return [...(state.Choices ?? []).map((choice) => choice.Next), ...(state.Default ? [state.Default] : [])];
  return state.End || state.Next === undefined ? [] : [state.Next];
}

function stateSeconds(name: string, state: AslState): number {
  if (state.Type === 'Task') return worstCaseTaskSeconds(name, state);
  if (state.Type === 'Wait') return state.Seconds ?? 0;
  // Inline Map iterations run side by side: one iteration's worst case.
  if (state.Type === 'Map' && state.ItemProcessor) return Math.max(...pathBudgets(state.ItemProcessor).map((path) => path.fixedSeconds));
  return 0;
}

/**
 * Every path from `StartAt` to an end, with its worst-case seconds.
 *
 * @throws Error on a loop, which nothing bounds.
 */
export function pathBudgets(machine: AslMachine): PathBudget[] {
  const loopTasks = new Set(Object.keys(machine.States).filter((name) => isValidationTask(machine.States[name])));
  const paths: PathBudget[] = [];
  const walk = (name: string, trail: string[]): void => {
    const state = machine.States[name];
    if (state === undefined) throw new Error(`state ${name} is not defined`);
    const here = [...trail, name];
    const next = successors(state);
    if (next.length === 0) {
      const validationTask = here.find((step) => loopTasks.has(step));
      const seconds = (steps: string[]) => steps.reduce((sum, step) => sum + stateSeconds(step, machine.States[step]), 0);
      paths.push({
        states: here,
        fixedSeconds: seconds(here),
        ...(validationTask ? { validationTask, secondsBeforeValidation: seconds(here.slice(0, here.indexOf(validationTask))) } : {}),
      });
      return;
    }
    for (const following of next) {
      if (here.includes(following)) throw new Error(`unbounded loop ${name} -> ${following}`);
      walk(following, here);
    }
  };
  walk(machine.StartAt, []);
  return paths;
}

/**
 * The largest `MaxValidationSeconds` the definition's `TimeoutSeconds` allows, in whole minutes: on every path with a
 * validation Task, the bound plus the path's other steps fit in the execution time-out, and so does the validator's
 * trust statement, which lives from the provisioning before the validation until the bound plus `graceSeconds`.
 */
export function maxValidationSecondsFor(machine: AslMachine, graceSeconds: number): number {
  if (machine.TimeoutSeconds === undefined) throw new Error('the definition has no TimeoutSeconds');
  const timeout = machine.TimeoutSeconds;
  const limits = pathBudgets(machine)
    .filter((path) => path.validationTask !== undefined)
    .flatMap((path) => [timeout - path.fixedSeconds, timeout - (path.secondsBeforeValidation ?? 0) - graceSeconds]);
  return Math.floor(Math.min(...limits) / 60) * 60;
}
