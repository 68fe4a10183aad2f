/**
 * A stateful, in-memory AWS (IAM, STS, Organizations, Secrets Manager, S3) behind the real SDK v3 clients, no network.
 * Code with ambient credentials must run inside `asPrincipal` (or set `defaultPrincipalArn`), else SandboxSetupError.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Partition } from '../../shared/partitions';
import { iamRegion } from '../../shared/aws/regions';
import { VirtualClock } from './clock';
import { currentPolicyDocument, currentTrustPolicy, findAccount, findPolicy, findRole, findUser, iamArnOf } from './iam-entities';
import { addAccessKey, principalCaller } from './identity';
import { newOrganizationId, newUniqueId } from './ids';
import { installMocks, type CallHooks } from './mock-wiring';
import { forgetOrganizationIndex } from './organizations';
import { checkPolicyDocument, type PolicyKind } from './policy-documents';
import { addVersion, newSecret } from './secrets-manager';
import type { AccountState, OrganizationsAccountState, SandboxJson, SandboxState, ServiceName } from './state';
import { ROOT_ID, deserializeState, getEntry, nameKey, newPolicy, newUser, noCalls, rootIdOf, setEntry } from './state';

export { VirtualClock } from './clock';
export { SandboxSetupError } from './errors';
export type { OrganizationsAccountState, SandboxJson, ServiceName } from './state';
export { SandboxStateError, sandboxJsonSchema } from './state';
export type { CallHooks } from './mock-wiring';

/** What `AwsSandbox.dump()` returns: documents parsed, never a secret value or secret access key (it is printed). */
export type SandboxDump = ReturnType<AwsSandbox['dump']>;

/** How to build a sandbox. */
export interface SandboxOptions {
  /** The management account (12 digits). */
  managementAccountId: string;
  partition?: Partition;
  /**
   * Seconds IAM changes (roles, trust policies, attachments, default versions, access keys) take to take effect; default
   * 10 ("a few seconds (usually) to a minute (rare)", Datadog's stratus-red-team; 10–30 s, terraform-provider-aws #6566).
   */
  propagationSeconds?: number;
  clock?: VirtualClock;
  /** The principal of calls outside {@link AwsSandbox.asPrincipal} with credentials the sandbox did not issue. */
  defaultPrincipalArn?: string;
}

/** An organization's tree, as {@link AwsSandbox.applyOrganization} takes it. */
export interface OrganizationTree {
  rootId?: string;
  organizationalUnits?: { id: string; name: string; parentId: string }[];
  accounts?: { accountId: string; parentId?: string; state?: OrganizationsAccountState; left?: boolean }[];
}

/** The sandbox: seed it, `install()` it, run SDK code, inspect it, `restore()`. Only one can be installed at a time. */
export class AwsSandbox {
  private callHooks: CallHooks | undefined;
  readonly clock: VirtualClock;
  /** Read (never written) by test/support's recorder; everyone else goes through the SDK or the methods below. */
  protected state: SandboxState;
  private uninstall: (() => void) | undefined;
  private envSaved: [string, string | undefined][] = [];
  private readonly principals = new AsyncLocalStorage<string>();

  /** @throws Error when `managementAccountId` is not 12 digits or `propagationSeconds` is negative. */
  constructor(options: SandboxOptions) {
    this.clock = options.clock ?? new VirtualClock();
    const partition = options.partition ?? 'aws';
    this.state = {
      managementAccountId: options.managementAccountId,
      partition,
      propagationSeconds: 0,
      organizationId: newOrganizationId(),
      organizationalUnits: [],
      ...(options.defaultPrincipalArn !== undefined ? { defaultPrincipalArn: options.defaultPrincipalArn } : {}),
      accounts: {},
      createAccountStatuses: [],
      sessions: {},
      revokedAccessKeyIds: [],
      mutatingCalls: noCalls(),
      buckets: {},
    };
    this.propagationSeconds = options.propagationSeconds ?? 10;
    this.addAccount(options.managementAccountId, { name: 'management' });
  }

  get managementAccountId(): string {
    return this.state.managementAccountId;
  }

  get partition(): Partition {
    return this.state.partition;
  }

  /** Seconds IAM changes made from now on take to take effect ({@link SandboxOptions.propagationSeconds}). */
  get propagationSeconds(): number {
    return this.state.propagationSeconds;
  }

  /** Sets {@link SandboxOptions.propagationSeconds} for later IAM changes. @throws Error when `seconds` is negative or not finite. */
  set propagationSeconds(seconds: number) {
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new Error(`AwsSandbox: propagationSeconds must be a non-negative number, got ${seconds}`);
    }
    this.state.propagationSeconds = seconds;
  }

  /**
   * Adds an account; one of another partition (GovCloud) is not an organization member; one not `ACTIVE` refuses calls.
   * @throws Error when the id is not 12 digits or already present.
   */
  addAccount(
    accountId: string,
    options: { name?: string; partition?: Partition; state?: OrganizationsAccountState; aliases?: string[] } = {},
  ): void {
    if (!/^\d{12}$/.test(accountId)) throw new Error(`AwsSandbox.addAccount: account id must be 12 digits, got ${accountId}`);
    if (findAccount(this.state, accountId)) throw new Error(`AwsSandbox.addAccount: account ${accountId} already exists`);
    forgetOrganizationIndex(this.state);
    setEntry(this.state.accounts, accountId, {
      accountId,
      name: options.name ?? `account-${accountId}`,
      email: `aws+${accountId}@example.com`,
      partition: options.partition ?? this.state.partition,
      state: options.state ?? 'ACTIVE',
      joinedMs: this.clock.now(),
      aliases: options.aliases ?? [],
      roles: {},
      policies: {},
      users: {},
      secrets: [],
    });
  }

  /**
   * Adds a member account as CreateAccount leaves it: access roles (default `OrganizationAccountAccessRole`) trusting the
   * management account with `AdministratorAccess` (Organizations API reference, CreateAccount `RoleName`).
   * @throws Error as {@link addAccount} does.
   */
  createMemberAccount(
    accountId: string,
    options: { name?: string; partition?: Partition; accessRoleNames?: string[]; trustedAccountId?: string } = {},
  ): void {
    this.addAccount(accountId, { name: options.name, partition: options.partition });
    for (const roleName of options.accessRoleNames ?? ['OrganizationAccountAccessRole'])
      this.createAccessRole(accountId, roleName, options.trustedAccountId ?? this.state.managementAccountId);
  }

  /** Changes an account's Organizations `State` (e.g. `SUSPENDED` for a closed one). @throws Error for an unknown account. */
  setAccountState(accountId: string, state: OrganizationsAccountState): void {
    this.requireAccount(accountId, 'setAccountState').state = state;
  }

  /**
   * Applies an organization's tree (`--org FILE`) as a whole or not at all.
   * @throws Error naming the first problem: an unknown parent, an OU that is its own ancestor, an unknown account.
   */
  applyOrganization(tree: OrganizationTree): void {
    const next = structuredClone(this.state);
    placeOrganization(next, tree, 'applyOrganization', false);
    this.state = next;
  }

  /** Checks a tree as {@link applyOrganization} would, changing nothing; its accounts need not be in the sandbox yet. */
  checkOrganization(tree: OrganizationTree): void {
    placeOrganization(structuredClone(this.state), tree, 'checkOrganization', true);
  }

  /** True when the sandbox has the account (cheap: `dump()` serialises every account). */
  hasAccount(accountId: string): boolean {
    return findAccount(this.state, accountId) !== undefined;
  }

  /** True when the account has a role of that name. */
  hasRole(accountId: string, roleName: string): boolean {
    const account = findAccount(this.state, accountId);
    return account !== undefined && findRole(account, roleName) !== undefined;
  }

  /** The ARN of the account's secret of that name in `region`, if it holds one not scheduled for deletion. */
  secretArn(accountId: string, name: string, region: string): string | undefined {
    const secrets = findAccount(this.state, accountId)?.secrets ?? [];
    return secrets.find((secret) => secret.name === name && secret.region === region && secret.deletion === undefined)?.arn;
  }

  /** Adds an access role (`AdministratorAccess`, trusting `trustedAccountId`). @throws Error for an unknown account. */
  createAccessRole(accountId: string, roleName: string, trustedAccountId: string): void {
    const partition = this.requireAccount(accountId, 'createAccessRole').partition;
    this.putRole(accountId, roleName, {
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${trustedAccountId}:root` }, Action: 'sts:AssumeRole' }],
      },
      attachedPolicyArns: [`arn:${partition}:iam::aws:policy/AdministratorAccess`],
    });
  }

  /** Seeds a role, already propagated, replacing one of the same name; returns its ARN. @throws Error for an invalid seed. */
  putRole(
    accountId: string,
    roleName: string,
    options: { trustPolicy: object; attachedPolicyArns?: string[]; tags?: Record<string, string>; maxSessionDurationSeconds?: number },
  ): string {
    const account = this.requireAccount(accountId, 'putRole');
    const document = this.checkSeedDocument(options.trustPolicy, 'trust', `putRole(${roleName})`);
    const nowMs = this.clock.now();
    const existing = findRole(account, roleName);
    const role = {
      roleName,
      roleId: existing?.roleId ?? newUniqueId('AROA'),
      path: '/',
      maxSessionDurationSeconds: options.maxSessionDurationSeconds ?? 3600,
      createdMs: existing?.createdMs ?? nowMs,
      tags: { ...options.tags },
      trustPolicies: [{ document, effectiveMs: nowMs }],
      attachments: this.seedAttachments(account, options.attachedPolicyArns, nowMs),
    };
    setEntry(account.roles, nameKey(roleName), role);
    return iamArnOf(account, 'role', role.path, roleName);
  }

  /** Seeds a customer managed policy (`v1`, in effect at once), replacing one of the same name; returns its ARN. */
  putPolicy(accountId: string, policyName: string, document: object, options: { tags?: Record<string, string> } = {}): string {
    const account = this.requireAccount(accountId, 'putPolicy');
    const text = this.checkSeedDocument(document, 'identity', `putPolicy(${policyName})`);
    const policy = newPolicy(policyName, text, this.clock.now(), { path: '/', tags: { ...options.tags } });
    setEntry(account.policies, nameKey(policyName), policy);
    return iamArnOf(account, 'policy', policy.path, policyName);
  }

  /** Seeds an IAM user (attachments in effect at once), replacing one of the same name, keys included; returns its ARN. */
  putUser(accountId: string, userName: string, options: { attachedPolicyArns?: string[]; tags?: Record<string, string> } = {}): string {
    const account = this.requireAccount(accountId, 'putUser');
    const nowMs = this.clock.now();
    const user = newUser(userName, nowMs, {
      path: '/',
      tags: { ...options.tags },
      attachments: this.seedAttachments(account, options.attachedPolicyArns, nowMs),
    });
    setEntry(account.users, nameKey(userName), user);
    return iamArnOf(account, 'user', user.path, userName);
  }

  /** Seeds an access key for a user, usable at once. @throws Error when the user does not exist or has two keys. */
  putAccessKey(accountId: string, userName: string): { accessKeyId: string; secretAccessKey: string } {
    const user = findUser(this.requireAccount(accountId, 'putAccessKey'), userName);
    if (!user) throw new Error(`AwsSandbox.putAccessKey: user ${userName} does not exist in ${accountId}`);
    const key = addAccessKey(this.state, accountId, user, this.clock.now(), this.clock.now());
    return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  }

  /**
   * Seeds a secret (default in the management account and IAM region), or a new current value; `suffix`: the ARN's 6
   * characters after the name. Returns its ARN.
   * @throws Error for an unknown account, an invalid policy or suffix, or a secret existing with another suffix.
   */
  putSecret(
    name: string,
    secretString: string,
    options: { accountId?: string; region?: string; tags?: Record<string, string>; resourcePolicy?: object; suffix?: string } = {},
  ): string {
    if (options.suffix !== undefined && !/^[A-Za-z0-9]{6}$/.test(options.suffix)) {
      throw new Error(`AwsSandbox.putSecret: suffix must be 6 letters or digits, got ${options.suffix}`);
    }
    const account = this.requireAccount(options.accountId ?? this.state.managementAccountId, 'putSecret');
    const region = options.region ?? iamRegion(account.partition);
    const nowMs = this.clock.now();
    const policy = options.resourcePolicy && this.checkSeedDocument(options.resourcePolicy, 'resource', `putSecret(${name})`);
    let secret = account.secrets.find((candidate) => candidate.region === region && candidate.name === name);
    if (secret && options.suffix !== undefined && !secret.arn.endsWith(`-${options.suffix}`)) {
      throw new Error(`AwsSandbox.putSecret: secret ${name} exists as ${secret.arn}, not with suffix ${options.suffix}`);
    }
    if (!secret) {
      secret = newSecret(account, region, name, nowMs, options.suffix);
      account.secrets.push(secret);
    }
    addVersion(secret, randomUUID(), secretString, nowMs);
    secret.tags = { ...secret.tags, ...options.tags };
    if (policy !== undefined) secret.resourcePolicy = policy;
    return secret.arn;
  }

  /**
   * Creates an empty S3 bucket unless it exists (default in the management account and IAM region).
   * @throws Error for an invalid bucket name (S3 User Guide, "Bucket naming rules").
   */
  putBucket(name: string, options: { accountId?: string; region?: string } = {}): void {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) throw new Error(`AwsSandbox.putBucket: invalid bucket name ${name}`);
    if (getEntry(this.state.buckets, name)) return;
    setEntry(this.state.buckets, name, {
      accountId: options.accountId ?? this.state.managementAccountId,
      region: options.region ?? iamRegion(this.state.partition),
      createdMs: this.clock.now(),
      objects: {},
    });
  }

  /** The text of an S3 object, or `undefined` when the bucket or the key does not exist. */
  objectText(bucket: string, key: string): string | undefined {
    return getEntry(getEntry(this.state.buckets, bucket)?.objects ?? {}, key)?.body;
  }

  /** The keys of a bucket's objects that start with `prefix`, sorted; empty when the bucket does not exist. */
  objectKeys(bucket: string, prefix = ''): string[] {
    return Object.keys(getEntry(this.state.buckets, bucket)?.objects ?? {})
      .filter((key) => key.startsWith(prefix))
      .sort();
  }

  /** Sets (or clears) the hooks consulted around every simulated call, for fault injection; not saved with the state. */
  setCallHooks(hooks: CallHooks | undefined): void {
    this.callHooks = hooks;
  }

  /** Records (or updates, by id) a CreateAccount request for DescribeCreateAccountStatus. @throws Error for a malformed id. */
  addCreateAccountStatus(status: Omit<SandboxState['createAccountStatuses'][number], 'requestedMs' | 'completedMs'>): void {
    if (!/^car-[a-z0-9]{8,32}$/.test(status.id)) {
      throw new Error(`AwsSandbox.addCreateAccountStatus: id must match car-[a-z0-9]{8,32}, got ${status.id}`);
    }
    const nowMs = this.clock.now();
    const previous = this.state.createAccountStatuses.find((candidate) => candidate.id === status.id);
    const entry = {
      ...status,
      requestedMs: previous?.requestedMs ?? nowMs,
      ...(status.state === 'IN_PROGRESS' ? {} : { completedMs: nowMs }),
    };
    this.state.createAccountStatuses = [...this.state.createAccountStatuses.filter((candidate) => candidate !== previous), entry];
  }

  /**
   * Answers the SDK clients from this sandbox; until {@link restore}, sets example credentials when unset and hides
   * `AWS_PROFILE`, so clients never probe the network (instance metadata, SSO).
   * @throws Error when already installed.
   */
  install(): void {
    if (this.uninstall) throw new Error('AwsSandbox.install: already installed');
    this.envSaved = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE'].map((name) => [name, process.env[name]]);
    // AWS's documented example key pair (IAM User Guide, "Managing access keys"): never a real key.
    process.env.AWS_ACCESS_KEY_ID ??= 'AKIAIOSFODNN7EXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    // The SDK skips environment credentials when a profile is named (and a profile may reach SSO over the network).
    delete process.env.AWS_PROFILE;
    const currentState = () => this.state;
    this.uninstall = installMocks({
      get state() {
        return currentState();
      },
      clock: this.clock,
      currentPrincipal: () => this.principals.getStore() ?? this.state.defaultPrincipalArn,
      hooks: () => this.callHooks,
    });
  }

  /** Puts the real SDK clients back, and the environment as it was. Safe to call when not installed. */
  restore(): void {
    this.uninstall?.();
    this.uninstall = undefined;
    for (const [name, value] of this.envSaved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    this.envSaved = [];
  }

  /**
   * Runs `fn` as `principalArn` (session, role, user or root ARN) for calls with credentials the sandbox did not issue.
   * Overlapping runs each keep their own (`AsyncLocalStorage`): never queued, as one parked on virtual time would block.
   * @throws SandboxSetupError at once for an ARN of another form.
   */
  asPrincipal<T>(principalArn: string, fn: () => Promise<T>): Promise<T> {
    principalCaller(this.state, principalArn);
    return this.principals.run(principalArn, fn);
  }

  /** What exists in each account; no secret values or keys. */
  dump() {
    const accountDump = (account: AccountState) => ({
      roles: Object.values(account.roles).map((role) => ({
        roleName: role.roleName,
        assumeRolePolicyDocument: JSON.parse(currentTrustPolicy(role)) as object,
        attachedPolicyArns: role.attachments.map((attachment) => attachment.policyArn),
      })),
      policies: Object.values(account.policies).map((policy) => ({
        policyName: policy.policyName,
        arn: iamArnOf(account, 'policy', policy.path, policy.policyName),
        document: currentPolicyDocument(policy),
      })),
      users: Object.values(account.users).map((user) => ({
        userName: user.userName,
        accessKeys: user.accessKeys.map((key) => ({ accessKeyId: key.accessKeyId, status: key.status })),
      })),
    });
    return { accounts: Object.fromEntries(Object.values(this.state.accounts).map((account) => [account.accountId, accountDump(account)])) };
  }

  /** Calls per service that may change state (failed ones too) since creation or {@link resetMutatingCalls}. */
  mutatingCalls(): Record<ServiceName, number> {
    return { ...this.state.mutatingCalls };
  }

  /** Sets the {@link mutatingCalls} counters back to zero. */
  resetMutatingCalls(): void {
    this.state.mutatingCalls = noCalls();
  }

  /** The whole state, secrets included, and the clock's time. */
  toJSON(): SandboxJson {
    return { formatVersion: 1, clockMs: this.clock.now(), state: structuredClone(this.state) };
  }

  /** Rebuilds a sandbox saved with {@link toJSON}, not installed. @throws SandboxStateError when `json` is not one. */
  static fromJSON(json: unknown, options: { clock?: VirtualClock } = {}): AwsSandbox {
    return AwsSandbox.fromSaved(deserializeState(json), options);
  }

  /** {@link fromJSON} of a document already checked against `sandboxJsonSchema` (e.g. inside a state file's schema). */
  static fromSaved({ state, clockMs }: SandboxJson, options: { clock?: VirtualClock } = {}): AwsSandbox {
    const sandbox = new AwsSandbox({ ...state, clock: options.clock ?? new VirtualClock(clockMs) });
    sandbox.state = state;
    return sandbox;
  }

  private requireAccount(accountId: string, method: string): AccountState {
    const account = findAccount(this.state, accountId);
    if (!account) throw new Error(`AwsSandbox.${method}: account ${accountId} does not exist (addAccount it first)`);
    return account;
  }

  private checkSeedDocument(document: object, kind: PolicyKind, where: string): string {
    const text = JSON.stringify(document);
    const check = checkPolicyDocument(text, kind);
    if (!check.ok) throw new Error(`AwsSandbox.${where}: invalid ${kind} policy: ${check.message}`);
    return text;
  }

  private seedAttachments(account: AccountState, policyArns: string[] | undefined, nowMs: number) {
    return (policyArns ?? []).map((policyArn) => {
      if (!findPolicy(account, policyArn)) {
        throw new Error(`AwsSandbox: policy ${policyArn} does not exist for account ${account.accountId}`);
      }
      return { policyArn, effectiveMs: nowMs };
    });
  }
}

/** Places the tree into `next` (a copy of the state); `checkOnly` accepts accounts not in the sandbox yet. */
function placeOrganization(next: SandboxState, tree: OrganizationTree, method: string, checkOnly: boolean): void {
  const root = rootIdOf(next);
  if (tree.rootId !== undefined) {
    if (!ROOT_ID.test(tree.rootId)) throw new Error(`AwsSandbox.${method}: ${tree.rootId} is not a root id (r-...)`);
    if (next.organizationalUnits.some((unit) => unit.parentId === root) && tree.rootId !== root) {
      throw new Error(`AwsSandbox.${method}: the organization's root is ${root}, not ${tree.rootId}`);
    }
    next.rootId = tree.rootId;
  }
  for (const unit of tree.organizationalUnits ?? []) {
    const at = next.organizationalUnits.findIndex((existing) => existing.id === unit.id);
    if (at >= 0) next.organizationalUnits[at] = { ...unit };
    else next.organizationalUnits.push({ ...unit });
  }
  const newRoot = rootIdOf(next);
  const parentOf = new Map(next.organizationalUnits.map((unit) => [unit.id, unit.parentId]));
  for (const unit of next.organizationalUnits) {
    const seen = new Set<string>();
    for (let at: string | undefined = unit.id; at !== newRoot; at = parentOf.get(at)) {
      if (at === undefined || (at.startsWith('r-') && at !== newRoot)) {
        throw new Error(`AwsSandbox.${method}: OU ${unit.id} is not under the root ${newRoot} (unknown parent)`);
      }
      if (seen.has(at)) throw new Error(`AwsSandbox.${method}: OU ${unit.id} is its own ancestor`);
      seen.add(at);
    }
  }
  for (const placed of tree.accounts ?? []) {
    if (placed.parentId !== undefined && placed.parentId !== newRoot && !parentOf.has(placed.parentId)) {
      throw new Error(`AwsSandbox.${method}: account ${placed.accountId}'s parent ${placed.parentId} is not an OU of the organization`);
    }
    const account = findAccount(next, placed.accountId);
    if (!account && checkOnly) continue;
    if (!account) throw new Error(`AwsSandbox.${method}: account ${placed.accountId} is not in the sandbox`);
    if (placed.parentId === undefined || placed.parentId === newRoot) delete account.parentId;
    else account.parentId = placed.parentId;
    if (placed.state !== undefined) account.state = placed.state;
    if (placed.left !== undefined) account.left = placed.left;
  }
}
