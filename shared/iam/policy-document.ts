/**
 * IAM policy documents: their shape, their canonical form, and how IAM returns them.
 */

/** One statement of an IAM policy (IAM JSON policy reference). */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: { AWS: string | string[] };
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** An IAM policy document. */
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/**
 * Parses a policy document as IAM returns it: `GetRole`'s `AssumeRolePolicyDocument` and `GetPolicyVersion`'s
 * `Document` are URL-encoded JSON (IAM API reference, "Role" and "PolicyVersion" data types).
 */
export function parseIamDocument(document: string): PolicyDocument {
  const text = document.trimStart().startsWith('{') ? document : decodeURIComponent(document);
  const parsed = JSON.parse(text) as { Version?: string; Statement?: PolicyStatement | PolicyStatement[] };
  // IAM accepts a single statement object as well as a list.
  const statements = parsed.Statement === undefined ? [] : Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  return { ...parsed, Version: parsed.Version, Statement: statements } as PolicyDocument;
}

/**
 * Canonical JSON of a document, for comparison: arrays of actions sorted, single values as one-element lists,
 * keys in a fixed order. Two documents IAM treats alike compare equal.
 */
export function canonicalDocument(document: PolicyDocument): string {
  const list = (value: string | string[] | undefined) =>
    value === undefined ? undefined : [...(Array.isArray(value) ? value : [value])].sort();
  const statements = document.Statement.map((statement) => ({
    Sid: statement.Sid ?? '',
    Effect: statement.Effect,
    Principal: statement.Principal && { AWS: list(statement.Principal.AWS) },
    Action: list(statement.Action),
    Resource: list(statement.Resource),
    Condition:
      statement.Condition &&
      Object.fromEntries(
        Object.entries(statement.Condition)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([operator, keys]) => [
            operator,
            Object.fromEntries(
              Object.entries(keys)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([key, value]) => [key, list(value)]),
            ),
          ]),
      ),
  })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return JSON.stringify({ Version: document.Version, Statement: statements });
}

/** True when IAM would treat the two documents alike (see {@link canonicalDocument}). */
export function sameDocument(a: PolicyDocument, b: PolicyDocument): boolean {
  return canonicalDocument(a) === canonicalDocument(b);
}
