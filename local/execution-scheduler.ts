/**
 * Virtual time for concurrent executions, whose waits overlap rather than add up: a wait parks its execution, and the
 * clock moves to the earliest wake-up only when nothing runs (so no Lambda invocation is in flight).
 */
import type { VirtualClock } from './sandbox';

/** Counts the running (not parked) executions and wakes parked ones in virtual-time order. */
export class ExecutionScheduler {
  private running = 0;
  private sleepers: { wakeMs: number; wake(): void }[] = [];
  private tickQueued = false;

  constructor(readonly clock: VirtualClock) {}

  /** Runs `work` as one more running unit (an execution) until it settles. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    this.running += 1;
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  /** Parks the calling unit for `seconds` of virtual time. @throws Error when `seconds` is negative or not finite. */
  sleep(seconds: number): Promise<void> {
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new Error(`ExecutionScheduler: sleep() takes a finite, non-negative number of seconds, got ${seconds}`);
    }
    if (seconds === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.sleepers.push({ wakeMs: this.clock.now() + seconds * 1000, wake: resolve });
      this.release();
    });
  }

  /** Awaits other units without counting as running meanwhile; start them first, so the count never drops to zero between. */
  async awaitOthers<T>(pending: Promise<T>): Promise<T> {
    this.release();
    try {
      return await pending;
    } finally {
      // Runs in the microtask after `pending` settles, before the deferred tick of whoever settled it.
      this.running += 1;
    }
  }

  private release(): void {
    this.running -= 1;
    if (this.running === 0 && !this.tickQueued) {
      this.tickQueued = true;
      // Deferred past the microtasks of this turn: a unit resuming from awaitOthers counts as running again first.
      setImmediate(() => {
        this.tickQueued = false;
        this.tick();
      });
    }
  }

  private tick(): void {
    if (this.running > 0 || this.sleepers.length === 0) return;
    // A stable sort: sleepers with the same wake-up time wake in the order they slept.
    this.sleepers.sort((a, b) => a.wakeMs - b.wakeMs);
    const next = this.sleepers[0].wakeMs;
    const now = this.clock.now();
    if (next > now) this.clock.advance((next - now) / 1000);
    const due = this.sleepers.filter((sleeper) => sleeper.wakeMs <= this.clock.now());
    this.sleepers = this.sleepers.slice(due.length);
    for (const sleeper of due) {
      this.running += 1;
      sleeper.wake();
    }
  }
}
