/**
 * A reconciliation, locally (`npm start -- reconcile`): the template's ReconcileOrganization state machine on the
 * local engine, its functions with the template's environment, its Distributed Map over the sandbox's S3, each
 * account's action run by the onboarding state machine (`startExecution.sync:2`, visible as onboarding executions),
 * concurrent executions on one discrete-event virtual clock; the summary of issue 8 §6.
 */
import type { DatadogAccountRecord, LocalDatadogServer } from './datadog/server';
import type { RateLimit } from './datadog/rate-limit';
import type { DatadogEventRecord, RecordedRequest } from './datadog/types';
import type { EmittedMetric } from './emf-capture';
import { deployLocally } from './deployment';
import { dynamoDbCallsSoFar } from './dynamodb';
import { ExecutionScheduler } from './execution-scheduler';
import { localNames } from './run';
import { AwsSandbox, type SandboxDump } from './sandbox';
import { LocalExecutions, LocalStateMachines, runExecution, type ProgressListener } from './step-functions';
import { loadDefinition, loadTemplate } from './template';
import type { AccountResult, ReconciliationReport } from '../shared/reconciliation/report';
import type { SettingsDocument } from '../shared/settings/schema';

/** Options of a local reconciliation. */
export interface LocalReconcileOptions {
  /** The organization to reconcile (its management account hosts the stack); default a new one with no members. */
  sandbox?: AwsSandbox;
  /** The plan only: nothing changed anywhere. */
  dryRun?: boolean;
  /** Only these accounts. */
  accountIds?: string[];
  /** Registrations the embedded Datadog holds at the start (API field names). */
  datadogAccounts?: DatadogAccountRecord[];
  /** The accounts table's items at the start (`--state`). */
  accountRecords?: Record<string, unknown>[];
  /** Stack parameters over the template's defaults (e.g. `ReconcileMaxConcurrency`). */
  parameters?: Record<string, string>;
  /** A settings document (already checked) for the functions instead of the shipped one (`--settings`). */
  settingsDocument?: SettingsDocument;
  /** The embedded Datadog's rate limit; default its own. */
  datadogRateLimit?: RateLimit;
  /**
   * Give SAM's implicit execution roles the template's policies, so the sandbox refuses a function's call the template
   * does not allow (the least-privilege proof's recorded reconciliation); default off, as for `npm start`.
   */
  enforceFunctionPolicies?: boolean;
  /** Show the sandbox in the summary also above {@link SANDBOX_SHOWN_UP_TO} accounts. */
  dump?: boolean;
  onProgress?: ProgressListener;
  logLevel?: 'SILENT' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/** The `--json` summary of a reconciliation (issue 8 §6). */
export interface LocalReconcileSummary {
  outcome: 'reconciled' | 'failed';
  dryRun: boolean;
  counts: ReconciliationReport['counts'];
  accounts: Pick<AccountResult, 'accountId' | 'action' | 'reason' | 'outcome'>[];
  /** The reconciliation execution's own failure, when it failed before reporting (e.g. the plan could not be made). */
  reason?: string;
  calls: { mutating: Record<string, number>; reads: Record<string, number> };
  /** Requests the embedded Datadog received; `byOperation` splits them per OpenAPI operation (what rate limits group). */
  datadogRequests: { total: number; throttled: number; byOperation: Record<string, { total: number; throttled: number }> };
  /** Virtual time the reconciliation took, seconds. */
  virtualSeconds: number;
  datadogAccounts: DatadogAccountRecord[];
  accountRecords: Record<string, unknown>[];
  /** The CloudWatch metrics the functions emitted (EMF, parsed), in the order emitted: the plan's, each execution's, the report's. */
  metrics: EmittedMetric[];
  /** The Datadog events the executions posted (one per onboarded, repaired, offboarded or failed account), API field names. */
  datadogEvents: DatadogEventRecord[];
  sandbox?: SandboxDump;
}

/** Requests and 429s per operation. */
function countByOperation(requests: RecordedRequest[]): Record<string, { total: number; throttled: number }> {
  const counts: Record<string, { total: number; throttled: number }> = {};
  for (const request of requests) {
    const count = (counts[request.operation] ??= { total: 0, throttled: 0 });
    count.total += 1;
    if (request.status === 429) count.throttled += 1;
  }
  return counts;
}

/** The sandbox is shown in the summary for organizations up to this size (else only with `dump`). */
export const SANDBOX_SHOWN_UP_TO = 200;

/**
 * Runs one reconciliation of the sandbox's organization.
 *
 * @throws Error when the local deployment cannot be built (template problems); a failed reconciliation is a summary.
 * @example
 * ```ts
 * const summary = await reconcileLocally({ sandbox, dryRun: true });
 * summary.counts; // { onboard: 3, repair: 0, offboard: 0, none: 0, skip: 1, failed: 0 }
 * ```
 */
export async function reconcileLocally(options: LocalReconcileOptions = {}): Promise<LocalReconcileSummary> {
  const template = loadTemplate();
  const sandbox = options.sandbox ?? new AwsSandbox({ managementAccountId: '111122223333' });
  const names = localNames({}, sandbox);
  const startMs = sandbox.clock.now();
  const before = sandbox.mutatingCalls();
  const dynamoDbBefore = dynamoDbCallsSoFar();
  const deployment = await deployLocally({
    sandbox,
    names,
    template,
    parameters: options.parameters,
    ...(options.settingsDocument ? { settingsDocument: options.settingsDocument } : {}),
    datadogAccounts: options.datadogAccounts,
    accountRecords: options.accountRecords,
    datadogRateLimit: options.datadogRateLimit,
    logLevel: options.logLevel,
    enforceFunctionPolicies: options.enforceFunctionPolicies,
  });
  const live: { datadog?: LocalDatadogServer } = { datadog: deployment.datadog };
  const { functions, resolution } = deployment;
  const onboarding = new LocalExecutions(String(resolution.resources.OnboardingStateMachine));
  const reconciliations = new LocalExecutions(String(resolution.resources.ReconcileOrganizationStateMachine));
  const machines = new LocalStateMachines();
  machines.register(loadDefinition(template, resolution), onboarding);
  const bucket = String(resolution.resources.ReconciliationBucket);
  // Step Functions' own S3 calls (ItemReader, ResultWriter) are made as the state machine's role.
  const stateMachineRole = `arn:${names.partition}:sts::${names.accountId}:assumed-role/${names.stackName}-ReconcileOrganizationStateMachineRole/states`;
  const scheduler = new ExecutionScheduler(sandbox.clock);
  // A function waiting out a 429 parks its execution on the shared clock, as a Wait state does.
  functions.setWait(scheduler.sleepMs);
  sandbox.install();
  onboarding.install();
  try {
    const name = `reconcile-${sandbox.clock.now()}`;
    const input = { ...(options.dryRun ? { dryRun: true } : {}), ...(options.accountIds ? { accountIds: options.accountIds } : {}) };
    const done = await runExecution(
      loadDefinition(template, resolution, 'ReconcileOrganizationStateMachine'),
      reconciliations.start(name, input),
      (arn, payload) => functions.invoke(arn, payload),
      sandbox.clock,
      options.onProgress ?? (() => undefined),
      reconciliations,
      {
        scheduler,
        machines,
        asStateMachineRole: (call) => sandbox.asPrincipal(stateMachineRole, call),
      },
    );
    const reportText = sandbox.objectText(bucket, `reports/${name}.json`);
    const report = reportText ? (JSON.parse(reportText) as ReconciliationReport & { accounts: AccountResult[] }) : undefined;
    const after = sandbox.mutatingCalls();
    const dynamoDbAfter = dynamoDbCallsSoFar();
    const requests = live.datadog?.requests() ?? [];
    const accounts = report?.accounts ?? [];
    return {
      outcome: done.status === 'SUCCEEDED' ? 'reconciled' : 'failed',
      dryRun: options.dryRun ?? false,
      counts: report?.counts ?? { onboard: 0, repair: 0, offboard: 0, none: 0, skip: 0, failed: 0 },
      accounts: accounts.map(({ accountId, action, reason, outcome }) => ({ accountId, action, reason, outcome })),
      ...(report ? {} : { reason: `${done.error}: ${done.cause}` }),
      calls: {
        mutating: {
          ...Object.fromEntries(Object.entries(after).map(([service, count]) => [service, count - before[service as keyof typeof before]])),
          datadog: requests.filter((request) => request.method !== 'GET').length,
          dynamodb: dynamoDbAfter.mutating - dynamoDbBefore.mutating,
        },
        reads: {
          dynamodb: dynamoDbAfter.reads - dynamoDbBefore.reads,
          datadog: requests.filter((request) => request.method === 'GET').length,
        },
      },
      datadogRequests: {
        total: requests.length,
        throttled: requests.filter((request) => request.status === 429).length,
        byOperation: countByOperation(requests),
      },
      virtualSeconds: (sandbox.clock.now() - startMs) / 1000,
      datadogAccounts: deployment.datadogAccounts(),
      accountRecords: await deployment.accountRecords(),
      metrics: functions.metrics(),
      datadogEvents: live.datadog?.events() ?? [],
      ...(options.dump || accounts.length <= SANDBOX_SHOWN_UP_TO ? { sandbox: sandbox.dump() } : {}),
    };
  } finally {
    onboarding.restore();
    sandbox.restore();
    await deployment.close();
  }
}
