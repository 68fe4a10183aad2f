/**
 * The local Datadog's registrations and external IDs, with Datadog's rules and error answers. Node runs one handler at
 * a time, so every method is atomic. Field names are the API's own (the client models' `baseName`s).
 */
import { randomUUID } from 'node:crypto';
import type { DatadogSite } from '../../shared/datadog-sites';
import type { Partition } from '../../shared/partitions';
import type { AccountSettings } from '../../shared/settings/schema';

/** Content type of Datadog's v2 JSON:API responses (every datadog-api-client cassette). */
export const JSON_API = 'application/vnd.api+json';
/** Content type of the authentication layer's answers and of the stand-in's routing errors. */
const PLAIN_JSON = 'application/json';

/** A failure answer, thrown by handlers: JSON:API `{"errors":[{status,title,detail}]}`, or the edge's `{"errors":["…"]}`. */
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

/** An error answer in Datadog's JSON:API shape (`{errors: [{status, title, detail}]}`), `status` an HTTP status. */
export const jsonApiError = (status: number, title: string, detail?: string) =>
  new DatadogHttpError(status, { errors: [{ status: String(status), title, detail }] });

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
  internal: () => new DatadogHttpError(500, { errors: ['Internal Server Error'] }, PLAIN_JSON),
};

/** Role delegation (Datadog generates the `external_id`) or access keys (`secret_access_key` is write-only). */
type AuthConfig = { role_name: string; external_id?: string } | { access_key_id: string };

/** One registration (client model `AWSAccountResponseData`); `id` is Datadog's config id (a UUID). */
export interface DatadogAccountRecord {
  id: string;
  type: 'account';
  attributes: AccountSettings & {
    aws_account_id: string;
    aws_partition: Partition;
    auth_config: AuthConfig;
    /** RFC 3339. */
    created_at: string;
    modified_at: string;
  };
}

/** Unused external IDs expire (terraform-provider-datadog PR #2880: "within 48 hours"; Datadog documentation PR #15715). */
const EXTERNAL_ID_LIFETIME_MS = 48 * 60 * 60 * 1000;
// `secret_access_key` is write-only: checked for, never stored (nothing reads it back from Datadog).
type RequestAuthConfig = { role_name: string; external_id?: string } | { access_key_id: string; secret_access_key?: string };

/** `data.attributes` of a validated create body (client model `AWSAccountCreateRequestAttributes`). */
export type CreateAttributes = AccountSettings & { aws_account_id: string; aws_partition: Partition; auth_config: RequestAuthConfig };

/** `data.attributes` of a validated PATCH body (client model `AWSAccountUpdateRequestAttributes`). */
export type UpdateAttributes = Omit<CreateAttributes, 'aws_partition' | 'auth_config'> & Partial<CreateAttributes>;

/**
 * Datadog's defaults for the optional sections: the client models' "Defaults to …" notes and, for the namespace filter
 * and X-Ray list, the cassette "Create-an-AWS-account-returns-AWS-Account-object-response" (datadog-api-client-typescript).
 */
const datadogDefaults = (): Required<AccountSettings> => ({
  account_tags: [],
  aws_regions: { include_all: true },
  metrics_config: {
    enabled: true,
    automute_enabled: true,
    collect_custom_metrics: false,
    collect_cloudwatch_alarms: false,
    tag_filters: [],
    namespace_filters: { exclude_only: ['AWS/SQS', 'AWS/ElasticMapReduce'] },
  },
  resources_config: { cloud_security_posture_management_collection: false, extended_collection: true },
  logs_config: { lambda_forwarder: { lambdas: [] } },
  traces_config: { xray_services: { include_only: [] } },
});
// Sections whose missing fields are filled one by one (a partial metrics_config keeps Datadog's other defaults).
const FIELD_FILLED = new Set(['metrics_config', 'resources_config', 'logs_config', 'traces_config']);

/** The sections given, copied and completed with Datadog's defaults. */
function givenSections(attributes: AccountSettings): AccountSettings {
  const defaults = datadogDefaults();
  const sections: Record<string, unknown> = {};
  for (const key of Object.keys(defaults) as (keyof AccountSettings)[]) {
    const value: unknown = structuredClone(attributes[key]);
    if (value !== undefined) sections[key] = FIELD_FILLED.has(key) ? { ...defaults[key], ...(value as object) } : value;
  }
  return sections;
}

// Only gov sites have a Datadog principal in aws-us-gov (`DdAccountIdBySite`, Datadog's cloudformation-template), aws-cn
// none: kept apart from the product's table so the product is checked against it.
const GOV_SITES = new Set<DatadogSite>(['ddog-gov.com', 'us2.ddog-gov.com']);
// Datadog's AWS manual-setup guide: access keys only for GovCloud and China.
const KEY_PARTITIONS = new Set<Partition>(['aws-us-gov', 'aws-cn']);
// AWS IAM API reference, CreateRole: RoleName is 1-64 characters of [\w+=,.@-]. Catches an ARN passed as a name.
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** Whether a string is a UUID, the shape of Datadog's `aws_account_config_id`. */
export const isConfigId = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

// The shape of Datadog's external IDs: a UUID v4 without dashes.
const newExternalIdValue = () => randomUUID().replaceAll('-', '');

const isRole = (auth: RequestAuthConfig | AuthConfig): auth is { role_name: string; external_id?: string } => 'role_name' in auth;

/** Registrations by AWS account id (one each, as Datadog allows), and pending external IDs. */
export class AccountStore {
  private readonly accounts = new Map<string, DatadogAccountRecord>();
  /** Unused external IDs → generation time (ms). */
  private readonly pendingExternalIds = new Map<string, number>();

  // Initial records come checked (the state file's schema, or a test's own).
  constructor(
    private readonly site: DatadogSite,
    private readonly now: () => number,
    initial: readonly DatadogAccountRecord[] = [],
  ) {
    for (const record of initial) this.accounts.set(record.attributes.aws_account_id, structuredClone(record));
  }

  /** Registrations (deep copies), only `awsAccountId`'s when given. */
  list(awsAccountId?: string): DatadogAccountRecord[] {
    const records = awsAccountId === undefined ? [...this.accounts.values()] : [this.accounts.get(awsAccountId)];
    return records.flatMap((record) => (record === undefined ? [] : [structuredClone(record)]));
  }

  /** DeleteAWSAccount. @throws DatadogHttpError 404 "Account not found". */
  remove(id: string): void {
    this.accounts.delete(this.find(id).attributes.aws_account_id);
  }

  /** CreateNewAWSExternalID: valid 48 h, consumed by the first create or PATCH that uses it. */
  newExternalId(): string {
    const externalId = newExternalIdValue();
    this.pendingExternalIds.set(externalId, this.now());
    return externalId;
  }

  /**
   * CreateAWSAccount (no `id`) or UpdateAWSAccount of `id`: given attributes replace the stored ones; role auth without
   * `external_id` keeps the current one, or gets a generated one.
   * @throws DatadogHttpError 400 for a broken rule, an invalid external ID or (update) another `aws_account_id`; 409 when
   * creating a registered account; 404 "Account not found" for an unknown `id`.
   */
  write(attributes: UpdateAttributes, id?: string): DatadogAccountRecord {
    const current = id === undefined ? undefined : this.find(id);
    const accountId = attributes.aws_account_id;
    if (current !== undefined && accountId !== current.attributes.aws_account_id) {
      throw invalidParameter(
        `field "data.attributes.aws_account_id" must match the registration's AWS account (${current.attributes.aws_account_id}); delete and create to move it`,
      );
    }
    // A create body has both (client model `AWSAccountCreateRequestAttributes`).
    const partition = (attributes.aws_partition ?? current?.attributes.aws_partition) as Partition;
    const auth = (attributes.auth_config ?? current?.attributes.auth_config) as RequestAuthConfig;
    const problem = this.ruleBreach(accountId, partition, auth, current?.attributes.auth_config);
    if (problem !== undefined) throw invalidParameter(problem);
    if (current === undefined && this.accounts.has(accountId)) throw DATADOG_ERRORS.accountAlreadyExists();
    const authConfig = this.resolveAuth(auth, current?.attributes.auth_config);
    const timestamp = new Date(this.now()).toISOString();
    const record: DatadogAccountRecord = {
      id: current?.id ?? randomUUID(),
      type: 'account',
      attributes: {
        // A new registration gets Datadog's defaults, in the order Datadog answers with.
        ...(current?.attributes ?? {
          aws_account_id: accountId,
          aws_partition: partition,
          auth_config: authConfig,
          ...datadogDefaults(),
          created_at: timestamp,
        }),
        ...givenSections(attributes),
        aws_partition: partition,
        auth_config: authConfig,
        modified_at: timestamp,
      },
    };
    this.accounts.set(accountId, record);
    return structuredClone(record);
  }

  /** Datadog's rules the client models cannot express (`held`: the current `auth_config`); the broken one, if any. */
  private ruleBreach(accountId: string, partition: Partition, auth: RequestAuthConfig, held?: AuthConfig): string | undefined {
    // An AWS account id is 12 digits (AWS Organizations API reference).
    if (!/^\d{12}$/.test(accountId)) return `field "data.attributes.aws_account_id" must be exactly 12 digits, got "${accountId}"`;
    if (!isRole(auth)) {
      if (!KEY_PARTITIONS.has(partition)) {
        return `field "data.attributes.auth_config": access keys are accepted only for partitions aws-us-gov and aws-cn, not "${partition}"`;
      }
      // New keys need their secret; the held ones may come without it.
      const heldKey = held !== undefined && !isRole(held) && held.access_key_id === auth.access_key_id;
      return auth.secret_access_key === undefined && !heldKey
        ? 'missing required field "data.attributes.auth_config.secret_access_key"'
        : undefined;
    }
    if (auth.role_name === '') return 'field "data.attributes.auth_config.role_name" must not be empty';
    if (!ROLE_NAME.test(auth.role_name)) {
      return 'field "data.attributes.auth_config.role_name" must be an IAM role name (1-64 of [A-Za-z0-9+=,.@_-]), not an ARN or path';
    }
    if (partition === 'aws' || (partition === 'aws-us-gov' && GOV_SITES.has(this.site))) return undefined;
    return `field "data.attributes.auth_config": role delegation is not available for partition "${partition}" on site ${this.site}; use access keys`;
  }

  /** The `auth_config` to store; claims or generates the external ID (the last step that can fail). */
  private resolveAuth(auth: RequestAuthConfig, held: AuthConfig | undefined): AuthConfig {
    if (!isRole(auth)) return { access_key_id: auth.access_key_id };
    const heldExternalId = held !== undefined && isRole(held) ? held.external_id : undefined;
    if (auth.external_id === undefined || auth.external_id === heldExternalId) {
      return { role_name: auth.role_name, external_id: heldExternalId ?? newExternalIdValue() };
    }
    const generatedAt = this.pendingExternalIds.get(auth.external_id);
    this.pendingExternalIds.delete(auth.external_id);
    if (generatedAt === undefined || this.now() - generatedAt >= EXTERNAL_ID_LIFETIME_MS) throw DATADOG_ERRORS.invalidExternalId();
    return { role_name: auth.role_name, external_id: auth.external_id };
  }

  private find(id: string): DatadogAccountRecord {
    const found = [...this.accounts.values()].find((record) => record.id === id);
    if (found === undefined) throw DATADOG_ERRORS.accountNotFound();
    return found;
  }
}
