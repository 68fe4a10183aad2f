/** A clock that stands still until `advance` (seconds) moves it; `now()` is epoch milliseconds. */
export class VirtualClock {
  private nowMs: number;

  /** Starts at the real time by default, so credential expirations look plausible. @throws Error when not finite. */
  constructor(startMs: number = Date.now()) {
    if (!Number.isFinite(startMs)) throw new Error(`VirtualClock: startMs must be a finite number, got ${startMs}`);
    this.nowMs = startMs;
  }

  /** Epoch milliseconds. */
  now(): number {
    return this.nowMs;
  }

  /** @throws Error when `seconds` is negative or not finite. */
  advance(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new Error(`VirtualClock: advance() takes a finite, non-negative number of seconds, got ${seconds}`);
    }
    this.nowMs += seconds * 1000;
  }
}
