/**
 * The ReconcileOrganization definition (statemachine/reconcile.asl.json) on the local engine: the Distributed Map
 * reads the plan from S3, each account goes through DetectDrift and the onboarding state machine (a stand-in here:
 * its own definition is tested in onboarding.test.ts) with startExecution.sync:2, and the real report step reads the
 * ResultWriter files. The Lambda functions of Plan and DetectDrift are stand-ins that follow their output contracts.
 */
import { stackResolution } from '../../local/deployment';
import { AwsSandbox, VirtualClock } from '../../local/sandbox';
import { LocalExecutions, runExecution, type LocalStateMachines, type TaskInvoker } from '../../local/step-functions';
import { loadDefinition, loadTemplate } from '../../local/template';
import { getObjectText, putJsonObject } from '../../shared/aws/reconciliation-bucket';
import type { PlanItem } from '../../shared/reconciliation/plan';
import { reportReconciliationStep } from '../../shared/steps/report-reconciliation';

const NAMES = { partition: 'aws', region: 'us-east-1', accountId: '111122223333', stackName: 'test' };
const ROLE = 'arn:aws:sts::111122223333:assumed-role/test-ReconcileOrganizationStateMachineRole/local';

describe('State machine: ReconcileOrganization', () => {
  const template = loadTemplate();
  const resolution = stackResolution(template, NAMES);
  const definition = loadDefinition(template, resolution, 'ReconcileOrganizationStateMachine');
  const bucket = resolution.resources.ReconciliationBucket;
  const onboardingArn = resolution.resources.OnboardingStateMachine;
  const fn = (logicalId: string) => resolution.resources[`${logicalId}.Arn`];
  let sandbox: AwsSandbox;
  const region = process.env.AWS_REGION;

  beforeEach(() => {
    sandbox = new AwsSandbox({ managementAccountId: NAMES.accountId, clock: new VirtualClock(Date.UTC(2026, 0, 1)) });
    sandbox.putBucket(bucket);
    sandbox.install();
    process.env.AWS_REGION = 'us-east-1';
  });

  afterEach(() => {
    sandbox.restore();
    if (region === undefined) delete process.env.AWS_REGION;
    else process.env.AWS_REGION = region;
  });

  const item = (accountId: string, action: PlanItem['action']): PlanItem => ({
    accountId,
    partition: 'aws',
    action,
    reason: `because ${action}`,
    expected: {},
  });

  /** Runs a reconciliation of `plan`; the onboarding stand-in fails for `failing` accounts. */
  async function reconcile(plan: PlanItem[], input: object, failing: string[] = []) {
    const started: unknown[] = [];
    const invoke: TaskInvoker = async (arn, payload) => {
      const asRole = <T>(call: () => Promise<T>) => sandbox.asPrincipal(ROLE, call);
      if (arn === fn('PlanReconciliationFunction')) {
        const { input: executionInput } = payload as { input: { dryRun?: boolean } };
        await asRole(() => putJsonObject(bucket, 'plans/run.json', JSON.stringify(plan)));
        return {
          bucket,
          planKey: 'plans/run.json',
          resultsPrefix: 'results/run',
          reportKey: 'reports/run.json',
          dryRun: executionInput.dryRun ?? false,
          maxConcurrency: 2,
        };
      }
      if (arn === fn('DetectDriftFunction')) {
        // DetectDrift's contract: the item without `expected`, its action unchanged for a converged account.
        return Object.fromEntries(Object.entries(payload as object).filter(([key]) => key !== 'expected'));
      }
      if (arn === fn('ReportReconciliationFunction')) {
        return asRole(() => reportReconciliationStep(payload as never, { getObject: getObjectText, putObject: putJsonObject }));
      }
      if (arn === 'onboard') {
        started.push(payload);
        const { accountId } = payload as { accountId: string };
        if (failing.includes(accountId)) {
          const error = new Error(`account ${accountId} cannot be reached`);
          error.name = 'MemberAccountAccessError';
          throw error;
        }
        return { outcome: (payload as { action?: string }).action === 'offboard' ? 'offboarded' : 'onboarded', accountId };
      }
      throw new Error(`unexpected function ${arn}`);
    };
    const onboarding = new LocalExecutions(onboardingArn);
    const onboardingDefinition = {
      StartAt: 'Onboard',
      States: {
        Onboard: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:111122223333:function:onboard',
          Parameters: { 'input.$': '$' },
          OutputPath: '$',
          End: true,
        },
      },
    };
    const machines: LocalStateMachines = new Map([[onboardingArn, { definition: onboardingDefinition, executions: onboarding }]]);
    const executions = new LocalExecutions(resolution.resources.ReconcileOrganizationStateMachine);
    const done = await runExecution(definition, executions.start('run', input), {
      invoke: (arn, payload) =>
        invoke(
          arn.endsWith(':function:onboard') ? 'onboard' : arn,
          arn.endsWith(':function:onboard') ? (payload as { input: unknown }).input : payload,
        ),
      clock: sandbox.clock,
      executions,
      machines,
      asStateMachineRole: (call) => sandbox.asPrincipal(ROLE, call),
    });
    return { done, started, onboarding };
  }

  it('onboards, repairs and offboards through the onboarding state machine, leaves none and skip alone, and reports', async () => {
    // Act
    const { done, started } = await reconcile(
      [
        item('100000000001', 'onboard'),
        item('100000000002', 'repair'),
        item('100000000003', 'offboard'),
        item('100000000004', 'none'),
        item('100000000005', 'skip'),
      ],
      {},
    );

    // Assert
    expect(done.status).toBe('SUCCEEDED');
    expect(done.output).toMatchObject({
      outcome: 'reconciled',
      counts: { onboard: 1, repair: 1, offboard: 1, none: 1, skip: 1, failed: 0 },
      outcomes: {
        onboard: { onboarded: 1 },
        repair: { onboarded: 1 },
        offboard: { offboarded: 1 },
        none: { unchanged: 1 },
        skip: { skipped: 1 },
      },
    });
    expect(started).toEqual(
      expect.arrayContaining([
        // The plan's action and reason go to the child execution: its RecordOnboarding reports a repair as one, and its
        // ResolveTarget checks an offboarding for scope again.
        { accountId: '100000000001', partition: 'aws', reconciliation: { action: 'onboard', reason: 'because onboard' } },
        { accountId: '100000000002', partition: 'aws', reconciliation: { action: 'repair', reason: 'because repair' } },
        {
          accountId: '100000000003',
          partition: 'aws',
          action: 'offboard',
          reconciliation: { action: 'offboard', reason: 'because offboard' },
        },
      ]),
    );
    expect(started).toHaveLength(3);
    const report = JSON.parse(sandbox.objectText(bucket, 'reports/run.json') ?? '{}') as { accounts: unknown[] };
    expect(report.accounts).toHaveLength(5);
  });

  it('starts nothing on a dry run and reports the planned actions', async () => {
    // Act
    const { done, started } = await reconcile([item('100000000001', 'onboard'), item('100000000003', 'offboard')], { dryRun: true });

    // Assert
    expect(done.status).toBe('SUCCEEDED');
    expect(started).toEqual([]);
    expect(done.output).toMatchObject({ dryRun: true, outcomes: { onboard: { planned: 1 }, offboard: { planned: 1 } } });
  });

  it("counts a failed account with the onboarding execution's own error, goes on with the others, and fails the reconciliation", async () => {
    // Act
    const { done, started } = await reconcile(
      [item('100000000001', 'onboard'), item('100000000002', 'onboard'), item('100000000003', 'onboard')],
      {},
      ['100000000002'],
    );

    // Assert
    expect(started).toHaveLength(3);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('AccountsFailed');
    const report = JSON.parse(sandbox.objectText(bucket, 'reports/run.json') ?? '{}') as {
      counts: { failed: number };
      failedAccounts: unknown[];
    };
    expect(report.counts.failed).toBe(1);
    expect(report.failedAccounts).toEqual([
      { accountId: '100000000002', action: 'onboard', error: 'MemberAccountAccessError', cause: 'account 100000000002 cannot be reached' },
    ]);
  });
});
