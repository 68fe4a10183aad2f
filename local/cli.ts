/** The command of `npm start` (and its `reconcile`) and of `npm run rotate` (`local/cli.ts rotate`); flows load when a run starts. */
import {
  parseCommandLine,
  parseReconcileCommandLine,
  parseRotateCommandLine,
  printable,
  RECONCILE_USAGE,
  ROTATE_USAGE,
  USAGE,
  UsageError,
} from './cli-options';
import { StateFileError } from './state-file-error';

/** Where the command writes, and where the user stands. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Where relative paths resolve from: npm's `INIT_CWD` (npm runs scripts from the package folder). */
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Parses `args` (`undefined`: prints `help`) and runs the flow; what it throws becomes one line, exit 2 for bad input, else 1. */
async function runCommand<T>(
  name: string,
  args: string[],
  io: CliIo,
  [parse, help]: [(args: string[], cwd: string) => T | undefined, string],
  flow: (flows: typeof import('./cli-run')) => (options: T, io: CliIo) => Promise<number>,
): Promise<number> {
  try {
    const options = parse(args, io.cwd);
    if (options === undefined) {
      io.stdout(`${help}\n`);
      return 0;
    }
    return await flow(await import('./cli-run'))(options, io);
  } catch (error) {
    const failure = error as Error;
    if (failure instanceof UsageError || failure instanceof StateFileError) {
      io.stderr(`${name}: ${failure.message}\n`);
      return 2;
    }
    const stack = args.includes('--verbose') && failure.stack ? `${failure.stack}\n` : '';
    io.stderr(`${name}: ${failure.name}: ${printable(String(failure.message))}\n${stack}`);
    return 1;
  }
}

/**
 * Runs `npm start` (arguments after `npm start --`), its `reconcile`, or `npm run rotate` (`rotate` and its arguments).
 * @returns the exit code: 0 done (or `--help`), 1 failed, 2 rejected input (or rotation not applicable).
 * @example
 * // npm start -- events/console-replay.json --json, in this process (the tests' way)
 * const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(text);
 * const io = { stdout: write(process.stdout), stderr: write(process.stderr), cwd: process.cwd(), env: process.env };
 * process.exitCode = await main(['events/console-replay.json', '--json'], io);
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'rotate') return runCommand('npm run rotate', rest, io, [parseRotateCommandLine, ROTATE_USAGE], (flows) => flows.rotate);
  if (command === 'reconcile')
    return runCommand('npm start', rest, io, [parseReconcileCommandLine, RECONCILE_USAGE], (flows) => flows.reconcile);
  return runCommand('npm start', argv, io, [parseCommandLine, USAGE], (flows) => flows.run);
}

if (require.main === module) {
  const io: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.env.INIT_CWD || process.cwd(),
    env: process.env,
  };
  // Exit once stdout has flushed: to a pipe (`| jq`) it is written asynchronously, and exiting at once cut it at 64 KiB.
  void main(process.argv.slice(2), io).then((code) => process.stdout.write('', () => process.exit(code)));
}
