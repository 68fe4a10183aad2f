/**
 * The local Datadog's registrations and external IDs, with Datadog's rules for them. Node runs one handler at a
 * time, so every method is atomic. Field names are the API's own (the client models' `baseName`s).
 */
import { randomUUID } from 'node:crypto';
import { DATADOG_ERRORS, invalidParameter } from './responses';
import type { DatadogSite } from '../../shared/datadog-sites';
import type { Partition } from '../../shared/partitions';
import type { AccountSettings } from '../../shared/settings/schema';

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
export function isConfigId(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

// The shape of Datadog's external IDs: a UUID v4 without dashes.
const newExternalIdValue = () => randomUUID().replaceAll('-', '');

function isRole(auth: RequestAuthConfig | AuthConfig): auth is { role_name: string; external_id?: string } {
  return 'role_name' in auth;
}

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

  /**
   * CreateAWSAccount; generates an external ID for role auth without one.
   * @throws DatadogHttpError 400 for a broken rule or an invalid external ID; 409 when the AWS account is registered.
   */
  create(attributes: CreateAttributes): DatadogAccountRecord {
    return this.write(attributes, attributes.aws_partition, attributes.auth_config, undefined);
  }

  /**
   * UpdateAWSAccount: given attributes replace the stored ones; role auth without `external_id` keeps the current one.
   * @throws DatadogHttpError 404 "Account not found"; 400 for another `aws_account_id`, a broken rule or external ID.
   */
  update(id: string, attributes: UpdateAttributes): DatadogAccountRecord {
    const current = this.find(id);
    const { aws_account_id: accountId, aws_partition: partition, auth_config: auth } = current.attributes;
    if (attributes.aws_account_id !== accountId) {
      throw invalidParameter(
        `field "data.attributes.aws_account_id" must match the registration's AWS account (${accountId}); delete and create to move it`,
      );
    }
    return this.write(attributes, attributes.aws_partition ?? partition, attributes.auth_config ?? auth, current);
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

  private write(
    attributes: UpdateAttributes,
    partition: Partition,
    auth: RequestAuthConfig,
    current?: DatadogAccountRecord,
  ): DatadogAccountRecord {
    const accountId = attributes.aws_account_id;
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
