/**
 * `npm run rotate -- ACCOUNT_ID --state FILE [--datadog-site SITE] [--json]`: rotates, locally, the access key Datadog
 * uses for an account onboarded with one (a state saved by `npm start -- … --state FILE`).
 *
 * Exit codes: 0 rotated, 1 failed, 2 bad command line or state file.
 */
import { parseArgs } from 'node:util';
import { isDatadogSite, type DatadogSite } from '../shared/datadog-sites';
import { rotateLocally } from './rotate';
import { loadState, saveState } from './state-file';

const USAGE = 'usage: npm run rotate -- ACCOUNT_ID --state FILE [--datadog-site SITE] [--json]';

function fail(message: string): never {
  process.stderr.write(`npm run rotate: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: process.argv.slice(2), allowPositionals: true, options: { state: { type: 'string' }, 'datadog-site': { type: 'string' }, json: { type: 'boolean', default: false } } });
  } catch (error) {
    fail(`${(error as Error).message.split('\n')[0]}\n${USAGE}`);
  }
  const [accountId] = parsed.positionals;
  if (!accountId || !/^\d{12}$/.test(accountId) || parsed.positionals.length > 1) fail(`ACCOUNT_ID must be one 12-digit account id\n${USAGE}`);
  if (!parsed.values.state) fail(`--state FILE is required (the state of an earlier npm start)\n${USAGE}`);
  const site = parsed.values['datadog-site'];
  if (site !== undefined && !isDatadogSite(site)) fail(`--datadog-site ${site.slice(0, 64)} is not a Datadog site`);
  let state;
  try {
    state = loadState(parsed.values.state);
  } catch (error) {
    fail((error as Error).message);
  }
  if (!state.sandbox) fail(`${parsed.values.state} does not exist: onboard the account first with npm start -- … --state ${parsed.values.state}`);
  const summary = await rotateLocally({ accountId, sandbox: state.sandbox, datadogAccounts: state.datadogAccounts ?? [], datadogSite: site as DatadogSite | undefined });
  saveState(parsed.values.state, state.sandbox, summary.datadogAccounts);
  if (parsed.values.json) {
    process.stdout.write(`${JSON.stringify({ ...summary, datadogAccounts: undefined }, null, 2)}\n`);
  } else {
    process.stdout.write(
      summary.outcome === 'rotated'
        ? `rotated: account ${accountId}, access key ${summary.previousAccessKeyId} → ${summary.accessKeyId} (Datadog updated, old key deleted)\n`
        : `failed: account ${accountId}: ${summary.reason}\n`,
    );
  }
  return summary.outcome === 'rotated' ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`npm run rotate: ${error.name}: ${error.message}\n`);
    process.exit(1);
  },
);
