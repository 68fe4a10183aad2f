/**
 * The sandbox's notion of "now": a clock that only moves when told to.
 *
 * IAM propagation delays, session expiry and secret deletion dates are all measured on this clock, so a test can
 * step over a 10-second propagation delay without sleeping for 10 seconds.
 */

/**
 * A clock that stands still until {@link VirtualClock.advance} moves it.
 *
 * Times are epoch milliseconds, like `Date.now()`; {@link VirtualClock.advance} takes seconds because AWS quotes
 * its delays and durations in seconds.
 */
export class VirtualClock {
  private nowMs: number;

  /**
   * @param startMs - the initial time, in epoch milliseconds. Defaults to the real `Date.now()`, so credential
   *   expirations the sandbox hands out look plausible to code that compares them with the wall clock.
   * @throws Error when `startMs` is not a finite number.
   */
  constructor(startMs: number = Date.now()) {
    if (!Number.isFinite(startMs)) throw new Error(`VirtualClock: startMs must be a finite number, got ${startMs}`);
    this.nowMs = startMs;
  }

  /** The current virtual time, in epoch milliseconds. */
  now(): number {
    return this.nowMs;
  }

  /**
   * Moves the clock forward.
   *
   * @param seconds - how far to move, in seconds (fractions allowed); never negative, time does not run back.
   * @throws Error when `seconds` is negative or not finite.
   */
  advance(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new Error(`VirtualClock: advance() takes a finite, non-negative number of seconds, got ${seconds}`);
    }
    this.nowMs += seconds * 1000;
  }

  /**
   * A drop-in for a `sleep(ms)` function: advances the clock by `ms` milliseconds and resolves at once.
   * Inject it into retry loops so they wait on virtual time. Bound, so it can be passed around as a function.
   *
   * @param ms - how long to "sleep", in milliseconds.
   */
  readonly sleepMs = (ms: number): Promise<void> => {
    this.advance(ms / 1000);
    return Promise.resolve();
  };
}
