/**
 * Datadog's rate limits, modelled: each group of endpoints allows so many requests per fixed window, every answer
 * says where the caller stands, and a request beyond the limit is answered 429.
 *
 * Headers as Datadog documents them (docs.datadoghq.com/api/latest/rate-limits): `X-RateLimit-Limit` (requests
 * allowed per period), `X-RateLimit-Period` (seconds of a window), `X-RateLimit-Remaining` (left in the current
 * window), `X-RateLimit-Reset` (seconds until the window resets), `X-RateLimit-Name` (which limit). Datadog publishes
 * no numbers for the AWS integration endpoints; {@link DEFAULT_DATADOG_RATE_LIMIT} says why this default.
 */
import type { DatadogOperation } from './types';

/** A limit: `requests` per window of `seconds`. */
export interface RateLimit {
  /** Requests allowed per window, a whole number from 1. */
  requests: number;
  /** Length of a window, whole seconds from 1. */
  seconds: number;
}

/**
 * The groups of endpoints that share a limit, named after what they cover (and sent as `x-ratelimit-name`): reading
 * the AWS account registrations, changing them (create, update, and generating the external ID a new one needs),
 * the IAM permission lists, and posting events (v1 `POST /api/v1/events`).
 */
export type RateLimitGroup = 'aws_accounts_read' | 'aws_accounts_write' | 'aws_iam_permissions' | 'events';

/** Every group, in a stable order. */
export const RATE_LIMIT_GROUPS: readonly RateLimitGroup[] = ['aws_accounts_read', 'aws_accounts_write', 'aws_iam_permissions', 'events'];

/** Which group each served operation belongs to. */
export const RATE_LIMIT_GROUP_OF: Record<DatadogOperation, RateLimitGroup> = {
  ListAWSAccounts: 'aws_accounts_read',
  CreateAWSAccount: 'aws_accounts_write',
  UpdateAWSAccount: 'aws_accounts_write',
  DeleteAWSAccount: 'aws_accounts_write',
  CreateNewAWSExternalID: 'aws_accounts_write',
  GetAWSIntegrationIAMPermissionsStandard: 'aws_iam_permissions',
  GetAWSIntegrationIAMPermissionsResourceCollection: 'aws_iam_permissions',
  CreateEvent: 'events',
};

/**
 * Default limit of every group: 60 requests per 10 s. Datadog publishes no numbers for these endpoints; the only
 * general figure it has stated is a per-IP limit of 12,000 requests per minute (DataDog/documentation pull request
 * 10660). 360 per minute is far below that, so the application is proven against a limit tighter than Datadog is
 * likely to apply, and low enough that a fleet run (hundreds of onboardings at a time) meets it, while one
 * onboarding (under ten requests) never does.
 */
export const DEFAULT_DATADOG_RATE_LIMIT: RateLimit = Object.freeze({ requests: 60, seconds: 10 });

/** The verdict on one request, with the headers to send. */
export interface RateLimitDecision {
  allowed: boolean;
  /** The five `x-ratelimit-*` headers, values as strings. */
  headers: Record<string, string>;
}

/**
 * Checks a limit: `requests` and `seconds` whole numbers from 1.
 *
 * @returns `undefined` when valid, else a sentence naming what is wrong.
 */
export function rateLimitProblem(limit: RateLimit): string | undefined {
  const whole = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= 1;
  if (!whole(limit?.requests)) return `requests must be a whole number from 1, got ${String(limit?.requests)}`;
  if (!whole(limit?.seconds)) return `seconds must be a whole number from 1, got ${String(limit?.seconds)}`;
  return undefined;
}

/**
 * Fixed windows per group, on a clock the caller gives (the local runs' virtual clock). Windows are aligned on the
 * epoch (a window of 10 s runs from :00 to :10), so every group's windows are predictable from the clock alone.
 * Requests refused with 429 do not count against the window.
 */
export class RateLimiter {
  private readonly windows = new Map<RateLimitGroup, { start: number; used: number }>();
  private readonly limits: Record<RateLimitGroup, RateLimit>;

  /**
   * @param now - the clock, epoch milliseconds.
   * @param limit - the limit of every group; default {@link DEFAULT_DATADOG_RATE_LIMIT}.
   * @param byGroup - limits of particular groups, over `limit`.
   * @throws TypeError naming the group and the field for a limit that is not whole numbers from 1.
   */
  constructor(
    private readonly now: () => number,
    limit: RateLimit = DEFAULT_DATADOG_RATE_LIMIT,
    byGroup: Partial<Record<RateLimitGroup, RateLimit>> = {},
  ) {
    const limits = {} as Record<RateLimitGroup, RateLimit>;
    for (const group of RATE_LIMIT_GROUPS) {
      const chosen = byGroup[group] ?? limit;
      const problem = rateLimitProblem(chosen);
      if (problem !== undefined) throw new TypeError(`rate limit of ${group}: ${problem}`);
      limits[group] = { requests: chosen.requests, seconds: chosen.seconds };
    }
    this.limits = limits;
  }

  /** Counts one request of `group` in the current window, and says whether it is allowed. */
  take(group: RateLimitGroup): RateLimitDecision {
    const { requests, seconds } = this.limits[group];
    const periodMs = seconds * 1000;
    const now = this.now();
    const start = Math.floor(now / periodMs) * periodMs;
    const window = this.windows.get(group);
    const current = window !== undefined && window.start === start ? window : { start, used: 0 };
    this.windows.set(group, current);
    const allowed = current.used < requests;
    if (allowed) current.used += 1;
    // Whole seconds, as Datadog sends it; at least 1 while the window lasts, so a waiting caller lands in the next one.
    const reset = Math.max(1, Math.ceil((start + periodMs - now) / 1000));
    return {
      allowed,
      headers: {
        'x-ratelimit-limit': String(requests),
        'x-ratelimit-period': String(seconds),
        'x-ratelimit-remaining': String(requests - current.used),
        'x-ratelimit-reset': String(reset),
        'x-ratelimit-name': group,
      },
    };
  }
}
