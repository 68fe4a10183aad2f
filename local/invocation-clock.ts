/**
 * Each local function invocation reads the sandbox's virtual time as "now", so what a function computes from the time
 * (e.g. when the validator's trust statement expires) agrees with the time the sandbox's policy evaluation sees
 * (`aws:CurrentTime`), however far Wait states have moved the virtual clock.
 *
 * Like `process.env` (see `invocation-environment.ts`), the time is scoped to the invocation's asynchronous context
 * (`AsyncLocalStorage`), not swapped globally: invocations overlap when a Task times out and its retry runs beside it.
 *
 * Waits go the same way: the product waits through `shared/wait.ts` (e.g. out a Datadog rate limit); an invocation
 * given an `advance` waits by advancing the sandbox's virtual clock instead of on a timer, so a throttled
 * simulation takes no real time.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { setWaitImplementation, type WaitFunction } from '../shared/wait';

/** What an invocation reads as time: its clock, and how its waits pass. */
interface InvocationTime {
  now: () => number;
  /** Moves the clock on by `ms` milliseconds (or parks the caller until it has moved on); absent: waits are real. */
  advance?: (ms: number) => void | Promise<void>;
}

const scoped = new AsyncLocalStorage<InvocationTime>();
let installed = false;
let waitInstalled = false;

/** Makes the product's waits advance the current invocation's clock, once per process; real waits elsewhere. */
function installWait(): void {
  if (waitInstalled) return;
  waitInstalled = true;
  const real: WaitFunction = setWaitImplementation((ms) => {
    const advance = scoped.getStore()?.advance;
    if (advance === undefined) return real(ms);
    return Promise.resolve(advance(ms));
  });
}

/** Replaces the global `Date` by one whose "now" is the current invocation's clock, once per process. */
function installDate(): void {
  if (installed) return;
  installed = true;
  const RealDate = Date;
  const now = (): number => scoped.getStore()?.now() ?? RealDate.now();
  class InvocationDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(now());
      else super(...(args as [string | number | Date]));
    }

    static override now(): number {
      return now();
    }
  }
  globalThis.Date = InvocationDate as DateConstructor;
}

/**
 * Runs `fn` with `new Date()` and `Date.now()` reading `clock` (milliseconds since the epoch) for `fn` and everything
 * it starts, and real time for everything else; with `advance`, the product's waits (`shared/wait.ts`) in `fn` move
 * that clock on instead of waiting.
 *
 * @param advance - moves the clock on by that many milliseconds (e.g. the sandbox clock's `sleepMs`).
 * @returns what `fn` returns.
 */
export function withClock<T>(clock: () => number, fn: () => T, advance?: (ms: number) => void | Promise<void>): T {
  installDate();
  installWait();
  return scoped.run({ now: clock, advance }, fn);
}
