/**
 * Types shared by the local Datadog AWS-integration API stand-in.
 *
 * Field names are the API's own (snake_case), as the Datadog API v2 sends and receives them
 * (`AWSAccountResponseAttributes.attributeTypeMap` in `@datadog/datadog-api-client`, `baseName` of each attribute).
 */
import type { DatadogSite } from '../../shared/datadog-sites';
import type { Partition } from '../../shared/partitions';
import type { RateLimit, RateLimitGroup } from './rate-limit';

/** Any JSON value, as parsed from a request body. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object, as parsed from a request body. */
export type JsonObject = { [key: string]: JsonValue };

/** Role delegation (client model `AWSAuthConfigRole`). */
export interface RoleAuthConfig {
  role_name: string;
  /** Always set in stored records and responses: Datadog generates it. */
  external_id?: string;
}

/**
 * Access keys (client model `AWSAuthConfigKeys`). `secret_access_key` is write-only: Datadog never returns it,
 * so neither records nor responses carry it.
 */
export interface KeysAuthConfig {
  access_key_id: string;
}

/** Attributes of one registration, as `GET /api/v2/integration/aws/accounts/{id}` returns them. */
export interface DatadogAccountAttributes {
  aws_account_id: string;
  aws_partition: Partition;
  auth_config: RoleAuthConfig | KeysAuthConfig;
  account_tags?: string[];
  aws_regions?: { include_all: boolean } | { include_only: string[] };
  metrics_config?: JsonObject;
  resources_config?: JsonObject;
  logs_config?: JsonObject;
  traces_config?: JsonObject;
  /** RFC 3339 timestamp. */
  created_at: string;
  /** RFC 3339 timestamp. */
  modified_at: string;
}

/**
 * One AWS account registration, in the shape of the client model `AWSAccountResponseData`.
 * `id` is Datadog's `awsAccountConfigId` (a UUID), not the AWS account id.
 */
export interface DatadogAccountRecord {
  id: string;
  type: 'account';
  attributes: DatadogAccountAttributes;
}

/** OpenAPI operation ids of the endpoints the stand-in serves, those the product calls (`operationId` in Datadog's v2 spec). */
export type DatadogOperation =
  | 'ListAWSAccounts'
  | 'CreateAWSAccount'
  | 'UpdateAWSAccount'
  | 'DeleteAWSAccount'
  | 'CreateNewAWSExternalID'
  | 'GetAWSIntegrationIAMPermissionsStandard'
  | 'GetAWSIntegrationIAMPermissionsResourceCollection'
  | 'CreateEvent';

/**
 * An event the stand-in accepted (`POST /api/v1/events`), in the API's field names, as Datadog's `EventCreateResponse`
 * returns it (`event`), with the id it was given.
 */
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

/**
 * One request the stand-in answered. Carries no header values and no body, so no API key, application key or
 * AWS secret can leak through it; query values whose name mentions a key are redacted.
 */
export interface RecordedRequest {
  method: string;
  /** URL path without the query string. */
  path: string;
  /** Query parameters (first value of each). */
  query: Record<string, string>;
  status: number;
  /** `'Unknown'` when no route matched. */
  operation: DatadogOperation | 'Unknown';
}

/** Options of {@link startLocalDatadog}. */
export interface LocalDatadogOptions {
  /** The only value accepted in the `DD-API-KEY` header. */
  apiKey: string;
  /** The only value accepted in the `DD-APPLICATION-KEY` header. */
  appKey: string;
  /** Port on 127.0.0.1; default 0 = a random free port. */
  port?: number;
  /** Initial registrations, in API field names (as returned by GET). Copied, never mutated. */
  accounts?: DatadogAccountRecord[];
  /** Datadog site the stand-in impersonates; decides which partitions accept role delegation. Default `datadoghq.com`. */
  site?: DatadogSite;
  /** Clock in milliseconds since the epoch; default `Date.now`. Drives timestamps and external-ID expiry. */
  now?: () => number;
  /** Fault injection around each answered operation (see {@link DatadogFaultHooks}). */
  faults?: DatadogFaultHooks;
  /** Requests per fixed window of every endpoint group; default `DEFAULT_DATADOG_RATE_LIMIT` (60 per 10 s). Windows run on `now`. */
  rateLimit?: RateLimit;
  /** Limits of particular groups, over `rateLimit`. */
  rateLimitByGroup?: Partial<Record<RateLimitGroup, RateLimit>>;
}

/**
 * Fault injection: `before` may return an HTTP status to answer instead of serving the operation (nothing changes);
 * `after` runs once the operation succeeded. Injected 429 and 5xx answers carry `x-ratelimit-reset: 0`, which the
 * client honours, so its retries do not sleep. Rate limits are checked before `before` (a throttled request is not
 * offered to it).
 */
export interface DatadogFaultHooks {
  before?(operation: DatadogOperation): number | undefined;
  after?(operation: DatadogOperation): void;
}

/** A running stand-in, returned by {@link startLocalDatadog}. */
export interface LocalDatadogServer {
  /** Base URL, `http://127.0.0.1:PORT`, to hand to `new BaseServerConfiguration(url, {})`. */
  url: string;
  /** Current registrations (deep copies, API field names, no secrets). */
  accounts(): DatadogAccountRecord[];
  /** Requests answered so far, oldest first (copies). */
  requests(): RecordedRequest[];
  /** Events accepted so far, oldest first (copies). */
  events(): DatadogEventRecord[];
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}
