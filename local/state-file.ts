/**
 * `--state FILE`: the sandbox and the embedded Datadog's registrations, loaded before a local run and saved after it,
 * so replays and partial states can be shown across runs.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { DatadogAccountRecord } from './datadog/server';
import { LOCAL_KEYS_SECRET_NAME } from './run';
import { AwsSandbox, type SandboxJson } from './sandbox';

/** What a state file holds. */
export interface LocalState {
  sandbox?: AwsSandbox;
  datadogAccounts?: DatadogAccountRecord[];
}

/** A state file that cannot be read; the message is one line. */
export class StateFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateFileError';
  }
}

/**
 * Loads a state file; a missing file is an empty state (the run starts a new one).
 *
 * @throws StateFileError when the file is unreadable or not a saved state.
 */
export function loadState(file: string): LocalState {
  if (!existsSync(file)) return {};
  let json: { version?: unknown; sandbox?: unknown; datadogAccounts?: unknown };
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as typeof json;
  } catch (error) {
    throw new StateFileError(`--state ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (json?.version !== 1 || !Array.isArray(json.datadogAccounts)) {
    throw new StateFileError(`--state ${file}: not a state file of npm start (version 1)`);
  }
  try {
    return { sandbox: AwsSandbox.fromJSON(json.sandbox), datadogAccounts: json.datadogAccounts as DatadogAccountRecord[] };
  } catch (error) {
    throw new StateFileError(`--state ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/**
 * Saves the state. The local Datadog keys secret is left out: each run stores its own keys again, and no key value
 * belongs in a file a person may share.
 */
export function saveState(file: string, sandbox: AwsSandbox, datadogAccounts: DatadogAccountRecord[]): void {
  const json: SandboxJson = sandbox.toJSON();
  for (const account of Object.values(json.state.accounts)) {
    account.secrets = account.secrets.filter((secret) => !secret.name.startsWith(LOCAL_KEYS_SECRET_NAME));
  }
  writeFileSync(file, `${JSON.stringify({ version: 1, sandbox: json, datadogAccounts }, null, 2)}\n`);
}
