/**
 * Datadog's rate limits, modelled: each group of endpoints allows so many requests per fixed window, every answer
 * says where the caller stands, and a request beyond the limit is answered 429.
 *
 * Headers as Datadog documents them (docs.datadoghq.com/api/latest/rate-limits): `X-RateLimit-Limit` (requests
 * allowed per period), `X-RateLimit-Period` (seconds of a window), `X-RateLimit-Remaining` (left in the current
 * window), `X-RateLimit-Reset` (seconds until the window resets), `X-RateLimit-Name` (which limit).
 */

/** A limit: `requests` per window of `seconds`, both whole numbers from 1. */
export interface RateLimit {
  requests: number;
  seconds: number;
}

/**
 * The group (sent as `x-ratelimit-name`) of each served operation, by its OpenAPI `operationId` in Datadog's spec:
 * reading registrations, changing them (with the external ID a new one needs), the IAM permission lists, events.
 */
export const RATE_LIMIT_GROUP_OF = {
  ListAWSAccounts: 'aws_accounts_read',
  CreateAWSAccount: 'aws_accounts_write',
  UpdateAWSAccount: 'aws_accounts_write',
  DeleteAWSAccount: 'aws_accounts_write',
  CreateNewAWSExternalID: 'aws_accounts_write',
  GetAWSIntegrationIAMPermissionsStandard: 'aws_iam_permissions',
  GetAWSIntegrationIAMPermissionsResourceCollection: 'aws_iam_permissions',
  CreateEvent: 'events',
} as const;

/** A group of endpoints that share a limit. */
export type RateLimitGroup = (typeof RATE_LIMIT_GROUP_OF)[keyof typeof RATE_LIMIT_GROUP_OF];

/**
 * Default limit of every group: 60 requests per 10 s. Datadog publishes no numbers for these endpoints; the only
 * general figure it has stated is a per-IP limit of 12,000 requests per minute (DataDog/documentation pull request
 * 10660). 360 per minute is far below that, so the application is proven against a limit tighter than Datadog is
 * likely to apply, and low enough that a fleet run (hundreds of onboardings at a time) meets it, while one
 * onboarding (under ten requests) never does.
 */
export const DEFAULT_DATADOG_RATE_LIMIT: RateLimit = Object.freeze({ requests: 60, seconds: 10 });

/**
 * Fixed windows per group, on a clock the caller gives (the local runs' virtual clock). Windows are aligned on the
 * epoch (a window of 10 s runs from :00 to :10). Requests refused with 429 do not count against the window.
 */
export class RateLimiter {
  private readonly windows = new Map<RateLimitGroup, { start: number; used: number }>();
  private readonly limit: RateLimit;

  /** @throws TypeError naming the field of a limit that is not whole numbers from 1. `now` gives epoch milliseconds. */
  constructor(
    private readonly now: () => number,
    limit: RateLimit = DEFAULT_DATADOG_RATE_LIMIT,
  ) {
    for (const field of ['requests', 'seconds'] as const) {
      const value: unknown = limit?.[field];
      if (!Number.isInteger(value) || (value as number) < 1) {
        throw new TypeError(`rate limit: ${field} must be a whole number from 1, got ${String(value)}`);
      }
    }
    this.limit = { requests: limit.requests, seconds: limit.seconds };
  }

  /** Counts one request of `group` in the current window; says whether it is allowed, with the five `x-ratelimit-*` headers. */
  take(group: RateLimitGroup): { allowed: boolean; headers: Record<string, string> } {
    const { requests, seconds } = this.limit;
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
