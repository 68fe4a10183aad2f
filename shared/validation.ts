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
  const path = issue.path.length > 0 ? issue.path.map(String).join('.') : root;
  return `${path}: ${issue.message}`;
}
