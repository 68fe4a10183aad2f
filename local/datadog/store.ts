/**
 * The in-memory registrations and external IDs of the local Datadog stand-in, with Datadog's rules for them.
 * Node runs one handler at a time, so every method below is atomic.
 */
import { randomUUID } from 'node:crypto';
import { withDefaults, type OptionalSections } from './defaults';
import { accountAlreadyExists, accountNotFound, invalidExternalId, invalidParameter } from './responses';
import { checkRegistration } from './rules';
import type { DatadogSite } from '../../shared/datadog-sites';
import type { Partition } from '../../shared/partitions';
import type { DatadogAccountAttributes, DatadogAccountRecord } from './types';

/**
 * A pre-generated external ID stays valid this long if unused: terraform-provider-datadog PR #2880 ("must be used to
 * create an AWS account integration within 48 hours of creation or it will expire"), Datadog documentation PR #15715.
 */
export const EXTERNAL_ID_LIFETIME_MS = 48 * 60 * 60 * 1000;

/** `auth_config` of a validated request body. */
export type RequestAuthConfig = { role_name: string; external_id?: string } | { access_key_id: string; secret_access_key?: string };

/** `data.attributes` of a validated create body (client model `AWSAccountCreateRequestAttributes`). */
export interface CreateAttributes extends OptionalSections {
  aws_account_id: string;
  aws_partition: Partition;
  auth_config: RequestAuthConfig;
}

/** `data.attributes` of a validated PATCH body (client model `AWSAccountUpdateRequestAttributes`). */
export interface UpdateAttributes extends OptionalSections {
  aws_account_id: string;
  aws_partition?: Partition;
  auth_config?: RequestAuthConfig;
}

interface StoredAccount {
  record: DatadogAccountRecord;
  /** Kept apart so that no copy of a record can carry it. */
  secretAccessKey?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OPTIONAL_SECTIONS = ['account_tags', 'aws_regions', 'metrics_config', 'resources_config', 'logs_config', 'traces_config'] as const;

/** Whether a string has the shape of Datadog's `aws_account_config_id`. */
export function isConfigId(value: string): boolean {
  return UUID.test(value);
}

/** 32 lowercase hex characters, the shape of the external IDs Datadog issues (a UUID v4 without dashes). */
function newExternalIdValue(): string {
  return randomUUID().replaceAll('-', '');
}

function isRole(auth: RequestAuthConfig | DatadogAccountAttributes['auth_config']): auth is { role_name: string; external_id?: string } {
  return 'role_name' in auth;
}

function pickSections(attributes: OptionalSections): OptionalSections {
  const picked: Record<string, unknown> = {};
  for (const key of OPTIONAL_SECTIONS) if (attributes[key] !== undefined) picked[key] = attributes[key];
  return picked;
}

/** Registrations and external IDs, with Datadog's rules. */
export class AccountStore {
  private readonly accounts = new Map<string, StoredAccount>();
  /** Pre-generated, not yet used external IDs → generation time (ms). */
  private readonly pendingExternalIds = new Map<string, number>();

  /**
   * @param site - The Datadog site impersonated (decides where role delegation is allowed).
   * @param now - Clock in ms since the epoch.
   * @param initial - Registrations to start with, as GET returns them.
   * @throws TypeError when an initial record has no UUID id, a wrong type, or repeats an id or AWS account id.
   */
  constructor(
    private readonly site: DatadogSite,
    private readonly now: () => number,
    initial: readonly DatadogAccountRecord[] = [],
  ) {
    for (const record of initial) {
      if (!isConfigId(record.id)) throw new TypeError(`initial account id "${record.id}" is not a UUID`);
      if (record.type !== 'account') throw new TypeError(`initial account ${record.id} has type "${String(record.type)}", not "account"`);
      if (this.accounts.has(record.id) || this.findByAwsAccountId(record.attributes.aws_account_id) !== undefined) {
        throw new TypeError(`initial account ${record.id} repeats an id or AWS account id`);
      }
      this.accounts.set(record.id, { record: structuredClone(record) });
    }
  }

  /**
   * Lists registrations, oldest first.
   * @param awsAccountId - Only the registration of this AWS account, when given.
   * @returns Deep copies, without secrets.
   */
  list(awsAccountId?: string): DatadogAccountRecord[] {
    return [...this.accounts.values()]
      .filter((stored) => awsAccountId === undefined || stored.record.attributes.aws_account_id === awsAccountId)
      .map((stored) => structuredClone(stored.record));
  }

  /**
   * Registers an account, as `POST /api/v2/integration/aws/accounts` does.
   *
   * @param attributes - Validated `data.attributes` of the request.
   * @returns The new registration (external ID generated for role auth without one).
   * @throws DatadogHttpError 400 when a rule of {@link checkRegistration} fails, or access keys come without
   *   `secret_access_key`, or the external ID was not issued by this server / expired / already used;
   *   409 "Account already exists" when the AWS account is registered.
   */
  create(attributes: CreateAttributes): DatadogAccountRecord {
    const auth = attributes.auth_config;
    this.check(attributes.aws_account_id, attributes.aws_partition, auth);
    if (!isRole(auth) && auth.secret_access_key === undefined) {
      throw invalidParameter('missing required field "data.attributes.auth_config.secret_access_key"');
    }
    if (this.findByAwsAccountId(attributes.aws_account_id) !== undefined) throw accountAlreadyExists();
    // Last step that can fail: claiming consumes a pre-generated external ID.
    const resolved = this.resolveAuth(auth, undefined);
    const timestamp = new Date(this.now()).toISOString();
    const record: DatadogAccountRecord = {
      id: randomUUID(),
      type: 'account',
      attributes: {
        aws_account_id: attributes.aws_account_id,
        aws_partition: attributes.aws_partition,
        auth_config: resolved.auth,
        ...withDefaults(pickSections(attributes)),
        created_at: timestamp,
        modified_at: timestamp,
      },
    };
    this.accounts.set(record.id, { record, secretAccessKey: resolved.secret });
    return structuredClone(record);
  }

  /**
   * Updates a registration, as `PATCH /api/v2/integration/aws/accounts/{id}` does: each given attribute replaces the
   * stored one (sections completed with Datadog's defaults, `auth_config` replaced as a whole).
   * Role auth without `external_id` keeps the account's current one, so a PATCH never silently breaks the trust policy.
   *
   * @param id - The `aws_account_config_id`.
   * @param attributes - Validated `data.attributes` of the request.
   * @returns The updated registration.
   * @throws DatadogHttpError 404 "Account not found"; 400 when `aws_account_id` differs from the stored one, when a
   *   rule fails on the merged registration, when new access keys come without a secret, or for an invalid external ID.
   */
  update(id: string, attributes: UpdateAttributes): DatadogAccountRecord {
    const stored = this.mustFind(id);
    const current = stored.record.attributes;
    if (attributes.aws_account_id !== current.aws_account_id) {
      throw invalidParameter(
        `field "data.attributes.aws_account_id" must match the registration's AWS account (${current.aws_account_id}); delete and create to move it`,
      );
    }
    const partition = attributes.aws_partition ?? current.aws_partition;
    const auth: RequestAuthConfig = attributes.auth_config ?? current.auth_config;
    this.check(current.aws_account_id, partition, auth);
    let keptSecret: string | undefined;
    if (!isRole(auth) && auth.secret_access_key === undefined) {
      const sameKey = !isRole(current.auth_config) && current.auth_config.access_key_id === auth.access_key_id;
      if (!sameKey) throw invalidParameter('missing required field "data.attributes.auth_config.secret_access_key"');
      keptSecret = stored.secretAccessKey;
    }
    const currentExternalId = isRole(current.auth_config) ? current.auth_config.external_id : undefined;
    // Last step that can fail: claiming consumes a pre-generated external ID.
    const resolved = this.resolveAuth(auth, currentExternalId);
    // Given sections are replaced (and completed with defaults); the others stay exactly as stored.
    const replaced = withDefaults(pickSections(attributes));
    const sections: Record<string, unknown> = {};
    for (const key of OPTIONAL_SECTIONS) {
      if (attributes[key] !== undefined) sections[key] = replaced[key];
    }
    stored.record = {
      ...stored.record,
      attributes: {
        ...current,
        ...sections,
        aws_partition: partition,
        auth_config: resolved.auth,
        modified_at: new Date(this.now()).toISOString(),
      },
    };
    stored.secretAccessKey = resolved.secret ?? keptSecret;
    return structuredClone(stored.record);
  }

  /**
   * Issues a new external ID, as `POST /api/v2/integration/aws/generate_new_external_id` does. It stays valid for
   * {@link EXTERNAL_ID_LIFETIME_MS} and is consumed by the first create or PATCH that uses it.
   * @returns 32 lowercase hex characters.
   */
  /**
   * Deletes a registration (DeleteAWSAccount).
   *
   * @throws 404 (Datadog's "AWS account not found") when it does not exist.
   */
  remove(id: string): void {
    this.mustFind(id);
    this.accounts.delete(id);
  }

  newExternalId(): string {
    const externalId = newExternalIdValue();
    this.pendingExternalIds.set(externalId, this.now());
    return externalId;
  }

  private check(awsAccountId: string, partition: Partition, auth: RequestAuthConfig): void {
    const problem = checkRegistration(
      {
        aws_account_id: awsAccountId,
        aws_partition: partition,
        auth_kind: isRole(auth) ? 'role' : 'keys',
        role_name: isRole(auth) ? auth.role_name : undefined,
      },
      this.site,
    );
    if (problem !== undefined) throw invalidParameter(problem);
  }

  /** Builds the stored `auth_config`; for role auth, claims or generates the external ID. */
  private resolveAuth(
    auth: RequestAuthConfig,
    currentExternalId: string | undefined,
  ): { auth: DatadogAccountAttributes['auth_config']; secret?: string } {
    if (!isRole(auth)) return { auth: { access_key_id: auth.access_key_id }, secret: auth.secret_access_key };
    let externalId: string;
    if (auth.external_id === undefined) externalId = currentExternalId ?? newExternalIdValue();
    else if (auth.external_id === currentExternalId) externalId = auth.external_id;
    else externalId = this.claimExternalId(auth.external_id);
    return { auth: { role_name: auth.role_name, external_id: externalId } };
  }

  private claimExternalId(externalId: string): string {
    const generatedAt = this.pendingExternalIds.get(externalId);
    if (generatedAt === undefined) throw invalidExternalId();
    if (this.now() - generatedAt >= EXTERNAL_ID_LIFETIME_MS) {
      this.pendingExternalIds.delete(externalId);
      throw invalidExternalId();
    }
    this.pendingExternalIds.delete(externalId);
    return externalId;
  }

  private findByAwsAccountId(awsAccountId: string): StoredAccount | undefined {
    return [...this.accounts.values()].find((stored) => stored.record.attributes.aws_account_id === awsAccountId);
  }

  private mustFind(id: string): StoredAccount {
    const stored = this.accounts.get(id);
    if (stored === undefined) throw accountNotFound();
    return stored;
  }
}
