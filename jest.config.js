/**
 * Where test/support/datadog-client-bundle.ts puts the bundle: one directory per checkout, since worktrees share one
 * node_modules and each may import its own set of the client's modules (the same formula is there).
 */
const BUNDLE_DIR = `node_modules/.cache/datadog-api-client-bundle${__dirname.replace(/[^\w-]/g, '_')}`;

// Node's on-disk cache of compiled modules, for what Node itself loads: jest, ts-jest and TypeScript, in this process and
// in each worker (they inherit the variable, and jest starts a new one for each it recycles). ~0.5 s of CPU per process.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS config file
const [{ enableCompileCache }, { env }] = [require('node:module'), require('node:process')];
env.NODE_COMPILE_CACHE ??= `${__dirname}/node_modules/.cache/node-compile-cache`;
enableCompileCache?.(env.NODE_COMPILE_CACHE);
// A larger young generation for the workers (they inherit the variable): each test file allocates its whole module graph
// anew, and with V8's default semi-space most of it is copied once before it dies. ~10 % less CPU over the suite.
if (!/--max-semi-space-size/.test(env.NODE_OPTIONS ?? '')) env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --max-semi-space-size=64`.trim();

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type-checking is `npm run typecheck`'s job; here ts-jest only transpiles (fast, and no native binary to install).
  transform: {
    '^.+\\.[tj]s$': [
      'ts-jest',
      {
        tsconfig: {
          allowJs: true,
          module: 'commonjs',
          moduleResolution: 'node',
          esModuleInterop: true,
          resolveJsonModule: true,
          isolatedModules: true,
          target: 'es2022',
        },
        diagnostics: false,
      },
    ],
  },
  // middy ships ES modules only; jest's CommonJS runtime needs them compiled.
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  // The Datadog client's modules from one bundle of them (see test/support/datadog-client-bundle.ts: ~3 s less CPU per
  // test file that loads the client); an import it has no module for fails loudly ("Could not locate module").
  globalSetup: '<rootDir>/test/support/datadog-client-bundle.ts',
  moduleNameMapper: {
    '^@datadog/datadog-api-client/dist/(.+?)(\\.js)?$': `<rootDir>/${BUNDLE_DIR}/dist/$1.js`,
    // The state machine validator, its verdict kept per definition across test files (see test/support/asl-validator-cache.ts).
    '^asl-validator$': '<rootDir>/test/support/asl-validator-cache.ts',
  },
  setupFilesAfterEnv: ['<rootDir>/test/setup-after-env.ts'],
  testTimeout: 60000,
  // One worker per core: jest's default (cores - 1) leaves one of a 2-core machine's cores idle most of the run.
  maxWorkers: '100%',
  // A safety net, not a routine: a worker's live heap stays under ~700 MB over a whole run, but jest compares heapUsed
  // with garbage not yet collected, so a lower limit (1.2 GB was tried) restarts workers mid-run for nothing (~9 s).
  workerIdleMemoryLimit: '2GB',
  collectCoverageFrom: ['functions/**/*.ts', 'shared/**/*.ts'],
  // Enforced by `npm test` (jest --coverage): what the product's code is held to, measured 2026-12 at 94.7 % of
  // statements and 79.2-79.5 % of branches (the fuzzing suites reach a few branches only on some inputs, so branch
  // coverage moves by a few tenths between runs). A partial run (`npx jest FILE`) collects nothing and is not held to it.
  coverageThreshold: { global: { statements: 94, branches: 78, functions: 96, lines: 95 } },
  coverageReporters: ['text-summary'],
};
