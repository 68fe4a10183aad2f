/**
 * Turning zod validation failures into the one-line messages users see.
 */
import type { z } from 'zod';

/**
 * Formats the first problem zod found as one line: `<path>: <message>`.
 *
 * Values are never echoed, so a secret or an oversized string in bad input does not reach a log.
 *
 * @param error - the error from `schema.safeParse(...)`.
 * @param root - the name of the validated thing, used when the problem is at its top level.
 */
export function describeFirstIssue(error: z.ZodError, root: string): string {
  const issue = error.issues[0];
  if (issue === undefined) return `${root} is invalid`;
  const path = issue.path.length > 0 ? issue.path.map(shownName).join('.') : root;
  if (issue.code === 'unrecognized_keys') {
    // zod's own message quotes every unknown name verbatim: any length, any character, newlines included.
    const names = issue.keys.slice(0, 3).map((key) => (SHOWN_NAME.test(key) ? `"${key}"` : '(a name not shown)'));
    return `${path}: Unrecognized key${issue.keys.length > 1 ? 's' : ''}: ${names.join(', ')}${issue.keys.length > 3 ? ', …' : ''}`;
  }
  return `${path}: ${issue.message}`;
}

/** Field names a message may quote: short identifiers. */
const SHOWN_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function shownName(key: PropertyKey): string {
  const name = String(key);
  return SHOWN_NAME.test(name) ? name : '(a name not shown)';
}
