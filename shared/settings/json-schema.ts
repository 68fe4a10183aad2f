/**
 * The settings document's JSON Schema, generated from the zod schema (one source of truth).
 */
import { z } from 'zod';
import { settingsDocumentSchema } from './schema';

/**
 * The JSON Schema (draft 2020-12) of the settings document, as the text of settings/datadog-settings.schema.json.
 *
 * @returns pretty-printed JSON ending with a newline.
 */
export function settingsJsonSchema(): string {
  const schema = z.toJSONSchema(settingsDocumentSchema, { io: 'input' });
  return `${JSON.stringify(
    { ...schema, title: 'Datadog settings of onboarded AWS accounts (datadog-aws-account-onboarding)' },
    null,
    2,
  )}\n`;
}
