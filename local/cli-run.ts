/**
 * The runs of the command lines (local/cli.ts and local/rotate-cli.ts parse them and report errors): each reads its
 * files, runs under the lock of its `--state` file, prints its summary and saves the state. Loaded only when a run
 * starts: the flows cost seconds of CPU that `--help` and a refused command line do without.
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

/** Runs `check`, refusing (UsageError) in one line after `label` what it finds wrong with a file. */
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

/** Reads the `--settings` and `--org` files, before the state is locked or loaded: a refused file changes nothing. */
function readOptionFiles(options: { settingsFile?: string; orgFile?: string }, cwd: string) {
  return {
    settingsDocument: options.settingsFile ? readInput(options.settingsFile, cwd, '--settings', parseSettingsText) : undefined,
    org: options.orgFile ? readInput(options.orgFile, cwd, '--org', (text) => parseOrgFile(JSON.parse(text))) : undefined,
  };
}

/** Applies the `--org` file to the sandbox; returns the registrations Datadog then holds. */
function applyOrg(
  sandbox: AwsSandbox,
  org: OrgFile,
  options: { orgFile?: string; parameters: Record<string, string> },
  cwd: string,
  datadogAccounts: DatadogAccountRecord[] | undefined,
): DatadogAccountRecord[] {
  const defaultAccessRoleName = stackParameters(loadTemplate(), options.parameters)('MemberAccessRoleName');
  refusing(`--org ${shownPath(options.orgFile ?? '', cwd)}`, () =>
    applyOrgFile(sandbox, org, { managementAccountId: sandbox.managementAccountId, defaultAccessRoleName }),
  );
  return datadogAccountsOf(org, datadogAccounts);
}

/** What a run leaves: its exit code, and what to save in the state file (nothing without a sandbox). */
interface RunResult {
  code: number;
  sandbox?: AwsSandbox;
  datadogAccounts?: DatadogAccountRecord[];
  accountRecords?: Record<string, unknown>[];
}

/**
 * Runs `body` on the state of `stateFile` (none: an empty state, nothing saved), holding the file's lock, then saves
 * what the run left. The run prints its result first: a save that fails loses the file, never the result.
 *
 * @returns the run's exit code, or 1 when the state could not be saved (said in one line after `name`).
 * @throws StateFileError before the run, for a state file that cannot be used.
 */
async function withState(
  name: string,
  stateFile: string | undefined,
  io: Pick<CliIo, 'stderr'>,
  body: (state: LocalState) => Promise<RunResult>,
) {
  // Checked before anything runs: a state that cannot be saved would lose the run's work.
  if (stateFile) checkStateWritable(stateFile);
  const release = stateFile ? lockStateFile(stateFile) : undefined;
  try {
    const { code, sandbox, datadogAccounts = [], accountRecords } = await body(stateFile ? loadState(stateFile) : {});
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

/** Keys for `--datadog-url`, from `DD_API_KEY` / `DD_APP_KEY` (Datadog's own variable names); never printed. */
function datadogKeysFromEnvironment(env: NodeJS.ProcessEnv): { apiKey: string; appKey: string } {
  const { DD_API_KEY: apiKey, DD_APP_KEY: appKey } = env;
  if (!apiKey || !appKey) throw new UsageError('--datadog-url needs the keys of that server in DD_API_KEY and DD_APP_KEY');
  return { apiKey, appKey };
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
  if (!options.stateFile && !org) return undefined;
  if (!state.sandbox && org) {
    const { partition } = localNames(input);
    return new AwsSandbox({
      managementAccountId: org.managementAccountId,
      partition: partition as Partition,
      propagationSeconds: options.propagationSeconds,
    });
  }
  if (!state.sandbox) return newSandboxFor(input, options.propagationSeconds);
  if (options.propagationSeconds !== undefined) state.sandbox.propagationSeconds = options.propagationSeconds;
  return state.sandbox;
}

const EXIT_CODES: Partial<Record<LocalRunSummary['outcome'], number>> = { failed: 1, rejected: 2 };

/**
 * Runs `npm start`: the event through the flow, its progress and summary printed.
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
  const datadogKeys = options.datadogUrl ? datadogKeysFromEnvironment(io.env) : undefined;
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
      datadogKeys,
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
    return {
      code: EXIT_CODES[summary.outcome] ?? 0,
      sandbox,
      datadogAccounts: summary.datadogAccounts,
      // A run that deployed nothing (rejected, ignored input) leaves the records as they were.
      accountRecords: summary.accountRecords ?? state.accountRecords,
    };
  });
}

/**
 * Runs `npm start -- reconcile`: one reconciliation of the local organization (the state file's, else a new one).
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
    const summary = await reconcileLocally({
      sandbox,
      datadogAccounts,
      accountRecords: state.accountRecords,
      parameters: options.parameters,
      settingsDocument,
      dryRun: options.dryRun,
      accountIds: options.accountIds,
      dump: options.dump,
    });
    io.stdout(`${options.json ? JSON.stringify(summary, null, 2) : describeReconciliation(summary)}\n`);
    const { datadogAccounts: held, accountRecords } = summary;
    return { code: summary.outcome === 'reconciled' ? 0 : 1, sandbox, datadogAccounts: held, accountRecords };
  });
}

/**
 * Runs `npm run rotate`: the rotation of the account's access key, in the state file.
 *
 * @returns the exit code: 0 rotated, 1 failed (or the state could not be saved).
 * @throws UsageError for a state without the account's organization or an account rotation does not apply to; StateFileError.
 */
export async function rotate(options: RotateCliOptions, io: Omit<CliIo, 'env'>): Promise<number> {
  const { accountId, stateFile } = options;
  return withState('npm run rotate', stateFile, io, async (state) => {
    if (!state.sandbox)
      throw new UsageError(`${stateFile} does not exist: onboard the account first with npm start -- … --state ${stateFile}`);
    const summary = await rotateLocally({
      accountId,
      sandbox: state.sandbox,
      datadogAccounts: state.datadogAccounts ?? [],
      datadogSite: options.site,
    });
    if (summary.outcome === 'not-applicable') throw new UsageError(summary.reason ?? `account ${accountId}: rotation does not apply`);
    io.stdout(`${options.json ? JSON.stringify({ ...summary, datadogAccounts: undefined }, null, 2) : describeRotation(summary)}\n`);
    return { code: summary.outcome === 'rotated' ? 0 : 1, sandbox: state.sandbox, datadogAccounts: summary.datadogAccounts };
  });
}
