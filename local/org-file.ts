/** `--org FILE` (README; events/organization.json): the organization to run in; accounts it does not list are left as they are. */
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { iamName } from '../shared/config';
import { InvalidInputError } from '../shared/errors';
import { PARTITIONS } from '../shared/partitions';
import { describeFirstIssue } from '../shared/validation';
import type { DatadogAccountRecord } from './datadog/server';
import type { AwsSandbox } from './sandbox';
import { ACCOUNT_STATES, OU_ID, ROOT_ID } from './sandbox/state';

export const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const ouId = z.string().regex(OU_ID, 'must be an OU id (ou-...)');
const parentId = z.string().refine((id) => OU_ID.test(id) || ROOT_ID.test(id), 'must be an OU id (ou-...) or the root id (r-...)');
const name = z.string().min(1).max(128);

/** Refuses the first item with a key (`keys`) an earlier item has. */
export function noRepeats<T>(keys: (item: T) => string[], why: string): (items: T[], context: z.RefinementCtx) => void {
  return (items, context) => {
    const seen = new Set<string>();
    for (const [index, item] of items.entries()) {
      const repeated = keys(item).find((key) => seen.has(key));
      if (repeated) return context.addIssue({ code: 'custom', path: [index], message: `repeats ${repeated} (${why})` });
      keys(item).forEach((key) => seen.add(key));
    }
  };
}

/** A Datadog registration's attributes (API field names), in an `--org` or a state file; other attributes pass as they are. */
export const registrationAttributesSchema = z.looseObject({
  aws_account_id: accountId,
  aws_partition: z.enum(PARTITIONS),
  auth_config: z.union(
    [z.looseObject({ role_name: iamName }), z.looseObject({ access_key_id: z.string().regex(/^[A-Z0-9]{16,128}$/) })],
    'must hold role_name or access_key_id',
  ),
});

/** Unknown fields are refused: a misspelt `parentld` must not be ignored. */
const orgFileSchema = z.strictObject({
  managementAccountId: accountId,
  organizationalUnits: z.array(z.strictObject({ id: ouId, name, parentId })).default([]),
  accounts: z
    .array(
      z.strictObject({
        id: accountId,
        name: name.optional(),
        parentId: parentId.optional(),
        state: z.enum(ACCOUNT_STATES).optional(),
        /** `null`: no access role (the automation cannot reach it); default `MemberAccessRoleName`. */
        accessRoleName: iamName.nullable().optional(),
        left: z.boolean().optional(),
      }),
    )
    .superRefine(noRepeats((account) => [account.id], 'one entry per account'))
    .default([]),
  datadogAccounts: z.array(registrationAttributesSchema).default([]),
});

/** A parsed `--org` file. */
export type OrgFile = z.infer<typeof orgFileSchema>;

/** The root ids the file names as parents. */
function rootIds(org: OrgFile): string[] {
  const parents = [...org.organizationalUnits.map((unit) => unit.parentId), ...org.accounts.map((account) => account.parentId ?? '')];
  return [...new Set(parents.filter((id) => id.startsWith('r-')))];
}

/** Validates a `--org` document. @throws InvalidInputError naming the first wrong field, or a root id used inconsistently. */
export function parseOrgFile(document: unknown): OrgFile {
  const parsed = orgFileSchema.safeParse(document);
  if (!parsed.success) throw new InvalidInputError(describeFirstIssue(parsed.error, 'the document'));
  const roots = rootIds(parsed.data);
  if (roots.length > 1) throw new InvalidInputError(`an organization has one root, the file names ${roots.join(' and ')}`);
  return parsed.data;
}

/**
 * Applies the organization to the sandbox, all or nothing: adds the accounts and listed access roles it lacks (default
 * role `stack.defaultAccessRoleName`, trusting the stack's account), then places the OUs and accounts.
 * @throws InvalidInputError when the management account is not the sandbox's, or the tree is inconsistent.
 */
export function applyOrgFile(
  sandbox: AwsSandbox,
  org: OrgFile,
  stack: { managementAccountId: string; defaultAccessRoleName: string },
): void {
  if (org.managementAccountId !== sandbox.managementAccountId) {
    throw new InvalidInputError(
      `managementAccountId: ${org.managementAccountId} is not the management account of the saved organization (${sandbox.managementAccountId}): use another state file`,
    );
  }
  const tree = {
    rootId: rootIds(org)[0],
    organizationalUnits: org.organizationalUnits,
    accounts: org.accounts.map(({ id, parentId, state, left }) => ({ accountId: id, parentId, state, left })),
  };
  // Checked on a copy first, so a wrong tree leaves the sandbox as it was.
  try {
    sandbox.checkOrganization(tree);
  } catch (error) {
    throw new InvalidInputError((error as Error).message.replace(/^AwsSandbox\.\w+: /, ''));
  }
  for (const account of org.accounts) {
    const accessRoleName = account.accessRoleName === undefined ? stack.defaultAccessRoleName : account.accessRoleName;
    if (!sandbox.hasAccount(account.id)) {
      sandbox.createMemberAccount(account.id, {
        name: account.name,
        accessRoleNames: accessRoleName === null ? [] : [accessRoleName],
        trustedAccountId: stack.managementAccountId,
      });
    } else if (accessRoleName !== null && account.accessRoleName !== undefined && !sandbox.hasRole(account.id, accessRoleName)) {
      sandbox.createAccessRole(account.id, accessRoleName, stack.managementAccountId);
    }
  }
  sandbox.applyOrganization(tree);
}

/** The file's registrations as Datadog stores them (config id, timestamps, a role's external ID), over `existing` of those accounts. */
export function datadogAccountsOf(org: OrgFile, existing: DatadogAccountRecord[] = []): DatadogAccountRecord[] {
  const listed = new Set(org.datadogAccounts.map((account) => account.aws_account_id));
  const added = org.datadogAccounts.map((attributes): DatadogAccountRecord => {
    const auth = attributes.auth_config;
    const external = 'role_name' in auth && typeof auth.external_id !== 'string' ? { external_id: randomBytes(16).toString('hex') } : {};
    const authConfig = { ...auth, ...external } as DatadogAccountRecord['attributes']['auth_config'];
    const at = new Date().toISOString();
    return { id: randomUUID(), type: 'account', attributes: { ...attributes, auth_config: authConfig, created_at: at, modified_at: at } };
  });
  return [...existing.filter((record) => !listed.has(record.attributes.aws_account_id)), ...added];
}
