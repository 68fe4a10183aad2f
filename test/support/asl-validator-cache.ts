/**
 * jest.config maps `asl-validator` here: it compiles the ASL schemas on every `new StateMachine` (~0.9 s of CPU per
 * definition per test file). This keeps on disk, per validator version, options and definition, the real validator's
 * errors and the definition as it left it (it fills in `QueryLanguage`), and replays both.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface ValidationError {
  'Error code': string;
  Message: string;
  [key: string]: unknown;
}

type Validator = (definition: Record<string, unknown>, options?: Record<string, unknown>) => { errors: ValidationError[] };

const VALIDATOR_FILE = require.resolve('asl-validator/dist/src/validator.js');
// The real validator, by its file (the package name itself is mapped to this module); loaded only on a miss (~0.3 s).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const validate: Validator = (...args) => (require(VALIDATOR_FILE) as Validator)(...args);
const { version } = JSON.parse(readFileSync(path.join(path.dirname(VALIDATOR_FILE), '..', '..', 'package.json'), 'utf8')) as {
  version: string;
};
const CACHE_DIR = path.resolve(__dirname, '..', '..', 'node_modules', '.cache', 'asl-validator-results');

function cachedValidator(definition: Record<string, unknown>, options?: Record<string, unknown>) {
  const key = createHash('sha256')
    .update(JSON.stringify([version, options ?? null, definition]))
    .digest('hex');
  const file = path.join(CACHE_DIR, `${key}.json`);
  let cached: { errors: ValidationError[]; definition: Record<string, unknown> } | undefined;
  try {
    cached = JSON.parse(readFileSync(file, 'utf8')) as typeof cached;
  } catch {
    cached = undefined;
  }
  if (!cached) {
    cached = { errors: validate(definition, options).errors, definition };
    mkdirSync(CACHE_DIR, { recursive: true });
    // Written whole, then renamed: another worker may read it meanwhile.
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(cached));
    renameSync(partial, file);
  }
  Object.assign(definition, cached.definition);
  const { errors } = cached;
  return {
    isValid: errors.length === 0,
    errors,
    errorsText: (separator = '\n') => errors.map((error) => `${error['Error code']}: ${error.Message}`).join(separator),
  };
}

export = cachedValidator;
