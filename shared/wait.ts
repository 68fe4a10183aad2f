/**
 * Waiting, in one place, so that a host keeping its own time can make the product's waits follow it.
 *
 * In Lambda a wait is a real timer. The local runner (`npm start`) runs the functions against a sandbox whose clock
 * only moves when told to; it installs, once per process, a wait that advances that clock for the invocation doing
 * the waiting (local/functions.ts), so a 10,000-account simulation throttled by Datadog does not sleep for real.
 * {@link setWaitImplementation} is that seam, and the only one: the product itself never calls it.
 */

/** Waits `ms` milliseconds, then resolves. */
export type WaitFunction = (ms: number) => Promise<void>;

/** A real timer: what Lambda uses. */
export const realWait: WaitFunction = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let current: WaitFunction = realWait;

/**
 * Waits `ms` milliseconds: on a real timer in Lambda, on the host's clock where a host installed its own.
 *
 * @param ms - milliseconds, finite and not negative (others wait 0).
 */
export function wait(ms: number): Promise<void> {
  return current(Number.isFinite(ms) && ms > 0 ? ms : 0);
}

/**
 * Seam for hosts that keep their own time (the local runner): replaces how {@link wait} waits, process-wide.
 *
 * @param implementation - the new wait.
 * @returns the wait it replaces, so the host can delegate to it or put it back.
 *
 * @example
 * ```ts
 * const previous = setWaitImplementation((ms) => { clock.advance(ms / 1000); return Promise.resolve(); });
 * // … later
 * setWaitImplementation(previous);
 * ```
 */
export function setWaitImplementation(implementation: WaitFunction): WaitFunction {
  const previous = current;
  current = implementation;
  return previous;
}
