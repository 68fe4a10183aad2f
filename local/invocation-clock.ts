/**
 * Each local function invocation reads the sandbox's virtual time as "now", so what a function computes from the time
 * (e.g. when the validator's trust statement expires) agrees with the time the sandbox's policy evaluation sees
 * (`aws:CurrentTime`), however far Wait states have moved the virtual clock.
 *
 * Like `process.env` (see `invocation-environment.ts`), the time is scoped to the invocation's asynchronous context
 * (`AsyncLocalStorage`), not swapped globally: invocations overlap when a Task times out and its retry runs beside it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const scoped = new AsyncLocalStorage<() => number>();
let installed = false;

/** Replaces the global `Date` by one whose "now" is the current invocation's clock, once per process. */
function installDate(): void {
  if (installed) return;
  installed = true;
  const RealDate = Date;
  const now = (): number => scoped.getStore()?.() ?? RealDate.now();
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
 * it starts, and real time for everything else.
 *
 * @returns what `fn` returns.
 */
export function withClock<T>(clock: () => number, fn: () => T): T {
  installDate();
  return scoped.run(clock, fn);
}
