/**
 * jest.config maps `asl-validator` here: aws-local-stepfunctions validates each state machine definition it is given
 * with it (`new StateMachine`), which builds a new Ajv instance and compiles the Amazon States Language schemas every
 * time, about 0.9 s of CPU per definition. jest gives each test file a module registry of its own, so every suite that
 * runs an execution paid it again for the same few definitions. This runs the real validator on a definition the
 * first time and keeps its verdict (the errors, none for a valid definition) on disk, keyed by the definition, the
 * options and the validator's version; the same definition later gets the same verdict, and the same change to the
 * definition the validator makes (a state without `QueryLanguage` gets the machine's, default `JSONPath`).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface ValidationError {
  'Error code': string;
  Message: string;
  [key: string]: unknown;
}

interface Verdict {
  isValid: boolean;
  errors: ValidationError[];
  errorsText(separator?: string): string;
}

type Validator = (definition: Record<string, unknown>, options?: Record<string, unknown>) => Verdict;

const VALIDATOR_FILE = require.resolve('asl-validator/dist/src/validator.js');
// The real validator, by its file: the package name itself is mapped to this module.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const validate = require(VALIDATOR_FILE) as Validator;
const { version } = JSON.parse(readFileSync(path.join(path.dirname(VALIDATOR_FILE), '..', '..', 'package.json'), 'utf8')) as {
  version: string;
};
const CACHE_DIR = path.resolve(__dirname, '..', '..', 'node_modules', '.cache', 'asl-validator-verdicts');

/** The validator's own change to the definition: each state of every `States` object gets a query language. */
function defaultQueryLanguages(definition: Record<string, unknown>): void {
  const language = (definition.QueryLanguage as string | undefined) ?? 'JSONPath';
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'States' && child !== null && typeof child === 'object' && !Array.isArray(child)) {
        for (const state of Object.values(child as Record<string, Record<string, unknown>>))
          if (state && typeof state === 'object' && !state.QueryLanguage) state.QueryLanguage = language;
      }
      visit(child);
    }
  };
  visit(definition);
}

function verdictOf(errors: ValidationError[]): Verdict {
  return {
    isValid: errors.length === 0,
    errors,
    errorsText: (separator = '\n') => errors.map((error) => `${error['Error code']}: ${error.Message}`).join(separator),
  };
}

/** asl-validator's function, its verdict kept per definition and options. */
function cachedValidator(definition: Record<string, unknown>, options?: Record<string, unknown>): Verdict {
  const key = createHash('sha256')
    .update(JSON.stringify([version, options ?? null, definition]))
    .digest('hex');
  const file = path.join(CACHE_DIR, `${key}.json`);
  let errors: ValidationError[] | undefined;
  try {
    errors = JSON.parse(readFileSync(file, 'utf8')) as ValidationError[];
  } catch {
    errors = undefined;
  }
  if (errors) {
    defaultQueryLanguages(definition);
    return verdictOf(errors);
  }
  const verdict = validate(definition, options);
  mkdirSync(CACHE_DIR, { recursive: true });
  // Written whole, then renamed: another worker may read it meanwhile.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(verdict.errors));
  renameSync(partial, file);
  return verdict;
}

export = cachedValidator;
