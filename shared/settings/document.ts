/**
 * Checking a parsed settings document against the schema
 * (shared/settings/schema.ts). Every problem is one line naming its path in the document, e.g.
 * `settings organizationalUnits.ou-ab12-11111111.metrics_config.namespace_filters.include_only[0]: must be …`.
 */
import type { z } from 'zod';
import { InvalidInputError } from '../errors';
import { APPLICATION_FIELDS, settingsDocumentSchema, type SettingsDocument } from './schema';

/** Names a document may quote in a message: identifiers, OU and account ids. Anything else is not echoed. */
const SHOWN = /^[A-Za-z0-9_$.-]{1,64}$/;

/**
 * A document path as users write it: `a.b[0].c`.
 *
 * @param path - keys and indexes from the document's root.
 */
export function settingsPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else {
      const name = String(key);
      text += `${text === '' ? '' : '.'}${SHOWN.test(name) ? name : '(a name not shown)'}`;
    }
  }
  return text === '' ? '(top level)' : text;
}

/** The error of a bad document: one line, never a value from it. */
export function settingsError(path: readonly PropertyKey[], problem: string): InvalidInputError {
  return new InvalidInputError(`settings ${settingsPath(path)}: ${problem}`, {
    remedy: 'Fix the settings document (settings/datadog-settings.json, or the --settings file locally)',
  });
}

function describeIssue(issue: z.core.$ZodIssue): InvalidInputError {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    if ((APPLICATION_FIELDS as readonly string[]).includes(key)) {
      return settingsError([...issue.path, key], 'set by the application, not the settings document');
    }
    return settingsError([...issue.path, key], 'unknown field (field names are Datadog API v2 names, e.g. metrics_config)');
  }
  if (issue.code === 'invalid_union') {
    // Name the member the user meant: the one whose errors go deepest.
    const deepest = issue.errors
      .flat()
      .sort((a, b) => b.path.length - a.path.length)
      .find((inner) => inner.code !== 'unrecognized_keys');
    if (deepest) return describeIssue({ ...deepest, path: [...issue.path, ...deepest.path] });
    return settingsError(issue.path, 'must be one of the documented shapes (e.g. {include_all: true} or {include_only: [...]})');
  }
  if (issue.code === 'invalid_key') {
    // A record's key (an OU or account id): the key's own problem says what an id looks like.
    return settingsError(issue.path, issue.issues[0]?.message ?? issue.message);
  }
  return settingsError(issue.path, issue.message);
}

/**
 * Validates a parsed document against the schema.
 *
 * @param value - the document, e.g. from `JSON.parse` or the bundled module.
 * @returns the document, typed.
 * @throws InvalidInputError naming the first wrong path.
 */
export function parseSettingsDocument(value: unknown): SettingsDocument {
  const result = settingsDocumentSchema.safeParse(value);
  if (!result.success) throw describeIssue(result.error.issues[0]);
  return result.data;
}
