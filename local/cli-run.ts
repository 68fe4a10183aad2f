/**
 * The runs of the command lines, once parsed (local/cli.ts, local/rotate-cli.ts): each reads its files, runs under the
 * lock of its `--state` file, prints its summary, then saves the state. Loaded only when a run starts: the flows cost
 * seconds of CPU that `--help` and a refused command line do without.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CliIo } from './cli';
import { printable, UsageError, type CliOptions, type ReconcileCliOptions, type RotateCliOptions } from './cli-options';
import { describeReconciliation, describeRotation, describeSummary, progressPrinter } from './cli-output';
import type { DatadogAccountRecord } from './datadog/server';
import { stackParameters } from './deployment';
import { applyOrgFile, datadogAccountsOf, OrgFileError, parseOrgFile, type OrgFile } from './org-file';
import { reconcileLocally } from './reconcile';
import { rotateLocally } from './rotate';
import { localNames, newSandboxFor, runLocally, type LocalRunSummary } from './run';
import { AwsSandbox } from './sandbox';
import { parseSettingsText } from './settings-file';
import { checkStateWritable, loadState, saveState, StateFileError, type LocalState } from './state-file';
import { lockStateFile } from './state-lock';
import { loadTemplate } from './template';
import { InvalidInputError } from '../shared/errors';
import type { Partition } from '../shared/partitions';

/** A path as the user would write it from where they stand. */
function shownPath(file: string, cwd: string): string {
  return printable(path.relative(cwd, file) || file);
}

/** Runs `check`, refusing what it finds wrong with the file `label` names: UsageError, in one line. */
function refusing<T>(label: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof SyntaxError) throw new UsageError(`${label} is not valid JSON: ${printable(error.message)}`);
    if (error instanceof OrgFileError || error instanceof InvalidInputError)
      throw new UsageError(`${label}: ${printable(error.message, 300)}`);
    throw error;
  }
}

/**
 * Reads and parses a file of the command line: the event, or the file of `option`.
 *
 * @throws UsageError naming the file and what is wrong, in one line.
 */
function readInput<T>(file: string, cwd: string, option: string | undefined, parse: (text: string) => T): T {
  const label = option ? `${option} ${shownPath(file, cwd)}` : shownPath(file, cwd);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(
      option && code === 'ENOENT' ? `${label}: no such file` : `cannot read ${shownPath(file, cwd)}: ${printable(code)}`,
    );
  }
  return refusing(label, () => parse(text));
}

/** Reads the `--settings` and `--org` files before the state is locked or loaded: a refused file changes nothing. */
function readOptionFiles({ settingsFile, orgFile }: CliOptions | ReconcileCliOptions, cwd: string) {
  return {
    settingsDocument: settingsFile ? readInput(settingsFile, cwd, '--settings', parseSettingsText) : undefined,
    org: orgFile ? readInput(orgFile, cwd, '--org', (text) => parseOrgFile(JSON.parse(text))) : undefined,
  };
}

/** Applies the `--org` file to the sandbox; returns the registrations Datadog then holds. */
function applyOrg(
  sandbox: AwsSandbox,
  org: OrgFile,
  { orgFile = '', parameters }: CliOptions | ReconcileCliOptions,
  cwd: string,
  datadogAccounts?: DatadogAccountRecord[],
): DatadogAccountRecord[] {
  const defaultAccessRoleName = stackParameters(loadTemplate(), parameters)('MemberAccessRoleName');
  const stack = { managementAccountId: sandbox.managementAccountId, defaultAccessRoleName };
  refusing(`--org ${shownPath(orgFile, cwd)}`, () => applyOrgFile(sandbox, org, stack));
  return datadogAccountsOf(org, datadogAccounts);
}

/** What a run leaves: its exit code, and what to save in the state file (nothing without a sandbox). */
type RunResult = {
  code: number;
  sandbox?: AwsSandbox;
  datadogAccounts: DatadogAccountRecord[];
  accountRecords?: Record<string, unknown>[];
};

/**
 * Runs `body` on the state of `stateFile` (none: an empty state, nothing saved) under the file's lock, then saves
 * the sandbox and records it returns. `body` prints its result first: a save that fails loses the file, never the result.
 *
 * @returns `body`'s exit code, or 1 when the state could not be saved (said in one line after `name`).
 * @throws StateFileError before `body` runs, for a state file that cannot be used.
 */
async function withState(
  name: string,
  stateFile: string | undefined,
  io: Pick<CliIo, 'stderr'>,
  body: (state: LocalState) => Promise<RunResult>,
): Promise<number> {
  // Checked before anything runs: a state that cannot be saved would lose the run's work.
  if (stateFile) checkStateWritable(stateFile);
  const release = stateFile ? lockStateFile(stateFile) : undefined;
  try {
    const { code, sandbox, datadogAccounts, accountRecords } = await body(stateFile ? loadState(stateFile) : {});
    if (!stateFile || !sandbox) return code;
    try {
      saveState(stateFile, sandbox, datadogAccounts, accountRecords);
    } catch (error) {
      if (!(error instanceof StateFileError)) throw error;
      io.stderr(`${name}: ${error.message}\n`);
      return 1;
    }
    return code;
  } finally {
    release?.();
  }
}

/** Sends the functions' own logs to stderr (`--verbose`), so stdout stays the summary or the JSON document. */
function showFunctionLogs(): void {
  process.env.POWERTOOLS_DEV = 'true';
  for (const method of ['log', 'info', 'debug', 'warn', 'error'] as const) {
    console[method] = (...args: unknown[]) => process.stderr.write(`${args.map(String).join(' ')}\n`);
  }
}

/**
 * The sandbox of an `npm start` run: the saved one (with `--propagation-seconds` applied from now on), or a new one
 * (in the `--org` file's management account, if any); none when neither `--state` nor `--org` asks for one.
 */
function sandboxOf(options: CliOptions, state: LocalState, input: unknown, org: OrgFile | undefined): AwsSandbox | undefined {
  const { propagationSeconds } = options;
  if (state.sandbox && propagationSeconds !== undefined) state.sandbox.propagationSeconds = propagationSeconds;
  if (state.sandbox || !org) return state.sandbox ?? (options.stateFile ? newSandboxFor(input, propagationSeconds) : undefined);
  const partition = localNames(input).partition as Partition;
  return new AwsSandbox({ managementAccountId: org.managementAccountId, partition, propagationSeconds });
}

const EXIT_CODES: Partial<Record<LocalRunSummary['outcome'], number>> = { failed: 1, rejected: 2 };

/**
 * Runs `npm start` (the event through the flow) and prints its progress and summary.
 *
 * @returns the exit code: 0 onboarded, offboarded or ignored, 1 failed (or the state could not be saved), 2 rejected input.
 * @throws UsageError or StateFileError for a file refused before anything ran.
 */
export async function run(options: CliOptions, io: CliIo): Promise<number> {
  const input = readInput(options.file, io.cwd, undefined, (text): unknown => JSON.parse(text));
  const { settingsDocument, org } = readOptionFiles(options, io.cwd);
  if (options.datadogUrl && options.faults.touchesDatadog()) {
    throw new UsageError('--fault datadog:… works only with the embedded Datadog server, not with --datadog-url');
  }
  // Keys for --datadog-url in Datadog's own variable names; never printed.
  const { DD_API_KEY: apiKey, DD_APP_KEY: appKey } = io.env;
  if (options.datadogUrl && (!apiKey || !appKey))
    throw new UsageError('--datadog-url needs the keys of that server in DD_API_KEY and DD_APP_KEY');
  // Progress goes to stderr with --json, so stdout holds exactly one JSON document.
  const write = (line: string) => (options.json ? io.stderr(`${line}\n`) : io.stdout(`${line}\n`));
  return withState('npm start', options.stateFile, io, async (state) => {
    if (options.verbose) showFunctionLogs();
    const sandbox = sandboxOf(options, state, input, org);
    const datadogAccounts = org && sandbox ? applyOrg(sandbox, org, options, io.cwd, state.datadogAccounts) : state.datadogAccounts;
    if (!options.json) write(`Onboarding from ${shownPath(options.file, io.cwd)}`);
    const summary = await runLocally({
      input,
      sandbox,
      datadogAccounts,
      accountRecords: state.accountRecords,
      parameters: options.parameters,
      faults: options.faults,
      datadogSite: options.site,
      datadogUrl: options.datadogUrl,
      datadogKeys: options.datadogUrl && apiKey && appKey ? { apiKey, appKey } : undefined,
      propagationSeconds: options.propagationSeconds,
      datadogRateLimit: options.datadogRateLimit,
      settingsDocument,
      onProgress: progressPrinter(write),
      logLevel: options.verbose ? 'INFO' : 'SILENT',
    });
    for (const spec of options.faults.unfired()) io.stderr(`npm start: warning: --fault ${spec} matched no call\n`);
    if (options.json) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
    else write(describeSummary(summary));
    if (summary.outcome === 'rejected' && !options.json) io.stderr(`npm start: ${summary.reason}\n`);
    // A run that deployed nothing (rejected, ignored input) leaves the records as they were.
    const accountRecords = summary.accountRecords ?? state.accountRecords;
    return { code: EXIT_CODES[summary.outcome] ?? 0, sandbox, datadogAccounts: summary.datadogAccounts, accountRecords };
  });
}

/**
 * Runs `npm start -- reconcile` (one reconciliation of the state's organization, else a new one) and prints its summary.
 *
 * @returns the exit code: 0 reconciled, 1 failed (an account failed, or the state could not be saved).
 * @throws UsageError or StateFileError for a file refused before anything ran.
 */
export async function reconcile(options: ReconcileCliOptions, io: CliIo): Promise<number> {
  const { settingsDocument, org } = readOptionFiles(options, io.cwd);
  return withState('npm start', options.stateFile, io, async (state) => {
    let { sandbox, datadogAccounts } = state;
    if (org) {
      sandbox ??= new AwsSandbox({ managementAccountId: org.managementAccountId });
      datadogAccounts = applyOrg(sandbox, org, options, io.cwd, datadogAccounts);
    }
    const { parameters, dryRun, accountIds, dump } = options;
    const summary = await reconcileLocally({
      sandbox,
      datadogAccounts,
      accountRecords: state.accountRecords,
      settingsDocument,
      parameters,
      dryRun,
      accountIds,
      dump,
    });
    io.stdout(`${options.json ? JSON.stringify(summary, null, 2) : describeReconciliation(summary)}\n`);
    return { ...summary, code: summary.outcome === 'reconciled' ? 0 : 1, sandbox };
  });
}

/**
 * Runs `npm run rotate` (the rotation of the account's access key, in the state file) and prints its outcome.
 *
 * @returns the exit code: 0 rotated, 1 failed (or the state could not be saved).
 * @throws UsageError for a state without the account or an account rotation does not apply to; StateFileError.
 */
export async function rotate(options: RotateCliOptions, io: Omit<CliIo, 'env'>): Promise<number> {
  const { accountId, stateFile } = options;
  return withState('npm run rotate', stateFile, io, async ({ sandbox, datadogAccounts = [] }) => {
    if (!sandbox) throw new UsageError(`${stateFile} does not exist: onboard the account first with npm start -- … --state ${stateFile}`);
    const summary = await rotateLocally({ accountId, sandbox, datadogAccounts, datadogSite: options.site });
    if (summary.outcome === 'not-applicable') throw new UsageError(summary.reason ?? `account ${accountId}: rotation does not apply`);
    io.stdout(`${options.json ? JSON.stringify({ ...summary, datadogAccounts: undefined }, null, 2) : describeRotation(summary)}\n`);
    return { code: summary.outcome === 'rotated' ? 0 : 1, sandbox, datadogAccounts: summary.datadogAccounts };
  });
}
