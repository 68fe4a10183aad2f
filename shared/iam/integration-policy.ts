/**
 * The integration policy: the permissions Datadog publishes for the standard integration
 * (`GET /api/v2/integration/aws/iam_permissions/standard`), as one or more customer managed policies.
 */
import type { PolicyDocument } from './policy-document';

/**
 * Most characters of a managed policy document, whitespace excluded
 * (IAM User Guide, "IAM and AWS STS quotas": managed policy size 6,144 characters).
 */
export const MANAGED_POLICY_MAX_CHARACTERS = 6144;

/** Compact JSON, which is how IAM counts a document's characters (whitespace does not count). */
export function documentSize(document: PolicyDocument): number {
  return JSON.stringify(document).length;
}

function allowAll(actions: string[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] };
}

/**
 * Splits the permissions into as few documents as fit the managed-policy size limit, filling each in turn.
 * The actions are de-duplicated and sorted first, so the same list always gives the same documents.
 *
 * @param actions - IAM actions such as `ec2:Describe*`.
 * @param maxCharacters - the limit, {@link MANAGED_POLICY_MAX_CHARACTERS} by default.
 * @returns at least one document (an empty list gives none: there is nothing to grant).
 * @throws Error when a single action is longer than the limit allows.
 */
export function splitIntegrationPolicy(actions: string[], maxCharacters = MANAGED_POLICY_MAX_CHARACTERS): PolicyDocument[] {
  const sorted = [...new Set(actions)].sort();
  const documents: PolicyDocument[] = [];
  let current: string[] = [];
  // Each action adds its quoted length plus a comma to the compact JSON.
  let size = documentSize(allowAll([]));
  for (const action of sorted) {
    const added = JSON.stringify(action).length + (current.length > 0 ? 1 : 0);
    if (size + added > maxCharacters) {
      if (current.length === 0) throw new Error(`IAM action ${action} alone exceeds ${maxCharacters} characters`);
      documents.push(allowAll(current));
      current = [];
      size = documentSize(allowAll([]));
    }
    size += JSON.stringify(action).length + (current.length > 0 ? 1 : 0);
    current.push(action);
  }
  if (current.length > 0) documents.push(allowAll(current));
  return documents;
}

/**
 * Name of the n-th part of the integration policy: the first keeps the configured name, later ones get `-2`, `-3`…
 *
 * @param index - zero-based part index.
 */
export function integrationPolicyName(baseName: string, index: number): string {
  return index === 0 ? baseName : `${baseName}-${index + 1}`;
}
