/**
 * jest.config maps `asl-validator` here: aws-local-stepfunctions validates each state machine definition it is given
 * with it (`new StateMachine`), which builds a new Ajv instance and compiles the Amazon States Language schemas every
 * time, about 0.9 s of CPU per definition, in every test file (each has a module registry of its own). This runs the
 * real validator on a definition the first time and keeps on disk, keyed by the definition, the options and the
 * validator's version, its errors and the definition as the validator left it (it gives a state without
 * `QueryLanguage` the machine's); the same definition later gets the same errors and the same change.
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
// The real validator, by its file: the package name itself is mapped to this module.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const validate = require(VALIDATOR_FILE) as Validator;
const { version } = JSON.parse(readFileSync(path.join(path.dirname(VALIDATOR_FILE), '..', '..', 'package.json'), 'utf8')) as {
  version: string;
};
const CACHE_DIR = path.resolve(__dirname, '..', '..', 'node_modules', '.cache', 'asl-validator-results');

/** asl-validator's function, its result kept per definition and options. */
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
