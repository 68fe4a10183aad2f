/**
 * Datadog's rate limits: so many requests per fixed window per endpoint group, 429 beyond, and the `X-RateLimit-Limit`,
 * `-Period` (s), `-Remaining`, `-Reset` (s) and `-Name` headers on every answer (docs.datadoghq.com/api/latest/rate-limits).
 */

/** A limit: `requests` per window of `seconds`, both whole numbers from 1. */
export interface RateLimit {
  requests: number;
  seconds: number;
}

/** The group (`x-ratelimit-name`) of each served operation, by OpenAPI `operationId`. */
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
 * Default limit of every group: 60 per 10 s. Datadog publishes none for these endpoints, only 12,000 per minute per IP
 * (DataDog/documentation PR 10660); this is far tighter, so a fleet run meets it while one onboarding never does.
 */
export const DEFAULT_DATADOG_RATE_LIMIT: RateLimit = Object.freeze({ requests: 60, seconds: 10 });

/** Fixed windows per group, aligned on the epoch, on the caller's clock; requests refused with 429 do not count. */
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

  /** Counts one request of `group`; whether it is allowed, with the `x-ratelimit-*` headers. */
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
