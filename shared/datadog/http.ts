/**
 * The HTTP transport of the Datadog client, with a bound on each request.
 *
 * The client's own transport waits for an answer as long as the connection stays open: an endpoint that accepts
 * connections and never answers would hold the function until Lambda kills it, and the state machine would see a
 * time-out instead of the cause. Here each request, body included, must finish within a bound well below the
 * functions' time-outs (60 s and more in template.yaml), and a request that gets no answer fails with an error naming
 * the URL and why.
 *
 * It also honours Datadog's rate limits: a 429 answer is retried after the `x-ratelimit-reset` seconds it names
 * (Datadog's rate-limit headers: `x-ratelimit-limit`, `-period`, `-remaining`, `-reset`, `-name`; docs.datadoghq.com
 * "Rate Limits"), within a bound on the waiting, beyond which {@link DatadogRateLimitedError} hands the wait over to
 * the state machine's Retry.
 *
 * Why not the client's own retry (`enableRetry`, `maxRetries`, `backoffBase`, `backoffMultiplier` of
 * `createConfiguration`, `IsomorphicFetchHttpLibrary.executeRequest` in @datadog/datadog-api-client 1.64): it does
 * read `x-ratelimit-reset`, but it sleeps on a private `setTimeout` (local runs could not wait on virtual time), it
 * bounds the number of retries and not the time spent waiting (a reset of 60 s would hold a 60-s function until it
 * is killed), its backoff has no jitter (throttled executions would retry in step), and after its last retry the
 * caller gets a plain 429 that cannot be told from one without any waiting. The client's retry stays on for 5xx
 * answers; 429s never reach it, this fetch handles them itself.
 */
import { DatadogRateLimitedError } from '../errors';
import { wait as hostWait, type WaitFunction } from '../wait';

/** Default bound on one Datadog request, body included, in seconds. */
export const DEFAULT_DATADOG_TIMEOUT_SECONDS = 10;

/** Statuses whose responses have no body (Fetch standard, "null body status"). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * A Datadog request that got no answer: the connection failed, or no complete answer came within the bound.
 * Carries no header, so never a key.
 */
export class DatadogUnreachableError extends Error {
  /**
   * @param method - the HTTP method.
   * @param url - the request URL, without any user name or password.
   * @param reason - why: `timed out (no answer within 10 s)`, or `connection failed (ECONNREFUSED)` with the system
   *   error code (`ECONNREFUSED`, `ENOTFOUND`…).
   */
  constructor(
    readonly method: string,
    readonly url: string,
    readonly reason: string,
    options?: { cause: unknown },
  ) {
    super(`${method} ${url}: ${reason}`, options);
    this.name = 'DatadogUnreachableError';
  }
}

/** The URL as it may be shown: no user name or password. */
function shownUrl(input: string | URL | Request): string {
  const text = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  try {
    const url = new URL(text);
    url.username = '';
    url.password = '';
    return url.href;
  } catch {
    return '(an invalid URL)';
  }
}

/** The system error code of a failed fetch (`fetch failed` carries it on its cause), or its message. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; errors?: { code?: unknown }[]; message?: unknown } })?.cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code ?? (error as { code?: unknown })?.code;
  if (typeof code === 'string' && code.length > 0) return code;
  const message = typeof cause?.message === 'string' ? cause.message : (error as Error)?.message;
  return String(message ?? 'connection failed').slice(0, 200);
}

/**
 * Longest a client waits on Datadog's rate limit, all its requests together, in seconds. A client serves one
 * invocation (shared/datadog/api-from-env.ts builds one per invocation). Why 20: the functions that call Datadog
 * time out after 60 s (template.yaml) and make up to four Datadog requests of at most 10 s each; 20 s covers two
 * windows of 10 s (the period Datadog's headers commonly show) and leaves the requests their time. Longer waits are
 * better spent in the state machine's Retry (no function running, jittered across executions).
 */
export const MAX_RATE_LIMIT_WAIT_SECONDS = 20;

/**
 * Most consecutive 429s retried for one request, whatever the waits: a server answering 429 with a reset of 0 (as
 * some proxies and the local fault injection do) would otherwise be retried without end.
 */
export const MAX_RATE_LIMIT_RETRIES = 10;

/** Backoff when a 429 carries no `x-ratelimit-reset`: 1 s doubled per consecutive 429, at most 8 s, jittered. */
const BACKOFF_BASE_SECONDS = 1;
const BACKOFF_CAP_SECONDS = 8;
/** A wait for a named reset is stretched by up to this share, so clients waiting for the same window do not all return at its start. */
const RESET_JITTER = 0.2;

/** Options of {@link boundedFetch} for 429 answers. */
export interface RateLimitOptions {
  /** Bound on the waiting, seconds, all requests of this fetch together; default {@link MAX_RATE_LIMIT_WAIT_SECONDS}. */
  maxWaitSeconds?: number;
  /** How to wait; default the host's ({@link hostWait}: a real timer in Lambda, the virtual clock in local runs). */
  wait?: WaitFunction;
  /** Source of jitter in [0, 1); default `Math.random`. */
  random?: () => number;
}

/** What a 429 says about the limit (Datadog's headers; absent or malformed ones are `undefined`). */
interface RateLimitHeaders {
  name?: string;
  limit?: string;
  period?: string;
  /** Seconds until the window resets. */
  resetSeconds?: number;
}

function rateLimitOf(headers: Headers): RateLimitHeaders {
  const reset = Number(headers.get('x-ratelimit-reset') ?? NaN);
  // Header values are Datadog's, never a key; cut to keep messages one short line.
  const text = (name: string) => headers.get(name)?.slice(0, 64) ?? undefined;
  return {
    name: text('x-ratelimit-name'),
    limit: text('x-ratelimit-limit'),
    period: text('x-ratelimit-period'),
    resetSeconds: headers.get('x-ratelimit-reset') !== null && Number.isFinite(reset) && reset >= 0 ? reset : undefined,
  };
}

/** Seconds to wait before retrying the `attempt`-th consecutive 429 (0-based). */
function delaySeconds(limit: RateLimitHeaders, attempt: number, random: () => number): number {
  if (limit.resetSeconds !== undefined) return limit.resetSeconds * (1 + RESET_JITTER * random());
  // Equal jitter: at least half the exponential delay, so a retry never comes straight back.
  const ceiling = Math.min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** attempt);
  return ceiling / 2 + (ceiling / 2) * random();
}

function rateLimited(method: string, url: string, limit: RateLimitHeaders, waited: number): DatadogRateLimitedError {
  const which = `rate limit "${limit.name ?? 'unnamed'}"${limit.limit && limit.period ? ` (${limit.limit} requests per ${limit.period} s)` : ''}`;
  const reset = limit.resetSeconds === undefined ? 'no reset time given' : `it resets in ${limit.resetSeconds} s`;
  return new DatadogRateLimitedError(
    `${method} ${url}: ${which} still exhausted after waiting ${Math.round(waited * 10) / 10} s in this invocation; ${reset}`,
  );
}

/**
 * A `fetch` for the client's `fetch` option: Node's own, with the whole exchange (connection, headers and body)
 * bounded in time, and 429 answers waited out and retried. The body is read here, so a server that stops halfway is
 * caught by the same bound.
 *
 * @param timeoutSeconds - the bound per request (each attempt), seconds (fractions allowed).
 * @param rateLimit - the bound on waiting for rate limits, and how to wait (see {@link RateLimitOptions}).
 * @throws DatadogUnreachableError when the connection fails or the bound passes; the caller's own abort passes on.
 * @throws DatadogRateLimitedError when a 429 would need more waiting than `maxWaitSeconds` leaves, or follows
 *   {@link MAX_RATE_LIMIT_RETRIES} retries of the same request.
 *
 * @example
 * ```ts
 * const configuration = createConfiguration({ authMethods, fetch: boundedFetch(10) });
 * ```
 */
export function boundedFetch(timeoutSeconds: number = DEFAULT_DATADOG_TIMEOUT_SECONDS, rateLimit: RateLimitOptions = {}): typeof fetch {
  const exchange = exchangeWithin(timeoutSeconds);
  const maxWaitSeconds = rateLimit.maxWaitSeconds ?? MAX_RATE_LIMIT_WAIT_SECONDS;
  const waitFor = rateLimit.wait ?? hostWait;
  const random = rateLimit.random ?? Math.random;
  let waited = 0;
  return async (input, init) => {
    for (let attempt = 0; ; attempt += 1) {
      const response = await exchange(input, init);
      if (response.status !== 429) return response;
      const limit = rateLimitOf(response.headers);
      const delay = delaySeconds(limit, attempt, random);
      if (attempt >= MAX_RATE_LIMIT_RETRIES || waited + delay > maxWaitSeconds)
        throw rateLimited((init?.method ?? 'GET').toUpperCase(), shownUrl(input), limit, waited);
      waited += delay;
      await waitFor(Math.round(delay * 1000));
    }
  };
}

/** One exchange, bounded in time (see {@link boundedFetch}). */
function exchangeWithin(timeoutSeconds: number): typeof fetch {
  return async (input, init) => {
    const timeout = AbortSignal.timeout(Math.round(timeoutSeconds * 1000));
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const method = (init?.method ?? 'GET').toUpperCase();
    try {
      const response = await fetch(input, { ...init, signal });
      const body = NULL_BODY_STATUSES.has(response.status) ? null : await response.arrayBuffer();
      return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    } catch (error) {
      if (init?.signal?.aborted) throw error;
      const reason = timeout.aborted ? `timed out (no answer within ${timeoutSeconds} s)` : `connection failed (${networkReason(error)})`;
      throw new DatadogUnreachableError(method, shownUrl(input), reason, { cause: error });
    }
  };
}
