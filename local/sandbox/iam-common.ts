/**
 * What the IAM operations share: input checks, tags, attachments, paging, and the operations roles and users both
 * have (Tag, Attach/Detach/ListAttached policies), with IAM's wording of its errors.
 */
import type { Tag } from '@aws-sdk/client-iam';
import { iamError, validationError } from './errors';
import { findAccount, findPolicy, findRole, findUser, roleArnOf, userArnOf } from './iam-entities';
import type { PolicyRef } from './iam-entities';
import type { CallContext } from './operations';
import { callerAccount, paginate, requestTagContext, requireAllowed, resourceTagContext, tagRecord } from './operations';
import type { PolicyKind } from './policy-documents';
import { awsPrincipalsOf, checkPolicyDocument } from './policy-documents';
import type { AccountState, RoleState, UserState } from './state';
import { deleteEntry, getEntry, nameKey, setEntry } from './state';

/** Maximum tags on an IAM role, user or policy (IAM User Guide, "IAM and AWS STS quotas"). */
export const MAX_TAGS = 50;
/** Managed policies attachable to one role or user by default (IAM User Guide, "IAM and AWS STS quotas"). */
const MAX_ATTACHED_POLICIES = 10;

/**
 * Checks an IAM name: letters, digits and `+=,.@_-` (IAM User Guide, "IAM name requirements").
 *
 * @param field - the request field, e.g. `roleName`.
 * @param maxLength - 64 for roles and users, 128 for policies.
 * @throws the `ValidationError` IAM returns.
 */
export function checkName(field: string, value: string | undefined, maxLength: number): string {
  if (value === undefined || value.length === 0)
    throw validationError('iam', field, '', 'Member must have length greater than or equal to 1');
  if (value.length > maxLength) {
    throw validationError('iam', field, value, `Member must have length less than or equal to ${maxLength}`);
  }
  if (!/^[\w+=,.@-]+$/.test(value)) {
    throw validationError('iam', field, value, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
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
    throw validationError(
      'iam',
      'path',
      value,
      'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)',
    );
  }
  return value;
}

/**
 * Checks a trust policy or managed policy document IAM is asked to store, and returns it parsed.
 *
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
    const account = match && findAccount(call.core.state, match[1]);
    if (!match || !account) continue;
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
export function mergeTags(existing: Record<string, string>, added: Tag[] | undefined, quotaName: string): Record<string, string> {
  const merged = { ...existing, ...tagRecord(added) };
  if (Object.keys(merged).length > MAX_TAGS) throw iamError('LimitExceeded', `Cannot exceed quota for ${quotaName}: ${MAX_TAGS}`);
  return merged;
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

/** How many roles and users of the account have the policy attached (GetPolicy's AttachmentCount). */
export function attachmentCount(account: AccountState, policyArn: string): number {
  const entities = [...Object.values(account.roles), ...Object.values(account.users)];
  return entities.filter((entity) => entity.attachments.some((attachment) => attachment.policyArn === policyArn)).length;
}

/**
 * IAM's `Marker`/`MaxItems` paging (default page size 100, IAM API reference, "Using pagination").
 *
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

/** When a change made now takes effect for authorisation: after the sandbox's propagation delay. */
export function propagatedMs(call: CallContext): number {
  return call.nowMs + call.core.state.propagationSeconds * 1000;
}

/**
 * Adds a setting (trust policy, default version) that takes effect after the propagation delay: the previous one
 * stays in force until then. Those superseded by one already in effect are dropped: they can never apply again.
 */
export function propagating<T extends { effectiveMs: number }>(call: CallContext, history: T[], entry: Omit<T, 'effectiveMs'>): void {
  history.push({ ...entry, effectiveMs: propagatedMs(call) } as T);
  const newestEffective = history.findLastIndex((candidate) => candidate.effectiveMs <= call.nowMs);
  if (newestEffective > 0) history.splice(0, newestEffective);
}

type Entity = RoleState | UserState;

/** What roles and users differ in, for what they share. */
export interface EntityKind<E extends Entity> {
  /** `Role` or `User`: names the request field (`roleName`), the quotas (`TagsPerRole`) and the messages. */
  kind: 'Role' | 'User';
  entities(account: AccountState): Record<string, E>;
  nameOf(entity: E): string;
  arnOf(account: AccountState, path: string, name: string): string;
}

/** Roles, for {@link EntityKind}. */
export const ROLES: EntityKind<RoleState> = {
  kind: 'Role',
  entities: (account) => account.roles,
  nameOf: (role) => role.roleName,
  arnOf: (account, path, roleName) => roleArnOf(account.partition, account.accountId, { path, roleName }),
};

/** Users, for {@link EntityKind}. */
export const USERS: EntityKind<UserState> = {
  kind: 'User',
  entities: (account) => account.users,
  nameOf: (user) => user.userName,
  arnOf: (account, path, userName) => userArnOf(account.partition, account.accountId, { path, userName }),
};

/** Authorises the call as `iam:<Operation>` on the entity's ARN (existing, or to be created at `path`), with its tags. */
async function authorizeOnEntity<E extends Entity>(
  kind: EntityKind<E>,
  call: CallContext,
  name: string,
  context: Record<string, string | string[]> = {},
  path = '/',
): Promise<{ account: AccountState; entity?: E }> {
  const account = callerAccount(call);
  const entity = getEntry(kind.entities(account), nameKey(name));
  const resourceArn = kind.arnOf(account, entity?.path ?? path, entity ? kind.nameOf(entity) : name);
  await requireAllowed(call, { resourceArn, context: { ...(entity ? resourceTagContext(entity.tags) : {}), ...context } });
  return { account, entity };
}

/**
 * Checks the name (64 characters at most), authorises the call on the entity and returns it with its account.
 *
 * @throws IAM's `ValidationError` for a bad name, `NoSuchEntityException` when the entity does not exist.
 */
export async function requireEntity<E extends Entity>(
  kind: EntityKind<E>,
  call: CallContext,
  name: string | undefined,
  context?: Record<string, string | string[]>,
): Promise<{ account: AccountState; entity: E }> {
  const checked = checkName(`${kind.kind.toLowerCase()}Name`, name, 64);
  const { account, entity } = await authorizeOnEntity(kind, call, checked, context);
  if (!entity) throw iamError('NoSuchEntity', `The ${kind.kind.toLowerCase()} with name ${checked} cannot be found.`);
  return { account, entity };
}

/** What CreateRole and CreateUser share. */
interface CreateInput {
  name?: string;
  Path?: string;
  Tags?: Tag[];
}

/**
 * CreateRole / CreateUser: checks the input, authorises, refuses a duplicate name (case-insensitive, like IAM) and
 * stores what `build` makes of it.
 */
export async function createEntity<E extends Entity>(
  kind: EntityKind<E>,
  call: CallContext,
  input: CreateInput,
  build: (fields: { path: string; tags: Record<string, string> }, name: string) => E,
): Promise<{ account: AccountState; entity: E }> {
  const name = checkName(`${kind.kind.toLowerCase()}Name`, input.name, 64);
  const path = checkPath(input.Path);
  const tags = mergeTags({}, input.Tags, `TagsPer${kind.kind}`);
  const { account, entity: existing } = await authorizeOnEntity(kind, call, name, requestTagContext(tags), path);
  if (existing) throw iamError('EntityAlreadyExists', `${kind.kind} with name ${name} already exists.`);
  const entity = build({ path, tags }, name);
  setEntry(kind.entities(account), nameKey(name), entity);
  return { account, entity };
}

/** DeleteRole / DeleteUser, refused while policies are attached (IAM API reference, DeleteRole, DeleteUser). */
export async function deleteEntity<E extends Entity>(
  kind: EntityKind<E>,
  call: CallContext,
  name: string | undefined,
  check: (entity: E) => void = () => undefined,
): Promise<object> {
  const { account, entity } = await requireEntity(kind, call, name);
  check(entity);
  if (entity.attachments.length > 0) throw iamError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
  deleteEntry(kind.entities(account), nameKey(kind.nameOf(entity)));
  return {};
}

/** TagRole / TagUser: merges the tags into the entity's. */
export async function tagEntity<E extends Entity>(
  kind: EntityKind<E>,
  call: CallContext,
  name: string | undefined,
  tags: Tag[] | undefined,
) {
  const { entity } = await requireEntity(kind, call, name, requestTagContext(tagRecord(tags)));
  entity.tags = mergeTags(entity.tags, tags, `TagsPer${kind.kind}`);
  return {};
}

/**
 * AttachRolePolicy / AttachUserPolicy: idempotent, like IAM. The attachment counts for authorisation only after the
 * propagation delay.
 *
 * @throws `LimitExceededException` beyond {@link MAX_ATTACHED_POLICIES}.
 */
export async function attachEntityPolicy<E extends Entity>(
  kind: EntityKind<E>,
  call: CallContext,
  name: string | undefined,
  policyArn?: string,
) {
  const { account, entity } = await requireEntity(kind, call, name, policyArn ? { 'iam:PolicyARN': policyArn } : {});
  const { arn } = requirePolicy(account, policyArn, 'attach');
  if (entity.attachments.some((attachment) => attachment.policyArn === arn)) return {};
  if (entity.attachments.length >= MAX_ATTACHED_POLICIES) {
    throw iamError('LimitExceeded', `Cannot exceed quota for PoliciesPer${kind.kind}: ${MAX_ATTACHED_POLICIES}`);
  }
  entity.attachments.push({ policyArn: arn, effectiveMs: propagatedMs(call) });
  return {};
}

/**
 * DetachRolePolicy / DetachUserPolicy. Takes effect at once (the sandbox errs towards denying: a grant arrives late,
 * a revocation does not linger).
 *
 * @throws `NoSuchEntityException` when the policy is not attached.
 */
export async function detachEntityPolicy<E extends Entity>(
  kind: EntityKind<E>,
  call: CallContext,
  name: string | undefined,
  policyArn?: string,
) {
  const { entity } = await requireEntity(kind, call, name, policyArn ? { 'iam:PolicyARN': policyArn } : {});
  const index = entity.attachments.findIndex((attachment) => attachment.policyArn === policyArn);
  if (index < 0) throw iamError('NoSuchEntity', `Policy ${policyArn ?? ''} was not found.`);
  entity.attachments.splice(index, 1);
  return {};
}

/** ListAttachedRolePolicies / ListAttachedUserPolicies: each policy named from the policy if it still exists, else its ARN. */
export async function listEntityPolicies<E extends Entity>(
  kind: EntityKind<E>,
  call: CallContext,
  name: string | undefined,
  paging: { Marker?: string; MaxItems?: number },
) {
  const { account, entity } = await requireEntity(kind, call, name);
  const attached = entity.attachments.map(({ policyArn }) => {
    const policyName = findPolicy(account, policyArn)?.policy.policyName ?? policyArn.slice(policyArn.lastIndexOf('/') + 1);
    return { PolicyName: policyName, PolicyArn: policyArn };
  });
  const { page, ...rest } = iamPage(attached, paging.Marker, paging.MaxItems);
  return { AttachedPolicies: page, ...rest };
}
