/**
 * Writes settings/datadog-settings.schema.json, the JSON Schema of the settings document, from its zod schema
 * (shared/settings/schema.ts), so editors validate and complete the document. A test fails when it is stale.
 *
 * Usage: `npm run settings:schema`.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../local/template';
import { settingsJsonSchema } from '../shared/settings/json-schema';

const file = path.join(REPO_ROOT, 'settings', 'datadog-settings.schema.json');
writeFileSync(file, settingsJsonSchema());
console.log(`wrote ${path.relative(process.cwd(), file)}`);
