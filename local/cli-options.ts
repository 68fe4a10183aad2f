/** The command lines of `npm start`, its `reconcile` and `npm run rotate`: options, help, parsing. Loads nothing heavy. */
import path from 'node:path';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { DATADOG_SITES, isDatadogSite } from '../shared/datadog-sites';
import { DEFAULT_DATADOG_RATE_LIMIT, type RateLimit } from './datadog/server';
import type { FaultPlan } from './faults';

// Bounds: IAM propagation up to a day (it takes seconds, "a minute (rare)"); up to a million requests a window of a day.
const MAX_PROPAGATION_SECONDS = 86_400;
const MAX_RATE_LIMIT_REQUESTS = 1_000_000;
const MAX_RATE_LIMIT_SECONDS = 86_400;

// Loaded on first use (AWS SDK clients, a YAML parser: seconds of CPU); `require` keeps parsing synchronous.
/* eslint-disable @typescript-eslint/no-require-imports */
const lazy = {
  faults: () => require('./faults') as typeof import('./faults'),
  deployment: () => require('./deployment') as typeof import('./deployment'),
  template: () => require('./template') as typeof import('./template'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** The options `npm start` and its `reconcile` share. */
const STACK_OPTIONS = {
  state: { type: 'string' },
  org: { type: 'string' },
  settings: { type: 'string' },
  parameter: { type: 'string', multiple: true },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsOptionsConfig;

/** The options of `npm start`; {@link USAGE} describes each. */
export const OPTIONS = {
  'datadog-site': { type: 'string' },
  'datadog-url': { type: 'string' },
  fault: { type: 'string', multiple: true },
  'propagation-seconds': { type: 'string' },
  'datadog-rate-limit': { type: 'string' },
  verbose: { type: 'boolean', default: false },
  ...STACK_OPTIONS,
} as const satisfies ParseArgsOptionsConfig;

export const USAGE = `usage: npm start -- [EVENT.json] [options]

Runs a lifecycle event, or a console replay input, through the whole onboarding flow locally (no AWS, no Docker).
EVENT.json defaults to events/control-tower-create-managed-account.json. Paths are relative to where you run npm.

options:
  --datadog-site SITE        Datadog site: ${DATADOG_SITES.join(', ')}
  --datadog-url URL          send Datadog calls to that server instead of the embedded one (keys in DD_API_KEY, DD_APP_KEY)
  --state FILE               load the sandbox and Datadog's registrations from FILE and save them after the run
                             (a missing FILE starts empty; one run at a time per FILE)
  --org FILE                 the organization to run in, applied to the sandbox (and to --state) first: its OUs, where
                             listed accounts sit, their state and access role, accounts that left, and registrations
                             Datadog already holds (README, "Local runs"); accounts not listed are left as they are
  --settings FILE            the Datadog settings document to apply (YAML or JSON, README "Datadog settings") instead
                             of the shipped settings/datadog-settings.json
  --parameter KEY=VALUE      a stack parameter of template.yaml, as sam deploy --parameter-overrides gives it
                             (repeatable), e.g. --parameter ExcludeAccounts=210987654321
  --fault SPEC               inject a fault, repeatable: SERVICE:OPERATION:ERROR[:COUNT] or crash-after:SERVICE:OPERATION
  --propagation-seconds N    seconds IAM changes take to take effect, 0 to ${MAX_PROPAGATION_SECONDS} (default 10; with --state,
                             from this run on)
  --datadog-rate-limit N/S   the embedded Datadog allows N requests per S seconds per endpoint group, 429 beyond
                             (default ${DEFAULT_DATADOG_RATE_LIMIT.requests}/${DEFAULT_DATADOG_RATE_LIMIT.seconds}; windows run on the virtual clock)
  --json                     print exactly one JSON document on stdout (progress goes to stderr)
  --verbose                  also print the functions' own logs and error stacks (on stderr)
  -h, --help                 print this help

exit codes: 0 onboarded or ignored, 1 failed, 2 rejected input (one line on stderr)`;

const RECONCILE_OPTIONS = {
  'dry-run': { type: 'boolean', default: false },
  'account-id': { type: 'string', multiple: true },
  dump: { type: 'boolean', default: false },
  ...STACK_OPTIONS,
} as const satisfies ParseArgsOptionsConfig;

export const RECONCILE_USAGE = `usage: npm start -- reconcile [--org FILE] [--state FILE] [--settings FILE] [--parameter KEY=VALUE]…
                             [--dry-run] [--account-id ID]… [--json] [--dump]

Reconciles every account of the local organization with the local Datadog, as the ReconcileOrganization state machine
does (plan, Distributed Map through the onboarding state machine, report).

options:
  --org FILE         the organization, applied to the sandbox (and to --state) first (see npm start -- --help)
  --state FILE       the saved state to reconcile and save back (default: a new, empty organization)
  --settings FILE    the Datadog settings document to apply (YAML or JSON) instead of the shipped one
  --parameter K=V    a stack parameter of template.yaml, as sam deploy --parameter-overrides gives it (repeatable),
                     e.g. --parameter ExcludeAccounts=210987654321 or --parameter ReconcileMaxConcurrency=10
  --dry-run          the plan only: nothing is changed anywhere
  --account-id ID    only this account (repeatable)
  --json             print one JSON document on stdout
  --dump             show the sandbox in the summary even above 200 accounts
  -h, --help         print this help`;

const ROTATE_OPTIONS = {
  state: { type: 'string' },
  'datadog-site': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: STACK_OPTIONS.help,
} as const satisfies ParseArgsOptionsConfig;

export const ROTATE_USAGE = `usage: npm run rotate -- ACCOUNT_ID --state FILE [--datadog-site SITE] [--json]

Rotates the access key Datadog uses for ACCOUNT_ID, as Secrets Manager runs the rotation function, in the state
FILE saved by npm start -- … --state FILE (the path is relative to where you run npm).

options:
  --state FILE           the saved state (required; one run at a time per FILE)
  --datadog-site SITE    the Datadog site the account was onboarded for (default the template's)
  --json                 print one JSON document on stdout
  -h, --help             print this help`;

/** A bad command line or input file: reported in one line, exit 2. */
export class UsageError extends Error {}

/** One printable line of at most `max` characters: control characters and line separators become `?`. */
export function printable(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** `parseArgs`; UsageError with the first line of Node's message, without its advice about `--`. */
function parseCommand<T extends ParseArgsOptionsConfig>(argv: string[], options: T, help: string, allowPositionals = false) {
  // A negative number after an option that takes a value is that value (refused by the option's own check), not an option.
  const args: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const valued =
      argv[index].startsWith('--') && Object.hasOwn(options, argv[index].slice(2)) && options[argv[index].slice(2)].type === 'string';
    if (valued && /^-\d/.test(argv[index + 1] ?? '')) args.push(`${argv[index]}=${argv[++index]}`);
    else args.push(argv[index]);
  }
  try {
    return parseArgs({ args, options, allowPositionals });
  } catch (error) {
    const message = (error as Error).message.split('\n')[0].replace(/\.( To specify .*)?$/, '');
    throw new UsageError(`${printable(message)} (${help} lists the options)`);
  }
}

function propagationSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!(seconds <= MAX_PROPAGATION_SECONDS)) {
    throw new UsageError(
      `--propagation-seconds must be a whole number of seconds from 0 to ${MAX_PROPAGATION_SECONDS}, got ${printable(value, 24)}`,
    );
  }
  return seconds;
}

function datadogRateLimit(value: string | undefined): RateLimit | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,7})\/(\d{1,6})$/.exec(value);
  const requests = Number(match?.[1]);
  const seconds = Number(match?.[2]);
  if (!match || requests < 1 || requests > MAX_RATE_LIMIT_REQUESTS || seconds < 1 || seconds > MAX_RATE_LIMIT_SECONDS) {
    throw new UsageError(
      `--datadog-rate-limit must be REQUESTS/SECONDS, whole numbers from 1 (at most ${MAX_RATE_LIMIT_REQUESTS}/${MAX_RATE_LIMIT_SECONDS}), e.g. 60/10, got ${printable(value, 24)}`,
    );
  }
  return { requests, seconds };
}

/** The files (absolute) and `--parameter KEY=VALUE`s of `npm start` and its `reconcile`. @throws UsageError naming the first refused. */
function stackOptions(values: { state?: string; org?: string; settings?: string; parameter?: string[] }, cwd: string) {
  const resolved = (file?: string) => (file === undefined ? undefined : path.resolve(cwd, file));
  const [stateFile, orgFile, settingsFile] = [values.state, values.org, values.settings].map(resolved);
  const parameters: Record<string, string> = {};
  for (const option of values.parameter ?? []) {
    const match = /^([A-Za-z0-9]{1,255})=(.*)$/s.exec(option);
    if (!match) throw new UsageError(`--parameter ${printable(option, 64)}: must be KEY=VALUE, KEY a parameter of template.yaml`);
    parameters[match[1]] = match[2];
  }
  try {
    lazy.deployment().checkStackParameters(lazy.template().loadTemplate(), parameters);
  } catch (error) {
    throw new UsageError(`--parameter ${printable((error as Error).message)}`);
  }
  return { stateFile, orgFile, settingsFile, parameters };
}

/** Parses `npm start`'s arguments, paths relative to `cwd`; `undefined` for `--help`. @throws UsageError (as the parsers below). */
export function parseCommandLine(argv: string[], cwd: string) {
  const { values, positionals } = parseCommand(argv, OPTIONS, 'npm start -- --help', true);
  if (values.help) return undefined;
  if (positionals.length > 1) throw new UsageError('one event file at most (npm start -- --help lists the options)');
  const site = values['datadog-site'];
  if (site !== undefined && !isDatadogSite(site)) {
    throw new UsageError(`--datadog-site ${printable(site, 64)} is not a Datadog site (one of ${DATADOG_SITES.join(', ')})`);
  }
  const url = values['datadog-url'];
  if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url)) throw new UsageError('--datadog-url must be an http(s) URL');
  const rateLimit = datadogRateLimit(values['datadog-rate-limit']);
  if (rateLimit && url !== undefined)
    throw new UsageError('--datadog-rate-limit applies to the embedded Datadog server, not to --datadog-url');
  let faults: FaultPlan;
  try {
    faults = lazy.faults().FaultPlan.parse(values.fault ?? []);
  } catch (error) {
    throw new UsageError(printable((error as Error).message));
  }
  return {
    ...stackOptions(values, cwd),
    faults,
    file: path.resolve(cwd, positionals[0] ?? path.join(__dirname, '../events/control-tower-create-managed-account.json')),
    site,
    datadogUrl: url,
    propagationSeconds: propagationSeconds(values['propagation-seconds']),
    ...(rateLimit ? { datadogRateLimit: rateLimit } : {}),
    json: values.json,
    verbose: values.verbose,
  };
}

/** What the command line of `npm start` asks for (paths absolute). */
export type CliOptions = NonNullable<ReturnType<typeof parseCommandLine>>;

/** Parses the arguments after `npm start -- reconcile`; `undefined` for `--help`. */
export function parseReconcileCommandLine(argv: string[], cwd: string) {
  const { values } = parseCommand(argv, RECONCILE_OPTIONS, 'npm start -- reconcile --help');
  if (values.help) return undefined;
  const accountIds = values['account-id'];
  const wrong = accountIds?.find((id) => !/^\d{12}$/.test(id));
  if (wrong !== undefined) throw new UsageError(`--account-id ${printable(wrong, 64)} is not a 12-digit account id`);
  return { ...stackOptions(values, cwd), dryRun: values['dry-run'], accountIds, json: values.json, dump: values.dump };
}

/** What the command line of `npm start -- reconcile` asks for (paths absolute). */
export type ReconcileCliOptions = NonNullable<ReturnType<typeof parseReconcileCommandLine>>;

/** Parses the command line of `npm run rotate`; `undefined` for `--help`. */
export function parseRotateCommandLine(argv: string[], cwd: string) {
  const { values, positionals } = parseCommand(argv, ROTATE_OPTIONS, 'npm run rotate -- --help', true);
  if (values.help) return undefined;
  const [accountId] = positionals;
  if (!accountId || !/^\d{12}$/.test(accountId) || positionals.length > 1)
    throw new UsageError('ACCOUNT_ID must be one 12-digit account id (npm run rotate -- --help)');
  if (!values.state) throw new UsageError('--state FILE is required (the state of an earlier npm start)');
  const site = values['datadog-site'];
  if (site !== undefined && !isDatadogSite(site)) throw new UsageError(`--datadog-site ${printable(site, 64)} is not a Datadog site`);
  return { accountId, stateFile: path.resolve(cwd, values.state), site, json: values.json };
}

/** What the command line of `npm run rotate` asks for (the state file absolute). */
export type RotateCliOptions = NonNullable<ReturnType<typeof parseRotateCommandLine>>;
