/**
 * The environment `sam local invoke FUNCTION --env-vars FILE` gives a function, so tests can invoke a
 * handler exactly as a developer would with the SAM CLI (README, "Running one function with `sam local invoke`").
 *
 * The SAM CLI's rules (aws-sam-cli, `samcli/local/lambdafn/env_vars.py` and `commands/local/lib/local_lambda.py`):
 * only variables the template declares for the function (Globals included) are set; a value from the file's entry
 * for the function's logical id wins over one from its `Parameters` entry, which wins over the template's value; a
 * template value the CLI cannot resolve (an intrinsic over the stack's own resources) is set to the empty string.
 * The CLI resolves `Ref` and `Fn::Sub` over parameters (their defaults) and pseudo parameters (its own local values).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { resolveValue, type Template, type TemplateFunction } from '../../local/template';

/** An env-vars file: variables per function logical id, and under `Parameters` for every function. */
export type EnvVarsFile = Record<string, Record<string, string>>;

const envVarsFileSchema = z.record(z.string(), z.record(z.string(), z.string()));

/** Pseudo parameters as the SAM CLI resolves them locally (`IntrinsicsSymbolTable.DEFAULT_PSEUDO_PARAM_VALUES`). */
export const SAM_LOCAL_PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::AccountId': '123456789012',
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::StackName': 'local',
  'AWS::URLSuffix': 'localhost',
};

/**
 * Reads an env-vars file.
 *
 * @throws Error naming the file when it is not JSON or not `{"<LogicalId>" | "Parameters": {"NAME": "value"}}`
 *   (the SAM CLI refuses such a file too: `OverridesNotWellDefinedError`).
 */
export function loadEnvVarsFile(file: string): EnvVarsFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not readable as JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = envVarsFileSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${file}: must map each function logical id to {"NAME": "string value"}`);
  return parsed.data;
}

/**
 * The environment variables of a function under `sam local invoke --env-vars` (the AWS_* variables the CLI adds
 * besides are the caller's to set).
 *
 * @param parameters - template parameter values, as `--parameter-overrides` gives them; default none.
 */
export function samLocalEnvironment(
  template: Template,
  fn: TemplateFunction,
  envVars: EnvVarsFile,
  parameters: Record<string, string> = {},
): Record<string, string> {
  const overrides = { ...envVars.Parameters, ...envVars[fn.logicalId] };
  const resolution = { pseudo: SAM_LOCAL_PSEUDO_PARAMETERS, resources: {}, parameters };
  return Object.fromEntries(
    Object.entries(fn.environment).map(([name, value]) => {
      if (overrides[name] !== undefined) return [name, overrides[name]];
      try {
        return [name, resolveValue(template, value, resolution)];
      } catch {
        // An ARN of the stack's own resources: the CLI has no value for it.
        return [name, ''];
      }
    }),
  );
}
