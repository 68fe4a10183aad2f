/** `--state FILE`: the sandbox, Datadog's registrations and the accounts table's items, loaded before a local run and saved after it. */
import { accessSync, constants, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { describeFirstIssue } from '../shared/validation';
import type { DatadogAccountRecord } from './datadog/server';
import { isConfigId } from './datadog/store';
import { LOCAL_KEYS_SECRET_NAME } from './deployment';
import { accountId, noRepeats, registrationAttributesSchema } from './org-file';
import { AwsSandbox, sandboxJsonSchema, type SandboxJson } from './sandbox';
import { StateFileError } from './state-file-error';

/** The file's schema (`version` is checked first, by hand). */
const stateFileSchema = z.object({
  sandbox: sandboxJsonSchema,
  datadogAccounts: z
    .array(
      z.object({
        id: z.string().refine(isConfigId, 'must be a UUID (Datadog config id)'),
        type: z.literal('account'),
        attributes: registrationAttributesSchema.extend({ created_at: z.string(), modified_at: z.string() }),
      }),
    )
    .superRefine(noRepeats((record) => [record.id, record.attributes.aws_account_id], 'one registration per id and AWS account')),
  /** The accounts table's items (shared/aws/account-records.ts): key and state checked, the rest kept (DynamoDB is schemaless). */
  accountRecords: z
    .array(
      z.looseObject({
        accountId,
        state: z.enum(['onboarding', 'onboarded', 'failed', 'offboarding', 'offboarded']).optional(),
        // The lease, which ResolveTarget compares as it is: an execution ARN until epoch seconds.
        leaseHolder: z
          .string()
          .regex(/^arn:[\w-]+:states:[\w-]+:\d{12}:execution:/, 'must be an execution ARN')
          .optional(),
        leaseExpiresAt: z.number().int().nonnegative().optional(),
      }),
    )
    .superRefine(noRepeats((record) => [record.accountId], 'one record per AWS account'))
    .default([]),
});

/** What a state file holds. */
export type LocalState = { sandbox?: AwsSandbox } & Partial<Omit<z.infer<typeof stateFileSchema>, 'sandbox'>>;

/** The error's code (`ENOENT`…), else the first line of its message. */
function systemCode(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code ?? String(message).split('\n')[0].slice(0, 200);
}

/**
 * Loads a state file; a missing file is an empty state.
 * @throws StateFileError naming the first thing wrong, when the file is unreadable or not a saved state.
 */
export function loadState(file: string): LocalState {
  if (!existsSync(file)) return {};
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new StateFileError(`--state ${file}: ${error instanceof SyntaxError ? 'not JSON' : 'cannot be read'} (${systemCode(error)})`);
  }
  if ((json as { version?: unknown } | null)?.version !== 1)
    throw new StateFileError(`--state ${file}: not a state file of npm start (version 1)`);
  const parsed = stateFileSchema.safeParse(json);
  if (!parsed.success) throw new StateFileError(`--state ${file}: ${describeFirstIssue(parsed.error, 'the document')}`);
  // Checked once, by the file's schema: not again by fromJSON (a 10,000-account sandbox is large).
  return { ...parsed.data, sandbox: AwsSandbox.fromSaved(parsed.data.sandbox) };
}

/**
 * Checks, before a run, that the state can be saved: the folder exists, and the file, if present, can be written.
 * @throws StateFileError naming the problem.
 */
export function checkStateWritable(file: string): void {
  const folder = path.dirname(file);
  try {
    if (!statSync(folder).isDirectory()) throw new StateFileError(`--state ${file}: ${folder} is not a folder`);
    accessSync(folder, constants.W_OK);
    if (existsSync(file)) {
      if (!statSync(file).isFile()) throw new StateFileError(`--state ${file}: not a file`);
      accessSync(file, constants.W_OK);
    }
  } catch (error) {
    if (error instanceof StateFileError) throw error;
    const code = systemCode(error);
    if (code === 'ENOENT') throw new StateFileError(`--state ${file}: the folder ${folder} does not exist`);
    throw new StateFileError(`--state ${file}: cannot be ${['EACCES', 'EPERM', 'EROFS'].includes(code) ? 'written' : 'used'} (${code})`);
  }
}

/**
 * Saves the state through a temporary file renamed over the old (a crash or a full disk leaves the previous state whole).
 * The local Datadog keys secret is left out: each run stores its keys again, and no key belongs in a shareable file.
 * @throws StateFileError when the file cannot be written, in one line.
 */
export function saveState(file: string, sandbox: AwsSandbox, datadogAccounts: DatadogAccountRecord[], accountRecords: object[] = []): void {
  const json: SandboxJson = sandbox.toJSON();
  for (const account of Object.values(json.state.accounts)) {
    account.secrets = account.secrets.filter((secret) => !secret.name.startsWith(LOCAL_KEYS_SECRET_NAME));
  }
  const partial = `${file}.${process.pid}.partial`;
  try {
    writeFileSync(partial, `${JSON.stringify({ version: 1, sandbox: json, datadogAccounts, accountRecords }, null, 2)}\n`);
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    throw new StateFileError(`cannot save the state to ${file} (${systemCode(error)}); the run's result above was not saved`);
  }
}
