/**
 * Checks and conversions shared by the IAM operations: names, paths, documents, tags, attachments, and the
 * errors IAM answers with (messages as IAM words them).
 */
import { iamError } from './errors';
import { findAccount, findPolicy, findRole, findUser } from './iam-entities';
import type { PolicyRef } from './iam-entities';
import type { CallContext } from './operations';
import { paginate, tagRecord } from './operations';
import type { PolicyKind } from './policy-documents';
import { awsPrincipalsOf, checkPolicyDocument } from './policy-documents';
import type { AccountState, AttachmentState, RoleState, UserState } from './state';

/** Maximum tags on an IAM role, user or policy (IAM User Guide, "IAM and AWS STS quotas"). */
export const MAX_TAGS = 50;
/** Managed policies attachable to one role or user by default (IAM User Guide, "IAM and AWS STS quotas"). */
export const MAX_ATTACHED_POLICIES = 10;

/** IAM's own wording for a request that fails input validation (the `ValidationError` code). */
function validationError(field: string, value: string, constraint: string) {
  return iamError(
    'ValidationError',
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

/**
 * Checks an IAM name: letters, digits and `+=,.@_-` (IAM User Guide, "IAM name requirements").
 *
 * @param field - the request field, e.g. `roleName`.
 * @param maxLength - 64 for roles and users, 128 for policies.
 * @throws the `ValidationError` IAM returns.
 */
export function checkName(field: string, value: string | undefined, maxLength: number): string {
  if (value === undefined || value.length === 0) throw validationError(field, '', 'Member must have length greater than or equal to 1');
  if (value.length > maxLength) {
    throw validationError(field, value, `Member must have length less than or equal to ${maxLength}`);
  }
  if (!/^[\w+=,.@-]+$/.test(value)) {
    throw validationError(field, value, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
  }
  return value;
}

/**
 * Checks an IAM path: `/` or `/…/` (IAM API reference, CreateRole `Path`). Defaults to `/`.
 *
 * @throws the `ValidationError` IAM returns.
 */
export function checkPath(value: string | undefined): string {
  if (value === undefined) return '/';
  if (value.length > 512 || !/^(\/|\/[\x21-\x7e]+\/)$/.test(value)) {
    throw validationError('path', value, 'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)');
  }
  return value;
}

/**
 * Checks a document IAM is asked to store.
 *
 * @param kind - `trust` for role trust policies, `identity` for managed policies.
 * @returns the parsed document.
 * @throws `MalformedPolicyDocumentException` for invalid JSON or grammar; `LimitExceededException`
 *   ("Cannot exceed quota for ACLSizePerRole: 2048" / "…PolicySize: 6144", HTTP 409, as IAM answers) over quota.
 */
export function checkIamDocument(text: string | undefined, kind: Extract<PolicyKind, 'trust' | 'identity'>): Record<string, unknown> {
  if (text === undefined) throw iamError('MalformedPolicyDocument', 'Syntax errors in policy.');
  const check = checkPolicyDocument(text, kind);
  if (check.ok) return check.document;
  if (check.problem === 'too-large') {
    throw iamError(
      'LimitExceeded',
      kind === 'trust' ? 'Cannot exceed quota for ACLSizePerRole: 2048' : 'Cannot exceed quota for PolicySize: 6144',
    );
  }
  throw iamError('MalformedPolicyDocument', check.message);
}

/**
 * Refuses a trust policy naming a role or user that does not exist in a sandbox account, as IAM does
 * ("Invalid principal in policy"). Principals of accounts outside the sandbox, and account roots, are accepted.
 */
export function checkPrincipalsExist(call: CallContext, document: Record<string, unknown>): void {
  for (const principal of awsPrincipalsOf(document)) {
    const match = /^arn:[^:]+:iam::(\d{12}):(role|user)\/(?:.*\/)?([^/]+)$/.exec(principal);
    if (!match) continue;
    const account = findAccount(call.core.state, match[1]);
    if (!account) continue;
    const exists = match[2] === 'role' ? findRole(account, match[3]) : findUser(account, match[3]);
    if (!exists) throw iamError('MalformedPolicyDocument', `Invalid principal in policy: "AWS":"${principal}"`);
  }
}

/**
 * Merges tags from a request into existing ones.
 *
 * @param quotaName - e.g. `TagsPerRole`, for IAM's "Cannot exceed quota for …: 50".
 * @throws `LimitExceededException` over {@link MAX_TAGS}.
 */
export function mergeTags(
  existing: Record<string, string>,
  added: { Key?: string; Value?: string }[] | undefined,
  quotaName: string,
): Record<string, string> {
  const merged = { ...existing, ...tagRecord(added) };
  if (Object.keys(merged).length > MAX_TAGS) throw iamError('LimitExceeded', `Cannot exceed quota for ${quotaName}: ${MAX_TAGS}`);
  return merged;
}

/** The role, or IAM's `NoSuchEntityException`. */
export function requireRole(account: AccountState, roleName: string | undefined): RoleState {
  const role = roleName === undefined ? undefined : findRole(account, roleName);
  if (!role) throw iamError('NoSuchEntity', `The role with name ${roleName ?? ''} cannot be found.`);
  return role;
}

/** The user, or IAM's `NoSuchEntityException`. */
export function requireUser(account: AccountState, userName: string | undefined): UserState {
  const user = userName === undefined ? undefined : findUser(account, userName);
  if (!user) throw iamError('NoSuchEntity', `The user with name ${userName ?? ''} cannot be found.`);
  return user;
}

/**
 * The policy, or IAM's `NoSuchEntityException`.
 *
 * @param wording - `attach`: "does not exist or is not attachable." (Attach*Policy); `get`: "was not found.".
 */
export function requirePolicy(account: AccountState, policyArn: string | undefined, wording: 'attach' | 'get'): PolicyRef {
  const ref = policyArn === undefined ? undefined : findPolicy(account, policyArn);
  if (!ref) {
    throw iamError(
      'NoSuchEntity',
      wording === 'attach' ? `Policy ${policyArn ?? ''} does not exist or is not attachable.` : `Policy ${policyArn ?? ''} was not found.`,
    );
  }
  return ref;
}

/**
 * Attaches a managed policy (idempotent, like IAM). The attachment counts for authorisation only after the
 * sandbox's propagation delay.
 *
 * @param quotaName - `PoliciesPerRole` or `PoliciesPerUser`.
 * @throws `LimitExceededException` beyond {@link MAX_ATTACHED_POLICIES}.
 */
export function attachPolicy(call: CallContext, attachments: AttachmentState[], policyArn: string, quotaName: string): void {
  if (attachments.some((attachment) => attachment.policyArn === policyArn)) return;
  if (attachments.length >= MAX_ATTACHED_POLICIES) {
    throw iamError('LimitExceeded', `Cannot exceed quota for ${quotaName}: ${MAX_ATTACHED_POLICIES}`);
  }
  attachments.push({ policyArn, effectiveMs: call.nowMs + call.core.state.propagationSeconds * 1000 });
}

/**
 * Detaches a managed policy. Takes effect at once (the sandbox errs towards denying: a grant arrives late, a
 * revocation does not linger).
 *
 * @throws `NoSuchEntityException` when it is not attached.
 */
export function detachPolicy(attachments: AttachmentState[], policyArn: string | undefined): void {
  const index = attachments.findIndex((attachment) => attachment.policyArn === policyArn);
  if (index < 0) throw iamError('NoSuchEntity', `Policy ${policyArn ?? ''} was not found.`);
  attachments.splice(index, 1);
}

/** How many roles and users of the account have the policy attached (GetPolicy's AttachmentCount). */
export function attachmentCount(account: AccountState, policyArn: string): number {
  let count = 0;
  for (const entity of [...Object.values(account.roles), ...Object.values(account.users)]) {
    if (entity.attachments.some((attachment) => attachment.policyArn === policyArn)) count += 1;
  }
  return count;
}

/**
 * IAM's `Marker`/`MaxItems` paging (default page size 100, IAM API reference, "Using pagination").
 *
 * @returns the page and the response's `IsTruncated` / `Marker`.
 * @throws `InvalidInputException` for a marker the sandbox did not issue.
 */
export function iamPage<T>(
  items: T[],
  marker: string | undefined,
  maxItems: number | undefined,
): { page: T[]; IsTruncated: boolean; Marker?: string } {
  const result = paginate(items, marker, maxItems, 100, () => iamError('InvalidInput', 'Invalid Marker.'));
  return { page: result.page, IsTruncated: result.next !== undefined, ...(result.next ? { Marker: result.next } : {}) };
}
