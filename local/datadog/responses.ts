/**
 * Error answers as Datadog sends them: JSON:API endpoints `{"errors":[{status,title,detail}]}`, the authentication
 * and rate-limit layers `{"errors":["…"]}`.
 */

/** Content type of Datadog's v2 JSON:API responses (every datadog-api-client cassette). */
export const JSON_API = 'application/vnd.api+json';
/** Content type of the authentication layer's answers and of the stand-in's routing errors. */
export const PLAIN_JSON = 'application/json';

/** An HTTP answer other than success, thrown by handlers and sent by the server. */
export class DatadogHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly contentType: string = JSON_API,
  ) {
    super(`HTTP ${status}`);
    this.name = 'DatadogHttpError';
  }
}

/** A JSON:API error answer. */
export function jsonApiError(status: number, title: string, detail?: string): DatadogHttpError {
  return new DatadogHttpError(status, { errors: [{ status: String(status), title, detail }] });
}

/** 400 for a request that breaks the API's schema or rules (Datadog's title for a bad path parameter). */
export const invalidParameter = (detail: string) => jsonApiError(400, 'Invalid Parameter', detail);

/** Datadog's error answers, by cassette of datadog-api-client-typescript unless said otherwise. */
export const DATADOG_ERRORS = {
  // "Delete-an-AWS-integration-returns-Bad-Request-response", verbatim.
  invalidConfigId: () => invalidParameter('invalid parameter "aws_account_config_id" in "path"; expected type "uuid"'),
  malformedBody: (detail: string) => jsonApiError(400, 'Bad Request', detail),
  // For an external ID Datadog did not issue, or whose 48 h expired: verbatim from terraform-provider-datadog issue #3133.
  invalidExternalId: () => jsonApiError(400, 'Bad Request', 'invalid External ID'),
  // "Create-an-AWS-integration-returns-Conflict-response".
  accountAlreadyExists: () => jsonApiError(409, 'Account already exists', 'AWS account with provided id already exists'),
  // "Get-an-AWS-integration-by-config-ID-returns-Not-Found-response".
  accountNotFound: () => jsonApiError(404, 'Account not found', 'AWS account with provided id is not integrated'),
  // A missing or wrong key (node-datadog-metrics issue #115, scribd/datadog_backup issue #153).
  forbidden: () =>
    new DatadogHttpError(
      403,
      {
        status: 'error',
        code: 403,
        errors: ['Forbidden'],
        statuspage: 'http://status.datadoghq.com',
        twitter: 'http://twitter.com/datadogops',
        email: 'support@datadoghq.com',
      },
      PLAIN_JSON,
    ),
  routeNotFound: (method: string, path: string) => new DatadogHttpError(404, { errors: [`no route for ${method} ${path}`] }, PLAIN_JSON),
  // Beyond a rate limit, as users of Datadog's clients report it; sent with the `x-ratelimit-*` headers.
  tooManyRequests: () => new DatadogHttpError(429, { errors: ['Too many requests'] }, PLAIN_JSON),
};
