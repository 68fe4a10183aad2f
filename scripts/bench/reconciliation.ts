/**
 * The reconciliation bench section (issue 8 §7): simulated organizations of 1,000 and 10,000 member accounts,
 * reconciled through the same local engine as `npm start -- reconcile` (template, ReconcileOrganization and its
 * Distributed Map, the onboarding state machine per account, the AWS sandbox and the embedded Datadog on one virtual
 * clock) under the modelled Datadog rate limit. Three scenarios per size: a backfill from nothing, the converged fleet
 * again, and 5 % drifted with 1 % closed. Per row it prints the times, the rate-limit bound and the ratio to it, the
 * Datadog requests, AWS calls per account and peak RSS; then the goals and whether each is met.
 *
 * Usage: `npm run bench -- reconciliation [--accounts N]… [--max-concurrency N]` (default 1000 and 10000 accounts,
 * the template's `ReconcileMaxConcurrency`).
 */
import { parseArgs } from 'node:util';
import { DEFAULT_DATADOG_RATE_LIMIT, RATE_LIMIT_GROUP_OF, type RateLimit, type RateLimitGroup } from '../../local/datadog/server';
import type { DatadogAccountRecord } from '../../local/datadog/server';
import type { DatadogOperation } from '../../local/datadog/server';
import { applyOrgFile, parseOrgFile } from '../../local/org-file';
import { reconcileLocally, type LocalReconcileSummary } from '../../local/reconcile';
import { stackParameters } from '../../local/deployment';
import { AwsSandbox } from '../../local/sandbox';
import { loadTemplate } from '../../local/template';
import type { BenchSection } from './section';

/** The sizes a run measures without `--accounts`. */
export const DEFAULT_SIZES = [1000, 10000] as const;

/** Goals of issue 8 §7. */
export const RECONCILIATION_GOALS = {
  /** A backfill's virtual time at most this many times the rate-limit bound. */
  maxBackfillRatio: 1.2,
  /** Datadog requests of a converged fleet, in total. */
  maxConvergedDatadogRequests: 3,
  /** Wall seconds of each 1,000-account run (on a 2-core machine). */
  maxWallSecondsAt1000: 300,
} as const;

/** The scenarios, in the order they run on one organization. */
export type Scenario = 'backfill' | 'converged' | 'drifted';

/** One measured reconciliation. */
export interface ReconciliationRow {
  accounts: number;
  scenario: Scenario;
  outcome: LocalReconcileSummary['outcome'];
  counts: LocalReconcileSummary['counts'];
  wallSeconds: number;
  virtualSeconds: number;
  /** Seconds the answered Datadog requests need at the rate limit (see {@link rateLimitBoundSeconds}). */
  boundSeconds: number;
  /** `virtualSeconds / boundSeconds`; undefined when the bound is 0 (no Datadog request to wait for). */
  ratio: number | undefined;
  datadogRequests: number;
  throttled: number;
  /** Mutating calls on the accounts, Datadog and the accounts table (the execution's own S3 plan and report aside). */
  mutatingCalls: number;
  /** The reconciliation bucket's writes (plan, results, report): the execution's own bookkeeping. */
  s3Writes: number;
  /** Every AWS API call (sandbox services and DynamoDB), divided by the organization's member accounts. */
  awsCallsPerAccount: number;
  /** The process's peak resident set so far, MB (`process.resourceUsage().maxRSS`). */
  peakRssMb: number;
}

/**
 * The rate-limit bound: for each limit group, the requests Datadog answered (429s are not needed) divided by the
 * allowed rate (`requests / seconds`), and the largest of those, since groups are limited independently. Seconds.
 *
 * @example
 * ```ts
 * rateLimitBoundSeconds({ CreateAWSAccount: { total: 120, throttled: 0 } }, { requests: 60, seconds: 10 }); // 20
 * ```
 */
export function rateLimitBoundSeconds(
  byOperation: Record<string, { total: number; throttled: number }>,
  limit: RateLimit = DEFAULT_DATADOG_RATE_LIMIT,
): number {
  const needed = new Map<RateLimitGroup, number>();
  for (const [operation, { total, throttled }] of Object.entries(byOperation)) {
    const group = RATE_LIMIT_GROUP_OF[operation as DatadogOperation];
    // An unknown route is answered 404 outside any limit.
    if (group !== undefined) needed.set(group, (needed.get(group) ?? 0) + total - throttled);
  }
  return Math.max(0, ...[...needed.values()].map((requests) => (requests * limit.seconds) / limit.requests));
}

/** `virtual / bound`, undefined for a bound of 0. */
export function ratioToBound(virtualSeconds: number, boundSeconds: number): number | undefined {
  return boundSeconds > 0 ? virtualSeconds / boundSeconds : undefined;
}

/** A goal and whether the rows meet it. */
export interface GoalVerdict {
  goal: string;
  met: boolean;
  /** What was measured, in words. */
  measured: string;
}

/** The goals of §7 judged on the rows measured (a goal whose rows were not measured is left out). */
export function judgeGoals(rows: ReconciliationRow[]): GoalVerdict[] {
  const verdicts: GoalVerdict[] = [];
  for (const row of rows.filter((candidate) => candidate.scenario === 'backfill')) {
    const ratio = row.ratio ?? 0;
    verdicts.push({
      goal: `backfill of ${row.accounts} within ${RECONCILIATION_GOALS.maxBackfillRatio}× the rate-limit bound, no failed account`,
      met: ratio <= RECONCILIATION_GOALS.maxBackfillRatio && row.counts.failed === 0 && row.outcome === 'reconciled',
      measured: `${ratio.toFixed(2)}× (${row.virtualSeconds} s for a bound of ${row.boundSeconds.toFixed(1)} s), ${row.counts.failed} failed`,
    });
  }
  for (const row of rows.filter((candidate) => candidate.scenario === 'converged')) {
    verdicts.push({
      goal: `converged fleet of ${row.accounts}: 0 mutating calls, ≤ ${RECONCILIATION_GOALS.maxConvergedDatadogRequests} Datadog requests`,
      met: row.mutatingCalls === 0 && row.datadogRequests <= RECONCILIATION_GOALS.maxConvergedDatadogRequests,
      measured: `${row.mutatingCalls} mutating calls (and ${row.s3Writes} S3 writes of its own plan and report), ${row.datadogRequests} Datadog requests`,
    });
  }
  const small = rows.filter((row) => row.accounts === 1000);
  if (small.length > 0) {
    const slowest = small.reduce((worst, row) => (row.wallSeconds > worst.wallSeconds ? row : worst));
    const unfinished = small.filter((row) => row.outcome !== 'reconciled');
    verdicts.push({
      goal: `each 1,000-account run finishes within ${RECONCILIATION_GOALS.maxWallSecondsAt1000} s wall`,
      met: slowest.wallSeconds <= RECONCILIATION_GOALS.maxWallSecondsAt1000 && unfinished.length === 0,
      measured: `slowest ${slowest.scenario} ${slowest.wallSeconds.toFixed(1)} s${unfinished.length > 0 ? `; ${unfinished.map((row) => row.scenario).join(', ')} failed` : ''}`,
    });
  }
  return verdicts;
}

/** The goal lines as printed. */
export function formatGoals(verdicts: GoalVerdict[]): string[] {
  return verdicts.map((verdict) => `${verdict.met ? 'met    ' : 'NOT met'}  ${verdict.goal}: ${verdict.measured}`);
}

export const HEADER =
  'accounts scenario   outcome     wall virtual  bound ratio dd-req  429s mutating aws/acct peak-RSS\n' +
  '                               (s)     (s)    (s)                                          (MB)';

/** One printed row. */
export function formatRow(row: ReconciliationRow): string {
  return [
    String(row.accounts).padStart(8),
    row.scenario.padEnd(10),
    row.outcome.padEnd(10),
    row.wallSeconds.toFixed(1).padStart(6),
    String(Math.round(row.virtualSeconds)).padStart(7),
    row.boundSeconds.toFixed(0).padStart(6),
    (row.ratio === undefined ? '-' : row.ratio.toFixed(2)).padStart(5),
    String(row.datadogRequests).padStart(6),
    String(row.throttled).padStart(5),
    String(row.mutatingCalls).padStart(8),
    row.awsCallsPerAccount.toFixed(1).padStart(8),
    String(Math.round(row.peakRssMb)).padStart(8),
  ].join(' ');
}

const MANAGEMENT_ACCOUNT = '123412341234';
/** Accounts per OU: a two-level tree (root → 10 business units → teams of this many accounts). */
const ACCOUNTS_PER_TEAM = 25;

/**
 * A simulated organization of `accounts` ACTIVE member accounts, each with the template's default access role, in a
 * two-level OU tree, applied to a new sandbox as `--org` would be.
 */
export function simulatedOrganization(accounts: number, accessRoleName = 'OrganizationAccountAccessRole'): AwsSandbox {
  const teams = Math.ceil(accounts / ACCOUNTS_PER_TEAM);
  const units = Array.from({ length: 10 }, (_, index) => ({
    id: `ou-ab12-bu${String(index).padStart(6, '0')}`,
    name: `business-unit-${index}`,
    parentId: 'r-ab12',
  }));
  const organizationalUnits = [
    ...units,
    ...Array.from({ length: teams }, (_, index) => ({
      id: `ou-ab12-tm${String(index).padStart(6, '0')}`,
      name: `team-${index}`,
      parentId: units[index % units.length].id,
    })),
  ];
  const org = parseOrgFile({
    managementAccountId: MANAGEMENT_ACCOUNT,
    organizationalUnits,
    accounts: Array.from({ length: accounts }, (_, index) => ({
      id: memberAccountId(index),
      name: `member-${index}`,
      parentId: `ou-ab12-tm${String(Math.floor(index / ACCOUNTS_PER_TEAM)).padStart(6, '0')}`,
      state: 'ACTIVE',
    })),
  });
  const sandbox = new AwsSandbox({ managementAccountId: MANAGEMENT_ACCOUNT });
  applyOrgFile(sandbox, org, { managementAccountId: MANAGEMENT_ACCOUNT, defaultAccessRoleName: accessRoleName });
  return sandbox;
}

/** The id of the `index`th member account. */
export function memberAccountId(index: number): string {
  return String(200_000_000_000 + index);
}

/** What the previous run left: Datadog's registrations and the accounts table. */
interface FleetState {
  datadogAccounts: DatadogAccountRecord[];
  accountRecords: Record<string, unknown>[];
}

/**
 * Drifts a converged fleet: of every 20 member accounts one drifts (in turn its recorded policy predates what
 * Datadog publishes now, its registration was deleted in Datadog, or its metric collection was switched in
 * Datadog), and of every 100 one is closed.
 *
 * @returns the fleet state to reconcile next, and how many accounts drifted and closed.
 */
export function driftFleet(sandbox: AwsSandbox, accounts: number, state: FleetState): FleetState & { drifted: number; closed: number } {
  const drift = new Map<string, 'policy' | 'deleted' | 'settings'>();
  const kinds = ['policy', 'deleted', 'settings'] as const;
  for (let index = 0; index < accounts; index += 20) drift.set(memberAccountId(index), kinds[(index / 20) % kinds.length]);
  let closed = 0;
  for (let index = 1; index < accounts; index += 100) {
    sandbox.setAccountState(memberAccountId(index), 'CLOSED');
    closed += 1;
  }
  const accountRecords = state.accountRecords.map((record) =>
    drift.get(String(record.accountId)) === 'policy' ? { ...record, policyHash: `stale-${String(record.policyHash)}` } : record,
  );
  const datadogAccounts = state.datadogAccounts
    .filter((registration) => drift.get(registration.attributes.aws_account_id) !== 'deleted')
    .map((registration) => {
      if (drift.get(registration.attributes.aws_account_id) !== 'settings') return registration;
      const metrics = registration.attributes.metrics_config ?? {};
      return {
        ...registration,
        attributes: { ...registration.attributes, metrics_config: { ...metrics, enabled: metrics.enabled === false } },
      };
    });
  return { datadogAccounts, accountRecords, drifted: drift.size, closed };
}

/** Runs one reconciliation and measures it. */
async function measure(
  accounts: number,
  scenario: Scenario,
  sandbox: AwsSandbox,
  state: FleetState,
  rateLimit: RateLimit,
  parameters: Record<string, string>,
): Promise<{ row: ReconciliationRow; summary: LocalReconcileSummary }> {
  let sandboxCalls = 0;
  sandbox.setCallHooks({
    before: () => {
      sandboxCalls += 1;
      return undefined;
    },
  });
  const started = process.hrtime.bigint();
  try {
    const summary = await reconcileLocally({
      sandbox,
      datadogAccounts: state.datadogAccounts,
      accountRecords: state.accountRecords,
      datadogRateLimit: rateLimit,
      parameters,
    });
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const { s3 = 0, ...mutating } = summary.calls.mutating;
    const boundSeconds = rateLimitBoundSeconds(summary.datadogRequests.byOperation, rateLimit);
    const dynamoDb = (summary.calls.mutating.dynamodb ?? 0) + (summary.calls.reads.dynamodb ?? 0);
    return {
      summary,
      row: {
        accounts,
        scenario,
        outcome: summary.outcome,
        counts: summary.counts,
        wallSeconds,
        virtualSeconds: summary.virtualSeconds,
        boundSeconds,
        ratio: ratioToBound(summary.virtualSeconds, boundSeconds),
        datadogRequests: summary.datadogRequests.total,
        throttled: summary.datadogRequests.throttled,
        mutatingCalls: Object.values(mutating).reduce((sum, count) => sum + count, 0),
        s3Writes: s3,
        awsCallsPerAccount: (sandboxCalls + dynamoDb) / accounts,
        peakRssMb: Math.max(process.resourceUsage().maxRSS / 1024, process.memoryUsage().rss / 1024 / 1024),
      },
    };
  } finally {
    sandbox.setCallHooks(undefined);
  }
}

/** Why a run failed: the execution's own failure, or the first failed accounts' reasons. */
function printFailure(summary: LocalReconcileSummary, print: (line: string) => void): void {
  if (summary.outcome === 'reconciled') return;
  if (summary.reason) print(`         failed: ${summary.reason.slice(0, 300)}`);
  const failed = summary.accounts.filter((account) => account.outcome === 'failed');
  for (const account of failed.slice(0, 3)) print(`         ${account.accountId} ${account.action} failed: ${account.reason}`);
  if (failed.length > 3) print(`         … and ${failed.length - 3} more failed accounts`);
}

/**
 * Measures the three scenarios on one simulated organization of `accounts`, printing each row as it ends.
 *
 * @example
 * ```ts
 * const rows = await measureOrganization(20, (line) => console.log(line));
 * ```
 */
export async function measureOrganization(
  accounts: number,
  print: (line: string) => void = () => undefined,
  rateLimit: RateLimit = DEFAULT_DATADOG_RATE_LIMIT,
  parameters: Record<string, string> = {},
): Promise<ReconciliationRow[]> {
  const sandbox = simulatedOrganization(accounts);
  const rows: ReconciliationRow[] = [];
  const backfill = await measure(accounts, 'backfill', sandbox, { datadogAccounts: [], accountRecords: [] }, rateLimit, parameters);
  rows.push(backfill.row);
  print(formatRow(backfill.row));
  printFailure(backfill.summary, print);
  const converged = await measure(accounts, 'converged', sandbox, backfill.summary, rateLimit, parameters);
  rows.push(converged.row);
  print(formatRow(converged.row));
  printFailure(converged.summary, print);
  const drifted = await measure(accounts, 'drifted', sandbox, driftFleet(sandbox, accounts, converged.summary), rateLimit, parameters);
  rows.push(drifted.row);
  print(formatRow(drifted.row));
  printFailure(drifted.summary, print);
  return rows;
}

/**
 * The section's options: `--accounts N` (repeatable) picks the sizes, `--max-concurrency N` the stack's
 * `ReconcileMaxConcurrency` (the template's default without it).
 *
 * @throws Error naming a bad option or size.
 */
export function parseReconciliationOptions(args: string[]): { sizes: number[]; maxConcurrency?: number } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: false,
      options: { accounts: { type: 'string', multiple: true }, 'max-concurrency': { type: 'string' } },
    });
  } catch (error) {
    throw new Error(`reconciliation: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  const sizes = (parsed.values.accounts ?? DEFAULT_SIZES.map(String)).map((text) => {
    const size = Number(text);
    if (!/^\d+$/.test(text) || size < 1 || size > 100_000)
      throw new Error(`reconciliation: --accounts ${text} is not a whole number from 1 to 100000`);
    return size;
  });
  const concurrency = parsed.values['max-concurrency'];
  if (concurrency === undefined) return { sizes };
  if (!/^\d+$/.test(concurrency) || Number(concurrency) < 1 || Number(concurrency) > 10_000)
    throw new Error(`reconciliation: --max-concurrency ${concurrency} is not a whole number from 1 to 10000`);
  return { sizes, maxConcurrency: Number(concurrency) };
}

export const reconciliationSection: BenchSection = {
  description: 'reconciliation of simulated organizations (backfill, converged, 5 % drifted + 1 % closed) under the Datadog rate limit',
  async run(print, args = []) {
    const { sizes, maxConcurrency } = parseReconciliationOptions(args);
    const limit = DEFAULT_DATADOG_RATE_LIMIT;
    const parameters: Record<string, string> = maxConcurrency === undefined ? {} : { ReconcileMaxConcurrency: String(maxConcurrency) };
    print(`Datadog rate limit: ${limit.requests} requests per ${limit.seconds} s per endpoint group (local/datadog/server.ts default)`);
    print(`ReconcileMaxConcurrency: ${maxConcurrency ?? stackParameters(loadTemplate())('ReconcileMaxConcurrency')}`);
    print(HEADER);
    const rows: ReconciliationRow[] = [];
    for (const size of sizes) rows.push(...(await measureOrganization(size, print, limit, parameters)));
    print('goals:');
    for (const line of formatGoals(judgeGoals(rows))) print(`  ${line}`);
  },
};
