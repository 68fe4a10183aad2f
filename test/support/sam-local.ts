/**
 * The environment `sam local invoke FUNCTION --env-vars FILE` gives a function. SAM CLI rules (aws-sam-cli,
 * `samcli/local/lambdafn/env_vars.py`, `commands/local/lib/local_lambda.py`): only variables the template declares are set;
 * the file's `<LogicalId>` entry beats its `Parameters` entry, which beats the template; an unresolvable value is ''.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { resolveValue, type Template, type TemplateFunction } from '../../local/template';

/** An env-vars file: variables per function logical id, and under `Parameters` for every function. */
const envVarsFileSchema = z.record(z.string(), z.record(z.string(), z.string()));
type EnvVarsFile = z.infer<typeof envVarsFileSchema>;

/** Pseudo parameters as the SAM CLI resolves them locally (`IntrinsicsSymbolTable.DEFAULT_PSEUDO_PARAM_VALUES`). */
const SAM_LOCAL_PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::AccountId': '123456789012',
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::StackName': 'local',
  'AWS::URLSuffix': 'localhost',
};

/** Reads an env-vars file. @throws Error naming the file when it is not JSON of that shape (SAM: `OverridesNotWellDefinedError`). */
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

/** A function's variables under `sam local invoke --env-vars` (not the AWS_* ones); `parameters` as `--parameter-overrides`. */
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
