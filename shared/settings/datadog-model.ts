/**
 * The settings seen through the Datadog client's own models (`@datadog/datadog-api-client` v2,
 * `AWSAccountCreateRequestAttributes` and its `ObjectSerializer`): the check that a document only holds what the
 * client can send, and the conversions between Datadog's JSON (the document's snake_case) and the client's objects.
 * Imports the client's serializer: for the functions that call Datadog, tests, the bundle check and local runs.
 */
import type { AWSAccountCreateRequestAttributes } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAccountCreateRequestAttributes';
import type { AWSAccountResponseAttributes } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAccountResponseAttributes';
import { ObjectSerializer } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/ObjectSerializer';
import { settingsError } from './document';
import { crossFieldBreach, mergeSettings } from './merge';
import type { AccountSettings, SettingsDocument } from './schema';

/** What the client reads into a model: the settings and the fields the application owns (placeholder values). */
function createAttributes(settings: AccountSettings): Record<string, unknown> {
  return {
    aws_account_id: '000000000000',
    aws_partition: 'aws',
    auth_config: { role_name: 'DatadogIntegrationRole', external_id: '00000000000000000000000000000000' },
    ...settings,
  };
}

/** The first place where the client could not read a value into its model: a one-of that matched no member, or an unknown field. */
function unreadPath(value: unknown, path: PropertyKey[]): { path: PropertyKey[]; problem: string } | undefined {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = unreadPath(item, [...path, index]);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const unread = { path, problem: 'the Datadog client cannot read this value into its model' };
  // The client wraps a one-of value no member matched in an UnparsedObject (`_data`), and flags its parents `_unparsed`.
  if (value.constructor.name === 'UnparsedObject') return unread;
  if (record.additionalProperties !== undefined) {
    const [key] = Object.keys(record.additionalProperties as object);
    return { path: [...path, key], problem: 'not a field of the Datadog client model' };
  }
  for (const [key, item] of Object.entries(record)) {
    if (key === '_unparsed') continue;
    const found = unreadPath(item, [...path, key]);
    if (found) return found;
  }
  return record._unparsed === true ? unread : undefined;
}

/** Client attribute names (camelCase) back to Datadog's (snake_case), for messages. */
function datadogPath(path: PropertyKey[]): PropertyKey[] {
  return path.map((key) => (typeof key === 'string' ? key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`) : key));
}

/**
 * Reads settings into the client's model, as `createAWSAccount` would send them.
 *
 * @param where - the settings' path in the document, for the message.
 * @throws InvalidInputError naming the path the client's model refuses.
 */
export function checkWithDatadogModels(settings: AccountSettings, where: PropertyKey[]): void {
  let model: unknown;
  try {
    model = ObjectSerializer.deserialize(createAttributes(settings), 'AWSAccountCreateRequestAttributes', '');
  } catch (error) {
    throw settingsError(where, `the Datadog client refuses it: ${(error as Error).message.slice(0, 200)}`);
  }
  const unread = unreadPath(model, []);
  if (unread) throw settingsError([...where, ...datadogPath(unread.path)], unread.problem);
}

/**
 * Checks a document beyond its schema: every layer, merged onto the defaults as an account under it would get it,
 * against Datadog's cross-field rules and the client's models. Placeholders are left in tags (the client takes any
 * string).
 *
 * @throws InvalidInputError naming the first wrong path.
 */
export function checkSettingsDocument(document: SettingsDocument): void {
  const defaults = document.defaults ?? {};
  const combinations: { where: string[]; settings: AccountSettings }[] = [{ where: ['defaults'], settings: defaults }];
  for (const [id, unit] of Object.entries(document.organizationalUnits ?? {})) {
    combinations.push({ where: ['organizationalUnits', id], settings: mergeSettings(defaults, unit) });
  }
  for (const [id, account] of Object.entries(document.accounts ?? {})) {
    // The account's OU is unknown here: its entry is checked on the defaults; a run checks its real merge.
    combinations.push({ where: ['accounts', id], settings: mergeSettings(defaults, account) });
  }
  for (const { where, settings } of combinations) {
    const breach = crossFieldBreach(settings);
    if (breach) throw settingsError([...where, ...breach.path], breach.problem);
    checkWithDatadogModels(settings, where);
  }
}

/** Settings as the client's create/update attributes (camelCase objects of its models). */
export function toClientAttributes(settings: AccountSettings): Partial<AWSAccountCreateRequestAttributes> {
  const model = ObjectSerializer.deserialize(createAttributes(settings), 'AWSAccountCreateRequestAttributes', '') as Record<
    string,
    unknown
  >;
  // The application's own fields were placeholders for the client's required ones: the caller sets the real ones.
  for (const owned of ['awsAccountId', 'awsPartition', 'authConfig']) delete model[owned];
  return model;
}

/** A registration's attributes as Datadog's JSON (snake_case), for `settingsDrift` (shared/settings/drift.ts). */
export function registrationSettings(attributes: AWSAccountResponseAttributes | undefined): Record<string, unknown> {
  if (attributes === undefined) return {};
  return ObjectSerializer.serialize(attributes, 'AWSAccountResponseAttributes', '') as Record<string, unknown>;
}
