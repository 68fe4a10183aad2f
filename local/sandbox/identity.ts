/**
 * Who is calling: turning the credentials a call was signed with (or the principal set with
 * `AwsSandbox.asPrincipal`) into a {@link Caller}.
 *
 * Mirrors how AWS authenticates a request (IAM User Guide, "How IAM works" → "Authentication"): a key the
 * sandbox issued identifies its STS session or IAM user, and is checked like AWS checks it (expired session →
 * `ExpiredToken`, inactive, deleted or not yet propagated key → `InvalidClientTokenId`, wrong secret →
 * `SignatureDoesNotMatch`).
 */
import type { Partition } from '../../shared/partitions';
import { PARTITIONS, accountRootArn } from '../../shared/partitions';
import type { CredentialProblem } from './errors';
import { SandboxSetupError } from './errors';
import { stableIdFor } from './ids';
import { assumedRoleArnOf, findAccount, findRole, findUser, roleArnOf, userArnOf } from './iam-entities';
import type { AccountState, SandboxState, SessionState, UserState } from './state';

/** The identity of one call. */
export interface Caller {
  /** The ARN the call is made as: an assumed-role session ARN, a user ARN, or an account root ARN. */
  arn: string;
  /** The account the caller acts in: IAM and Secrets Manager calls work on this account. */
  accountId: string;
  partition: Partition;
  /**
   * `aws:PrincipalArn`: for a role session, the role's ARN rather than the session's (IAM User Guide,
   * "AWS global condition context keys" → aws:PrincipalArn).
   */
  principalArn: string;
  /** `aws:PrincipalType`. */
  principalType: 'AssumedRole' | 'User' | 'Account';
  /** `GetCallerIdentity`'s `UserId`: `<role id>:<session>` for a session, the user id for a user, else the account. */
  userId: string;
  /** The sandbox role whose attached policies apply, when the caller is (a session of) one. */
  role?: { accountId: string; roleName: string };
  /** The sandbox user whose attached policies apply, when the caller is one. */
  user?: { accountId: string; userName: string };
  /** The STS session, when the credentials were issued by the sandbox's AssumeRole. */
  session?: SessionState;
  /**
   * True when the sandbox evaluates the caller's own identity policies: sessions and users it issued keys to, and
   * `asPrincipal` identities that name a sandbox role or user. False for identities outside the sandbox (their
   * permissions are the business of whoever deploys them): those are treated as allowed by their own policies.
   */
  evaluatePolicies: boolean;
  /** How the caller was identified. */
  source: 'session' | 'access-key' | 'principal';
}

/** Credentials as the SDK resolves them from `client.config.credentials()`. */
export interface CallCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The outcome of {@link resolveCaller}. */
export type CallerResolution = { ok: true; caller: Caller } | { ok: false; problem: CredentialProblem };

function isPartition(value: string): value is Partition {
  return (PARTITIONS as readonly string[]).includes(value);
}

function sessionCaller(state: SandboxState, session: SessionState): Caller {
  const account = findAccount(state, session.accountId);
  const role = account && findRole(account, session.roleName);
  return {
    arn: assumedRoleArnOf(session.partition, session.accountId, session.roleName, session.sessionName),
    accountId: session.accountId,
    partition: session.partition,
    principalArn: role
      ? roleArnOf(session.partition, session.accountId, role)
      : roleArnOf(session.partition, session.accountId, { path: '/', roleName: session.roleName }),
    principalType: 'AssumedRole',
    userId: `${session.roleId}:${session.sessionName}`,
    role: { accountId: session.accountId, roleName: session.roleName },
    session,
    evaluatePolicies: true,
    source: 'session',
  };
}

/**
 * Identifies a principal given by ARN (`asPrincipal`), e.g. a Lambda function's execution role.
 *
 * Accepted forms: `arn:<p>:sts::<acct>:assumed-role/<role>/<session>`, `arn:<p>:iam::<acct>:role/<path><name>`
 * (treated as a session of that role named `AwsSandbox`, as calls are always made by a session of a role),
 * `arn:<p>:iam::<acct>:user/<path><name>` and `arn:<p>:iam::<acct>:root`.
 *
 * @throws SandboxSetupError for any other ARN.
 */
export function principalCaller(state: SandboxState, principalArn: string): Caller {
  const match = /^arn:([^:]+):(sts|iam)::(\d{12}):(.+)$/.exec(principalArn);
  if (!match || !isPartition(match[1])) {
    throw new SandboxSetupError(`asPrincipal: unsupported principal ARN ${principalArn}`);
  }
  const partition = match[1];
  const service = match[2];
  const accountId = match[3];
  const resource = match[4];
  const account = findAccount(state, accountId);

  const assumed = service === 'sts' ? /^assumed-role\/([^/]+)\/([^/]+)$/.exec(resource) : null;
  const roleMatch = service === 'iam' ? /^role\/(?:.*\/)?([^/]+)$/.exec(resource) : null;
  if (assumed || roleMatch) {
    const roleName = assumed ? assumed[1] : roleMatch![1];
    const sessionName = assumed ? assumed[2] : 'AwsSandbox';
    const role = account && findRole(account, roleName);
    return {
      arn: assumedRoleArnOf(partition, accountId, role?.roleName ?? roleName, sessionName),
      accountId,
      partition,
      principalArn: roleArnOf(partition, accountId, role ?? { path: '/', roleName }),
      principalType: 'AssumedRole',
      userId: `${role?.roleId ?? stableIdFor(principalArn, 'AROA')}:${sessionName}`,
      ...(role ? { role: { accountId, roleName: role.roleName } } : {}),
      evaluatePolicies: role !== undefined,
      source: 'principal',
    };
  }
  const userMatch = service === 'iam' ? /^user\/(?:.*\/)?([^/]+)$/.exec(resource) : null;
  if (userMatch) {
    const user = account && findUser(account, userMatch[1]);
    return {
      arn: user ? userArnOf(partition, accountId, user) : principalArn,
      accountId,
      partition,
      principalArn: user ? userArnOf(partition, accountId, user) : principalArn,
      principalType: 'User',
      userId: user?.userId ?? stableIdFor(principalArn, 'AIDA'),
      ...(user ? { user: { accountId, userName: user.userName } } : {}),
      evaluatePolicies: user !== undefined,
      source: 'principal',
    };
  }
  if (service === 'iam' && resource === 'root') {
    return {
      arn: accountRootArn(partition, accountId),
      accountId,
      partition,
      principalArn: accountRootArn(partition, accountId),
      principalType: 'Account',
      userId: accountId,
      evaluatePolicies: false,
      source: 'principal',
    };
  }
  throw new SandboxSetupError(`asPrincipal: unsupported principal ARN ${principalArn}`);
}

/** A user access key with the user and account that hold it. */
interface AccessKeyHolder {
  account: AccountState;
  user: UserState;
  key: UserState['accessKeys'][number];
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

function accessKeyHolder(state: SandboxState, accessKeyId: string): AccessKeyHolder | undefined {
  const entry = keyHoldersOf(state).get(accessKeyId);
  const account = entry && Object.hasOwn(state.accounts, entry.accountId) ? state.accounts[entry.accountId] : undefined;
  const user = account && Object.values(account.users).find((candidate) => candidate.userName === entry?.userName);
  const key = user?.accessKeys.find((candidate) => candidate.accessKeyId === accessKeyId);
  return account && user && key ? { account, user, key } : undefined;
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
): CallerResolution {
  const keyId = credentials?.accessKeyId;
  if (credentials && keyId) {
    const session = Object.hasOwn(state.sessions, keyId) ? state.sessions[keyId] : undefined;
    if (session) {
      if (credentials.secretAccessKey !== session.secretAccessKey) return { ok: false, problem: 'signature' };
      if (credentials.sessionToken !== session.sessionToken) return { ok: false, problem: 'invalid' };
      if (nowMs >= session.expiresMs) return { ok: false, problem: 'expired' };
      return { ok: true, caller: sessionCaller(state, session) };
    }
    const holder = accessKeyHolder(state, keyId);
    if (holder) {
      const { account, user, key } = holder;
      if (credentials.secretAccessKey !== key.secretAccessKey) return { ok: false, problem: 'signature' };
      // A long-term key signs without a session token; an inactive or not yet propagated key is refused.
      if (credentials.sessionToken || key.status !== 'Active' || nowMs < key.effectiveMs) {
        return { ok: false, problem: 'invalid' };
      }
      const userArn = userArnOf(account.partition, account.accountId, user);
      return {
        ok: true,
        caller: {
          arn: userArn,
          accountId: account.accountId,
          partition: account.partition,
          principalArn: userArn,
          principalType: 'User',
          userId: user.userId,
          user: { accountId: account.accountId, userName: user.userName },
          evaluatePolicies: true,
          source: 'access-key',
        },
      };
    }
    if (state.revokedAccessKeyIds.includes(keyId)) return { ok: false, problem: 'invalid' };
  }
  if (principalArn === undefined) {
    throw new SandboxSetupError(
      `AwsSandbox: a call was signed with credentials the sandbox did not issue (${keyId ?? 'none resolved'}) ` +
        'and no principal is set: wrap the code in sandbox.asPrincipal(arn, fn) or set defaultPrincipalArn',
    );
  }
  return { ok: true, caller: principalCaller(state, principalArn) };
}
