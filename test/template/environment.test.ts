/**
 * Every function gets the environment its code reads: template.yaml sets each variable the bundled code reads, and
 * events/sam-local-env.json (for `sam local invoke --env-vars`) gives each function a value for each of them. What
 * the code reads is found in its esbuild bundle (scripts/env-reads.ts), so a new read fails here until both are set.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadTemplate, templateFunctions } from '../../local/template';
import { environmentReads, environmentReadsOf, type EnvironmentReads } from '../../scripts/env-reads';
import { ROOT } from '../helpers';

/**
 * Set by the Lambda runtime itself, not by the template ("Defined runtime environment variables", AWS Lambda
 * developer guide), and by `sam local invoke` likewise.
 */
const RUNTIME_VARIABLES = new Set(['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_LAMBDA_FUNCTION_NAME', 'AWS_EXECUTION_ENV']);
/** Set only by the local runner (`npm start`) and tests, never deployed: shared/config.ts documents them so. */
const LOCAL_RUN_VARIABLES = new Set(['DATADOG_API_URL', 'DATADOG_TIMEOUT_SECONDS', 'DATADOG_SETTINGS_DOCUMENT']);

const functions = templateFunctions(loadTemplate());
const samLocalEnv = JSON.parse(readFileSync(path.join(ROOT, 'events', 'sam-local-env.json'), 'utf8')) as Record<
  string,
  Record<string, unknown>
>;
const reads = new Map<string, EnvironmentReads>();

beforeAll(async () => {
  const byEntryPoint = await environmentReadsOf(
    functions.map((fn) => fn.entryPoint),
    ROOT,
  );
  for (const fn of functions) reads.set(fn.logicalId, byEntryPoint.get(fn.entryPoint)!);
});

/** Variables the template must set for a function: what its code reads, less the runtime's and the local runner's. */
function configured(logicalId: string): string[] {
  return (reads.get(logicalId)?.variables ?? []).filter((name) => !RUNTIME_VARIABLES.has(name) && !LOCAL_RUN_VARIABLES.has(name));
}

describe('Template: the environment of each function', () => {
  it.each(functions.map((fn) => [fn.logicalId]))('%s: every read of the environment names its variable', (logicalId) => {
    expect(reads.get(logicalId)?.unresolved).toEqual([]);
  });

  it.each(functions.map((fn) => [fn.logicalId, fn]))('%s: template.yaml sets every variable its code reads', (logicalId, fn) => {
    const missing = configured(logicalId).filter((name) => !(name in fn.environment));
    expect(missing).toEqual([]);
  });
});

describe('events/sam-local-env.json', () => {
  it.each(functions.map((fn) => [fn.logicalId]))('%s: has a value for every variable its code reads', (logicalId) => {
    const entry = samLocalEnv[logicalId] ?? {};
    const missing = configured(logicalId).filter((name) => !(name in entry));
    expect(missing).toEqual([]);
  });

  it.each(functions.map((fn) => [fn.logicalId, fn]))(
    '%s: sets only variables the template declares (sam local invoke ignores others)',
    (logicalId, fn) => {
      const ignored = Object.keys(samLocalEnv[logicalId] ?? {}).filter((name) => !(name in fn.environment));
      expect(ignored).toEqual([]);
    },
  );

  it('names only functions of the template (or "Parameters", for every function), with string values', () => {
    const known = new Set([...functions.map((fn) => fn.logicalId), 'Parameters']);
    expect(Object.keys(samLocalEnv).filter((key) => !known.has(key))).toEqual([]);
    for (const entry of Object.values(samLocalEnv)) {
      for (const value of Object.values(entry)) expect(typeof value).toBe('string');
    }
  });
});

describe('scripts/env-reads.ts', () => {
  const fixture = (name: string) => path.join('test', 'template', 'fixtures', name);

  it('finds pickEnv arguments, readEnv spec keys (inline, spread and constant), process.env reads, and only reachable ones', async () => {
    const found = await environmentReads(fixture('env-reader.ts'), ROOT);
    expect(found).toEqual({
      variables: [
        'DATADOG_ROLE_NAME',
        'DATADOG_SITE',
        'FIXTURE_DESTRUCTURED',
        'FIXTURE_DIRECT',
        'FIXTURE_HELPER_USED',
        'FIXTURE_INDEXED',
        'FIXTURE_INLINE_KEY',
        'FIXTURE_SPEC_KEY',
        'MAX_VALIDATION_SECONDS',
      ],
      unresolved: [],
    });
  });

  it('reports a read whose name is not a literal', async () => {
    const found = await environmentReads(fixture('env-reader-dynamic.ts'), ROOT);
    expect(found.variables).toEqual([]);
    expect(found.unresolved).toEqual([`${fixture('env-reader-dynamic.ts')}: process.env[name]`]);
  });
});
