/**
 * Helpers shared by the tests.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { OnboardingTarget } from '../shared/onboarding/target';

/** Root of the repository. */
export const ROOT = path.resolve(__dirname, '..');

/** Reads a JSON file of `events/`. */
export function sampleEvent(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(ROOT, 'events', name), 'utf8')) as Record<string, unknown>;
}

/**
 * What `events/control-tower-create-managed-account.json` asks for: its account, partition, trigger and context, as
 * the lifecycle event's decision and StartOnboarding's execution input carry them.
 */
export const CREATE_MANAGED_ACCOUNT_REQUEST = {
  accountId: '444455556666',
  partition: 'aws',
  trigger: {
    source: 'aws.controltower',
    eventName: 'CreateManagedAccount',
    eventId: '999cccaa-eaaa-0000-1111-123456789012',
    region: 'us-east-1',
    time: '2018-08-30T21:42:18Z',
  },
  context: { accountName: 'LifeCycle1', organizationalUnitId: 'ou-XXXX-l3zc8b3h', organizationalUnitName: 'Custom' },
} as const;

/**
 * The statement of the integration role's trust policy that lets Datadog assume the role: Datadog's AWS account
 * 464622532012 (the commercial sites' integration account, as Datadog's AWS integration setup gives it), with the
 * account's external ID.
 */
export function datadogTrustStatement(externalId: unknown) {
  return {
    Sid: 'DatadogAWSIntegration',
    Effect: 'Allow',
    Principal: { AWS: 'arn:aws:iam::464622532012:root' },
    Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'sts:ExternalId': externalId } },
  };
}

/** What a mocked STS AssumeRole answers: a session's temporary credentials (access key id `accessKeyId`). */
export function assumedRole(accessKeyId = 'ASIA') {
  return { Credentials: { AccessKeyId: accessKeyId, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date() } };
}

/** The environment template.yaml gives ResolveTargetFunction, with the template's defaults, in us-east-1. */
export const RESOLVE_TARGET_ENVIRONMENT = {
  AWS_REGION: 'us-east-1',
  DATADOG_SITE: 'datadoghq.com',
  DATADOG_ROLE_NAME: 'DatadogIntegrationRole',
  DATADOG_POLICY_NAME: 'DatadogIntegrationPolicy',
  MEMBER_ACCESS_ROLE_NAME: 'OrganizationAccountAccessRole',
  CONTROL_TOWER_ACCESS_ROLE_NAME: 'AWSControlTowerExecution',
  ATTACH_SECURITY_AUDIT: 'true',
  INCLUDE_ORGANIZATIONAL_UNITS: '',
  EXCLUDE_ORGANIZATIONAL_UNITS: '',
  EXCLUDE_ACCOUNTS: '',
  ONBOARD_MANAGEMENT_ACCOUNT: 'false',
  MANAGEMENT_ACCOUNT_ID: '111122223333',
} as const;

/** A resolved target for account 444455556666 with the template's defaults. */
export function aTarget(overrides: Partial<OnboardingTarget> = {}): OnboardingTarget {
  return {
    accountId: '444455556666',
    partition: 'aws',
    datadogSite: 'datadoghq.com',
    authType: 'role',
    roleName: 'DatadogIntegrationRole',
    policyName: 'DatadogIntegrationPolicy',
    memberAccessRoleName: 'OrganizationAccountAccessRole',
    attachSecurityAudit: true,
    ...overrides,
  };
}

/** What a run of the `npm start` command line printed, and its exit code. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `local/cli.ts` (what `npm start` runs) as a child process, as a user would, without blocking the test's
 * event loop (a local Datadog server of the test can answer meanwhile).
 *
 * @param env - variables added to (or, given as '', blanking) the test's environment.
 * @param slowReader - stdout goes through `| { read 1 byte; sleep 1 s; cat; }`, as into a reader slower than the writer:
 *   the pipe fills, and what the process has not flushed when it exits is lost.
 */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000, slowReader = false): Promise<CliRun> {
  return runScript('local/cli.ts', args, env, timeoutMs, slowReader);
}

/**
 * Runs a TypeScript entry point of the repository (e.g. `local/cli.ts`, what `npm start` runs) as a child
 * process, the way its npm script does.
 *
 * @param script - the path from the repository's root.
 * @param env - variables added to (or, given as '', blanking) the test's environment.
 */
export async function runScript(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
  slowReader = false,
): Promise<CliRun> {
  // The Datadog client from jest's one bundle of it, and the validator's kept verdicts, as in the tests' own process
  // (see child-module-resolve.mjs).
  const { OUT_DIR } = await import('./support/datadog-client-bundle');
  const preload = `--import "${path.join(__dirname, 'support', 'child-module-resolve.mjs')}"`;
  return new Promise((resolve, reject) => {
    // tsx's loader in this Node, as its command runs it, without the command's own wrapping process.
    const command = [process.execPath, '--import', 'tsx', path.join(ROOT, script), ...args];
    // `dd` reads exactly one byte (head may read more and drop it); pipefail keeps the command's exit code.
    const reader = 'set -o pipefail; "$0" "$@" | { dd bs=1 count=1 2>/dev/null; sleep 1; exec cat; }';
    const [file, ...rest] = slowReader ? ['bash', '-c', reader, ...command] : command;
    // A group of its own with a lagging reader: a time-out then ends the command too, not only its shell.
    const child = spawn(file, rest, {
      detached: slowReader,
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_OPTIONS: [process.env.NODE_OPTIONS, preload].filter(Boolean).join(' '),
        DATADOG_CLIENT_BUNDLE_DIR: OUT_DIR,
        // Node's on-disk cache of compiled modules (the same for every spawned run): about 1.5 s of CPU less per process.
        NODE_COMPILE_CACHE: path.join(ROOT, 'node_modules', '.cache', 'node-compile-cache'),
        ...env,
      },
      timeout: slowReader ? undefined : timeoutMs,
    });
    const timer = slowReader ? setTimeout(() => process.kill(-child.pid!, 'SIGTERM'), timeoutMs) : undefined;
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Where and how {@link runCliHere} runs the command. */
export interface CliHereOptions {
  /** Where the user stands (npm's `INIT_CWD`); default the repository. */
  cwd?: string;
  /** The environment `main` sees, as the real process passes `process.env`; default none (no Datadog keys). */
  env?: NodeJS.ProcessEnv;
  /** Sees each piece of stdout as it is written (e.g. to act while the run is under way). */
  onStdout?: (text: string) => void;
}

/**
 * Runs `npm start`'s command (`main` of local/cli.ts) in this process, for tests where the process boundary is not
 * what is tested (a child process costs seconds). `main` gets what the real process gives it: the arguments, the
 * two output streams, where the user stands and the environment.
 */
export async function runCliHere(args: string[], { cwd = ROOT, env = {}, onStdout }: CliHereOptions = {}): Promise<CliRun> {
  // Loaded on use: most suites that use these helpers never run the command.
  const { main } = await import('../local/cli');
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (text) => {
      stdout += text;
      onStdout?.(text);
    },
    stderr: (text) => (stderr += text),
    cwd,
    env,
  });
  return { code, stdout, stderr };
}
