/**
 * The settings document of this deployment: settings/datadog-settings.json, bundled into the functions at build
 * time (esbuild imports JSON natively, in `sam build` and `npm run bundle` alike), so the settings are versioned and
 * deployed with the code. Local runs may pass another (`DATADOG_SETTINGS_DOCUMENT`, set by `npm start -- --settings`).
 */
import shipped from '../../settings/datadog-settings.json';
import { pickEnv, readEnv } from '../config';
import { InvalidInputError } from '../errors';
import { parseSettingsDocument } from './document';
import type { SettingsDocument } from './schema';

/** The bundled document, unparsed (tests and the bundle check validate it). */
export const SHIPPED_SETTINGS: unknown = shipped;

let cached: { source: string | undefined; document: SettingsDocument } | undefined;

/**
 * The document the functions apply, checked against the schema (once per process).
 *
 * @throws InvalidInputError naming the path of the first problem, e.g.
 *   `settings defaults.aws_regions.include_only[0]: must be an AWS region name such as eu-west-1`.
 */
export function settingsDocument(): SettingsDocument {
  const { DATADOG_SETTINGS_DOCUMENT: source } = readEnv(pickEnv('DATADOG_SETTINGS_DOCUMENT'));
  if (cached !== undefined && cached.source === source) return cached.document;
  let value: unknown = shipped;
  if (source) {
    try {
      value = JSON.parse(source);
    } catch {
      throw new InvalidInputError('settings: DATADOG_SETTINGS_DOCUMENT is not JSON');
    }
  }
  cached = { source, document: parseSettingsDocument(value) };
  return cached.document;
}
