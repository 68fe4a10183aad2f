/**
 * `npm start -- [EVENT.json] [options]`: runs a lifecycle event or a console replay input through the whole
 * onboarding flow locally (no AWS, no Docker) and prints a summary. `npm start -- --help` lists the options.
 *
 * Exit codes: 0 onboarded, offboarded or ignored, 1 failed, 2 rejected input (one line on stderr).
 *
 * Only the command line's own modules load up front; the flow (local/cli-run.ts, local/reconcile-cli.ts's run) loads
 * when a run starts, so `--help` and a refused command line return at once.
 */
import { ReconcileUsageError, reconcileCommand } from './reconcile-cli';
import { parseCommandLine, printable, USAGE, UsageError } from './cli-options';
import { StateFileError } from './state-file-error';

/** Where the command writes, and where the user stands. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Relative paths resolve from here: npm's `INIT_CWD` (npm runs scripts from the package folder). */
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Runs the command.
 *
 * @param argv - the arguments after `npm start --`.
 * @param io - where output goes, where the user stands and the environment (the process's, when run by npm).
 * @returns the exit code: 0 onboarded, offboarded or ignored (or `--help`), 1 failed, 2 rejected input.
 *
 * @example
 * ```ts
 * const code = await main(['events/console-replay.json', '--json'], {
 *   stdout: (text) => process.stdout.write(text),
 *   stderr: (text) => process.stderr.write(text),
 *   cwd: process.cwd(),
 *   env: process.env,
 * });
 * ```
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let verbose = argv.includes('--verbose');
  try {
    if (argv[0] === 'reconcile') return await reconcileCommand(argv.slice(1), io);
    const options = parseCommandLine(argv, io.cwd);
    if (options.help) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    verbose = options.verbose;
    const { run } = await import('./cli-run');
    return await run(options, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof StateFileError || error instanceof ReconcileUsageError) {
      io.stderr(`npm start: ${error.message}\n`);
      return 2;
    }
    const failure = error as Error;
    io.stderr(`npm start: ${failure.name}: ${printable(String(failure.message))}\n${verbose && failure.stack ? `${failure.stack}\n` : ''}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.env.INIT_CWD || process.cwd(),
    env: process.env,
  }).then(
    // Exit once stdout has flushed: to a pipe (`| jq`) it is written asynchronously, and exiting at once cut it at 64 KiB.
    (code) => process.stdout.write('', () => process.exit(code)),
    // main reports every error itself; this is the last resort should it not.
    (error: unknown) => {
      process.stderr.write(`npm start: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
