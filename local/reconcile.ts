/** `npm start -- reconcile`: the ReconcileOrganization state machine on the local deployment, on one virtual clock. */
import { deployLocally, meterRun, runStateMachines, sandboxNames, type LocalDeploymentOptions } from './deployment';
import { ExecutionScheduler } from './execution-scheduler';
import { AwsSandbox } from './sandbox';
import { LocalExecutions, type ExecutionOptions, type LocalStateMachines } from './step-functions';
import type { AccountResult, ReconciliationReport } from '../shared/reconciliation/report';

/** Options of a local reconciliation (the deployment's, and these). */
export interface LocalReconcileOptions
  extends Omit<LocalDeploymentOptions, 'sandbox' | 'names'>, Pick<ExecutionOptions, 'onProgress' | 'onIntegration'> {
  /** The organization to reconcile; default a new one with no members. */
  sandbox?: AwsSandbox;
  dryRun?: boolean;
  accountIds?: string[];
  /** Show the sandbox in the summary also above {@link SANDBOX_SHOWN_UP_TO} accounts. */
  dump?: boolean;
}

/** The `--json` summary of a reconciliation; Datadog's events count among its requests and calls. */
export type LocalReconcileSummary = Awaited<ReturnType<typeof reconcileLocally>>;

const SANDBOX_SHOWN_UP_TO = 200;

/** The management account of the organization reconciled when none is given: a new, empty one. */
export const EMPTY_ORGANIZATION_MANAGEMENT_ACCOUNT = '111122223333';

/**
 * Runs one reconciliation of the sandbox's organization.
 * @throws Error when the local deployment cannot be built (template problems); a failed reconciliation is a summary.
 */
export async function reconcileLocally(options: LocalReconcileOptions = {}) {
  const sandbox = options.sandbox ?? new AwsSandbox({ managementAccountId: EMPTY_ORGANIZATION_MANAGEMENT_ACCOUNT });
  const names = sandboxNames(sandbox);
  const startMs = sandbox.clock.now();
  const usage = meterRun(sandbox, true);
  const deployment = await deployLocally({ ...options, sandbox, names });
  const reconciliations = new LocalExecutions(String(deployment.resolution.resources.ReconcileOrganizationStateMachine));
  const bucket = String(deployment.resolution.resources.ReconciliationBucket);
  // Step Functions' own S3 calls (ItemReader, ResultWriter) are made as the state machine's role.
  const stateMachineRole = `arn:${names.partition}:sts::${names.accountId}:assumed-role/${names.stackName}-ReconcileOrganizationStateMachineRole/states`;
  const scheduler = new ExecutionScheduler(sandbox.clock);
  // A function waiting out a 429 parks its execution on the shared clock, as a Wait state does.
  deployment.functions.wait = (ms) => scheduler.sleep(ms / 1000);
  return runStateMachines(
    deployment,
    async (run) => {
      const machines: LocalStateMachines = new Map([
        [run.onboarding.stateMachineArn, { definition: run.definition(), executions: run.onboarding }],
      ]);
      const name = `reconcile-${sandbox.clock.now()}`;
      const input = { ...(options.dryRun ? { dryRun: true } : {}), ...(options.accountIds ? { accountIds: options.accountIds } : {}) };
      const done = await run.execute(reconciliations.start(name, input), {
        definition: run.definition('ReconcileOrganizationStateMachine'),
        executions: reconciliations,
        scheduler,
        machines,
        asStateMachineRole: (call) => sandbox.asPrincipal(stateMachineRole, call),
      });
      const reportText = sandbox.objectText(bucket, `reports/${name}.json`);
      const report = reportText ? (JSON.parse(reportText) as ReconciliationReport & { accounts: AccountResult[] }) : undefined;
      const accounts = report?.accounts ?? [];
      const { mutating, reads, datadogRequests, metrics, datadogEvents } = usage(deployment);
      return {
        outcome: done.status === 'SUCCEEDED' ? ('reconciled' as const) : ('failed' as const),
        dryRun: options.dryRun ?? false,
        counts: report?.counts ?? { onboard: 0, repair: 0, offboard: 0, none: 0, skip: 0, failed: 0 },
        accounts: accounts.map(({ accountId, action, reason, outcome }) => ({ accountId, action, reason, outcome })),
        ...(report ? {} : { reason: `${done.error}: ${done.cause}` }),
        calls: { mutating, reads },
        datadogRequests,
        /** Virtual time the reconciliation took, seconds. */
        virtualSeconds: (sandbox.clock.now() - startMs) / 1000,
        datadogAccounts: deployment.datadogAccounts(),
        accountRecords: await deployment.accountRecords(),
        metrics,
        datadogEvents,
        ...(options.dump || accounts.length <= SANDBOX_SHOWN_UP_TO ? { sandbox: sandbox.dump() } : {}),
      };
    },
    { onProgress: options.onProgress, onIntegration: options.onIntegration },
  );
}
