/**
 * Drift between what Datadog holds for an account and what the settings document says, and the PATCH that
 * converges it. Pure: the registration's attributes come in as Datadog's JSON (snake_case; see
 * `registrationSettings` in shared/datadog/registration.ts), so reconciliation can call it without the client.
 */
import { WHOLE_VALUE_PATHS, type AccountSettings } from './schema';
import { cut } from '../text';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value with every array sorted: Datadog's lists (tags, regions, namespaces, ARNs) are sets. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, item]) => item !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, item]) => [key, canonical(item)]),
    );
  }
  return value;
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function collect(current: unknown, desired: unknown, path: string, found: string[]): void {
  if (isObject(desired) && !WHOLE_VALUE_PATHS.has(path)) {
    for (const [key, value] of Object.entries(desired)) {
      if (value === undefined) continue;
      collect(isObject(current) ? current[key] : undefined, value, path === '' ? key : `${path}.${key}`, found);
    }
    return;
  }
  if (!equal(current, desired)) found.push(path);
}

/**
 * The fields where the registration differs from the desired settings. Only fields the document sets are
 * compared (the others are Datadog's defaults, or an operator's choice the document leaves alone); lists compare as
 * sets; one-of objects (`aws_regions`, `namespace_filters`, `xray_services`) compare whole.
 *
 * @param registration - the registration's attributes as Datadog's JSON (e.g. `{metrics_config: {enabled: true}}`).
 * @param desired - from `desiredSettingsFor`.
 * @returns dotted paths, e.g. `['account_tags', 'metrics_config.namespace_filters']`; empty when in line.
 *
 * @example
 * ```ts
 * settingsDrift({ aws_regions: { include_all: true } }, { aws_regions: { include_only: ['eu-west-1'] } }); // ['aws_regions']
 * ```
 */
export function settingsDrift(registration: Record<string, unknown>, desired: AccountSettings): string[] {
  const found: string[] = [];
  collect(registration, desired, '', found);
  return found;
}

function overlay(current: unknown, desired: unknown, path: string): unknown {
  if (!isObject(current) || !isObject(desired) || WHOLE_VALUE_PATHS.has(path)) return structuredClone(desired);
  const result: Record<string, unknown> = structuredClone(current);
  for (const [key, value] of Object.entries(desired)) {
    if (value !== undefined) result[key] = overlay(result[key], value, path === '' ? key : `${path}.${key}`);
  }
  return result;
}

/**
 * The attributes of a PATCH that converges the registration: each top-level section that drifted, as Datadog holds
 * it with the desired fields laid over (Datadog replaces a section it is sent, so the fields the document leaves
 * alone are sent back unchanged); sections in line are left out.
 *
 * @returns snake_case attributes; empty when nothing drifted.
 */
export function settingsPatch(registration: Record<string, unknown>, desired: AccountSettings): AccountSettings {
  const sections = new Set(settingsDrift(registration, desired).map((path) => path.split('.')[0]));
  const patch: Record<string, unknown> = {};
  for (const section of sections) {
    patch[section] = overlay(registration[section], desired[section as keyof AccountSettings], section);
  }
  return patch;
}

/** Longest value shown in a drift description, in characters. */
const SHOWN_VALUE_CHARACTERS = 80;

function valueAt(settings: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((at, key) => (isObject(at) ? at[key] : undefined), settings);
}

function shown(value: unknown): string {
  const text = value === undefined ? '(not set)' : JSON.stringify(value);
  return cut(text, SHOWN_VALUE_CHARACTERS);
}

/**
 * What drifted, for a person reading a reconciliation's plan: each drifted path with what Datadog holds and what the
 * document wants, values as JSON cut to 80 characters (account tags and settings are no secrets).
 *
 * @returns e.g. `account_tags: ["team:a"] → ["team:a","ou:Prod"]; metrics_config.enabled: false → true`; empty
 *   when nothing drifted.
 * @example
 * ```ts
 * describeSettingsDrift({ metrics_config: { enabled: false } }, { metrics_config: { enabled: true } });
 * // 'metrics_config.enabled: false → true'
 * ```
 */
export function describeSettingsDrift(registration: Record<string, unknown>, desired: AccountSettings): string {
  return settingsDrift(registration, desired)
    .map((path) => `${path}: ${shown(valueAt(registration, path))} → ${shown(valueAt(desired as Record<string, unknown>, path))}`)
    .join('; ');
}
