/**
 * The in-memory registrations and external IDs of the local Datadog stand-in, with Datadog's rules for them.
 * Node runs one handler at a time, so every method below is atomic.
 */
import { randomUUID } from 'node:crypto';
import { DATADOG_ERRORS, invalidParameter } from './responses';
import type { DatadogSite } from '../../shared/datadog-sites';
import type { Partition } from '../../shared/partitions';
import type { AccountSettings } from '../../shared/settings/schema';
import type { DatadogAccountAttributes, DatadogAccountRecord } from './types';

/**
 * A pre-generated external ID stays valid this long if unused: terraform-provider-datadog PR #2880 ("must be used to
 * create an AWS account integration within 48 hours of creation or it will expire"), Datadog documentation PR #15715.
 */
const EXTERNAL_ID_LIFETIME_MS = 48 * 60 * 60 * 1000;

type AuthConfig = DatadogAccountAttributes['auth_config'];
// `secret_access_key` is write-only: checked for, never stored (nothing reads it back from Datadog).
type RequestAuthConfig = { role_name: string; external_id?: string } | { access_key_id: string; secret_access_key?: string };

/** `data.attributes` of a validated create body (client model `AWSAccountCreateRequestAttributes`). */
export type CreateAttributes = AccountSettings & { aws_account_id: string; aws_partition: Partition; auth_config: RequestAuthConfig };

/** `data.attributes` of a validated PATCH body (client model `AWSAccountUpdateRequestAttributes`). */
export type UpdateAttributes = Omit<CreateAttributes, 'aws_partition' | 'auth_config'> & Partial<CreateAttributes>;

/**
 * What Datadog fills in for the optional sections, so a GET returns what the real API returns. Sources: the "Defaults
 * to …" notes of the client models (`AWSAccountCreateRequestAttributes`, `AWSMetricsConfig`, `AWSResourcesConfig`,
 * `AWSLambdaForwarderConfig`, `AWSTracesConfig`), and for the namespace filter and X-Ray list, Datadog's recorded
 * create response (datadog-api-client-typescript, cassette "Create-an-AWS-account-returns-AWS-Account-object-response").
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

/** The sections given in a request, copied and completed with Datadog's defaults. */
function givenSections(attributes: AccountSettings): AccountSettings {
  const defaults = datadogDefaults();
  const sections: Record<string, unknown> = {};
  for (const key of Object.keys(defaults) as (keyof AccountSettings)[]) {
    const value: unknown = structuredClone(attributes[key]);
    if (value !== undefined) sections[key] = FIELD_FILLED.has(key) ? { ...defaults[key], ...(value as object) } : value;
  }
  return sections;
}

// Only the gov sites have a Datadog principal in aws-us-gov (`DdAccountIdBySite` in Datadog's cloudformation-template);
// aws-cn has none on any site. Decided here, apart from the product's table, so the product is checked against it.
const GOV_SITES = new Set<DatadogSite>(['ddog-gov.com', 'us2.ddog-gov.com']);
// Datadog's AWS manual-setup guide: access keys only for GovCloud and China.
const KEY_PARTITIONS = new Set<Partition>(['aws-us-gov', 'aws-cn']);
// AWS IAM API reference, CreateRole: RoleName is 1-64 characters of [\w+=,.@-]. Catches an ARN passed as a name.
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** Whether a string has the shape of Datadog's `aws_account_config_id` (a UUID). */
export function isConfigId(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/** 32 lowercase hex characters, the shape of the external IDs Datadog issues (a UUID v4 without dashes). */
const newExternalIdValue = () => randomUUID().replaceAll('-', '');

function isRole(auth: RequestAuthConfig | AuthConfig): auth is { role_name: string; external_id?: string } {
  return 'role_name' in auth;
}

/** Registrations by AWS account id (one each, as Datadog allows), oldest first, and pending external IDs. */
export class AccountStore {
  private readonly accounts = new Map<string, DatadogAccountRecord>();
  /** Pre-generated, not yet used external IDs → generation time (ms). */
  private readonly pendingExternalIds = new Map<string, number>();

  /** @throws TypeError when an initial record has no UUID id, a wrong type, or repeats an id or AWS account id. */
  constructor(
    private readonly site: DatadogSite,
    private readonly now: () => number,
    initial: readonly DatadogAccountRecord[] = [],
  ) {
    const ids = new Set<string>();
    for (const record of initial) {
      const repeated = ids.has(record.id) || this.accounts.has(record.attributes.aws_account_id);
      if (!isConfigId(record.id) || record.type !== 'account' || repeated) {
        throw new TypeError(`initial account ${record.id}: needs a UUID id, type "account", and an id and AWS account id of its own`);
      }
      ids.add(record.id);
      this.accounts.set(record.attributes.aws_account_id, structuredClone(record));
    }
  }

  /** Registrations (deep copies), only that of `awsAccountId` when given. */
  list(awsAccountId?: string): DatadogAccountRecord[] {
    const records = awsAccountId === undefined ? [...this.accounts.values()] : [this.accounts.get(awsAccountId)];
    return records.flatMap((record) => (record === undefined ? [] : [structuredClone(record)]));
  }

  /**
   * Registers an account (CreateAWSAccount), generating an external ID for role auth without one.
   *
   * @throws DatadogHttpError 400 for a broken rule, access keys without `secret_access_key`, or an external ID not
   *   issued by this server, expired or already used; 409 "Account already exists" when the AWS account is registered.
   */
  create(attributes: CreateAttributes): DatadogAccountRecord {
    return this.write(attributes, attributes.aws_partition, attributes.auth_config, undefined);
  }

  /**
   * Updates a registration (UpdateAWSAccount): each given attribute replaces the stored one (sections completed with
   * Datadog's defaults). Role auth without `external_id` keeps the current one, so a PATCH never breaks the trust policy.
   *
   * @throws DatadogHttpError 404 "Account not found"; 400 when `aws_account_id` differs from the stored one, a rule
   *   fails on the merged registration, new access keys come without a secret, or for an invalid external ID.
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

  /** Deletes a registration (DeleteAWSAccount); 404 "Account not found" when there is none. */
  remove(id: string): void {
    this.accounts.delete(this.find(id).attributes.aws_account_id);
  }

  /** Issues an external ID (CreateNewAWSExternalID), valid for 48 h and consumed by the first create or PATCH that uses it. */
  newExternalId(): string {
    const externalId = newExternalIdValue();
    this.pendingExternalIds.set(externalId, this.now());
    return externalId;
  }

  /** Checks and stores a registration: a new one, or `current` with the given attributes replaced. */
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

  /**
   * Datadog's rules the client models cannot express, on the registration as it would be stored (`held`: the current
   * `auth_config` on update); a sentence naming the field path under `data.attributes`, if broken.
   */
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

  /** The `auth_config` to store; for role auth, claims or generates the external ID (the last step that can fail). */
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

  /** @throws DatadogHttpError 404 "Account not found". */
  private find(id: string): DatadogAccountRecord {
    const found = [...this.accounts.values()].find((record) => record.id === id);
    if (found === undefined) throw DATADOG_ERRORS.accountNotFound();
    return found;
  }
}
