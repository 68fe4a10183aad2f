/**
 * The table of calls (handler-calls.ts) against reality: the real handlers run in the AWS sandbox, every AWS command
 * they send is recorded, and each one made with a function's own role must be in that function's table (so a new
 * call in the code without a template permission fails here), while each table entry must really be made (so the
 * table, and the template with it, grants nothing the code does not use). Calls made with credentials of an assumed
 * member-account role are left out: that role authorises them, not the function's.
 */
import { SIMULATED_PARTITIONS, type SimulatedPartition } from '../../local/iam-simulation/deployment';
import { recordOnboarding, type AttributedCall, type Delivery, type RecordedOnboarding } from '../../local/iam-simulation/recorded-run';
import { loadDefinition, loadTemplate } from '../../local/template';
import { sampleEvent } from '../helpers';
import { MEMBER_ACCOUNT_ID, expectedCalls, matchesResource, type ExpectedCall } from './handler-calls';

const template = loadTemplate();
const UNREACHABLE_ACCOUNT_ID = '555566667777';
const REGION: Record<SimulatedPartition, string> = { aws: 'us-east-1', 'aws-us-gov': 'us-gov-west-1' };

/** A sample lifecycle event as EventBridge delivers it in a region of the partition. */
function lifecycleEvent(file: string, partition: SimulatedPartition): Delivery {
  const event = sampleEvent(file) as { region: string; detail: { awsRegion: string } };
  event.region = REGION[partition];
  event.detail.awsRegion = REGION[partition];
  return { event };
}

/** Own-role calls that no entry of the function's table covers. */
function untabledCalls(calls: AttributedCall[], table: Record<string, ExpectedCall[]>): string[] {
  return calls
    .filter((call) => call.ownRole)
    .filter((call) => !(table[call.logicalId] ?? []).some((entry) => entry.action === call.action && matchesResource(entry.resource, call.resource)))
    .map((call) => `${call.logicalId}: ${call.action} ${call.resource}`);
}

describe('Function: untabledCalls', () => {
  it('reports an own-role call the table lacks, and not one made with assumed credentials', () => {
    // Prepare
    const table = { F: [{ action: 'states:DescribeExecution', resource: 'arn:aws:states:r:1:execution:m:*', purpose: 'test' }] };
    const call = (action: string, resource: string, ownRole: boolean): AttributedCall => ({ logicalId: 'F', principalArn: 'p', action, resource, ownRole, input: {} });

    // Act
    const untabled = untabledCalls(
      [
        call('states:DescribeExecution', 'arn:aws:states:r:1:execution:m:onboard-1', true),
        call('states:StopExecution', 'arn:aws:states:r:1:execution:m:onboard-1', true),
        call('states:DescribeExecution', 'arn:aws:states:r:1:stateMachine:m', true),
        call('iam:CreateRole', 'unmapped:iam:CreateRole', false),
      ],
      table,
    );

    // Assess
    expect(untabled).toEqual(['F: states:StopExecution arn:aws:states:r:1:execution:m:onboard-1', 'F: states:DescribeExecution arn:aws:states:r:1:stateMachine:m']);
  });
});

describe.each(SIMULATED_PARTITIONS)('Handlers run in the sandbox, partition %s', (partition) => {
  const runs: Record<'lifecycle' | 'replays' | 'unreachable', RecordedOnboarding> = {} as never;

  beforeAll(async () => {
    const controlTower = lifecycleEvent('control-tower-create-managed-account.json', partition);
    const organizations = lifecycleEvent('organizations-create-account-result.json', partition);
    const replay = (name: string, accountId = MEMBER_ACCOUNT_ID): Delivery => ({ console: { accountId }, name });
    // A Control Tower account, its event delivered twice while onboarding and once more afterwards.
    runs.lifecycle = await recordOnboarding({ partition, deliveries: [[controlTower, controlTower], [controlTower]] });
    // An Organizations account, then two console replays of it at once.
    runs.replays = await recordOnboarding({ partition, deliveries: [[organizations], [replay('replay-a'), replay('replay-b')]] });
    // An account whose access role is missing, from the start or by the time the validator's trust is removed.
    const removeTrust = sampleEvent('functions/remove-validator-trust.json') as { target: { accountId: string; memberAccessRoleName: string }; externalId: string };
    const lateTarget = { ...removeTrust.target, accountId: UNREACHABLE_ACCOUNT_ID, partition, datadogSite: runs.lifecycle.deployment.datadogSite };
    runs.unreachable = await recordOnboarding({
      partition,
      deliveries: [
        [replay('replay-unreachable', UNREACHABLE_ACCOUNT_ID)],
        [{ task: 'RemoveValidatorTrustFunction', input: { ...removeTrust, target: lateTarget } }],
      ],
      unreachableAccounts: [UNREACHABLE_ACCOUNT_ID],
    });
  });

  const all = () => Object.values(runs);
  const tableOf = (run: RecordedOnboarding) => expectedCalls({ template, deployment: run.deployment });

  it('went through the paths it means to exercise', () => {
    // Assess
    expect(runs.lifecycle.starterResults.map((result) => (result as { outcome: string }).outcome)).toEqual(['started', 'already-running', 'started']);
    expect(runs.lifecycle.executions.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(runs.replays.executions.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(runs.unreachable.executions.map((execution) => [execution.status, execution.error])).toEqual([['FAILED', 'MemberAccountAccessError']]);
    expect(runs.unreachable.taskResults).toEqual([{ task: 'RemoveValidatorTrustFunction', error: 'MemberAccountAccessError' }]);
  });

  it("makes with each function's own role only calls in its table", () => {
    // Act
    const untabled = all().flatMap((run) => untabledCalls(run.calls, tableOf(run)));

    // Assess
    expect(untabled).toEqual([]);
  });

  it('makes every call of the table (the table grants nothing unused)', () => {
    // Prepare
    const table = tableOf(runs.lifecycle);
    const made = all().flatMap((run) => run.calls.filter((call) => call.ownRole));

    // Act
    const unused = Object.entries(table)
      .filter(([logicalId]) => logicalId !== 'OnboardingStateMachine')
      .flatMap(([logicalId, entries]) =>
        entries
          .filter((entry) => !entry.otherPartitionOnly)
          .filter((entry) => !made.some((call) => call.logicalId === logicalId && call.action === entry.action && matchesResource(entry.resource, call.resource)))
          .map((entry) => `${logicalId}: ${entry.action} ${entry.resource}`),
      );

    // Assess
    expect(unused).toEqual([]);
  });

  it('leaves out only member-account IAM calls made with assumed credentials', () => {
    // Act
    const assumed = all().flatMap((run) => run.calls.filter((call) => !call.ownRole));

    // Assess
    expect(assumed.length).toBeGreaterThan(0);
    expect([...new Set(assumed.map((call) => call.action.split(':')[0]))]).toEqual(['iam']);
  });

  it('has the state machine invoke exactly the functions of its table', () => {
    // Prepare
    const table = tableOf(runs.lifecycle).OnboardingStateMachine;
    const definition = loadDefinition(template, runs.lifecycle.deployment.resolution) as { States: Record<string, { Type: string; Resource?: string }> };

    // Act
    const invoked = new Set(all().flatMap((run) => run.invocations.filter((invocation) => invocation.invokedBy === 'state-machine').map((invocation) => invocation.functionArn)));
    const tasks = new Set(Object.values(definition.States).filter((state) => state.Type === 'Task').map((state) => state.Resource));

    // Assess
    const tabled = table.filter((entry) => entry.action === 'lambda:InvokeFunction').map((entry) => entry.resource).sort();
    expect([...invoked].sort()).toEqual(tabled);
    expect([...tasks].sort()).toEqual(tabled);
  });
});
