/** `npm run rotate -- ACCOUNT_ID --state FILE [--datadog-site SITE] [--json]` (a state saved by `npm start -- … --state FILE`). */
import { runAsScript, runCommand, usage, type CliIo } from './cli';
import { parseRotateCommandLine, ROTATE_USAGE } from './cli-options';

/**
 * Runs `npm run rotate` with the arguments after `npm run rotate --`.
 * @returns the exit code: 0 rotated (or `--help`), 1 failed, 2 bad command line or state file, or rotation not applicable.
 * @example
 * ```ts
 * const code = await main(['777788889999', '--state', 'org.json'], { stdout, stderr, cwd: process.cwd() });
 * ```
 */
export async function main(argv: string[], io: Omit<CliIo, 'env'>): Promise<number> {
  return runCommand('npm run rotate', argv, io, async () => {
    const options = parseRotateCommandLine(argv, io.cwd);
    if (!options) return usage(io, ROTATE_USAGE);
    return (await import('./cli-run')).rotate(options, io);
  });
}

if (require.main === module) runAsScript(main);
