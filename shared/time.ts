/**
 * Elapsed time between two clocks' readings, for the steps that measure from a time carried in the execution: the
 * lifecycle event's time (TimeToOnboard) and the end of provisioning (the validation schedule).
 */

/**
 * Seconds from `since` (ISO 8601) to `now`, or `undefined` when `since` is absent or not a date. A time slightly after
 * `now` (clock skew between EventBridge, Lambda and other functions) counts as 0.
 *
 * @example
 * ```ts
 * secondsSince('2026-12-02T09:58:30Z', new Date('2026-12-02T10:00:00Z')); // 90
 * ```
 */
export function secondsSince(since: string | undefined, now: Date = new Date()): number | undefined {
  if (since === undefined) return undefined;
  const start = Date.parse(since);
  if (!Number.isFinite(start)) return undefined;
  return Math.max(0, (now.getTime() - start) / 1000);
}
