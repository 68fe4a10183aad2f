/**
 * `npm start -- reconcile [--org FILE] [--state FILE] [--settings FILE] [--parameter KEY=VALUE]… [--dry-run]
 * [--account-id ID]… [--json] [--dump]`: one reconciliation of the local organization (the state file's, else a new
 * one) with the stack parameters and settings given, its summary on stdout, the state saved back.
 *
 * The reconciliation and the files' readers load when a run starts (dynamic `import()`), so `--help` and a refused
 * command line return at once.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { printable, stackParameterOverrides } from './cli-options';
import type { LocalReconcileSummary } from './reconcile';
import { StateFileError } from './state-file-error';
import type { SettingsDocument } from '../shared/settings/schema';

/** The help of the subcommand. */
export const RECONCILE_USAGE = `usage: npm start -- reconcile [--org FILE] [--state FILE] [--settings FILE] [--parameter KEY=VALUE]…
                             [--dry-run] [--account-id ID]… [--json] [--dump]

Reconciles every account of the local organization with the local Datadog, as the ReconcileOrganization state machine
does (plan, Distributed Map through the onboarding state machine, report).

options:
  --org FILE         the organization, applied to the sandbox (and to --state) first (see npm start -- --help)
  --state FILE       the saved state to reconcile and save back (default: a new, empty organization)
  --settings FILE    the Datadog settings document to apply (YAML or JSON) instead of the shipped one
  --parameter K=V    a stack parameter of template.yaml, as sam deploy --parameter-overrides gives it (repeatable),
                     e.g. --parameter ExcludeAccounts=210987654321 or --parameter ReconcileMaxConcurrency=10
  --dry-run          the plan only: nothing is changed anywhere
  --account-id ID    only this account (repeatable)
  --json             print one JSON document on stdout
  --dump             show the sandbox in the summary even above 200 accounts
  -h, --help         print this help`;

/** A bad command line: one line, exit 2. */
export class ReconcileUsageError extends Error {}

/** The parsed command line of the subcommand. */
export type ReconcileCliOptions =
  | { help: true }
  | {
      help: false;
      stateFile?: string;
      orgFile?: string;
      /** The `--settings` file, absolute. */
      settingsFile?: string;
      /** Stack parameter overrides (`--parameter`), checked against template.yaml. */
      parameters: Record<string, string>;
      dryRun: boolean;
      accountIds?: string[];
      json: boolean;
      dump: boolean;
    };

/**
 * Parses the arguments after `reconcile`.
 *
 * @throws ReconcileUsageError naming the bad argument; UsageError (local/cli-options.ts) for a refused `--parameter`.
 */
export function parseReconcileCommandLine(argv: string[], cwd: string): ReconcileCliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        state: { type: 'string' },
        org: { type: 'string' },
        settings: { type: 'string' },
        parameter: { type: 'string', multiple: true },
        'dry-run': { type: 'boolean', default: false },
        'account-id': { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        dump: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new ReconcileUsageError(
      `${printable((error as Error).message.split('\n')[0])} (npm start -- reconcile --help lists the options)`,
    );
  }
  if (parsed.values.help) return { help: true };
  const accountIds = parsed.values['account-id'];
  const wrong = accountIds?.find((id) => !/^\d{12}$/.test(id));
  if (wrong !== undefined) throw new ReconcileUsageError(`--account-id ${printable(wrong, 64)} is not a 12-digit account id`);
  return {
    help: false,
    ...(parsed.values.state ? { stateFile: path.resolve(cwd, parsed.values.state) } : {}),
    ...(parsed.values.org ? { orgFile: path.resolve(cwd, parsed.values.org) } : {}),
    ...(parsed.values.settings ? { settingsFile: path.resolve(cwd, parsed.values.settings) } : {}),
    parameters: stackParameterOverrides(parsed.values.parameter ?? []),
    dryRun: parsed.values['dry-run'],
    ...(accountIds ? { accountIds } : {}),
    json: parsed.values.json,
    dump: parsed.values.dump,
  };
}

/**
 * Reads and checks an `--org` file.
 *
 * @throws ReconcileUsageError naming the file and what is wrong.
 */
async function readOrg(file: string) {
  const { OrgFileError, parseOrgFile } = await import('./org-file');
  try {
    return parseOrgFile(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    if (error instanceof OrgFileError || error instanceof SyntaxError)
      throw new ReconcileUsageError(`--org ${file}: ${printable(error.message)}`);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ReconcileUsageError(`--org ${file}: no such file`);
    throw error;
  }
}

/**
 * Reads and checks a `--settings` file (YAML or JSON), as `npm start` does for an event.
 *
 * @throws ReconcileUsageError naming the file and the first problem.
 */
async function readSettings(file: string): Promise<SettingsDocument> {
  const [{ readSettingsFile }, { InvalidInputError }] = await Promise.all([import('./settings-file'), import('../shared/errors')]);
  try {
    return readSettingsFile(file);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new ReconcileUsageError(`--settings ${file}: ${printable(error.message, 300)}`);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ReconcileUsageError(`--settings ${file}: no such file`);
    throw new ReconcileUsageError(`--settings ${file}: cannot read it (${printable(code ?? (error as Error).message)})`);
  }
}

/** The summary in lines for a person. */
export function describeReconciliation(summary: LocalReconcileSummary): string {
  const { counts } = summary;
  const lines = [
    `outcome: ${summary.outcome}${summary.dryRun ? ' (dry run: nothing changed in the accounts, Datadog or the records; s3 holds its plan and report)' : ''}${summary.reason ? ` — ${summary.reason}` : ''}`,
    `accounts: onboard ${counts.onboard}, repair ${counts.repair}, offboard ${counts.offboard}, none ${counts.none}, skip ${counts.skip}, failed ${counts.failed}`,
  ];
  for (const account of summary.accounts.filter((candidate) => candidate.action !== 'none')) {
    lines.push(`  ${account.accountId}: ${account.action} → ${account.outcome} (${account.reason})`);
  }
  // Converged accounts are the bulk of a fleet: counted, not listed (--json lists every account).
  if (counts.none > 0)
    lines.push(`  (${counts.none} converged account${counts.none === 1 ? '' : 's'} not listed; --json lists every account)`);
  const writes = Object.entries(summary.calls.mutating).filter(([, count]) => count > 0);
  lines.push(`mutating calls: ${writes.length === 0 ? 'none' : writes.map(([service, count]) => `${service} ${count}`).join(', ')}`);
  lines.push(
    `Datadog requests: ${summary.datadogRequests.total} (${summary.datadogRequests.throttled} throttled); virtual time ${summary.virtualSeconds} s`,
  );
  return lines.join('\n');
}

/**
 * Runs the subcommand.
 *
 * @returns the exit code: 0 reconciled, 1 failed (an account failed), 2 bad command line or state file.
 * @example
 * ```ts
 * const code = await reconcileCommand(['--state', 'org.json', '--dry-run', '--json'], io);
 * ```
 */
export async function reconcileCommand(
  argv: string[],
  io: { stdout(text: string): void; stderr(text: string): void; cwd: string },
): Promise<number> {
  const options = parseReconcileCommandLine(argv, io.cwd);
  if (options.help) {
    io.stdout(`${RECONCILE_USAGE}\n`);
    return 0;
  }
  // Checked before the state is locked or loaded: a refused file changes nothing.
  const settingsDocument = options.settingsFile ? await readSettings(options.settingsFile) : undefined;
  const org = options.orgFile ? await readOrg(options.orgFile) : undefined;
  const [{ applyOrgFile, datadogAccountsOf, OrgFileError }, { reconcileLocally }, { AwsSandbox }, { stackParameters }, { loadTemplate }] =
    await Promise.all([import('./org-file'), import('./reconcile'), import('./sandbox'), import('./deployment'), import('./template')]);
  const [{ checkStateWritable, loadState, saveState }, { lockStateFile }] = await Promise.all([
    import('./state-file'),
    import('./state-lock'),
  ]);
  if (options.stateFile) checkStateWritable(options.stateFile);
  const release = options.stateFile ? lockStateFile(options.stateFile) : undefined;
  try {
    const state = options.stateFile ? loadState(options.stateFile) : {};
    let sandbox = state.sandbox;
    let datadogAccounts = state.datadogAccounts;
    if (org && options.orgFile) {
      sandbox ??= new AwsSandbox({ managementAccountId: org.managementAccountId });
      try {
        applyOrgFile(sandbox, org, {
          managementAccountId: sandbox.managementAccountId,
          defaultAccessRoleName: stackParameters(loadTemplate(), options.parameters)('MemberAccessRoleName'),
        });
      } catch (error) {
        if (error instanceof OrgFileError) throw new ReconcileUsageError(`--org ${options.orgFile}: ${printable(error.message)}`);
        throw error;
      }
      datadogAccounts = datadogAccountsOf(org, datadogAccounts);
    }
    const summary = await reconcileLocally({
      sandbox,
      datadogAccounts,
      accountRecords: state.accountRecords,
      parameters: options.parameters,
      ...(settingsDocument ? { settingsDocument } : {}),
      dryRun: options.dryRun,
      accountIds: options.accountIds,
      dump: options.dump,
    });
    io.stdout(options.json ? `${JSON.stringify(summary, null, 2)}\n` : `${describeReconciliation(summary)}\n`);
    if (options.stateFile && sandbox) {
      try {
        saveState(options.stateFile, sandbox, summary.datadogAccounts, summary.accountRecords);
      } catch (error) {
        if (!(error instanceof StateFileError)) throw error;
        io.stderr(`npm start: ${error.message}\n`);
        return 1;
      }
    }
    return summary.outcome === 'reconciled' ? 0 : 1;
  } finally {
    release?.();
  }
}
