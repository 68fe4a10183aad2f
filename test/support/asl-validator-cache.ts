/**
 * jest.config maps `asl-validator` here: it compiles the ASL schemas on every `new StateMachine` (~0.9 s of CPU per
 * definition per test file). This keeps on disk, per validator version, options and definition, the real validator's
 * errors and the definition as it left it (it fills in `QueryLanguage`), and replays both.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cachedJson } from '../../local/disk-cache';

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
function cachedValidator(definition: Record<string, unknown>, options?: Record<string, unknown>) {
  const cached = cachedJson('asl-validator-results', JSON.stringify([version, options ?? null, definition]), () => ({
    errors: validate(definition, options).errors,
    definition,
  }));
  Object.assign(definition, cached.definition);
  const { errors } = cached;
  return {
    isValid: errors.length === 0,
    errors,
    errorsText: (separator = '\n') => errors.map((error) => `${error['Error code']}: ${error.Message}`).join(separator),
  };
}

export = cachedValidator;
