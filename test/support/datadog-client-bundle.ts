/**
 * Jest global set-up: one esbuild bundle of the Datadog client's modules the repository imports (loaded in their place by
 * jest.config's moduleNameMapper). Unbundled, its ObjectSerializer pulls ~6,200 files: ~3 s of CPU per test file; bundled
 * with every model class defined up front, still ~0.6 s, hence {@link lazyModels}.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';

const ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE = '@datadog/datadog-api-client';
/** Where the bundle and a module per imported path go (jest.config, same formula); per checkout, as worktrees share node_modules. */
export const OUT_DIR = path.join(ROOT, 'node_modules', '.cache', `datadog-api-client-bundle${ROOT.replace(/[^\w-]/g, '_')}`);
const SOURCE_DIRS = ['functions', 'shared', 'local', 'test', 'scripts'];

/** Every `@datadog/datadog-api-client/dist/…` path imported by the repository's TypeScript. */
function importedPaths(): string[] {
  const files = SOURCE_DIRS.filter((dir) => existsSync(path.join(ROOT, dir))).flatMap((dir) =>
    (readdirSync(path.join(ROOT, dir), { recursive: true }) as string[]).map((file) => path.join(ROOT, dir, file)),
  );
  const imported = files
    .filter((file) => /\.[cm]?[tj]s$/.test(file))
    .flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/['"]@datadog\/datadog-api-client\/dist\/([\w./-]+?)(?:\.js)?['"]/g)])
    .map((match) => match[1]);
  return [...new Set(imported)].sort();
}

/**
 * The serializers' model classes (v2: ~6,200) each defined when first (de)serialized, not all when the client loads: the
 * serializer's type map gets a getter per model in place of the model required up front. Same classes, same checks.
 */
const lazyModels: Plugin = {
  name: 'lazy-models',
  setup(esbuild) {
    esbuild.onLoad({ filter: /datadog-api-client-v\d[\\/]models[\\/]ObjectSerializer\.js$/ }, ({ path: file }) => {
      const source = readFileSync(file, 'utf8');
      let required = 0;
      let lazy = 0;
      const contents = source
        .replace(/^const (\w+)_1 = require\("\.\/\1"\);$/gm, () => (required++, ''))
        .replace(/^(\s+)(\w+): \2_1\.\2,$/gm, (_, indent: string, model: string) => {
          lazy++;
          return `${indent}get ${model}() { return require(${JSON.stringify(path.join(path.dirname(file), `${model}.js`))}).${model}; },`;
        });
      if (required === 0 || required !== lazy)
        throw new Error(`${file}: ${required} models required, ${lazy} made lazy; its layout changed`);
      return { contents, loader: 'js', resolveDir: path.dirname(file) };
    });
    // Models stay out of the bundle, loaded from the package when first used (one copy of each class, whoever imports it):
    // the bundle stays small to read and parse.
    esbuild.onResolve({ filter: /datadog-api-client-v\d[\\/]models[\\/]\w+(\.js)?$/ }, ({ path: file }) =>
      /ObjectSerializer(\.js)?$/.test(file) ? undefined : { path: require.resolve(file, { paths: [ROOT] }), external: true },
    );
  },
};

/** Builds the bundle and its modules, unless those of the same package version and imports are there already. */
export default async function buildDatadogClientBundle(): Promise<void> {
  const paths = importedPaths();
  const { version } = JSON.parse(readFileSync(require.resolve(`${PACKAGE}/package.json`, { paths: [ROOT] }), 'utf8')) as {
    version: string;
  };
  // This file's own text too: a change to how the bundle is made rebuilds it.
  const key = JSON.stringify({ version, paths, recipe: createHash('sha256').update(readFileSync(__filename)).digest('hex') });
  const keyFile = path.join(OUT_DIR, 'key.json');
  if (existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key) return;

  mkdirSync(OUT_DIR, { recursive: true });
  const entry = path.join(OUT_DIR, 'entry.js');
  // Each module runs on first access only: a suite that loads the events client does not pay for the v2 serializer's models.
  const getter = (p: string) =>
    `Object.defineProperty(exports, ${JSON.stringify(p)}, { enumerable: true, get: () => require(${JSON.stringify(`${PACKAGE}/dist/${p}`)}) });`;
  writeFileSync(entry, paths.map(getter).join('\n'));
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: path.join(OUT_DIR, 'bundle.js'),
    nodePaths: [path.join(ROOT, 'node_modules')],
    logLevel: 'warning',
    plugins: [lazyModels],
  });
  for (const p of paths) {
    const shim = path.join(OUT_DIR, 'dist', `${p}.js`);
    mkdirSync(path.dirname(shim), { recursive: true });
    writeFileSync(shim, `module.exports = require(${JSON.stringify(path.join(OUT_DIR, 'bundle.js'))})[${JSON.stringify(p)}];\n`);
  }
  writeFileSync(keyFile, key);
}
