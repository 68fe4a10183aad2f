/**
 * Error bodies as Datadog sends them. JSON:API endpoints answer `{"errors":[{status,title,detail}]}`; the
 * authentication layer answers `{"errors":["Forbidden"], …}`. Each factory names its source.
 */

/** Content type of Datadog's v2 JSON:API responses (recorded in every datadog-api-client cassette). */
export const JSON_API = 'application/vnd.api+json';
/** Content type of the authentication layer's answers and of this stand-in's own routing errors. */
export const PLAIN_JSON = 'application/json';

/** An HTTP answer other than success, thrown by handlers and sent by the server. */
export class DatadogHttpError extends Error {
  /**
   * @param status - HTTP status code.
   * @param body - JSON body to send.
   * @param contentType - Response content type; default {@link JSON_API}.
   */
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly contentType: string = JSON_API,
  ) {
    super(`HTTP ${status}`);
    this.name = 'DatadogHttpError';
  }
}

function jsonApiError(status: number, title: string, detail: string): DatadogHttpError {
  return new DatadogHttpError(status, { errors: [{ status: String(status), title, detail }] });
}

/**
 * 400 for a request that breaks the API's schema or rules. Title as Datadog records it for a bad path parameter
 * (cassette "Delete-an-AWS-integration-returns-Bad-Request-response": "Invalid Parameter").
 */
export function invalidParameter(detail: string): DatadogHttpError {
  return jsonApiError(400, 'Invalid Parameter', detail);
}

/** 400 for a config id that is not a UUID; detail verbatim from the same Datadog cassette. */
export function invalidConfigId(): DatadogHttpError {
  return invalidParameter('invalid parameter "aws_account_config_id" in "path"; expected type "uuid"');
}

/** 400 for a body that is not JSON. */
export function malformedBody(detail: string): DatadogHttpError {
  return jsonApiError(400, 'Bad Request', detail);
}

/**
 * 400 for an external ID Datadog did not issue, or whose 48 h expired. Body verbatim from
 * terraform-provider-datadog issue #3133: `{"status":"400","title":"Bad Request","detail":"invalid External ID"}`.
 */
export function invalidExternalId(): DatadogHttpError {
  return jsonApiError(400, 'Bad Request', 'invalid External ID');
}

/** 409 on a second create for the same AWS account (cassette "Create-an-AWS-integration-returns-Conflict-response"). */
export function accountAlreadyExists(): DatadogHttpError {
  return jsonApiError(409, 'Account already exists', 'AWS account with provided id already exists');
}

/** 404 for an unknown config id (cassette "Get-an-AWS-integration-by-config-ID-returns-Not-Found-response"). */
export function accountNotFound(): DatadogHttpError {
  return jsonApiError(404, 'Account not found', 'AWS account with provided id is not integrated');
}

/**
 * 403 for a missing or wrong API or application key. Body as Datadog's API answers it (seen through the client in
 * node-datadog-metrics issue #115 and raw in scribd/datadog_backup issue #153).
 */
export function forbidden(): DatadogHttpError {
  return new DatadogHttpError(
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
  );
}

/** 404 for a path or method the stand-in does not serve. */
export function routeNotFound(method: string, path: string): DatadogHttpError {
  return new DatadogHttpError(404, { errors: [`no route for ${method} ${path}`] }, PLAIN_JSON);
}

/**
 * 429 beyond a rate limit. Body as Datadog's API answers it (`{"errors": ["Too many requests"]}`, its rate-limit
 * answers as reported by users of its API clients); the `x-ratelimit-*` headers come with it (rate-limit.ts).
 */
export function tooManyRequests(): DatadogHttpError {
  return new DatadogHttpError(429, { errors: ['Too many requests'] }, PLAIN_JSON);
}
