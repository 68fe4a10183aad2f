/**
 * Turning Datadog API failures into this project's errors.
 *
 * The client raises `ApiException{code, body}` with the parsed JSON body, e.g.
 * `{"errors":[{"status":"409","title":"Account already exists"}]}` (recorded in the team brief).
 */
import { ApiException } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-common/exception';
import { DatadogRateLimitedError, DatadogRequestError, OnboardingError, TransientError, type ErrorContext } from '../errors';
import { DatadogUnreachableError } from './http';

/** HTTP status of a Datadog `ApiException`, or `undefined` for other errors. */
export function datadogStatus(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** First error title/detail of a Datadog error body, for messages. The body never holds the keys. */
function describeBody(body: unknown): string {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return 'no detail';
  const first = errors[0] as unknown;
  if (typeof first === 'string') return first.slice(0, 300);
  const { title, detail } = first as { title?: string; detail?: string };
  return [title, detail].filter(Boolean).join(': ').slice(0, 300) || 'no detail';
}

/** Connection failures and time-outs of the client's fetch (node-fetch `FetchError`, system error codes). */
function isNetworkFailure(error: unknown): boolean {
  const failure = error as { name?: string; code?: string; type?: string };
  return (
    failure?.name === 'FetchError' ||
    failure?.name === 'AbortError' ||
    failure?.type === 'request-timeout' ||
    /^E[A-Z]+$/.test(failure?.code ?? '')
  );
}

const REMEDIES: Record<number, string> = {
  400: 'The request was refused as invalid; check the account settings parameters',
  401: 'Check the API key in the Datadog keys secret and the DatadogSite parameter',
  403: 'Check the API and application keys in the Datadog keys secret, the DatadogSite parameter, and that the application key may manage integrations',
  404: 'The registration was removed in Datadog meanwhile; replay the account',
};

/**
 * Wraps a failure of a Datadog call: a rate limit the function could not wait out stays
 * {@link DatadogRateLimitedError} (with the account and step), 429, 5xx, time-outs and network failures become {@link TransientError}
 * (retried by the state machine after the client's own retries; a time-out or an unreachable endpoint names the URL
 * and the cause), other statuses {@link DatadogRequestError}.
 *
 * @param operation - the client method, e.g. `createAWSAccount`, for the message.
 */
export function datadogFailure(error: unknown, operation: string, context: ErrorContext): Error {
  const status = datadogStatus(error);
  if (status === undefined) {
    if (error instanceof DatadogRateLimitedError) {
      return new DatadogRateLimitedError(`Datadog ${operation}: ${error.message}`, {
        remedy:
          'The state machine retries it later; if it persists, run fewer onboardings at a time or ask Datadog support for a higher limit',
        ...context,
        cause: error,
      });
    }
    if (error instanceof DatadogUnreachableError) {
      return new TransientError(`Datadog ${operation} got no answer: ${error.message}`, {
        remedy: 'Check that the functions reach Datadog (DatadogSite parameter, network egress); replay the account if it persists',
        ...context,
        cause: error,
      });
    }
    if (isNetworkFailure(error)) {
      return new TransientError(`Datadog ${operation} failed: ${(error as Error).name ?? 'error'}`, { ...context, cause: error });
    }
    // No status, and not the network: the client could not build the request or read the answer (e.g. not the API's JSON).
    return new OnboardingError(
      `Datadog ${operation} failed without an HTTP status (the client could not send the request or read the answer): ${(error as Error).name}: ${String((error as Error).message).slice(0, 200)}`,
      {
        ...context,
        remedy: 'Check that DatadogSite (or --datadog-url) names a Datadog API endpoint; replay the account if it persists',
        cause: error,
      },
    );
  }
  const body = describeBody((error as ApiException<unknown>).body);
  if (status === 429 || status >= 500) {
    return new TransientError(`Datadog ${operation} answered ${status} (${body})`, context);
  }
  return new DatadogRequestError(status, `Datadog ${operation} answered ${status} (${body})`, {
    remedy: REMEDIES[status],
    ...context,
  });
}
