/**
 * Telling transient AWS failures (retry later) from the rest (fail now).
 */

/**
 * Error names AWS uses for throttling and brief unavailability, beyond what the SDK marks `$retryable`
 * (AWS SDK for JavaScript v3, `@smithy/service-error-classification`; IAM, STS, Organizations, Secrets Manager and
 * DynamoDB API references, "Common Errors").
 */
const TRANSIENT_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  // DynamoDB (API reference, "Common Errors" and UpdateItem): throttled, even on demand, and a busy item.
  'ProvisionedThroughputExceededException',
  'TransactionConflictException',
  'ServiceFailure',
  'ServiceFailureException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServiceError',
  'InternalServiceErrorException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ConcurrentModification',
  'ConcurrentModificationException',
  'IDPCommunicationError',
  // Node's network errors (their `code`), as the SDK's own retry strategy counts them transient
  // (`@smithy/service-error-classification`: NODEJS_TIMEOUT_ERROR_CODES, NODEJS_NETWORK_ERROR_CODES).
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * True when an error from an AWS SDK v3 call is worth retrying: throttling, a server-side fault, a time-out, a
 * dropped or refused connection, or an endpoint that DNS or the network could not reach.
 *
 * @param error - anything thrown by `client.send(...)`.
 */
export function isTransientAwsError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const sdk = error as Error & { $retryable?: unknown; $fault?: string; code?: string };
  return (
    sdk.$retryable !== undefined ||
    sdk.$fault === 'server' ||
    TRANSIENT_NAMES.has(sdk.name) ||
    (sdk.code !== undefined && TRANSIENT_NAMES.has(sdk.code))
  );
}

/** True when AWS refused the call for lack of permission (`AccessDenied` in IAM/STS, `AccessDeniedException` elsewhere). */
export function isAccessDenied(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AccessDenied' || error.name === 'AccessDeniedException');
}
