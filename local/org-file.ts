/**
 * `--org FILE`: the organization a local run happens in, applied to the sandbox (and so to the `--state` file)
 * before the run: its organizational units, where each listed account sits, its Organizations `State`, which access
 * role it has, whether it left; and the registrations Datadog already holds (made by someone else). Accounts the file
 * does not list are left as they are.
 *
 * ```json
 * {"managementAccountId": "123412341234",
 *  "organizationalUnits": [{"id": "ou-ab12-11111111", "name": "Workloads", "parentId": "r-ab12"}],
 *  "accounts": [{"id": "210987654321", "name": "payments-prod", "parentId": "ou-ab12-11111111",
 *                "state": "ACTIVE", "accessRoleName": "AWSControlTowerExecution", "left": false}],
 *  "datadogAccounts": [{"aws_account_id": "210987654322", "aws_partition": "aws", "auth_config": {"role_name": "DatadogIntegrationRole"}}]}
 * ```
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { iamName } from '../shared/config';
import { PARTITIONS } from '../shared/partitions';
import { describeFirstIssue } from '../shared/validation';
import type { DatadogAccountRecord } from './datadog/server';
import type { AwsSandbox } from './sandbox';
import { ACCOUNT_STATES } from './sandbox/state';

const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const ouId = z.string().regex(/^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/, 'must be an OU id (ou-...)');
const parentId = z
  .string()
  .regex(/^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/, 'must be an OU id (ou-...) or the root id (r-...)');
const name = z.string().min(1).max(128);

/** The file's schema (unknown fields are refused: a misspelt `parentld` must not be ignored). */
export const orgFileSchema = z.strictObject({
  managementAccountId: accountId,
  organizationalUnits: z.array(z.strictObject({ id: ouId, name, parentId })).default([]),
  accounts: z
    .array(
      z.strictObject({
        id: accountId,
        name: name.optional(),
        /** Default: the root. */
        parentId: parentId.optional(),
        state: z.enum(ACCOUNT_STATES).optional(),
        /** The access role the account has; `null`: none (the automation cannot reach it). Default `MemberAccessRoleName`. */
        accessRoleName: iamName.nullable().optional(),
        left: z.boolean().optional(),
      }),
    )
    .default([]),
  datadogAccounts: z
    .array(
      z.looseObject({
        aws_account_id: accountId,
        aws_partition: z.enum(PARTITIONS),
        auth_config: z.union(
          [z.looseObject({ role_name: iamName }), z.looseObject({ access_key_id: z.string().regex(/^[A-Z0-9]{16,128}$/) })],
          'must hold role_name or access_key_id',
        ),
      }),
    )
    .default([]),
});

/** A parsed `--org` file. */
export type OrgFile = z.infer<typeof orgFileSchema>;

/** A `--org` file that is not valid; the message is one line naming the first wrong field. */
export class OrgFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OrgFileError';
  }
}

/**
 * Validates a `--org` document.
 *
 * @throws OrgFileError naming the first wrong field, or a root id used inconsistently.
 */
export function parseOrgFile(document: unknown): OrgFile {
  const parsed = orgFileSchema.safeParse(document);
  if (!parsed.success) throw new OrgFileError(describeFirstIssue(parsed.error, 'the document'));
  const roots = new Set(
    [
      ...parsed.data.organizationalUnits.map((unit) => unit.parentId),
      ...parsed.data.accounts.map((account) => account.parentId ?? ''),
    ].filter((id) => id.startsWith('r-')),
  );
  if (roots.size > 1) throw new OrgFileError(`an organization has one root, the file names ${[...roots].join(' and ')}`);
  const ids = new Set<string>();
  for (const [index, account] of parsed.data.accounts.entries()) {
    if (ids.has(account.id)) throw new OrgFileError(`accounts.${index}.id: repeats ${account.id}`);
    ids.add(account.id);
  }
  return parsed.data;
}

/** What applying needs of the stack: the access role an account has by default. */
export interface OrgStack {
  /** Where the stack runs (the trust of seeded access roles). */
  managementAccountId: string;
  /** `MemberAccessRoleName`. */
  defaultAccessRoleName: string;
}

/**
 * Applies the organization to the sandbox: adds the listed accounts it does not have yet (with their access role,
 * trusting the management account as Organizations creates it), adds a listed access role an account lacks, then
 * places the OUs and accounts (parents, states, left). All or nothing.
 *
 * @throws OrgFileError when the file's management account is not the sandbox's, or the tree is inconsistent (an
 *   unknown parent, an OU that is its own ancestor).
 */
export function applyOrgFile(sandbox: AwsSandbox, org: OrgFile, stack: OrgStack): void {
  if (org.managementAccountId !== sandbox.managementAccountId) {
    throw new OrgFileError(
      `managementAccountId: ${org.managementAccountId} is not the management account of the saved organization (${sandbox.managementAccountId}): use another state file`,
    );
  }
  const rootId = [...org.organizationalUnits.map((unit) => unit.parentId), ...org.accounts.map((account) => account.parentId ?? '')].find(
    (id) => id.startsWith('r-'),
  );
  // Checked on a copy first, so a wrong tree leaves the sandbox as it was.
  try {
    sandbox.checkOrganization({
      rootId,
      organizationalUnits: org.organizationalUnits,
      accounts: org.accounts.map((account) => ({ accountId: account.id, parentId: account.parentId })),
    });
  } catch (error) {
    throw new OrgFileError((error as Error).message.replace(/^AwsSandbox\.\w+: /, ''));
  }
  const known = sandbox.dump().accounts;
  for (const account of org.accounts) {
    const accessRoleName = account.accessRoleName === undefined ? stack.defaultAccessRoleName : account.accessRoleName;
    if (known[account.id] === undefined) {
      sandbox.createMemberAccount(account.id, {
        name: account.name,
        accessRoleNames: accessRoleName === null ? [] : [accessRoleName],
        trustedAccountId: stack.managementAccountId,
      });
    } else if (accessRoleName !== null && account.accessRoleName !== undefined && !sandbox.hasRole(account.id, accessRoleName)) {
      sandbox.createAccessRole(account.id, accessRoleName, stack.managementAccountId);
    }
  }
  sandbox.applyOrganization({
    rootId,
    organizationalUnits: org.organizationalUnits,
    accounts: org.accounts.map((account) => ({
      accountId: account.id,
      parentId: account.parentId,
      state: account.state,
      left: account.left,
    })),
  });
}

/**
 * The registrations the file says Datadog holds, as the embedded Datadog stores them (a config id and timestamps
 * added, an external ID generated for a role), merged over `existing`: the file's replaces one of the same account.
 */
export function datadogAccountsOf(org: OrgFile, existing: DatadogAccountRecord[] = [], now = new Date()): DatadogAccountRecord[] {
  const listed = new Set(org.datadogAccounts.map((account) => account.aws_account_id));
  const added = org.datadogAccounts.map((attributes): DatadogAccountRecord => {
    const auth = attributes.auth_config;
    const authConfig =
      'role_name' in auth
        ? {
            ...auth,
            role_name: String(auth.role_name),
            external_id: typeof auth.external_id === 'string' ? auth.external_id : randomBytes(16).toString('hex'),
          }
        : { ...auth, access_key_id: String(auth.access_key_id) };
    return {
      id: randomUUID(),
      type: 'account',
      attributes: { ...attributes, auth_config: authConfig, created_at: now.toISOString(), modified_at: now.toISOString() },
    };
  });
  return [...existing.filter((record) => !listed.has(record.attributes.aws_account_id)), ...added];
}
