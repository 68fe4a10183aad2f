/**
 * `npm start -- [EVENT.json] [options]`: runs a lifecycle event or a console replay input through the whole
 * onboarding flow locally (no AWS, no Docker) and prints a summary.
 *
 * Exit codes: 0 onboarded or ignored, 1 failed, 2 rejected input (one line on stderr).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DATADOG_SITES, isDatadogSite } from '../shared/datadog-sites';
import { FaultPlan } from './faults';
import { newSandboxFor, runLocally, type LocalRunSummary } from './run';
import { loadState, saveState, type LocalState } from './state-file';
import type { ProgressListener } from './step-functions';
import { REPO_ROOT } from './template';

const USAGE = `usage: npm start -- [EVENT.json] [--datadog-site SITE] [--datadog-url URL] [--state FILE] [--fault SPEC]... [--propagation-seconds N] [--json] [--verbose]`;
const DEFAULT_EVENT = path.join(REPO_ROOT, 'events', 'control-tower-create-managed-account.json');

/** A bad command line or input file: reported in one line, exit 2. */
class UsageError extends Error {}

interface CliOptions {
  file: string;
  site?: string;
  datadogUrl?: string;
  propagationSeconds?: number;
  json: boolean;
  verbose: boolean;
  stateFile?: string;
  faults: FaultPlan;
}

function parseCommandLine(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'datadog-site': { type: 'string' },
        'datadog-url': { type: 'string' },
        'propagation-seconds': { type: 'string' },
        state: { type: 'string' },
        fault: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (positionals.length > 1) throw new UsageError(`one event file at most\n${USAGE}`);
  const site = values['datadog-site'];
  if (site !== undefined && !isDatadogSite(site)) {
    throw new UsageError(`--datadog-site ${site.slice(0, 64)} is not a Datadog site (one of ${DATADOG_SITES.join(', ')})`);
  }
  const url = values['datadog-url'];
  if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url)) throw new UsageError('--datadog-url must be an http(s) URL');
  const propagation = values['propagation-seconds'];
  if (propagation !== undefined && !/^\d{1,5}$/.test(propagation)) {
    throw new UsageError('--propagation-seconds must be a whole number of seconds');
  }
  let faults: FaultPlan;
  try {
    faults = FaultPlan.parse(values.fault ?? []);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    stateFile: values.state,
    faults,
    file: positionals[0] ?? DEFAULT_EVENT,
    site,
    datadogUrl: url,
    propagationSeconds: propagation === undefined ? undefined : Number(propagation),
    json: values.json ?? false,
    verbose: values.verbose ?? false,
  };
}

/** One printable line of at most `max` characters: control characters and line separators become `?`. */
function printable(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

function readInput(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${printable(file)}: ${printable((error as NodeJS.ErrnoException).code ?? (error as Error).message)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${printable(file)} is not valid JSON: ${printable((error as Error).message)}`);
  }
}

function progressPrinter(write: (line: string) => void): ProgressListener {
  // A caught failure still exits its state: remember it, so the state is not then shown as done.
  const failed = new Set<string>();
  return (event) => {
    if (event.type === 'StateEntered' && event.state) failed.delete(event.state);
    if (event.type === 'StateFailed' && event.state) failed.add(event.state);
    if (event.type === 'StateEntered' && event.stateType === 'Task') write(`  → ${event.state}`);
    if (event.type === 'StateExited' && (event.state === 'ValidateRole' || event.state === 'ValidateAccessKey')) {
      const what = event.state === 'ValidateRole' ? 'role assumable' : 'access key usable';
      const result = (event.output as { validation?: { assumable?: boolean; attempts?: number; waitSeconds?: number; lastError?: string } }).validation;
      write(
        result?.assumable
          ? `    ✓ ${what} (attempt ${result.attempts})`
          : `    … not assumable yet (attempt ${result?.attempts}, ${result?.lastError}); waiting ${result?.waitSeconds} s`,
      );
    } else if (event.type === 'StateExited' && event.stateType === 'Task' && !failed.has(event.state ?? '')) {
      write(`    ✓ ${event.state}`);
    }
    if (event.type === 'StateRetried') write(`    ↻ ${event.state} retried`);
    if (event.type === 'StateFailed') write(`    ✗ ${event.state}: ${event.error}`);
  };
}

function describe(summary: LocalRunSummary): string {
  if (summary.onboardings) {
    const lines = [`outcome: ${summary.outcome} (${summary.onboardings.length} accounts)`];
    for (const onboarding of summary.onboardings) {
      lines.push(`  ${onboarding.accountId} (${onboarding.partition}): ${onboarding.outcome}, ${onboarding.authType ?? 'unknown'}${onboarding.reason ? ` — ${onboarding.reason}` : `, Datadog config ${onboarding.datadog?.accountConfigId}`}`);
    }
    lines.push(`Datadog registrations held: ${summary.datadogAccounts.length}`);
    return lines.join('\n');
  }
  const lines = [`outcome: ${summary.outcome}`];
  if (summary.accountId) lines.push(`account: ${summary.accountId} (${summary.partition ?? 'aws'})`);
  if (summary.reason) lines.push(`reason: ${summary.reason}`);
  if (summary.outcome === 'onboarded') {
    const account = summary.accountId ? summary.sandbox.accounts[summary.accountId] : undefined;
    const role = account?.roles.find((candidate) => candidate.roleName === summary.datadog?.roleName);
    lines.push(`validation attempts: ${summary.validationAttempts}`);
    if (summary.authType === 'access_keys') {
      const user = account?.users.find((candidate) => candidate.accessKeys.some((key) => key.accessKeyId === summary.datadog?.accessKeyId));
      lines.push(`Datadog: config ${summary.datadog?.accountConfigId}, access key ${summary.datadog?.accessKeyId} (the secret stays in Secrets Manager)`);
      if (user) lines.push(`IAM: user ${user.userName} with ${user.accessKeys.length} access key`);
    } else {
      lines.push(`Datadog: config ${summary.datadog?.accountConfigId}, role ${summary.datadog?.roleName}, external ID ${summary.datadog?.externalId}`);
      if (role) lines.push(`IAM: role ${role.roleName} with ${role.attachedPolicyArns.join(', ')}`);
    }
  }
  lines.push(`Datadog registrations held: ${summary.datadogAccounts.length}`);
  const writes = Object.entries(summary.calls.mutating).filter(([, count]) => count > 0);
  lines.push(`mutating calls: ${writes.length === 0 ? 'none' : writes.map(([service, count]) => `${service} ${count}`).join(', ')}`);
  return lines.join('\n');
}

/** Keys for `--datadog-url`, from `DD_API_KEY` / `DD_APP_KEY` (Datadog's own variable names); never printed. */
function datadogKeysFromEnvironment(): { apiKey: string; appKey: string } {
  const { DD_API_KEY: apiKey, DD_APP_KEY: appKey } = process.env;
  if (!apiKey || !appKey) throw new UsageError('--datadog-url needs the keys of that server in DD_API_KEY and DD_APP_KEY');
  return { apiKey, appKey };
}

function exitCode(summary: LocalRunSummary): number {
  if (summary.outcome === 'failed') return 1;
  if (summary.outcome === 'rejected') return 2;
  return 0;
}

async function main(): Promise<number> {
  const options = parseCommandLine(process.argv.slice(2));
  const input = readInput(options.file);
  // Progress goes to stderr with --json, so stdout holds exactly one JSON document.
  const write = (line: string) => (options.json ? process.stderr : process.stdout).write(`${line}\n`);
  if (options.verbose) {
    process.env.POWERTOOLS_DEV = 'true';
    for (const method of ['log', 'info', 'debug', 'warn', 'error'] as const) {
      console[method] = (...args: unknown[]) => process.stderr.write(`${args.map(String).join(' ')}\n`);
    }
  }
  if (options.datadogUrl && options.faults.touchesDatadog()) {
    throw new UsageError('--fault datadog:… works only with the embedded Datadog server, not with --datadog-url');
  }
  const datadogKeys = options.datadogUrl ? datadogKeysFromEnvironment() : undefined;
  if (!options.json) write(`Onboarding from ${path.relative(process.cwd(), options.file) || options.file}`);
  let state: LocalState = {};
  if (options.stateFile) {
    try {
      state = loadState(options.stateFile);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  const sandbox = options.stateFile ? (state.sandbox ?? newSandboxFor(input, options.propagationSeconds)) : undefined;
  const summary = await runLocally({
    input,
    sandbox,
    datadogAccounts: state.datadogAccounts,
    faults: options.faults,
    datadogSite: options.site as never,
    datadogUrl: options.datadogUrl,
    datadogKeys,
    propagationSeconds: options.propagationSeconds,
    onProgress: progressPrinter(write),
    logLevel: options.verbose ? 'INFO' : 'SILENT',
  });
  if (options.stateFile && sandbox) saveState(options.stateFile, sandbox, summary.datadogAccounts);
  for (const spec of options.faults.unfired()) process.stderr.write(`npm start: warning: --fault ${spec} matched no call\n`);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    write(describe(summary));
  }
  if (summary.outcome === 'rejected' && !options.json) process.stderr.write(`npm start: ${summary.reason}\n`);
  return exitCode(summary);
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`npm start: ${error instanceof UsageError ? error.message : `${error.name}: ${error.message}`}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
