/**
 * The sandbox's notion of "now": a clock that stands still until {@link VirtualClock.advance} moves it, so a test can
 * step over a 10-second IAM propagation delay without sleeping. Times are epoch milliseconds, like `Date.now()`;
 * `advance` takes seconds, as AWS quotes its delays and durations.
 */
export class VirtualClock {
  private nowMs: number;

  /**
   * @param startMs - default the real `Date.now()`, so the credential expirations the sandbox hands out look plausible
   *   to code that compares them with the wall clock.
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

  /** Moves the clock forward by `seconds` (fractions allowed). @throws Error when `seconds` is negative or not finite. */
  advance(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new Error(`VirtualClock: advance() takes a finite, non-negative number of seconds, got ${seconds}`);
    }
    this.nowMs += seconds * 1000;
  }
}
