/**
 * One run of `npm start` (local/cli.ts parses the command line and reports errors): reads the event, the `--org`,
 * `--settings` and `--state` files, runs the flow and saves the state. Loaded only when a run starts: the flow it
 * brings in (the sandbox, the template's functions, the Datadog client) costs seconds of CPU that `--help` and a
 * refused command line do without.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CliIo } from './cli';
import { printable, UsageError, type CliOptions } from './cli-options';
import { describeSummary, progressPrinter } from './cli-output';
import { stackParameters } from './deployment';
import { applyOrgFile, datadogAccountsOf, OrgFileError, parseOrgFile, type OrgFile } from './org-file';
import { localNames, newSandboxFor, runLocally, type LocalRunSummary } from './run';
import { AwsSandbox } from './sandbox';
import { loadTemplate } from './template';
import { InvalidInputError } from '../shared/errors';
import type { Partition } from '../shared/partitions';
import type { SettingsDocument } from '../shared/settings/schema';
import { readSettingsFile } from './settings-file';
import { checkStateWritable, loadState, saveState, StateFileError, type LocalState } from './state-file';
import { lockStateFile } from './state-lock';

/** A path as the user would write it from where they stand. */
function shownPath(file: string, cwd: string): string {
  return printable(path.relative(cwd, file) || file);
}

function readInput(file: string, cwd: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read ${shownPath(file, cwd)}: ${printable((error as NodeJS.ErrnoException).code ?? (error as Error).message)}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${shownPath(file, cwd)} is not valid JSON: ${printable((error as Error).message)}`);
  }
}

/** Keys for `--datadog-url`, from `DD_API_KEY` / `DD_APP_KEY` (Datadog's own variable names); never printed. */
function datadogKeysFromEnvironment(env: NodeJS.ProcessEnv): { apiKey: string; appKey: string } {
  const { DD_API_KEY: apiKey, DD_APP_KEY: appKey } = env;
  if (!apiKey || !appKey) throw new UsageError('--datadog-url needs the keys of that server in DD_API_KEY and DD_APP_KEY');
  return { apiKey, appKey };
}

function exitCode(summary: LocalRunSummary): number {
  if (summary.outcome === 'failed') return 1;
  if (summary.outcome === 'rejected') return 2;
  return 0;
}

/** Sends the functions' own logs to stderr (`--verbose`), so stdout stays the summary or the JSON document. */
function showFunctionLogs(): void {
  process.env.POWERTOOLS_DEV = 'true';
  for (const method of ['log', 'info', 'debug', 'warn', 'error'] as const) {
    console[method] = (...args: unknown[]) => process.stderr.write(`${args.map(String).join(' ')}\n`);
  }
}

/** Reads and checks the `--org` file. */
function readOrgFile(file: string, cwd: string): OrgFile {
  try {
    return parseOrgFile(readInput(file, cwd));
  } catch (error) {
    if (error instanceof OrgFileError) throw new UsageError(`--org ${shownPath(file, cwd)}: ${printable(error.message)}`);
    throw error;
  }
}

/** Reads and checks the `--settings` file (YAML or JSON). */
function readSettings(file: string, cwd: string): SettingsDocument {
  try {
    return readSettingsFile(file);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new UsageError(`--settings ${shownPath(file, cwd)}: ${printable(error.message, 300)}`);
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`cannot read ${shownPath(file, cwd)}: ${printable(code)}`);
  }
}

/**
 * The sandbox of the run: the saved one (with `--propagation-seconds` applied from now on), or a new one (in the
 * `--org` file's management account, if any); none when neither `--state` nor `--org` asks for one.
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

/**
 * Runs the flow the parsed command line asks for and prints its summary.
 *
 * @returns the exit code: 0 onboarded, offboarded or ignored, 1 failed (or the state could not be saved), 2 rejected input.
 * @throws UsageError or StateFileError for a file refused before anything ran (the caller prints it, exit 2).
 */
export async function run(options: CliOptions, io: CliIo): Promise<number> {
  const input = readInput(options.file, io.cwd);
  const settingsDocument = options.settingsFile ? readSettings(options.settingsFile, io.cwd) : undefined;
  // Progress goes to stderr with --json, so stdout holds exactly one JSON document.
  const write = (line: string) => (options.json ? io.stderr(`${line}\n`) : io.stdout(`${line}\n`));
  if (options.datadogUrl && options.faults.touchesDatadog()) {
    throw new UsageError('--fault datadog:… works only with the embedded Datadog server, not with --datadog-url');
  }
  const datadogKeys = options.datadogUrl ? datadogKeysFromEnvironment(io.env) : undefined;
  // Checked before anything runs: a state that cannot be saved would lose the run's work.
  if (options.stateFile) checkStateWritable(options.stateFile);
  const release = options.stateFile ? lockStateFile(options.stateFile) : undefined;
  try {
    const state: LocalState = options.stateFile ? loadState(options.stateFile) : {};
    if (options.verbose) showFunctionLogs();
    const org = options.orgFile ? readOrgFile(options.orgFile, io.cwd) : undefined;
    const sandbox = sandboxOf(options, state, input, org);
    let datadogAccounts = state.datadogAccounts;
    if (org && sandbox) {
      const defaultAccessRoleName = stackParameters(loadTemplate(), options.parameters)('MemberAccessRoleName');
      try {
        applyOrgFile(sandbox, org, { managementAccountId: sandbox.managementAccountId, defaultAccessRoleName });
      } catch (error) {
        if (error instanceof OrgFileError)
          throw new UsageError(`--org ${shownPath(options.orgFile ?? '', io.cwd)}: ${printable(error.message)}`);
        throw error;
      }
      datadogAccounts = datadogAccountsOf(org, datadogAccounts);
    }
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
      ...(settingsDocument ? { settingsDocument } : {}),
      onProgress: progressPrinter(write),
      logLevel: options.verbose ? 'INFO' : 'SILENT',
    });
    for (const spec of options.faults.unfired()) io.stderr(`npm start: warning: --fault ${spec} matched no call\n`);
    // The run is reported before the state is saved: a save that fails loses the file, never the result.
    if (options.json) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
    else write(describeSummary(summary));
    if (summary.outcome === 'rejected' && !options.json) io.stderr(`npm start: ${summary.reason}\n`);
    if (options.stateFile && sandbox) {
      try {
        // A run that deployed nothing (rejected, ignored input) leaves the records as they were.
        saveState(options.stateFile, sandbox, summary.datadogAccounts, summary.accountRecords ?? state.accountRecords);
      } catch (error) {
        if (!(error instanceof StateFileError)) throw error;
        io.stderr(`npm start: ${error.message}\n`);
        return 1;
      }
    }
    return exitCode(summary);
  } finally {
    release?.();
  }
}
