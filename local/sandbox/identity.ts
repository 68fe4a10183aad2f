/**
 * Who is calling: turning the credentials a call was signed with (or the principal set with
 * `AwsSandbox.asPrincipal`) into a {@link Caller}.
 *
 * A key the sandbox issued identifies its STS session or IAM user, and is checked like AWS checks it (IAM User
 * Guide, "How IAM works" → "Authentication"): expired session → `ExpiredToken`; inactive, deleted or not yet
 * propagated key → `InvalidClientTokenId`; wrong secret → `SignatureDoesNotMatch`.
 */
import type { Partition } from '../../shared/partitions';
import { PARTITIONS, accountRootArn } from '../../shared/partitions';
import type { CredentialProblem } from './errors';
import { SandboxSetupError } from './errors';
import { stableIdFor } from './ids';
import { assumedRoleArnOf, findAccount, findRole, findUser, roleArnOf, userArnOf } from './iam-entities';
import type { RoleState, SandboxState, UserState } from './state';

/** The identity of one call. */
export interface Caller {
  /** The ARN the call is made as: an assumed-role session ARN, a user ARN, or an account root ARN. */
  arn: string;
  /** The account the caller acts in: IAM and Secrets Manager calls work on this account. */
  accountId: string;
  partition: Partition;
  /** `aws:PrincipalArn`: for a role session, the role's ARN (IAM User Guide, "AWS global condition context keys"). */
  principalArn: string;
  principalType: 'AssumedRole' | 'User' | 'Account';
  /** `GetCallerIdentity`'s `UserId`: `<role id>:<session>` for a session, the user id for a user, else the account. */
  userId: string;
  /**
   * The sandbox role or user whose attached policies apply. Neither for identities outside the sandbox (an
   * `asPrincipal` ARN naming no sandbox role or user): their permissions are the business of whoever deploys them.
   */
  role?: { accountId: string; roleName: string };
  user?: { accountId: string; userName: string };
}

/** Credentials as the SDK resolves them from `client.config.credentials()`. */
export interface CallCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A session of a role, known to the sandbox (`role`) or not. */
function roleSessionCaller(
  partition: Partition,
  accountId: string,
  role: RoleState | undefined,
  roleName: string,
  sessionName: string,
  roleId: string,
) {
  return {
    arn: assumedRoleArnOf(partition, accountId, role?.roleName ?? roleName, sessionName),
    accountId,
    partition,
    principalArn: roleArnOf(partition, accountId, role ?? { path: '/', roleName }),
    principalType: 'AssumedRole' as const,
    userId: `${roleId}:${sessionName}`,
  };
}

/** A user, known to the sandbox (`user`) or only by its ARN. */
function userCaller(partition: Partition, accountId: string, user: UserState | undefined, userArn: string): Caller {
  const arn = user ? userArnOf(partition, accountId, user) : userArn;
  return {
    arn,
    accountId,
    partition,
    principalArn: arn,
    principalType: 'User',
    userId: user?.userId ?? stableIdFor(userArn, 'AIDA'),
    ...(user ? { user: { accountId, userName: user.userName } } : {}),
  };
}

/**
 * Identifies a principal given by ARN (`asPrincipal`), e.g. a Lambda function's execution role:
 * `arn:<p>:sts::<acct>:assumed-role/<role>/<session>`, `arn:<p>:iam::<acct>:role/<path><name>` (a session of that
 * role named `AwsSandbox`, as calls are always made by a session of a role), `arn:<p>:iam::<acct>:user/<path><name>`
 * or `arn:<p>:iam::<acct>:root`.
 *
 * @throws SandboxSetupError for any other ARN.
 */
export function principalCaller(state: SandboxState, principalArn: string): Caller {
  const [, partition = '', service, accountId = '', resource = ''] = /^arn:([^:]+):(sts|iam)::(\d{12}):(.+)$/.exec(principalArn) ?? [];
  const unsupported = new SandboxSetupError(`asPrincipal: unsupported principal ARN ${principalArn}`);
  if (!(PARTITIONS as readonly string[]).includes(partition)) throw unsupported;
  const p = partition as Partition;
  const account = findAccount(state, accountId);
  const assumed = service === 'sts' ? /^assumed-role\/([^/]+)\/([^/]+)$/.exec(resource) : /^role\/(?:.*\/)?([^/]+)$/.exec(resource);
  if (assumed) {
    const [, roleName, sessionName = 'AwsSandbox'] = assumed;
    const role = account && findRole(account, roleName);
    return {
      ...roleSessionCaller(p, accountId, role, roleName, sessionName, role?.roleId ?? stableIdFor(principalArn, 'AROA')),
      ...(role ? { role: { accountId, roleName: role.roleName } } : {}),
    };
  }
  const userName = service === 'iam' ? /^user\/(?:.*\/)?([^/]+)$/.exec(resource)?.[1] : undefined;
  if (userName !== undefined) return userCaller(p, accountId, account && findUser(account, userName), principalArn);
  if (service !== 'iam' || resource !== 'root') throw unsupported;
  const arn = accountRootArn(p, accountId);
  return {
    arn,
    accountId,
    partition: p,
    principalArn: arn,
    principalType: 'Account',
    userId: accountId,
  };
}

/**
 * Which account and user hold each user access key, per state, built on first use: resolving a caller must not scan
 * every account's users on every call (a reconciliation of 10,000 accounts makes hundreds of thousands of calls). Keys
 * created later are added with {@link noteAccessKey}; a deleted key or user is caught by checking the entry on use.
 */
const keyHolders = new WeakMap<SandboxState, Map<string, { accountId: string; userName: string }>>();

function keyHoldersOf(state: SandboxState): Map<string, { accountId: string; userName: string }> {
  let index = keyHolders.get(state);
  if (!index) {
    index = new Map();
    for (const account of Object.values(state.accounts)) {
      for (const user of Object.values(account.users)) {
        for (const key of user.accessKeys) index.set(key.accessKeyId, { accountId: account.accountId, userName: user.userName });
      }
    }
    keyHolders.set(state, index);
  }
  return index;
}

/** Records a user access key just created in `state`, for {@link resolveCaller}. */
export function noteAccessKey(state: SandboxState, accountId: string, userName: string, accessKeyId: string): void {
  keyHolders.get(state)?.set(accessKeyId, { accountId, userName });
}

/**
 * Identifies the caller of one call.
 *
 * @param credentials - what `client.config.credentials()` resolved to, or `undefined` when it could not resolve.
 * @param principalArn - the principal set by `asPrincipal` (or the sandbox default), used when the credentials
 *   were not issued by the sandbox.
 * @param nowMs - the virtual time, epoch milliseconds.
 * @returns the caller, or the credential problem AWS would report.
 * @throws SandboxSetupError when the credentials are not the sandbox's and no principal is set.
 */
export function resolveCaller(
  state: SandboxState,
  credentials: CallCredentials | undefined,
  principalArn: string | undefined,
  nowMs: number,
): { ok: true; caller: Caller } | { ok: false; problem: CredentialProblem } {
  const keyId = credentials?.accessKeyId;
  const session = keyId && Object.hasOwn(state.sessions, keyId) ? state.sessions[keyId] : undefined;
  if (credentials && session) {
    if (credentials.secretAccessKey !== session.secretAccessKey) return { ok: false, problem: 'signature' };
    if (credentials.sessionToken !== session.sessionToken) return { ok: false, problem: 'invalid' };
    if (nowMs >= session.expiresMs) return { ok: false, problem: 'expired' };
    const { partition, accountId, roleName, sessionName, roleId } = session;
    const account = findAccount(state, accountId);
    return {
      ok: true,
      caller: {
        ...roleSessionCaller(partition, accountId, account && findRole(account, roleName), roleName, sessionName, roleId),
        role: { accountId, roleName },
      },
    };
  }
  const holder = keyId ? keyHoldersOf(state).get(keyId) : undefined;
  const account = holder && findAccount(state, holder.accountId);
  const user = account && Object.values(account.users).find((candidate) => candidate.userName === holder?.userName);
  const key = user?.accessKeys.find((candidate) => candidate.accessKeyId === keyId);
  if (credentials && account && user && key) {
    if (credentials.secretAccessKey !== key.secretAccessKey) return { ok: false, problem: 'signature' };
    // A long-term key signs without a session token; an inactive or not yet propagated key is refused.
    if (credentials.sessionToken || key.status !== 'Active' || nowMs < key.effectiveMs) return { ok: false, problem: 'invalid' };
    return { ok: true, caller: userCaller(account.partition, account.accountId, user, '') };
  }
  if (keyId && state.revokedAccessKeyIds.includes(keyId)) return { ok: false, problem: 'invalid' };
  if (principalArn === undefined) {
    throw new SandboxSetupError(
      `AwsSandbox: a call was signed with credentials the sandbox did not issue (${keyId ?? 'none resolved'}) ` +
        'and no principal is set: wrap the code in sandbox.asPrincipal(arn, fn) or set defaultPrincipalArn',
    );
  }
  return { ok: true, caller: principalCaller(state, principalArn) };
}
