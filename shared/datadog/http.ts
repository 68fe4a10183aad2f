/**
 * The HTTP transport of the Datadog client, with a bound on each request.
 *
 * The client's own transport waits for an answer as long as the connection stays open: an endpoint that accepts
 * connections and never answers would hold the function until Lambda kills it, and the state machine would see a
 * time-out instead of the cause. Here each request, body included, must finish within a bound well below the
 * functions' time-outs (60 s and more in template.yaml), and a request that gets no answer fails with an error naming
 * the URL and why.
 */

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
 * A `fetch` for the client's `fetch` option: Node's own, with the whole exchange (connection, headers and body)
 * bounded in time. The body is read here, so a server that stops halfway is caught by the same bound.
 *
 * @param timeoutSeconds - the bound per request, seconds (fractions allowed).
 * @throws DatadogUnreachableError when the connection fails or the bound passes; the caller's own abort passes on.
 */
export function boundedFetch(timeoutSeconds: number = DEFAULT_DATADOG_TIMEOUT_SECONDS): typeof fetch {
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
