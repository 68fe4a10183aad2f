/**
 * Bundles every function of template.yaml with esbuild, as `sam build` does (same entry points and settings), and
 * checks what each bundle holds: the Datadog client only in the functions that call Datadog, and there only the
 * AWS-integration part (deep import), never the whole client. Functions that post events may also hold its v1 events
 * part. Before writing, the settings document bundled into the functions (settings/datadog-settings.json) is checked:
 * an invalid one is never bundled.
 *
 * Usage: `npm run bundle` (writes `dist/<FunctionLogicalId>/index.js`, prints sizes, exits 1 on a violation or an
 * invalid settings document). `--check` (what `npm test` runs) makes the bundle checks without writing: one build whose
 * entries share their modules' code (ES modules, code splitting), since what a bundle holds is read from the import
 * graph (the metafile), which the output format does not change; about half the CPU of writing 18 whole bundles. It
 * leaves the settings document to jest (test/shared/settings checks the shipped one), which `npm test` runs alongside.
 */
import { build, type Metafile } from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, loadTemplate, templateFunctions } from '../local/template';
import { passedBefore, recordPass } from './check-verdict';

/**
 * Whether a function talks to Datadog: the template gives it the Datadog keys' secret. Every other bundle must be free
 * of the Datadog client.
 */
const callsDatadog = (environment: Record<string, unknown>): boolean => 'DATADOG_KEYS_SECRET_ARN' in environment;
/**
 * Whether a function posts Datadog events (shared/observability/datadog-events.ts): the template gives it the
 * `DATADOG_EVENTS` switch. It may bundle the v1 events API.
 */
const postsEvents = (environment: Record<string, unknown>): boolean => 'DATADOG_EVENTS' in environment;

/**
 * The inputs of one entry point's bundle: what its entry reaches through the build's import graph, as a build of that
 * entry alone lists them (tree-shaken modules included).
 */
function inputsOf(metafile: Metafile, entry: string): string[] {
  const reached = new Set<string>([entry]);
  for (const input of reached) for (const { path: imported } of metafile.inputs[input]?.imports ?? []) reached.add(imported);
  return [...reached].filter((input) => input in metafile.inputs);
}

/**
 * --check's name for its verdict: while none of the files its last passing build read changes (nor this script, the
 * template or the locked dependencies), the verdict stands and no build runs, as ESLint's and Prettier's caches do. A new
 * import shows as a change to the file that makes it. (esbuild's own CPU, ~6 s, is most of the check's.)
 */
const CHECK = 'bundle-check';

async function main(check: boolean): Promise<void> {
  if (check && passedBefore(CHECK)) return;
  if (!check) {
    // Schema, Datadog's cross-field rules and the client's models; throws one line naming the path. Imported here:
    // loading the client's models is most of --check's time otherwise.
    const [{ checkSettingsDocument }, { parseSettingsDocument }, { SHIPPED_SETTINGS }] = await Promise.all([
      import('../shared/settings/datadog-model'),
      import('../shared/settings/document'),
      import('../shared/settings/shipped'),
    ]);
    checkSettingsDocument(parseSettingsDocument(SHIPPED_SETTINGS));
  }
  const outRoot = path.join(REPO_ROOT, 'dist');
  if (!check) rmSync(outRoot, { recursive: true, force: true });
  const functions = templateFunctions(loadTemplate());
  // One build per target, every function an entry point of it: esbuild parses the modules the functions share once
  // (the SDK clients, Powertools) instead of once per function. Without code splitting (all but --check) each entry's
  // bundle is whole, as its own build writes it.
  const builds = await Promise.all(
    [...new Set(functions.map((fn) => fn.target))].map((target) =>
      build({
        entryPoints: functions
          .filter((fn) => fn.target === target)
          .map((fn) => ({ in: path.join(REPO_ROOT, fn.entryPoint), out: path.join(fn.logicalId, 'index') })),
        bundle: true,
        platform: 'node',
        target,
        ...(check ? { format: 'esm', splitting: true, write: false } : { format: 'cjs', minify: true, sourcemap: true }),
        metafile: true,
        outdir: outRoot,
        logLevel: 'error',
      }),
    ),
  );
  const problems: string[] = [];
  for (const fn of functions) {
    const outfile = path.relative(process.cwd(), path.join(outRoot, fn.logicalId, 'index.js'));
    const { metafile } = builds.find((result) => outfile in result.metafile.outputs)!;
    const output = metafile.outputs[outfile];
    const datadog = inputsOf(metafile, output.entryPoint!).filter((input) => input.includes('@datadog/datadog-api-client'));
    if (!callsDatadog(fn.environment) && datadog.length > 0) {
      problems.push(`${fn.logicalId} bundles the Datadog client but does not call Datadog`);
    }
    const v1Allowed = postsEvents(fn.environment);
    if (
      datadog.some(
        (input) =>
          (!v1Allowed && input.includes('datadog-api-client-v1')) ||
          /datadog-api-client\/(dist\/)?(packages\/datadog-api-client-v\d\/)?index\.js$/.test(input),
      )
    ) {
      problems.push(`${fn.logicalId} bundles the whole Datadog client; import only the AWS integration API`);
    }
    if (!check)
      console.log(
        `${fn.logicalId.padEnd(32)} ${(output.bytes / 1024).toFixed(0).padStart(6)} KiB${datadog.length > 0 ? '  (Datadog client)' : ''}`,
      );
  }
  if (problems.length > 0) {
    for (const problem of problems) console.error(`bundle: ${problem}`);
    process.exit(1);
  }
  if (check) {
    // Inputs are relative to the working directory; the verdict's files, to the repository's root.
    const inputs = builds.flatMap((result) => Object.keys(result.metafile.inputs)).map((input) => path.relative(REPO_ROOT, input));
    const own = inputs.filter((file) => !file.split(path.sep).includes('node_modules'));
    recordPass(CHECK, [...new Set(own), 'scripts/bundle.ts', 'template.yaml', 'package-lock.json']);
  }
}

main(process.argv.includes('--check')).catch((error: Error) => {
  console.error(`bundle: ${error.message}`);
  process.exit(1);
});
