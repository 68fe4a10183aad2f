/** The runs of the parsed command lines, under the lock of their `--state` file. Loaded only when a run starts (seconds of CPU). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CliIo } from './cli';
import { printable, UsageError, type CliOptions, type ReconcileCliOptions, type RotateCliOptions } from './cli-options';
import { describeReconciliation, describeRotation, describeSummary, progressPrinter } from './cli-output';
import type { DatadogAccountRecord } from './datadog/server';
import { stackParameters } from './deployment';
import { applyOrgFile, datadogAccountsOf, parseOrgFile, type OrgFile } from './org-file';
import { EMPTY_ORGANIZATION_MANAGEMENT_ACCOUNT, reconcileLocally } from './reconcile';
import { rotateLocally } from './rotate';
import { localNames, newSandboxFor, runLocally, type LocalRunSummary } from './run';
import { AwsSandbox } from './sandbox';
import { parseSettingsText } from './settings-file';
import { checkStateWritable, loadState, saveState, type LocalState } from './state-file';
import { StateFileError } from './state-file-error';
import { lockStateFile } from './state-lock';
import { loadTemplate } from './template';
import { InvalidInputError } from '../shared/errors';
import type { Partition } from '../shared/partitions';
import type { SettingsDocument } from '../shared/settings/schema';

function shownPath(file: string, cwd: string): string {
  return printable(path.relative(cwd, file) || file);
}

/** Runs `check`; what it finds wrong with the file `label` names becomes a one-line UsageError. */
function refusing<T>(label: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof SyntaxError) throw new UsageError(`${label} is not valid JSON: ${printable(error.message)}`);
    if (error instanceof InvalidInputError) throw new UsageError(`${label}: ${printable(error.message, 300)}`);
    throw error;
  }
}

/** Reads and parses the event, or the file of `option`. @throws UsageError naming the file and what is wrong, in one line. */
function readInput<T>(file: string, cwd: string, option: string | undefined, parse: (text: string) => T): T {
  const label = option ? `${option} ${shownPath(file, cwd)}` : shownPath(file, cwd);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(code === 'ENOENT' ? `${label}: no such file` : `${label}: cannot be read (${printable(code)})`);
  }
  return refusing(label, () => parse(text));
}

/** A run's exit code, and what to save in the state file (nothing without a sandbox; the loaded records by default). */
type RunResult = {
  code: number;
  sandbox?: AwsSandbox;
  datadogAccounts: DatadogAccountRecord[];
  accountRecords?: Record<string, unknown>[];
};

/**
 * Runs `body` on the `--state` file's state (locked) with the `--org` file applied, then saves what `body` returns;
 * `body` prints first, so a failed save loses the file, never the result.
 * @returns `body`'s exit code, or 1 when the state could not be saved.
 * @throws UsageError or StateFileError before `body` runs, for a file that cannot be used.
 */
async function withState(
  name: string,
  options: Partial<Pick<CliOptions, 'stateFile' | 'orgFile' | 'settingsFile' | 'parameters'>> & {
    newSandbox?: (org?: OrgFile) => AwsSandbox | undefined;
  },
  io: Pick<CliIo, 'cwd' | 'stderr'>,
  body: (state: LocalState & { settingsDocument?: SettingsDocument }) => Promise<RunResult>,
): Promise<number> {
  const { stateFile, orgFile = '', settingsFile, newSandbox = () => undefined } = options;
  // Read before the state is locked or loaded: a refused file changes nothing.
  const settingsDocument = settingsFile ? readInput(settingsFile, io.cwd, '--settings', parseSettingsText) : undefined;
  const org = orgFile ? readInput(orgFile, io.cwd, '--org', (text) => parseOrgFile(JSON.parse(text))) : undefined;
  // Checked before anything runs: a state that cannot be saved would lose the run's work.
  if (stateFile) checkStateWritable(stateFile);
  const release = stateFile ? lockStateFile(stateFile) : undefined;
  try {
    const state = stateFile ? loadState(stateFile) : {};
    const sandbox = state.sandbox ?? newSandbox(org);
    let { datadogAccounts } = state;
    if (org && sandbox) {
      const defaultAccessRoleName = stackParameters(loadTemplate(), options.parameters)('MemberAccessRoleName');
      const stack = { managementAccountId: sandbox.managementAccountId, defaultAccessRoleName };
      refusing(`--org ${shownPath(orgFile, io.cwd)}`, () => applyOrgFile(sandbox, org, stack));
      datadogAccounts = datadogAccountsOf(org, datadogAccounts);
    }
    const { code, ...saved } = await body({ ...state, sandbox, datadogAccounts, settingsDocument });
    if (!stateFile || !saved.sandbox) return code;
    try {
      saveState(stateFile, saved.sandbox, saved.datadogAccounts, saved.accountRecords ?? state.accountRecords);
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

const EXIT_CODES: Partial<Record<LocalRunSummary['outcome'], number>> = { failed: 1, rejected: 2 };

/**
 * Runs `npm start` and prints its progress and summary.
 * @returns the exit code: 0 onboarded, offboarded or ignored, 1 failed (or the state not saved), 2 rejected input.
 * @throws UsageError or StateFileError for a file refused before anything ran.
 */
export async function run(options: CliOptions, io: CliIo): Promise<number> {
  const input = readInput(options.file, io.cwd, undefined, (text): unknown => JSON.parse(text));
  if (options.datadogUrl && options.faults.touchesDatadog()) {
    throw new UsageError('--fault datadog:… works only with the embedded Datadog server, not with --datadog-url');
  }
  // Keys for --datadog-url in Datadog's own variable names; never printed.
  const { DD_API_KEY: apiKey, DD_APP_KEY: appKey } = io.env;
  if (options.datadogUrl && (!apiKey || !appKey))
    throw new UsageError('--datadog-url needs the keys of that server in DD_API_KEY and DD_APP_KEY');
  const { propagationSeconds } = options;
  // A sandbox only for --state or --org: in the --org file's management account, else the one the input implies.
  const newSandbox = (org?: OrgFile) => {
    if (!org) return options.stateFile ? newSandboxFor(input, propagationSeconds) : undefined;
    const partition = localNames(input).partition as Partition;
    return new AwsSandbox({ managementAccountId: org.managementAccountId, partition, propagationSeconds });
  };
  // Progress goes to stderr with --json, so stdout holds exactly one JSON document.
  const write = (line: string) => (options.json ? io.stderr(`${line}\n`) : io.stdout(`${line}\n`));
  return withState('npm start', { ...options, newSandbox }, io, async ({ sandbox, datadogAccounts, accountRecords, settingsDocument }) => {
    // A saved sandbox takes --propagation-seconds from this run on.
    if (sandbox && propagationSeconds !== undefined) sandbox.propagationSeconds = propagationSeconds;
    if (options.verbose) showFunctionLogs();
    if (!options.json) write(`Onboarding from ${shownPath(options.file, io.cwd)}`);
    const summary = await runLocally({
      input,
      sandbox,
      datadogAccounts,
      accountRecords,
      parameters: options.parameters,
      faults: options.faults,
      datadogSite: options.site,
      datadogUrl: options.datadogUrl,
      datadogKeys: options.datadogUrl && apiKey && appKey ? { apiKey, appKey } : undefined,
      propagationSeconds,
      datadogRateLimit: options.datadogRateLimit,
      settingsDocument,
      onProgress: progressPrinter(write),
      logLevel: options.verbose ? 'INFO' : 'SILENT',
    });
    for (const spec of options.faults.unfired()) io.stderr(`npm start: warning: --fault ${spec} matched no call\n`);
    if (options.json) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
    else write(describeSummary(summary));
    // The one line on stderr with --json too: the JSON document on stdout carries the same reason.
    if (summary.outcome === 'rejected') io.stderr(`npm start: ${summary.reason}\n`);
    // A run that deployed nothing (rejected, ignored input) has no records: the loaded ones are kept.
    return { ...summary, code: EXIT_CODES[summary.outcome] ?? 0, sandbox };
  });
}

/** Runs `npm start -- reconcile`; exit code 0 reconciled, 1 failed (or the state not saved). @throws as {@link run}. */
export async function reconcile(options: ReconcileCliOptions, io: CliIo): Promise<number> {
  // With --state and neither --org nor a saved state: the new, empty organization, made here so that it is saved.
  const newSandbox = (org?: OrgFile) =>
    org || options.stateFile
      ? new AwsSandbox({ managementAccountId: org?.managementAccountId ?? EMPTY_ORGANIZATION_MANAGEMENT_ACCOUNT })
      : undefined;
  return withState('npm start', { ...options, newSandbox }, io, async (state) => {
    const { parameters, dryRun, accountIds, dump } = options;
    const summary = await reconcileLocally({ ...state, parameters, dryRun, accountIds, dump });
    io.stdout(`${options.json ? JSON.stringify(summary, null, 2) : describeReconciliation(summary)}\n`);
    return { ...summary, code: summary.outcome === 'reconciled' ? 0 : 1, sandbox: state.sandbox };
  });
}

/**
 * Runs `npm run rotate` and prints its outcome; exit code 0 rotated, 1 failed (or the state not saved).
 * @throws UsageError for a missing state or an account rotation does not apply to; StateFileError.
 */
export async function rotate(options: RotateCliOptions, io: Omit<CliIo, 'env'>): Promise<number> {
  const { accountId, stateFile } = options;
  return withState('npm run rotate', options, io, async ({ sandbox, datadogAccounts = [] }) => {
    if (!sandbox) throw new UsageError(`${stateFile} does not exist: onboard the account first with npm start -- … --state ${stateFile}`);
    const summary = await rotateLocally({ accountId, sandbox, datadogAccounts, datadogSite: options.site });
    if (summary.outcome === 'not-applicable') throw new UsageError(summary.reason ?? `account ${accountId}: rotation does not apply`);
    io.stdout(`${options.json ? JSON.stringify({ ...summary, datadogAccounts: undefined }, null, 2) : describeRotation(summary)}\n`);
    return { code: summary.outcome === 'rotated' ? 0 : 1, sandbox, datadogAccounts: summary.datadogAccounts };
  });
}
