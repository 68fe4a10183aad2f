/**
 * Who is calling: a key the sandbox issued (checked as in the IAM User Guide, "How IAM works" → "Authentication"),
 * else the principal set with `AwsSandbox.asPrincipal`.
 */
import type { Partition } from '../../shared/partitions';
import { PARTITIONS, accountRootArn } from '../../shared/partitions';
import type { CredentialProblem } from './errors';
import { SandboxSetupError, iamError } from './errors';
import { newAccessKeyId, newSecretAccessKey, stableIdFor } from './ids';
import { assumedRoleArnOf, findAccount, findRole, findUser, iamArnOf } from './iam-entities';
import type { AccountState, RoleState, SandboxState, SessionState, UserState } from './state';

/** The identity of one call. */
export interface Caller {
  /** An assumed-role session, user or account root ARN. */
  arn: string;
  accountId: string;
  partition: Partition;
  /** `aws:PrincipalArn`: for a role session, the role's ARN. */
  principalArn: string;
  principalType: 'AssumedRole' | 'User' | 'Account';
  /** GetCallerIdentity's `UserId`. */
  userId: string;
  /** The sandbox role or user whose policies apply; neither for an identity outside the sandbox (allowed all). */
  role?: { accountId: string; roleName: string };
  user?: { accountId: string; userName: string };
}

/** Credentials as `client.config.credentials()` resolves them. */
export interface CallCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A session of `role` (`undefined` once deleted, or outside the sandbox), as STS names it and as it calls. */
export function roleSessionCaller(
  session: Pick<SessionState, 'partition' | 'accountId' | 'roleName' | 'sessionName' | 'roleId'>,
  role?: RoleState,
) {
  const { partition, accountId, roleName, sessionName, roleId } = session;
  return {
    arn: assumedRoleArnOf(partition, accountId, role?.roleName ?? roleName, sessionName),
    accountId,
    partition,
    principalArn: iamArnOf({ partition, accountId }, 'role', role?.path ?? '/', role?.roleName ?? roleName),
    principalType: 'AssumedRole' as const,
    userId: `${roleId}:${sessionName}`,
  };
}

/** A user or an account root: its own ARN is its `aws:PrincipalArn`. */
function ownCaller(principalType: 'User' | 'Account', arn: string, partition: Partition, accountId: string, userId: string): Caller {
  return { arn, accountId, partition, principalArn: arn, principalType, userId };
}

function userCaller(partition: Partition, accountId: string, user: UserState | undefined, userArn: string): Caller {
  const arn = user ? iamArnOf({ partition, accountId }, 'user', user.path, user.userName) : userArn;
  const caller = ownCaller('User', arn, partition, accountId, user?.userId ?? stableIdFor(userArn, 'AIDA'));
  return user ? { ...caller, user: { accountId, userName: user.userName } } : caller;
}

/**
 * Identifies an `asPrincipal` ARN: a session, a role (as its session `AwsSandbox`: calls are made by sessions), a user
 * or a root. @throws SandboxSetupError for any other ARN.
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
    const roleId = role?.roleId ?? stableIdFor(principalArn, 'AROA');
    return {
      ...roleSessionCaller({ partition: p, accountId, roleName, sessionName, roleId }, role),
      ...(role ? { role: { accountId, roleName: role.roleName } } : {}),
    };
  }
  const userName = service === 'iam' ? /^user\/(?:.*\/)?([^/]+)$/.exec(resource)?.[1] : undefined;
  if (userName !== undefined) return userCaller(p, accountId, account && findUser(account, userName), principalArn);
  if (service !== 'iam' || resource !== 'root') throw unsupported;
  return ownCaller('Account', accountRootArn(p, accountId), p, accountId, accountId);
}

/**
 * The holder of each user access key, built on first use: a call must not scan 10,000 accounts' users. Keys created
 * later are added by {@link addAccessKey}; deleted ones are caught by checking the entry on use.
 */
const keyHolders = new WeakMap<SandboxState, Map<string, { accountId: string; userName: string }>>();

/** Adds an Active access key to a user. @throws `LimitExceededException` over two keys (IAM User Guide, "IAM and AWS STS quotas"). */
export function addAccessKey(state: SandboxState, accountId: string, user: UserState, createdMs: number, effectiveMs: number) {
  if (user.accessKeys.length >= 2) throw iamError('LimitExceeded', 'Cannot exceed quota for AccessKeysPerUser: 2');
  const key = {
    accessKeyId: newAccessKeyId('user'),
    secretAccessKey: newSecretAccessKey(),
    status: 'Active' as const,
    createdMs,
    effectiveMs,
  };
  user.accessKeys.push(key);
  keyHolders.get(state)?.set(key.accessKeyId, { accountId, userName: user.userName });
  return key;
}

/**
 * Who holds access key `accessKeyId` now: a role session, or a user's key (deleted keys and users are not found). Its
 * validity (secret, status, expiry) is not checked.
 */
export function credentialsHolder(
  state: SandboxState,
  accessKeyId: string,
): { session: SessionState } | { account: AccountState; user: UserState; key: UserState['accessKeys'][number] } | undefined {
  if (Object.hasOwn(state.sessions, accessKeyId)) return { session: state.sessions[accessKeyId] };
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
  const holder = index.get(accessKeyId);
  const account = holder && findAccount(state, holder.accountId);
  const user = account && findUser(account, holder.userName);
  const key = user?.accessKeys.find((candidate) => candidate.accessKeyId === accessKeyId);
  return account && user && key ? { account, user, key } : undefined;
}

/**
 * The caller of one call at `nowMs` (epoch ms), or the credential problem AWS would report; `principalArn` applies to
 * credentials the sandbox did not issue. @throws SandboxSetupError when those come without a principal.
 */
export function resolveCaller(
  state: SandboxState,
  credentials: CallCredentials | undefined,
  principalArn: string | undefined,
  nowMs: number,
): { ok: true; caller: Caller } | { ok: false; problem: CredentialProblem } {
  const keyId = credentials?.accessKeyId;
  const holder = keyId ? credentialsHolder(state, keyId) : undefined;
  if (credentials && holder && 'session' in holder) {
    const { session } = holder;
    if (credentials.secretAccessKey !== session.secretAccessKey) return { ok: false, problem: 'signature' };
    if (credentials.sessionToken !== session.sessionToken) return { ok: false, problem: 'invalid' };
    if (nowMs >= session.expiresMs) return { ok: false, problem: 'expired' };
    const { accountId, roleName } = session;
    const account = findAccount(state, accountId);
    return { ok: true, caller: { ...roleSessionCaller(session, account && findRole(account, roleName)), role: { accountId, roleName } } };
  }
  if (credentials && holder && 'key' in holder) {
    const { account, user, key } = holder;
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
