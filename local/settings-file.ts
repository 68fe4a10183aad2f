/** `--settings FILE`: YAML or JSON, checked as the build checks the shipped one, then the functions' `DATADOG_SETTINGS_DOCUMENT`. */
import { parse as parseYaml } from 'yaml';
import { InvalidInputError } from '../shared/errors';
import { checkSettingsDocument } from '../shared/settings/datadog-model';
import { parseSettingsDocument } from '../shared/settings/document';
import type { SettingsDocument } from '../shared/settings/schema';

/** Parses and checks a settings document. @throws InvalidInputError in one line: not YAML/JSON (with its line), or the first problem. */
export function parseSettingsText(text: string): SettingsDocument {
  let value: unknown;
  try {
    value = parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new InvalidInputError(`settings: not valid YAML or JSON${line ? ` (line ${line})` : ''}`);
  }
  const document = parseSettingsDocument(value ?? {});
  checkSettingsDocument(document);
  return document;
}
