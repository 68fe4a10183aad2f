/**
 * The sandbox's plain-data state; the zod schemas are its types and a saved state's validation. Times are epoch ms on
 * the virtual clock; eventually consistent settings carry when they take effect.
 */
import { z } from 'zod';
import { PARTITIONS } from '../../shared/partitions';
import { describeFirstIssue } from '../../shared/validation';
import { newUniqueId } from './ids';

/** The services the sandbox simulates. */
export const SERVICE_NAMES = ['iam', 'sts', 'organizations', 'secretsmanager', 's3'] as const;

/** One of {@link SERVICE_NAMES}. */
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Zero calls of each service. */
export function noCalls(): Record<ServiceName, number> {
  return Object.fromEntries(SERVICE_NAMES.map((service) => [service, 0])) as Record<ServiceName, number>;
}

/** An OU's id (Organizations API reference, OrganizationalUnit `Id`). */
export const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
/** A root's id (Organizations API reference, Root `Id`). */
export const ROOT_ID = /^r-[0-9a-z]{4,32}$/;

/** Organizations API reference, Account `State` (`Status` retired on 9 September 2026). Only `ACTIVE` is usable. */
export const ACCOUNT_STATES = ['PENDING_ACTIVATION', 'ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE', 'CLOSED'] as const;

/** One of {@link ACCOUNT_STATES}. */
export type OrganizationsAccountState = (typeof ACCOUNT_STATES)[number];

const partitionSchema = z.enum(PARTITIONS);
const tagsSchema = z.record(z.string(), z.string());
const attachmentSchema = z.object({ policyArn: z.string(), effectiveMs: z.number() });
const iamEntityShape = { path: z.string(), description: z.string().optional(), createdMs: z.number(), tags: tagsSchema };

const roleSchema = z.object({
  ...iamEntityShape,
  roleName: z.string(),
  roleId: z.string(),
  maxSessionDurationSeconds: z.number(),
  /** Trust policies (JSON text), oldest first: GetRole shows the newest, STS evaluates the newest in effect. */
  trustPolicies: z.array(z.object({ document: z.string(), effectiveMs: z.number() })).min(1),
  attachments: z.array(attachmentSchema),
});

const managedPolicySchema = z.object({
  ...iamEntityShape,
  policyName: z.string(),
  policyId: z.string(),
  updatedMs: z.number(),
  versions: z.array(z.object({ versionId: z.string(), document: z.string(), createdMs: z.number() })).min(1),
  /** The default version as GetPolicy reports it (at once). */
  defaultVersionId: z.string(),
  /** Default versions, oldest first; authorisation uses the newest in effect. */
  defaultVersionHistory: z.array(z.object({ versionId: z.string(), effectiveMs: z.number() })).min(1),
  /** Version ids are never reused: v1, v2, … (IAM API reference, PolicyVersion.VersionId). */
  nextVersionNumber: z.number().int(),
});

const accessKeySchema = z.object({
  accessKeyId: z.string(),
  secretAccessKey: z.string(),
  status: z.enum(['Active', 'Inactive']),
  createdMs: z.number(),
  effectiveMs: z.number(),
});

const userSchema = z.object({
  ...iamEntityShape,
  userName: z.string(),
  userId: z.string(),
  attachments: z.array(attachmentSchema),
  accessKeys: z.array(accessKeySchema),
});

const secretVersionSchema = z.object({
  versionId: z.string(),
  secretString: z.string().optional(),
  createdMs: z.number(),
  /** Staging labels (`AWSCURRENT`, `AWSPREVIOUS`, `AWSPENDING` or custom ones), each on at most one version. */
  stages: z.array(z.string()),
});

const secretSchema = z.object({
  arn: z.string(),
  name: z.string(),
  region: z.string(),
  description: z.string().optional(),
  kmsKeyId: z.string().optional(),
  tags: tagsSchema,
  resourcePolicy: z.string().optional(),
  createdMs: z.number(),
  lastChangedMs: z.number(),
  versions: z.array(secretVersionSchema),
  /** Set by DeleteSecret: when it was asked (`DeletedDate`) and when the recovery window ends (`DeletionDate`). */
  deletion: z.object({ requestedMs: z.number(), effectiveMs: z.number() }).optional(),
  /** Set by RotateSecret. */
  rotation: z.object({ lambdaArn: z.string(), automaticallyAfterDays: z.number().int().optional() }).optional(),
});

const accountSchema = z.object({
  accountId: z.string().regex(/^\d{12}$/),
  name: z.string(),
  email: z.string(),
  partition: partitionSchema,
  state: z.enum(ACCOUNT_STATES),
  joinedMs: z.number(),
  aliases: z.array(z.string()),
  /** Keyed by lower-cased name: IAM names are unique regardless of case (IAM User Guide, "IAM name requirements"). */
  roles: z.record(z.string(), roleSchema),
  policies: z.record(z.string(), managedPolicySchema),
  users: z.record(z.string(), userSchema),
  secrets: z.array(secretSchema),
  /** Its parent in the organization's tree: an OU id; absent: the root. */
  parentId: z.string().optional(),
  /** True once the account left the organization: it stays in the sandbox. */
  left: z.boolean().optional(),
});

const organizationalUnitSchema = z.object({
  id: z.string().regex(OU_ID),
  name: z.string(),
  parentId: z.string().refine((id) => OU_ID.test(id) || ROOT_ID.test(id), 'neither an OU id nor a root id'),
});

const sessionSchema = z.object({
  accessKeyId: z.string(),
  secretAccessKey: z.string(),
  sessionToken: z.string(),
  accountId: z.string(),
  partition: partitionSchema,
  roleName: z.string(),
  roleId: z.string(),
  sessionName: z.string(),
  expiresMs: z.number(),
  sessionPolicy: z.string().optional(),
});

const createAccountStatusSchema = z.object({
  id: z.string(),
  state: z.enum(['IN_PROGRESS', 'SUCCEEDED', 'FAILED']),
  accountName: z.string().optional(),
  accountId: z.string().optional(),
  govCloudAccountId: z.string().optional(),
  failureReason: z.string().optional(),
  requestedMs: z.number(),
  completedMs: z.number().optional(),
});

const mutatingCallsSchema = z.object({
  iam: z.number(),
  sts: z.number(),
  organizations: z.number(),
  secretsmanager: z.number(),
  /** Absent in states saved before the sandbox served S3. */
  s3: z.number().default(0),
});

const objectSchema = z.object({ body: z.string(), contentType: z.string().optional(), etag: z.string(), lastModifiedMs: z.number() });

const bucketSchema = z.object({
  accountId: z.string(),
  region: z.string(),
  createdMs: z.number(),
  objects: z.record(z.string(), objectSchema),
});

const stateSchema = z.object({
  managementAccountId: z.string().regex(/^\d{12}$/),
  partition: partitionSchema,
  propagationSeconds: z.number().min(0),
  organizationId: z.string(),
  /** The organization's root id (`r-…`); absent in states saved before OUs were modelled: derived from the organization id. */
  rootId: z.string().regex(ROOT_ID).optional(),
  /** The organizational units, in no particular order; states saved before OUs were modelled have none. */
  organizationalUnits: z.array(organizationalUnitSchema).default([]),
  defaultPrincipalArn: z.string().optional(),
  accounts: z.record(z.string(), accountSchema),
  createAccountStatuses: z.array(createAccountStatusSchema),
  /** STS sessions by access key id, kept after expiry so an expired key fails like AWS's (ExpiredToken). */
  sessions: z.record(z.string(), sessionSchema),
  /** Deleted IAM user keys: still recognised, so they fail like AWS's (InvalidClientTokenId). */
  revokedAccessKeyIds: z.array(z.string()),
  mutatingCalls: mutatingCallsSchema,
  /** S3 buckets by name (bucket names are global in a partition); absent in states saved before S3. */
  buckets: z.record(z.string(), bucketSchema).default({}),
});

/** A role. */
export type RoleState = z.infer<typeof roleSchema>;
/** A customer managed policy. */
export type ManagedPolicyState = z.infer<typeof managedPolicySchema>;
/** An IAM user. */
export type UserState = z.infer<typeof userSchema>;
/** An STS session. */
export type SessionState = z.infer<typeof sessionSchema>;
/** A Secrets Manager secret (holds secret values: never shown by `dump()`). */
export type SecretState = z.infer<typeof secretSchema>;
/** An account and everything in it. */
export type AccountState = z.infer<typeof accountSchema>;
/** The whole sandbox. */
export type SandboxState = z.infer<typeof stateSchema>;

/** The JSON form of a sandbox: its state plus the clock's time (`clockMs`, epoch milliseconds). */
export const sandboxJsonSchema = z.object({ formatVersion: z.literal(1), clockMs: z.number(), state: stateSchema });
/** A sandbox's JSON form ({@link sandboxJsonSchema}). */
export type SandboxJson = z.infer<typeof sandboxJsonSchema>;

/** The root id: the saved one, else derived from the organization id (`o-abcd…` → `r-abcd`). */
export function rootIdOf(state: SandboxState): string {
  return state.rootId ?? `r-${state.organizationId.slice(2, 6)}`;
}

/** Lower-cased lookup key for IAM names, which are unique regardless of case. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/** A document that is not a saved sandbox: `detail` is `<path>: <problem>` of its first invalid field. */
export class SandboxStateError extends Error {
  constructor(readonly detail: string) {
    super(`AwsSandbox.fromJSON: not a saved sandbox (${detail})`);
    this.name = 'SandboxStateError';
  }
}

/** Loads a saved state. @throws SandboxStateError naming the first invalid field (keys of a hand-edited file shown only when short). */
export function deserializeState(json: unknown): SandboxJson {
  const parsed = sandboxJsonSchema.safeParse(json);
  if (!parsed.success) throw new SandboxStateError(describeFirstIssue(parsed.error, 'the document'));
  return parsed.data;
}

/** Reads own properties only, so a name like `constructor` is just a name. */
export function getEntry<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Writes an own property, even for a key like `__proto__`. */
export function setEntry<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A new customer managed policy at `v1`, in effect at once (nothing uses it before an attachment, which propagates). */
export function newPolicy(
  policyName: string,
  document: string,
  nowMs: number,
  fields: Pick<ManagedPolicyState, 'path' | 'tags' | 'description'>,
): ManagedPolicyState {
  return {
    policyName,
    policyId: newUniqueId('ANPA'),
    ...fields,
    createdMs: nowMs,
    updatedMs: nowMs,
    versions: [{ versionId: 'v1', document, createdMs: nowMs }],
    defaultVersionId: 'v1',
    defaultVersionHistory: [{ versionId: 'v1', effectiveMs: nowMs }],
    nextVersionNumber: 2,
  };
}

/** A new IAM user with no access keys. */
export function newUser(userName: string, nowMs: number, fields: Pick<UserState, 'path' | 'tags' | 'attachments'>): UserState {
  return { userName, userId: newUniqueId('AIDA'), ...fields, createdMs: nowMs, accessKeys: [] };
}
