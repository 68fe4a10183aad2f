/**
 * The command line of `npm start`: its options, its help text, and their parsing into checked values.
 */
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DATADOG_SITES, isDatadogSite, type DatadogSite } from '../shared/datadog-sites';
import { DEFAULT_DATADOG_RATE_LIMIT, type RateLimit } from './datadog/rate-limit';
import type { FaultPlan } from './faults';

/** Bounds of `--propagation-seconds`: none, up to a day (IAM takes seconds, "a minute (rare)"). */
const MAX_PROPAGATION_SECONDS = 86_400;

/** Bounds of `--datadog-rate-limit`: up to a million requests per window of up to a day. */
const MAX_RATE_LIMIT_REQUESTS = 1_000_000;
const MAX_RATE_LIMIT_SECONDS = 86_400;

/**
 * The modules a valid command line needs, loaded on first use: the fault plan pulls in five AWS SDK clients and the
 * template a YAML parser, which `--help` and a refused command line never need (a process that loads them up front
 * spends seconds of CPU to print one line). `require`, not `import()`, so that parsing stays synchronous.
 */
function lazyFaults(): typeof import('./faults') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./faults') as typeof import('./faults');
}
function lazyDeployment(): typeof import('./deployment') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./deployment') as typeof import('./deployment');
}
function lazyTemplate(): typeof import('./template') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./template') as typeof import('./template');
}

/** The options `parseArgs` knows; {@link USAGE} describes each. */
export const OPTIONS = {
  'datadog-site': { type: 'string' },
  'datadog-url': { type: 'string' },
  state: { type: 'string' },
  org: { type: 'string' },
  settings: { type: 'string' },
  parameter: { type: 'string', multiple: true },
  fault: { type: 'string', multiple: true },
  'propagation-seconds': { type: 'string' },
  'datadog-rate-limit': { type: 'string' },
  json: { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

/** The help text (`--help`, `-h`). */
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

/** A bad command line or input file: reported in one line, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** What the command line asks for. */
export interface CliOptions {
  help: false;
  /** The input file, absolute. */
  file: string;
  site?: DatadogSite;
  datadogUrl?: string;
  propagationSeconds?: number;
  /** `--datadog-rate-limit`; absent: the embedded Datadog's default. */
  datadogRateLimit?: RateLimit;
  json: boolean;
  verbose: boolean;
  /** The state file, absolute. */
  stateFile?: string;
  /** The `--org` file, absolute. */
  orgFile?: string;
  /** The `--settings` file, absolute. */
  settingsFile?: string;
  /** Stack parameter overrides (`--parameter`), checked against template.yaml. */
  parameters: Record<string, string>;
  faults: FaultPlan;
}

/** One printable line of at most `max` characters: control characters and line separators become `?`. */
export function printable(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/**
 * `--propagation-seconds -5` would read as an unknown option `-5`: a negative number after an option that takes a
 * value is that value (then refused with the option's own message).
 */
function joinNegativeValues(argv: string[]): string[] {
  const valued = new Set(
    Object.entries(OPTIONS)
      .filter(([, option]) => option.type === 'string')
      .map(([name]) => `--${name}`),
  );
  const joined: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    if (valued.has(argv[index]) && /^-\d/.test(argv[index + 1] ?? '')) {
      joined.push(`${argv[index]}=${argv[index + 1]}`);
      index += 1;
    } else {
      joined.push(argv[index]);
    }
  }
  return joined;
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

/**
 * `--parameter KEY=VALUE` options as stack parameter overrides, checked against the template's `Parameters`.
 *
 * @throws UsageError naming the first one refused: malformed, unknown, or a value the template does not allow.
 */
export function stackParameterOverrides(values: string[]): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const option of values) {
    const match = /^([A-Za-z0-9]{1,255})=(.*)$/s.exec(option);
    if (!match) throw new UsageError(`--parameter ${printable(option, 64)}: must be KEY=VALUE, KEY a parameter of template.yaml`);
    Object.defineProperty(overrides, match[1], { value: match[2], enumerable: true, writable: true, configurable: true });
  }
  try {
    lazyDeployment().checkStackParameters(lazyTemplate().loadTemplate(), overrides);
  } catch (error) {
    throw new UsageError(`--parameter ${printable((error as Error).message)}`);
  }
  return overrides;
}

/**
 * Parses the command line.
 *
 * @param argv - the arguments after `npm start --`.
 * @param cwd - where the user stands (npm's `INIT_CWD`): relative paths resolve from there.
 * @returns the options, or `{help: true}` for `--help` / `-h`.
 * @throws UsageError naming the first thing wrong, in one line.
 */
export function parseCommandLine(argv: string[], cwd: string): CliOptions | { help: true } {
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv), allowPositionals: true, options: OPTIONS });
  } catch (error) {
    // Node's own message runs on with advice about '--' that does not apply here: keep its first sentence.
    const firstSentence = (error as Error).message.split('\n')[0].split(/\.\s/)[0].replace(/\.$/, '');
    throw new UsageError(`${printable(firstSentence)} (npm start -- --help lists the options)`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
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
    faults = lazyFaults().FaultPlan.parse(values.fault ?? []);
  } catch (error) {
    throw new UsageError(printable((error as Error).message));
  }
  return {
    help: false,
    stateFile: values.state === undefined ? undefined : path.resolve(cwd, values.state),
    orgFile: values.org === undefined ? undefined : path.resolve(cwd, values.org),
    settingsFile: values.settings === undefined ? undefined : path.resolve(cwd, values.settings),
    parameters: stackParameterOverrides(values.parameter ?? []),
    faults,
    file:
      positionals[0] === undefined
        ? path.join(lazyTemplate().REPO_ROOT, 'events', 'control-tower-create-managed-account.json')
        : path.resolve(cwd, positionals[0]),
    site,
    datadogUrl: url,
    propagationSeconds: propagationSeconds(values['propagation-seconds']),
    ...(rateLimit ? { datadogRateLimit: rateLimit } : {}),
    json: values.json,
    verbose: values.verbose,
  };
}
