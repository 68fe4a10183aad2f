/** What the IAM operations share (input checks, tags, paging, propagation, what roles and users both do), in IAM's wording. */
import type { Tag } from '@aws-sdk/client-iam';
import { iamError, validationError } from './errors';
import { findAccount, findPolicy, findRole, findUser, iamArnOf } from './iam-entities';
import type { PolicyRef } from './iam-entities';
import type { CallContext } from './operations';
import { callerAccount, paginate, requestTagContext, requireAllowed, resourceTagContext, tagRecord } from './operations';
import type { PolicyKind } from './policy-documents';
import { awsPrincipalsOf, checkPolicyDocument } from './policy-documents';
import type { AccountState, RoleState, UserState } from './state';
import { getEntry, nameKey, setEntry } from './state';

/** Tags per IAM role, user or policy (IAM User Guide, "IAM and AWS STS quotas", as the next). */
export const MAX_TAGS = 50;
const MAX_ATTACHED_POLICIES = 10;

/** Checks an IAM name (IAM User Guide, "IAM name requirements"). @throws the `ValidationError` IAM returns. */
export function checkName(field: string, value = '', maxLength: number): string {
  const fail = (constraint: string) => validationError('iam', field, value, constraint);
  if (value.length === 0) throw fail('Member must have length greater than or equal to 1');
  if (value.length > maxLength) throw fail(`Member must have length less than or equal to ${maxLength}`);
  if (!/^[\w+=,.@-]+$/.test(value)) throw fail('Member must satisfy regular expression pattern: [\\w+=,.@-]+');
  return value;
}

/** Checks an IAM path, default `/` (IAM API reference, CreateRole `Path`). @throws the `ValidationError` IAM returns. */
export function checkPath(value: string | undefined): string {
  if (value === undefined) return '/';
  const constraint = 'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)';
  if (value.length > 512 || !/^(\/|\/[\x21-\x7e]+\/)$/.test(value)) throw validationError('iam', 'path', value, constraint);
  return value;
}

/**
 * Checks a trust or managed policy document IAM is asked to store, and returns it parsed.
 * @throws `MalformedPolicyDocumentException`; `LimitExceededException` over quota, in IAM's words.
 */
export function checkIamDocument(text: string | undefined, kind: Extract<PolicyKind, 'trust' | 'identity'>): Record<string, unknown> {
  if (text === undefined) throw iamError('MalformedPolicyDocument', 'Syntax errors in policy.');
  const check = checkPolicyDocument(text, kind);
  if (check.ok) return check.document;
  const quota = kind === 'trust' ? 'ACLSizePerRole: 2048' : 'PolicySize: 6144';
  if (check.problem === 'too-large') throw iamError('LimitExceeded', `Cannot exceed quota for ${quota}`);
  throw iamError('MalformedPolicyDocument', check.message);
}

/** Refuses a trust policy naming a missing role or user of a sandbox account ("Invalid principal in policy"). */
export function checkPrincipalsExist(call: CallContext, document: Record<string, unknown>): void {
  for (const principal of awsPrincipalsOf(document)) {
    const match = /^arn:[^:]+:iam::(\d{12}):(role|user)\/(?:.*\/)?([^/]+)$/.exec(principal);
    const account = match && findAccount(call.core.state, match[1]);
    if (!match || !account) continue;
    const exists = match[2] === 'role' ? findRole(account, match[3]) : findUser(account, match[3]);
    if (!exists) throw iamError('MalformedPolicyDocument', `Invalid principal in policy: "AWS":"${principal}"`);
  }
}

/** Merges a request's tags into existing ones. @throws `LimitExceededException` over {@link MAX_TAGS}. */
export function mergeTags(existing: Record<string, string>, added: Tag[] | undefined, quotaName: string): Record<string, string> {
  const merged = { ...existing, ...tagRecord(added) };
  if (Object.keys(merged).length > MAX_TAGS) throw iamError('LimitExceeded', `Cannot exceed quota for ${quotaName}: ${MAX_TAGS}`);
  return merged;
}

/** The policy. @throws `NoSuchEntityException` in Attach*Policy's (`attach`) or GetPolicy's wording. */
export function requirePolicy(account: AccountState, policyArn: string | undefined, wording: 'attach' | 'get'): PolicyRef {
  const ref = policyArn === undefined ? undefined : findPolicy(account, policyArn);
  const missing = wording === 'attach' ? 'does not exist or is not attachable' : 'was not found';
  if (!ref) throw iamError('NoSuchEntity', `Policy ${policyArn ?? ''} ${missing}.`);
  return ref;
}

/** How many roles and users of the account have the policy attached (GetPolicy's AttachmentCount). */
export function attachmentCount(account: AccountState, policyArn: string): number {
  const entities = [...Object.values(account.roles), ...Object.values(account.users)];
  return entities.filter((entity) => entity.attachments.some((attachment) => attachment.policyArn === policyArn)).length;
}

/** IAM's `Marker`/`MaxItems` paging (default 100). @throws `InvalidInputException` for a marker not issued. */
export function iamPage<T>(items: T[], marker?: string, maxItems?: number): { page: T[]; IsTruncated: boolean; Marker?: string } {
  const result = paginate(items, marker, maxItems, 100, () => iamError('InvalidInput', 'Invalid Marker.'));
  return { page: result.page, IsTruncated: result.next !== undefined, ...(result.next ? { Marker: result.next } : {}) };
}

/** When a change made now takes effect for authorisation. */
export function propagatedMs(call: CallContext): number {
  return call.nowMs + call.core.state.propagationSeconds * 1000;
}

/** Adds a setting that takes effect after the propagation delay, dropping those that can never apply again. */
export function propagating<T extends { effectiveMs: number }>(call: CallContext, history: T[], entry: Omit<T, 'effectiveMs'>): void {
  history.push({ ...entry, effectiveMs: propagatedMs(call) } as T);
  const newestEffective = history.findLastIndex((candidate) => candidate.effectiveMs <= call.nowMs);
  if (newestEffective > 0) history.splice(0, newestEffective);
}

const nameOf = (entity: RoleState | UserState) => ('roleName' in entity ? entity.roleName : entity.userName);

/** The operations roles and users share, each authorised on the entity's ARN before anything else, as IAM does. */
class Entities<E extends RoleState | UserState> {
  constructor(private readonly kind: 'Role' | 'User') {}

  private of(account: AccountState): Record<string, E> {
    return (this.kind === 'Role' ? account.roles : account.users) as Record<string, E>;
  }

  private async authorize(call: CallContext, name: string, context: Record<string, string | string[]> = {}, path = '/') {
    const account = callerAccount(call);
    const entity = getEntry(this.of(account), nameKey(name));
    const type = this.kind === 'Role' ? 'role' : 'user';
    const resourceArn = iamArnOf(account, type, entity?.path ?? path, entity ? nameOf(entity) : name);
    await requireAllowed(call, { resourceArn, context: { ...(entity ? resourceTagContext(entity.tags) : {}), ...context } });
    return { account, entity };
  }

  /** The entity and its account. @throws `ValidationError` for a bad name, `NoSuchEntityException` when missing. */
  async require(call: CallContext, name: string | undefined, context?: Record<string, string | string[]>) {
    const checked = checkName(`${this.kind.toLowerCase()}Name`, name, 64);
    const { account, entity } = await this.authorize(call, checked, context);
    if (!entity) throw iamError('NoSuchEntity', `The ${this.kind.toLowerCase()} with name ${checked} cannot be found.`);
    return { account, entity };
  }

  /** Create…: refuses a duplicate name (case-insensitive), stores what `build` makes. */
  async create(
    call: CallContext,
    input: { name?: string; Path?: string; Tags?: Tag[] },
    build: (fields: { path: string; tags: Record<string, string> }, name: string) => E,
  ) {
    const name = checkName(`${this.kind.toLowerCase()}Name`, input.name, 64);
    const path = checkPath(input.Path);
    const tags = mergeTags({}, input.Tags, `TagsPer${this.kind}`);
    const { account, entity: existing } = await this.authorize(call, name, requestTagContext(tags), path);
    if (existing) throw iamError('EntityAlreadyExists', `${this.kind} with name ${name} already exists.`);
    const entity = build({ path, tags }, name);
    setEntry(this.of(account), nameKey(name), entity);
    return { account, entity };
  }

  /** Delete…, refused while policies are attached or `check` objects (IAM API reference, DeleteRole, DeleteUser). */
  async delete(call: CallContext, name: string | undefined, check: (entity: E) => void = () => undefined) {
    const { account, entity } = await this.require(call, name);
    check(entity);
    if (entity.attachments.length > 0) throw iamError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
    Reflect.deleteProperty(this.of(account), nameKey(nameOf(entity)));
    return {};
  }

  /** Tag…: merges the tags into the entity's. */
  async tag(call: CallContext, name: string | undefined, tags: Tag[] | undefined) {
    const { entity } = await this.require(call, name, requestTagContext(tagRecord(tags)));
    entity.tags = mergeTags(entity.tags, tags, `TagsPer${this.kind}`);
    return {};
  }

  /** Attach…Policy: idempotent; counts after the propagation delay. @throws `LimitExceededException` over the quota. */
  async attach(call: CallContext, name: string | undefined, policyArn: string | undefined) {
    const { account, entity } = await this.require(call, name, policyArn ? { 'iam:PolicyARN': policyArn } : {});
    const { arn } = requirePolicy(account, policyArn, 'attach');
    if (entity.attachments.some((attachment) => attachment.policyArn === arn)) return {};
    if (entity.attachments.length >= MAX_ATTACHED_POLICIES) {
      throw iamError('LimitExceeded', `Cannot exceed quota for PoliciesPer${this.kind}: ${MAX_ATTACHED_POLICIES}`);
    }
    entity.attachments.push({ policyArn: arn, effectiveMs: propagatedMs(call) });
    return {};
  }

  /** Detach…Policy: at once (errs towards denying). @throws `NoSuchEntityException` when not attached. */
  async detach(call: CallContext, name: string | undefined, policyArn: string | undefined) {
    const { entity } = await this.require(call, name, policyArn ? { 'iam:PolicyARN': policyArn } : {});
    const index = entity.attachments.findIndex((attachment) => attachment.policyArn === policyArn);
    if (index < 0) throw iamError('NoSuchEntity', `Policy ${policyArn ?? ''} was not found.`);
    entity.attachments.splice(index, 1);
    return {};
  }

  /** ListAttached…Policies (a vanished policy named from its ARN). */
  async listPolicies(call: CallContext, name: string | undefined, paging: { Marker?: string; MaxItems?: number }) {
    const { account, entity } = await this.require(call, name);
    const attached = entity.attachments.map(({ policyArn }) => ({
      PolicyName: findPolicy(account, policyArn)?.policy.policyName ?? policyArn.slice(policyArn.lastIndexOf('/') + 1),
      PolicyArn: policyArn,
    }));
    const { page, ...rest } = iamPage(attached, paging.Marker, paging.MaxItems);
    return { AttachedPolicies: page, ...rest };
  }
}

export const ROLES = new Entities<RoleState>('Role');

export const USERS = new Entities<UserState>('User');
