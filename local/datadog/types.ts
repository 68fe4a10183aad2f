/**
 * Public types of the local Datadog stand-in. Field names are the API's own (snake_case): the `baseName` of each
 * attribute of the client models (`AWSAccountResponseAttributes`, v1 `EventCreateRequest`).
 */
import type { DatadogSite } from '../../shared/datadog-sites';
import type { Partition } from '../../shared/partitions';
import type { AccountSettings } from '../../shared/settings/schema';
import type { RATE_LIMIT_GROUP_OF, RateLimit } from './rate-limit';

/** Attributes of one registration, as `GET /api/v2/integration/aws/accounts` returns them. */
export type DatadogAccountAttributes = AccountSettings & {
  aws_account_id: string;
  aws_partition: Partition;
  /** Role delegation (Datadog generates the `external_id`) or access keys (`secret_access_key` is write-only). */
  auth_config: { role_name: string; external_id?: string } | { access_key_id: string };
  /** RFC 3339 timestamps. */
  created_at: string;
  modified_at: string;
};

/** One registration (client model `AWSAccountResponseData`); `id` is Datadog's config id (a UUID), not the AWS account id. */
export interface DatadogAccountRecord {
  id: string;
  type: 'account';
  attributes: DatadogAccountAttributes;
}

/** OpenAPI operation ids of the endpoints the stand-in serves: those the product calls. */
export type DatadogOperation = keyof typeof RATE_LIMIT_GROUP_OF;

/** An accepted event (`POST /api/v1/events`), as Datadog's `EventCreateResponse.event` returns it, with its id. */
export interface DatadogEventRecord {
  id: number;
  title: string;
  text: string;
  tags: string[];
  alert_type?: string;
  priority?: string;
  aggregation_key?: string;
  source_type_name?: string;
  /** POSIX seconds: the body's `date_happened`, else the server's time of receipt. */
  date_happened: number;
}

/** One answered request: no header values, query or body, so no key or secret. */
export interface RecordedRequest {
  method: string;
  /** Without the query string. */
  path: string;
  status: number;
  operation: DatadogOperation | 'Unknown';
}

/** Options of {@link startLocalDatadog}. */
export interface LocalDatadogOptions {
  /** The only value accepted in the `DD-API-KEY` header. */
  apiKey: string;
  /** The only value accepted in the `DD-APPLICATION-KEY` header. */
  appKey: string;
  /** Initial registrations, as GET returns them. Copied, never mutated. */
  accounts?: DatadogAccountRecord[];
  /** Datadog site impersonated; decides which partitions accept role delegation. Default `datadoghq.com`. */
  site?: DatadogSite;
  /** Clock in milliseconds since the epoch; default `Date.now`. Drives timestamps, external-ID expiry and rate-limit windows. */
  now?: () => number;
  faults?: DatadogFaultHooks;
  /** Limit of every endpoint group; default `DEFAULT_DATADOG_RATE_LIMIT` (60 per 10 s). */
  rateLimit?: RateLimit;
}

/**
 * Fault injection, after the rate limit: `before` may return an HTTP status to answer instead of serving the operation
 * (nothing changes; a 429 or 5xx carries `x-ratelimit-reset: 0` so the client retries at once); `after` runs once it succeeded.
 */
export interface DatadogFaultHooks {
  before?(operation: DatadogOperation): number | undefined;
  after?(operation: DatadogOperation): void;
}

/** A running stand-in. Every accessor returns copies, oldest first, without secrets. */
export interface LocalDatadogServer {
  /** `http://127.0.0.1:PORT`, for `new BaseServerConfiguration(url, {})`. */
  url: string;
  accounts(): DatadogAccountRecord[];
  requests(): RecordedRequest[];
  events(): DatadogEventRecord[];
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}
