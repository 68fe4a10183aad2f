/**
 * `npm run rotate -- ACCOUNT_ID --state FILE [--datadog-site SITE] [--json]`: rotates, locally, the access key Datadog
 * uses for an account onboarded with one (a state saved by `npm start -- … --state FILE`).
 *
 * Exit codes: 0 rotated, 1 failed, 2 bad command line or state file, or an account rotation does not apply to
 * (role delegation).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isDatadogSite } from '../shared/datadog-sites';
import { printable } from './cli-options';
import { StateFileError } from './state-file-error';

const USAGE = `usage: npm run rotate -- ACCOUNT_ID --state FILE [--datadog-site SITE] [--json]

Rotates the access key Datadog uses for ACCOUNT_ID, as Secrets Manager runs the rotation function, in the state
FILE saved by npm start -- … --state FILE (the path is relative to where you run npm).

options:
  --state FILE           the saved state (required; one run at a time per FILE)
  --datadog-site SITE    the Datadog site the account was onboarded for (default the template's)
  --json                 print one JSON document on stdout
  -h, --help             print this help`;

/** A bad command line or state: one line, exit 2. */
class UsageError extends Error {}

function parse(argv: string[], cwd: string) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        state: { type: 'string' },
        'datadog-site': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(`${printable((error as Error).message.split('\n')[0])} (npm run rotate -- --help lists the options)`);
  }
  if (parsed.values.help) return { help: true as const };
  const [accountId] = parsed.positionals;
  if (!accountId || !/^\d{12}$/.test(accountId) || parsed.positionals.length > 1)
    throw new UsageError('ACCOUNT_ID must be one 12-digit account id (npm run rotate -- --help)');
  if (!parsed.values.state) throw new UsageError('--state FILE is required (the state of an earlier npm start)');
  const site = parsed.values['datadog-site'];
  if (site !== undefined && !isDatadogSite(site)) throw new UsageError(`--datadog-site ${printable(site, 64)} is not a Datadog site`);
  return { help: false as const, accountId, stateFile: path.resolve(cwd, parsed.values.state), site: site, json: parsed.values.json };
}

/** Where the command writes, and where the user stands. */
export interface RotateCliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Relative paths resolve from here: npm's `INIT_CWD` (npm runs scripts from the package folder). */
  cwd: string;
}

async function rotate(argv: string[], io: RotateCliIo): Promise<number> {
  const options = parse(argv, io.cwd);
  if (options.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  // The rotation and the state's sandbox load only now: `--help` and a refused command line return at once.
  const [{ rotateLocally }, { checkStateWritable, loadState, saveState }, { lockStateFile }] = await Promise.all([
    import('./rotate'),
    import('./state-file'),
    import('./state-lock'),
  ]);
  const { accountId, stateFile } = options;
  checkStateWritable(stateFile);
  const release = lockStateFile(stateFile);
  try {
    const state = loadState(stateFile);
    if (!state.sandbox)
      throw new UsageError(`${stateFile} does not exist: onboard the account first with npm start -- … --state ${stateFile}`);
    const summary = await rotateLocally({
      accountId,
      sandbox: state.sandbox,
      datadogAccounts: state.datadogAccounts ?? [],
      datadogSite: options.site,
    });
    if (summary.outcome === 'not-applicable') throw new UsageError(summary.reason ?? `account ${accountId}: rotation does not apply`);
    if (options.json) {
      io.stdout(`${JSON.stringify({ ...summary, datadogAccounts: undefined }, null, 2)}\n`);
    } else {
      io.stdout(
        summary.outcome === 'rotated'
          ? `rotated: account ${accountId}, access key ${summary.previousAccessKeyId} → ${summary.accessKeyId} (Datadog updated, old key deleted)\n`
          : `failed: account ${accountId}: ${summary.reason}\n`,
      );
    }
    // Reported first: a save that fails loses the file, never the result.
    try {
      saveState(stateFile, state.sandbox, summary.datadogAccounts);
    } catch (error) {
      if (!(error instanceof StateFileError)) throw error;
      io.stderr(`npm run rotate: ${error.message}\n`);
      return 1;
    }
    return summary.outcome === 'rotated' ? 0 : 1;
  } finally {
    release();
  }
}

/**
 * Runs the command.
 *
 * @param argv - the arguments after `npm run rotate --`.
 * @param io - where output goes and where the user stands (the process's, when run by npm).
 * @returns the exit code: 0 rotated (or `--help`), 1 failed, 2 bad command line or state file, or an account rotation
 *   does not apply to (one line on stderr).
 *
 * @example
 * ```ts
 * const code = await main(['777788889999', '--state', 'org.json'], {
 *   stdout: (text) => process.stdout.write(text),
 *   stderr: (text) => process.stderr.write(text),
 *   cwd: process.cwd(),
 * });
 * ```
 */
export async function main(argv: string[], io: RotateCliIo): Promise<number> {
  try {
    return await rotate(argv, io);
  } catch (error) {
    const failure = error as Error;
    const usage = failure instanceof UsageError || failure instanceof StateFileError;
    io.stderr(`npm run rotate: ${usage ? failure.message : `${failure.name}: ${printable(String(failure.message))}`}\n`);
    return usage ? 2 : 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.env.INIT_CWD || process.cwd(),
  }).then(
    // Exit once stdout has flushed: to a pipe it is written asynchronously, and exiting at once could cut it short.
    (code) => process.stdout.write('', () => process.exit(code)),
    // main reports every error itself; this is the last resort should it not.
    (error: unknown) => {
      process.stderr.write(`npm run rotate: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
