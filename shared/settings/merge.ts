/**
 * The settings of one account: `defaults`, then the OUs from the root down to the account's parent (the nearest
 * wins), then the account's own entry, merged field by field (objects deeply, arrays replaced, Datadog's one-of
 * objects such as `aws_regions` replaced whole), then the placeholders of `account_tags` filled in.
 */
import type { Partition } from '../partitions';
import { settingsError } from './document';
import { PLACEHOLDERS, WHOLE_VALUE_PATHS, type AccountSettings, type Placeholder, type SettingsDocument } from './schema';

/** What the settings of an account depend on. */
export interface SettingsAccount {
  accountId: string;
  partition: Partition;
  /** The account's name in Organizations; needed only when a tag uses `{account_name}`. */
  accountName?: string;
  /**
   * The account's ancestors, nearest first, ending with the root (as `ancestorsOf` returns them), with the
   * nearest OU's name when known (needed only for `{ou_name}`). Empty for an account outside this organization.
   */
  ancestorIds: string[];
  /** Name of the nearest ancestor (`ancestorIds[0]`); Organizations calls the root `Root`. */
  parentName?: string;
}

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Merges `override` onto `base`: objects field by field, arrays and one-of objects replaced.
 */
export function mergeSettings(base: AccountSettings, override: AccountSettings): AccountSettings {
  return mergeValue(base, override, '') as AccountSettings;
}

function mergeValue(base: Json, override: Json, path: string): Json {
  if (!isObject(base) || !isObject(override) || WHOLE_VALUE_PATHS.has(path)) return structuredClone(override);
  const merged: Record<string, Json> = structuredClone(base);
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    const childPath = path === '' ? key : `${path}.${key}`;
    merged[key] = key in merged ? mergeValue(merged[key], value, childPath) : structuredClone(value);
  }
  return merged;
}

/** The layers that apply to an account, general first, each with its path in the document. */
export function layersFor(document: SettingsDocument, account: SettingsAccount): { path: string[]; settings: AccountSettings }[] {
  const layers: { path: string[]; settings: AccountSettings }[] = [];
  if (document.defaults) layers.push({ path: ['defaults'], settings: document.defaults });
  for (const id of [...account.ancestorIds].reverse()) {
    const unit = document.organizationalUnits?.[id];
    if (unit) layers.push({ path: ['organizationalUnits', id], settings: unit });
  }
  const own = document.accounts?.[account.accountId];
  if (own) layers.push({ path: ['accounts', account.accountId], settings: own });
  return layers;
}

/** The placeholders the document's tags use, so a caller fetches an account's name or OU only when needed. */
export function placeholdersUsed(document: SettingsDocument): Set<Placeholder> {
  const used = new Set<Placeholder>();
  const layers = [document.defaults, ...Object.values(document.organizationalUnits ?? {}), ...Object.values(document.accounts ?? {})];
  for (const layer of layers) {
    for (const tag of layer?.account_tags ?? []) {
      for (const name of PLACEHOLDERS) if (tag.includes(`{${name}}`)) used.add(name);
    }
  }
  return used;
}

/** True when some OU has settings: only then does an account's OU path matter. */
export function usesOrganizationalUnits(document: SettingsDocument): boolean {
  return Object.keys(document.organizationalUnits ?? {}).length > 0;
}

function placeholderValues(account: SettingsAccount): Record<Placeholder, string | undefined> {
  return {
    account_id: account.accountId,
    account_name: account.accountName,
    partition: account.partition,
    ou_id: account.ancestorIds[0],
    ou_name: account.parentName,
  };
}

/**
 * The merged settings of an account, placeholders filled in, and Datadog's rules that hold across fields checked.
 *
 * @returns Datadog account attributes (snake_case, as in the document); fields no layer sets are absent, so
 *   Datadog's own defaults apply to them. A tag whose placeholder has no value for the account (e.g. `{ou_name}` of
 *   an account outside this organization) is left out.
 * @throws InvalidInputError naming the breach of a cross-field rule, e.g. CSPM without extended collection.
 *
 * @example
 * ```ts
 * desiredSettingsFor(document, { accountId: '123456789012', partition: 'aws', accountName: 'payments-prod',
 *   ancestorIds: ['ou-ab12-11111111', 'r-ab12'], parentName: 'Production' });
 * // { account_tags: ['team:payments', 'ou:Production'], aws_regions: { include_all: true }, … }
 * ```
 */
export function desiredSettingsFor(document: SettingsDocument, account: SettingsAccount): AccountSettings {
  let merged: AccountSettings = {};
  for (const layer of layersFor(document, account)) merged = mergeSettings(merged, layer.settings);
  if (merged.account_tags) {
    const values = placeholderValues(account);
    // A tag whose placeholder has no value for this account (an account of another partition has no OU here) is left out.
    merged.account_tags = merged.account_tags.flatMap((tag) => {
      let complete = true;
      const filled = tag.replace(/\{([a-z_]+)\}/g, (_, name: Placeholder) => {
        const value = values[name];
        if (value === undefined || value === '') complete = false;
        return value ?? '';
      });
      return complete ? [filled] : [];
    });
  }
  const breach = crossFieldBreach(merged);
  if (breach) throw settingsError(breach.path, `${breach.problem} (merged settings of account ${account.accountId})`);
  return merged;
}

/**
 * Datadog's rules across fields (Datadog API v2, `AWSResourcesConfig`: CSPM collection "requires
 * `extended_collection` to be set to `true`"; extended collection defaults to `true` when unset).
 *
 * @returns the first breach, or `undefined`.
 */
export function crossFieldBreach(settings: AccountSettings): { path: string[]; problem: string } | undefined {
  const resources = settings.resources_config;
  if (resources?.cloud_security_posture_management_collection === true && resources.extended_collection === false) {
    return {
      path: ['resources_config', 'cloud_security_posture_management_collection'],
      problem: 'needs resources_config.extended_collection: true (Datadog)',
    };
  }
  return undefined;
}

/**
 * Whether Datadog collects resources for the account (extended collection, on by default in Datadog, or CSPM, which
 * needs it), so the role must hold the resource-collection permissions.
 */
export function collectsResources(settings: AccountSettings): boolean {
  const resources = settings.resources_config;
  return resources?.extended_collection !== false || resources.cloud_security_posture_management_collection === true;
}
