/**
 * Shared setup for the sandbox tests: account ids, principals, documents, and clients signed with sandbox-issued
 * credentials.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { AwsSandbox, VirtualClock } from '../../../local/sandbox';

export const MANAGEMENT = '111111111111';
export const MEMBER = '222222222222';
export const GOVCLOUD = '333333333333';
export const DATADOG = '464622532012';
export const START_MS = Date.UTC(2025, 0, 1);
/** The Lambda execution role of the tool, as `asPrincipal` sees it. */
export const LAMBDA = `arn:aws:sts::${MANAGEMENT}:assumed-role/OnboardingFunctionRole/onboard`;
/** Datadog's principal, calling from Datadog's own AWS account (outside the sandbox). */
export const DATADOG_SESSION = `arn:aws:sts::${DATADOG}:assumed-role/DatadogAWSIntegrationRole/datadog`;
export const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
export const EXTERNAL_ID = 'abcdef0123456789abcdef0123456789';

/** A trust policy letting `principal` assume the role, with an external id condition when given. */
export function trustPolicy(principal: string, externalId?: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: principal },
        Action: 'sts:AssumeRole',
        ...(externalId ? { Condition: { StringEquals: { 'sts:ExternalId': externalId } } } : {}),
      },
    ],
  };
}

/** An identity policy allowing `actions` on everything. */
export function allow(...actions: string[]): object {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] };
}

/**
 * A sandbox with a management account, one member account holding OrganizationAccountAccessRole (trusting the
 * management account, with AdministratorAccess), and a clock starting at {@link START_MS}.
 */
export function aSandbox(options: { propagationSeconds?: number } = {}): AwsSandbox {
  const sandbox = new AwsSandbox({
    managementAccountId: MANAGEMENT,
    clock: new VirtualClock(START_MS),
    ...(options.propagationSeconds !== undefined ? { propagationSeconds: options.propagationSeconds } : {}),
  });
  sandbox.addAccount(MEMBER, { name: 'member', aliases: ['member-alias'] });
  sandbox.putRole(MEMBER, 'OrganizationAccountAccessRole', {
    trustPolicy: trustPolicy(`arn:aws:iam::${MANAGEMENT}:root`),
    attachedPolicyArns: [ADMIN],
  });
  return sandbox;
}

/** Credentials as the SDK takes them. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Assumes a role with the current identity and returns the session's credentials. */
export async function assume(roleArn: string, options: { externalId?: string; region?: string } = {}): Promise<Credentials> {
  const sts = new STSClient({ region: options.region ?? 'us-east-1' });
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'test', ExternalId: options.externalId }),
  );
  return {
    accessKeyId: Credentials!.AccessKeyId!,
    secretAccessKey: Credentials!.SecretAccessKey!,
    sessionToken: Credentials!.SessionToken,
  };
}

/** SDK clients signed with the given credentials (or the ambient ones). */
export function clients(credentials?: Credentials, region = 'us-east-1') {
  const config = { region, ...(credentials ? { credentials } : {}) };
  return {
    iam: new IAMClient(config),
    sts: new STSClient(config),
    organizations: new OrganizationsClient(config),
    secrets: new SecretsManagerClient(config),
  };
}

/** SDK clients of the member account's administrator: the management account's Lambda, through OrganizationAccountAccessRole. */
export async function memberAdmin(sandbox: AwsSandbox): Promise<ReturnType<typeof clients>> {
  return clients(await sandbox.asPrincipal(LAMBDA, () => assume(`arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`)));
}

/** How {@link sandboxPerTest} builds each test's sandbox. */
export interface SandboxPerTestOptions {
  /** Builds the sandbox; default {@link aSandbox} with `propagationSeconds`. */
  make?: () => AwsSandbox;
  /** Propagation delay of IAM changes, seconds, for the default sandbox. */
  propagationSeconds?: number;
  /** Seeds the sandbox (roles, secrets, buckets, accounts) before it is installed. */
  prepare?: (sandbox: AwsSandbox) => void;
}

/**
 * Gives each test of the enclosing `describe` a new sandbox installed in the AWS SDK, and restores the SDK after the
 * test.
 *
 * @param ready - sees the installed sandbox before the test runs (keeps it, makes the clients the test uses).
 * @example
 * ```ts
 * let sandbox: AwsSandbox;
 * sandboxPerTest((installed) => (sandbox = installed), { prepare: (fresh) => fresh.putBucket('bucket') });
 * ```
 */
export function sandboxPerTest(ready: (sandbox: AwsSandbox) => unknown, options: SandboxPerTestOptions = {}): void {
  let sandbox: AwsSandbox;
  beforeEach(async () => {
    sandbox = options.make
      ? options.make()
      : aSandbox(options.propagationSeconds === undefined ? {} : { propagationSeconds: options.propagationSeconds });
    options.prepare?.(sandbox);
    sandbox.install();
    await ready(sandbox);
  });
  afterEach(() => sandbox.restore());
}

/** Per test of the enclosing `describe`: a new sandbox (see {@link sandboxPerTest}) and the member administrator's IAM client. */
export function memberIamPerTest(options: SandboxPerTestOptions = {}): { sandbox: AwsSandbox; iam: IAMClient } {
  const current = {} as { sandbox: AwsSandbox; iam: IAMClient };
  sandboxPerTest(async (installed) => {
    current.sandbox = installed;
    current.iam = (await memberAdmin(installed)).iam;
  }, options);
  return current;
}
