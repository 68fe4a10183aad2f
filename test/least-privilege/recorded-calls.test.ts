/**
 * The table of calls (handler-calls.ts) against reality: the real handlers run in the AWS sandbox, every AWS command
 * they send is recorded, and each one made with a function's own role must be in that function's table (so a new
 * call in the code without a template permission fails here), while each table entry must really be made (so the
 * table, and the template with it, grants nothing the code does not use). Calls made with other credentials (an
 * assumed member-account role, another partition's IAM user, the Datadog user's stored key) are left out: their own
 * policies authorise them, not the function's role.
 *
 * The runs cover, for a stack in each partition: the role path in its own partition (lifecycle events, replays,
 * unreachable accounts), the role path into the other partition (ddog-gov.com reaches both, with the stored
 * credentials of that partition), the access-key path (a commercial Datadog site: GovCloud and China accounts, a key
 * deleted out of band and replaced on replay, an unreachable account), and, for a commercial stack, a
 * CreateGovCloudAccount request followed to the onboarding of both its accounts, and the rotation of stored access
 * keys by the rotation function (a GovCloud account and a China account), and the reconciliation of an organization
 * (`recordReconciliation` in test/support/recorded-run.ts: a backfill adopting a foreign registration, a converged run, drift, a closed
 * account offboarded, an unreachable account, a dry run). What only a stack of one partition can do is listed in
 * {@link notMadeIn}, and checked to be made by the other.
 */
import {
  SIMULATED_PARTITIONS,
  STACK_ACCOUNT_ID,
  simulatedDeployment,
  type SimulatedDeployment,
  type SimulatedPartition,
} from '../support/simulated-deployment';
import type { RecordedCall } from '../support/call-recorder';
import type { Delivery, RecordedOnboarding, RecordedReconciliation, RecordedRun } from '../support/recorded-run';
import { loadDefinition, loadTemplate } from '../../local/template';
import { authTypeFor } from '../../shared/datadog-sites';
import type { Partition } from '../../shared/partitions';
import { sampleEvent } from '../helpers';
import { MEMBER_ACCOUNT_ID, expectedCalls, matchesResource, type ExpectedCall } from './handler-calls';

const template = loadTemplate();
const UNREACHABLE_ACCOUNT_ID = '555566667777';
/** A member account of another partition than the stack's. */
const OTHER_PARTITION_ACCOUNT_ID = '777788889999';
/** A member account in China. */
const CHINA_ACCOUNT_ID = '888899990000';
/** A Control Tower account (ControlTowerAccessRoleName only) onboarded with an access key by a GovCloud stack. */
const CONTROL_TOWER_KEYS_ACCOUNT_ID = '666677778888';
const REGION: Record<SimulatedPartition, string> = { aws: 'us-east-1', 'aws-us-gov': 'us-gov-west-1' };
/** The other partition where Datadog's GovCloud site (ddog-gov.com) delegates to a role. */
const OTHER_PARTITION: Record<SimulatedPartition, SimulatedPartition> = { aws: 'aws-us-gov', 'aws-us-gov': 'aws' };
const DATADOG_USER_NAME = String(template.Parameters.DatadogUserName.Default);
const CONTROL_TOWER_ROLE = String(template.Parameters.ControlTowerAccessRoleName.Default);
const MEMBER_ACCESS_ROLE = String(template.Parameters.MemberAccessRoleName.Default);
const DATADOG_ROLE_NAME = String(template.Parameters.DatadogRoleName.Default);

/** A sample lifecycle event as EventBridge delivers it in a region of the partition. */
function lifecycleEvent(file: string, partition: SimulatedPartition): Delivery {
  const event = sampleEvent(file) as { region: string; detail: { awsRegion: string } };
  event.region = REGION[partition];
  event.detail.awsRegion = REGION[partition];
  return { event };
}

/** An operator's console input. */
function replay(
  name: string,
  accountId: string,
  options: { partition?: Partition; memberAccessRoleName?: string; action?: 'offboard' } = {},
): Delivery {
  return { console: { accountId, ...options }, name };
}

type Scenario =
  | 'lifecycle'
  | 'scope'
  | 'replays'
  | 'unreachable'
  | 'otherPartitionRole'
  | 'accessKeys'
  | 'accountRequest'
  | 'rotation'
  | 'offboarding'
  | 'reconciliation';

/** The runs of each scenario. */
type Scenarios = Record<Exclude<Scenario, 'reconciliation'>, RecordedOnboarding> & { reconciliation: RecordedReconciliation };

/** A rotation of the account's key secret, as Secrets Manager runs it. */
function rotation(accountId: string): Delivery {
  return { rotation: { accountId } };
}

/** An account onboarded with a scope parameter set. */
const SCOPED_ACCOUNT_ID = '121212121212';

/** The accounts the sample CreateGovCloudAccount request creates: a commercial one and its GovCloud twin. */
const REQUESTED = { commercial: '333344445555', govCloud: '666677778888' };

/**
 * Runs every scenario for a stack deployed in the partition, in a module registry of its own: the functions of a
 * stack run in Lambda processes of its region, so a client a function builds when it loads (and keeps, warm) must not
 * carry over to the stack of another partition. Within a partition the functions stay warm from run to run.
 */
async function recordScenarios(partition: SimulatedPartition): Promise<Scenarios> {
  let scenarios: Scenarios | undefined;
  await jest.isolateModulesAsync(async () => {
    scenarios = {
      ...(await recordScenariosOnce(partition, await import('../support/recorded-run'))),
      reconciliation: await recordReconciliationScenario(partition, await import('../support/recorded-run')),
    };
  });
  if (!scenarios) throw new Error(`no scenario of partition ${partition} was recorded`);
  return scenarios;
}

/** The accounts of the reconciliation scenario. */
const RECONCILED = { created: '313131313131', adopted: '323232323232', controlTower: '333333333333', unreachable: '343434343434' };

/**
 * An organization reconciled four times: a backfill (one account's registration someone else made is adopted, a
 * Control Tower account is reached through its only role), the converged fleet (DetectDrift reads every account), then
 * after one account closed, another's integration policy was detached and a third's access role stopped trusting the
 * stack (offboard, repair, an account DetectDrift cannot reach), and a dry run.
 */
function recordReconciliationScenario(
  partition: SimulatedPartition,
  { recordReconciliation, integrationPolicyDetached, accessRoleDistrusted }: typeof import('../support/recorded-run'),
): Promise<RecordedReconciliation> {
  const workloads = 'ou-ab12-31313131';
  return recordReconciliation({
    partition,
    organization: {
      organizationalUnits: [{ id: workloads, name: 'Workloads', parentId: 'r-ab12' }],
      accounts: [
        { id: RECONCILED.created, name: 'created', parentId: workloads },
        { id: RECONCILED.adopted, name: 'adopted', parentId: workloads },
        { id: RECONCILED.controlTower, name: 'control-tower', accessRoleName: CONTROL_TOWER_ROLE },
        { id: RECONCILED.unreachable, name: 'unreachable' },
      ],
      datadogAccounts: [{ aws_account_id: RECONCILED.adopted, aws_partition: partition, auth_config: { role_name: DATADOG_ROLE_NAME } }],
    },
    steps: [
      { reconcile: 'backfill' },
      { reconcile: 'converged' },
      { change: `${RECONCILED.created} is closed`, apply: (sandbox) => sandbox.setAccountState(RECONCILED.created, 'CLOSED') },
      integrationPolicyDetached(
        { accountId: RECONCILED.controlTower, partition, accessRole: CONTROL_TOWER_ROLE },
        DATADOG_ROLE_NAME,
        String(template.Parameters.DatadogPolicyName.Default),
      ),
      accessRoleDistrusted({ accountId: RECONCILED.unreachable, partition, accessRole: MEMBER_ACCESS_ROLE }),
      { reconcile: 'drifted' },
      { reconcile: 'dry run', dryRun: true },
    ],
  });
}

async function recordScenariosOnce(
  partition: SimulatedPartition,
  { recordOnboarding, accessKeysDeleted, leaseLeftByStoppedExecution }: typeof import('../support/recorded-run'),
): Promise<Omit<Scenarios, 'reconciliation'>> {
  const controlTower = lifecycleEvent('control-tower-create-managed-account.json', partition);
  const organizations = lifecycleEvent('organizations-create-account-result.json', partition);
  // A Control Tower account, its event delivered twice while onboarding and once more afterwards.
  const lifecycle = await recordOnboarding({ partition, deliveries: [[controlTower, controlTower], [controlTower]] });
  // Scope with an OU rule: ResolveTarget reads the account's OU path (it is in another OU, so in scope). Settings that
  // tag it with its name and its OU's: a console replay gives neither, so ResolveTarget reads them.
  const scope = await recordOnboarding({
    partition,
    parameters: { ExcludeOrganizationalUnits: 'ou-ab12-99999999' },
    deliveries: [[replay('scoped', SCOPED_ACCOUNT_ID)]],
    organization: {
      rootId: 'r-ab12',
      organizationalUnits: [{ id: 'ou-ab12-12121212', name: 'Scoped', parentId: 'r-ab12' }],
      accounts: [{ accountId: SCOPED_ACCOUNT_ID, parentId: 'ou-ab12-12121212' }],
    },
    settingsDocument: { defaults: { account_tags: ['name:{account_name}', 'ou:{ou_name}'] } },
  });
  // An Organizations account, then two console replays of it at once, after an execution stopped outright left its
  // lease (ResolveTarget asks whether its holder still runs).
  const replays = await recordOnboarding({
    partition,
    deliveries: [
      [organizations],
      [leaseLeftByStoppedExecution(MEMBER_ACCOUNT_ID, 'stopped-replay')],
      [replay('replay-a', MEMBER_ACCOUNT_ID), replay('replay-b', MEMBER_ACCOUNT_ID)],
    ],
  });
  // An account whose access role is missing, from the start or by the time the validator's trust is removed.
  const removeTrust = sampleEvent('functions/remove-validator-trust.json') as {
    target: { accountId: string; memberAccessRoleName: string };
    externalId: string;
  };
  const lateTarget = { ...removeTrust.target, accountId: UNREACHABLE_ACCOUNT_ID, partition, datadogSite: lifecycle.deployment.datadogSite };
  const unreachable = await recordOnboarding({
    partition,
    deliveries: [
      [replay('replay-unreachable', UNREACHABLE_ACCOUNT_ID)],
      [{ task: 'RemoveValidatorTrustFunction', input: { ...removeTrust, target: lateTarget } }],
    ],
    unreachableAccounts: [UNREACHABLE_ACCOUNT_ID],
  });
  // Role delegation into the other partition (ddog-gov.com has a Datadog principal in both), then a replay of it.
  const other = OTHER_PARTITION[partition];
  const otherPartitionRole = await recordOnboarding({
    partition,
    parameters: { DatadogSite: 'ddog-gov.com' },
    deliveries: [
      [replay('other-partition', OTHER_PARTITION_ACCOUNT_ID, { partition: other })],
      [replay('other-partition-again', OTHER_PARTITION_ACCOUNT_ID, { partition: other })],
    ],
  });
  // Access keys (a commercial Datadog site has no principal in GovCloud or China): a GovCloud account (in the stack's
  // own partition for a GovCloud stack, through a Control Tower event; in another for a commercial stack) and a China
  // account; then the GovCloud account's key is deleted out of band and a replay replaces it.
  const accessKeys =
    partition === 'aws'
      ? await recordOnboarding({
          partition,
          parameters: { DatadogSite: 'datadoghq.com' },
          deliveries: [
            [
              replay('govcloud-keys', OTHER_PARTITION_ACCOUNT_ID, { partition: 'aws-us-gov' }),
              replay('china-keys', CHINA_ACCOUNT_ID, { partition: 'aws-cn' }),
            ],
            [
              accessKeysDeleted(
                { accountId: OTHER_PARTITION_ACCOUNT_ID, partition: 'aws-us-gov', accessRole: MEMBER_ACCESS_ROLE },
                DATADOG_USER_NAME,
              ),
            ],
            [replay('govcloud-keys-again', OTHER_PARTITION_ACCOUNT_ID, { partition: 'aws-us-gov' })],
          ],
        })
      : await recordOnboarding({
          partition,
          parameters: { DatadogSite: 'datadoghq.com' },
          deliveries: [
            [
              controlTower,
              replay('china-keys', CHINA_ACCOUNT_ID, { partition: 'aws-cn' }),
              replay('unreachable-keys', UNREACHABLE_ACCOUNT_ID),
            ],
            [accessKeysDeleted({ accountId: MEMBER_ACCOUNT_ID, partition, accessRole: CONTROL_TOWER_ROLE }, DATADOG_USER_NAME)],
            [replay('govcloud-keys-again', MEMBER_ACCOUNT_ID, { memberAccessRoleName: CONTROL_TOWER_ROLE })],
          ],
          unreachableAccounts: [UNREACHABLE_ACCOUNT_ID],
        });
  // A CreateGovCloudAccount request (a commercial API: a GovCloud stack never receives one), delivered twice: the state
  // machine waits for it, then starts the onboarding of both accounts (role delegation for the commercial one, an access
  // key for the GovCloud one on a commercial Datadog site).
  const request = sampleEvent('organizations-create-govcloud-account.json') as {
    detail: { responseElements: { createAccountStatus: { id: string } } };
  };
  const accountRequest =
    partition === 'aws'
      ? await recordOnboarding({
          partition,
          deliveries: [[{ event: request }, { event: request }]],
          accountRequests: [
            {
              id: request.detail.responseElements.createAccountStatus.id,
              accountId: REQUESTED.commercial,
              govCloudAccountId: REQUESTED.govCloud,
            },
          ],
        })
      : await recordOnboarding({ partition, deliveries: [] });
  // Rotation of access keys by RotateAccessKeyFunction: a GovCloud account (through the stored GovCloud credentials
  // for a commercial stack; through MemberAccessRoleName for a GovCloud stack), rotated twice, and a China account
  // (through the stored China credentials). A GovCloud stack also rotates the key of a Control Tower account (which
  // has ControlTowerAccessRoleName only), then fails to rotate it once the account is suspended.
  const govCloudAccount = partition === 'aws' ? OTHER_PARTITION_ACCOUNT_ID : MEMBER_ACCOUNT_ID;
  const controlTowerKeys: Delivery[][] =
    partition === 'aws'
      ? []
      : [
          [replay('control-tower-keys', CONTROL_TOWER_KEYS_ACCOUNT_ID, { memberAccessRoleName: CONTROL_TOWER_ROLE })],
          [rotation(CONTROL_TOWER_KEYS_ACCOUNT_ID)],
          [
            {
              change: `${CONTROL_TOWER_KEYS_ACCOUNT_ID} is suspended`,
              apply: (sandbox) => sandbox.setAccountState(CONTROL_TOWER_KEYS_ACCOUNT_ID, 'SUSPENDED'),
            },
          ],
          [rotation(CONTROL_TOWER_KEYS_ACCOUNT_ID)],
        ];
  const rotationRun = await recordOnboarding({
    partition,
    parameters: { DatadogSite: 'datadoghq.com' },
    deliveries: [
      [
        replay('govcloud-keys', govCloudAccount, { partition: 'aws-us-gov' }),
        replay('china-keys', CHINA_ACCOUNT_ID, { partition: 'aws-cn' }),
      ],
      [rotation(govCloudAccount), rotation(CHINA_ACCOUNT_ID)],
      [rotation(govCloudAccount)],
      ...controlTowerKeys,
    ],
  });
  // Onboarded accounts, then offboarded from the console with everything removed: the Control Tower account (role
  // delegation in a commercial stack, an access key in a GovCloud one) through Control Tower's role, an account of the
  // other partition (a GovCloud access key for a commercial stack, a commercial role for a GovCloud one) through the
  // stored partition credentials, and the account onboarded again by Organizations, through the Organizations role.
  const offboarding = await recordOnboarding({
    partition,
    parameters: { OffboardingMode: 'everything', DatadogSite: 'datadoghq.com' },
    deliveries: [
      [controlTower, replay('other-partition', OTHER_PARTITION_ACCOUNT_ID, { partition: other })],
      [replay('offboard', MEMBER_ACCOUNT_ID, { action: 'offboard', memberAccessRoleName: CONTROL_TOWER_ROLE })],
      [replay('offboard-other-partition', OTHER_PARTITION_ACCOUNT_ID, { partition: other, action: 'offboard' })],
      [organizations],
      [replay('offboard-again', MEMBER_ACCOUNT_ID, { action: 'offboard' })],
    ],
  });
  return { lifecycle, scope, replays, unreachable, otherPartitionRole, accessKeys, accountRequest, rotation: rotationRun, offboarding };
}

/** Own-role calls that no entry of the function's table covers. */
function untabledCalls(calls: RecordedCall[], table: Record<string, ExpectedCall[]>): string[] {
  return calls
    .filter((call) => call.ownRole)
    .filter(
      (call) =>
        !(table[call.logicalId] ?? []).some((entry) => entry.action === call.action && matchesResource(entry.resource, call.resource)),
    )
    .map((call) => `${call.logicalId}: ${call.action} ${call.resource}`);
}

/**
 * Table entries (as `<logicalId>: <action> <resource>`, in the terms of the first run's table) the runs never made:
 * a function's own-role calls, the state machine's function invocations and the executions it started itself. Each
 * run is checked against its own deployment's table (the keys secret has a random suffix in each run).
 */
function unusedEntries(tableOf: (run: RecordedRun) => Record<string, ExpectedCall[]>, runs: RecordedRun[]): string[] {
  const made = runs.map((run) => ({
    table: tableOf(run),
    calls: run.calls.filter((call) => call.ownRole),
  }));
  return Object.entries(made[0].table).flatMap(([logicalId, entries]) =>
    entries
      .map((entry, index) => ({ entry, index }))
      .filter(({ entry }) => !entry.byLambdaService && !entry.forRotateSecret && !entry.byStepFunctionsService)
      .filter(
        ({ index }) =>
          !made.some(({ table, calls }) => {
            const own = table[logicalId][index];
            return calls.some(
              (call) => call.logicalId === logicalId && call.action === own.action && matchesResource(own.resource, call.resource),
            );
          }),
      )
      .map(({ entry }) => `${logicalId}: ${entry.action} ${entry.resource}`),
  );
}

/**
 * What authorised a call not made with the function's own role, or why nothing known did:
 * - `assumed role`: an IAM call made in a member account as a role the function assumed there;
 * - `partition user`: STS as the IAM user of another partition whose key the stack keeps (reaching a member account
 *   there, or naming the validator's identity there);
 * - `Datadog user`: the stored key tried as Datadog will use it (by the validator, or by the rotation's testSecret).
 */
function authorisedBy(call: RecordedCall, run: RecordedRun): string {
  const what = `${call.logicalId}: ${call.action} as ${call.signer ?? 'unknown credentials'}`;
  const signer = call.signer ?? '';
  const partitionUsers = Object.values(run.partitionCredentials).map((credentials) => credentials.userArn);
  if (/^arn:[^:]+:iam::\d{12}:role\//.test(signer)) return call.action.startsWith('iam:') ? 'assumed role' : what;
  if (partitionUsers.includes(signer)) return ['sts:AssumeRole', 'sts:GetCallerIdentity'].includes(call.action) ? 'partition user' : what;
  if (signer.endsWith(`:user/${DATADOG_USER_NAME}`) && ['ValidateAccessKeyFunction', 'RotateAccessKeyFunction'].includes(call.logicalId)) {
    return ['sts:GetCallerIdentity', 'iam:ListAccountAliases'].includes(call.action) ? 'Datadog user' : what;
  }
  return what;
}

/**
 * Entries of the table a stack of one partition never makes, each made by a stack of the other:
 * - a commercial stack reaches every account that needs an access key (GovCloud, China) with the credentials of
 *   that other partition, never through a member access role of its own partition (to onboard it or to rotate its key);
 * - CreateGovCloudAccount is a commercial API: a GovCloud stack never follows such a request.
 */
function notMadeIn(deployment: SimulatedDeployment): string[] {
  const p = deployment.partition;
  if (p === 'aws') {
    return [
      `ProvisionAccessKeyFunction: sts:AssumeRole arn:aws:iam::*:role/${MEMBER_ACCESS_ROLE}`,
      `ProvisionAccessKeyFunction: sts:AssumeRole arn:aws:iam::*:role/${CONTROL_TOWER_ROLE}`,
      `ProvisionAccessKeyFunction: organizations:DescribeAccount arn:aws:organizations::${STACK_ACCOUNT_ID}:account/o-*/*`,
      `RotateAccessKeyFunction: sts:AssumeRole arn:aws:iam::*:role/${MEMBER_ACCESS_ROLE}`,
      `RotateAccessKeyFunction: sts:AssumeRole arn:aws:iam::*:role/${CONTROL_TOWER_ROLE}`,
      `RotateAccessKeyFunction: organizations:DescribeAccount arn:aws:organizations::${STACK_ACCOUNT_ID}:account/o-*/*`,
    ];
  }
  return [
    'DescribeAccountRequestFunction: organizations:DescribeCreateAccountStatus *',
    `OnboardingStateMachine: states:StartExecution ${deployment.stateMachineArn}`,
    `OnboardingStateMachine: lambda:InvokeFunction ${deployment.functionArn('DescribeAccountRequestFunction')}`,
  ];
}

/**
 * The table for a recorded run's deployment (its keys secret has a random suffix). Its resources do not depend on the
 * Datadog site; its sample of the Datadog role's trust policy needs a site with role delegation in the partition.
 */
function tableFor(deployment: SimulatedDeployment): Record<string, ExpectedCall[]> {
  const roleSite = simulatedDeployment(template, deployment.partition).datadogSite;
  return expectedCalls({
    template,
    deployment:
      authTypeFor(deployment.datadogSite, deployment.partition) === 'role' ? deployment : { ...deployment, datadogSite: roleSite },
  });
}

type StateDefinition = {
  Type: string;
  Resource?: string;
  ItemProcessor?: { States: Record<string, StateDefinition> };
  Iterator?: { States: Record<string, StateDefinition> };
};

/** Every Task resource of a definition, those inside Map states included. */
function taskResources(states: Record<string, StateDefinition>): string[] {
  return Object.values(states).flatMap((state) => {
    const inner = state.ItemProcessor ?? state.Iterator;
    return [...(state.Type === 'Task' && state.Resource ? [state.Resource] : []), ...(inner ? taskResources(inner.States) : [])];
  });
}

/**
 * The IAM action a Task's service integration needs (Step Functions developer guide, "IAM policies for integrated
 * services"): `arn:<p>:states:::states:startExecution` needs `states:StartExecution`. The `.sync` and
 * `.waitForTaskToken` patterns need more: they are refused here until modelled.
 */
function integrationAction(resource: string): string {
  const match = /^arn:[a-z-]+:states:::([a-z0-9-]+):([A-Za-z]+)$/.exec(resource);
  if (!match) throw new Error(`Task resource ${resource} is no request-response service integration the test models`);
  return `${match[1]}:${match[2][0].toUpperCase()}${match[2].slice(1)}`;
}

describe('Function: untabledCalls', () => {
  it('reports an own-role call the table lacks, and not one made with assumed credentials', () => {
    // Prepare
    const table = { F: [{ action: 'states:DescribeExecution', resource: 'arn:aws:states:r:1:execution:m:*', purpose: 'test' }] };
    const call = (action: string, resource: string, ownRole: boolean): RecordedCall => ({
      logicalId: 'F',
      action,
      resource,
      ownRole,
      input: {},
    });

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
    expect(untabled).toEqual([
      'F: states:StopExecution arn:aws:states:r:1:execution:m:onboard-1',
      'F: states:DescribeExecution arn:aws:states:r:1:stateMachine:m',
    ]);
  });
});

const runs = {} as Record<SimulatedPartition, Scenarios>;
/** Records each partition's scenarios once, whichever describe block needs them first. */
async function recordAll(): Promise<void> {
  for (const partition of SIMULATED_PARTITIONS) runs[partition] ??= await recordScenarios(partition);
}

/** The onboarding state machine's own calls of an action, as its role. */
const stateMachineCalls = (run: RecordedRun, action: string) =>
  run.calls.filter((call) => call.logicalId === 'OnboardingStateMachine' && call.action === action);

const outputOf = (run: RecordedOnboarding) =>
  run.executions.map((execution) => {
    const output = execution.output as
      { authType?: string; partition?: string; validationAttempts?: number; datadog?: { action?: string } } | undefined;
    return [execution.name, execution.status, execution.error ?? output?.authType, output?.partition, output?.datadog?.action];
  });

describe.each(SIMULATED_PARTITIONS)('Handlers run in the sandbox, partition %s', (partition) => {
  beforeAll(recordAll, 180_000);
  const all = () => Object.values(runs[partition]);
  const tableOf = (run: RecordedRun) => tableFor(run.deployment);

  it('went through the paths it means to exercise', () => {
    // Prepare
    const { lifecycle, scope, replays, unreachable, otherPartitionRole, accessKeys } = runs[partition];
    const other = OTHER_PARTITION[partition];

    // Assess
    expect(lifecycle.starterResults.map((result) => (result as { outcome: string }).outcome)).toEqual([
      'started',
      'already-running',
      'started',
    ]);
    expect(lifecycle.executions.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(replays.executions.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(scope.executions.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
    // One ListParents per level (its OU, then the root), read once for the scope and the settings; the names once each.
    expect(scope.calls.filter((call) => call.action === 'organizations:ListParents')).toHaveLength(2);
    expect(scope.calls.filter((call) => call.action === 'organizations:ListOrganizationalUnitsForParent')).toHaveLength(1);
    expect(
      scope.calls.filter((call) => call.action === 'organizations:DescribeAccount' && call.logicalId === 'ResolveTargetFunction'),
    ).toHaveLength(1);
    expect(unreachable.executions.map((execution) => [execution.status, execution.error])).toEqual([
      ['FAILED', 'MemberAccountAccessError'],
    ]);
    expect(unreachable.taskResults).toEqual([{ task: 'RemoveValidatorTrustFunction', error: 'MemberAccountAccessError' }]);
    expect(Object.keys(otherPartitionRole.partitionCredentials)).toEqual([other]);
    expect(outputOf(otherPartitionRole)).toEqual([
      ['other-partition', 'SUCCEEDED', 'role', other, 'created'],
      ['other-partition-again', 'SUCCEEDED', 'role', other, 'unchanged'],
    ]);
    expect(Object.keys(accessKeys.partitionCredentials).sort()).toEqual(partition === 'aws' ? ['aws-cn', 'aws-us-gov'] : ['aws-cn']);
    expect(outputOf(accessKeys)).toEqual(
      partition === 'aws'
        ? [
            ['govcloud-keys', 'SUCCEEDED', 'access_keys', 'aws-us-gov', 'created'],
            ['china-keys', 'SUCCEEDED', 'access_keys', 'aws-cn', 'created'],
            ['govcloud-keys-again', 'SUCCEEDED', 'access_keys', 'aws-us-gov', 'updated'],
          ]
        : [
            [`onboard-${MEMBER_ACCOUNT_ID}`, 'SUCCEEDED', 'access_keys', 'aws-us-gov', 'created'],
            ['china-keys', 'SUCCEEDED', 'access_keys', 'aws-cn', 'created'],
            ['unreachable-keys', 'FAILED', 'MemberAccountAccessError', undefined, undefined],
            ['govcloud-keys-again', 'SUCCEEDED', 'access_keys', 'aws-us-gov', 'updated'],
          ],
    );
  });

  it('followed a CreateGovCloudAccount request to the onboarding of both its accounts (commercial stack only)', () => {
    // Prepare
    const { accountRequest } = runs[partition];

    // Act
    const outcomes = outputOf(accountRequest);

    // Assess
    if (partition !== 'aws') {
      expect(outcomes).toEqual([]);
      return;
    }
    expect(accountRequest.starterResults.map((result) => (result as { outcome: string }).outcome)).toEqual(['started', 'already-running']);
    expect(
      stateMachineCalls(accountRequest, 'states:StartExecution')
        .map((call) => (call.input.Input as { accountId?: string }).accountId)
        .sort(),
    ).toEqual([REQUESTED.commercial, REQUESTED.govCloud]);
    expect(outcomes).toEqual([
      ['request-car-examplegovcloudrequestid333', 'SUCCEEDED', undefined, undefined, undefined],
      [`onboard-${REQUESTED.commercial}`, 'SUCCEEDED', 'role', 'aws', 'created'],
      [`onboard-${REQUESTED.govCloud}`, 'SUCCEEDED', 'access_keys', 'aws-us-gov', 'created'],
    ]);
  });

  it('reconciled the organization: an adoption, the converged fleet, an offboarding, a repair, an unreachable account, a dry run', () => {
    // Prepare
    const { reconciliations } = runs[partition].reconciliation;
    const { created, adopted, controlTower, unreachable } = RECONCILED;

    // Act
    const outcomes = reconciliations.map(({ name, summary }) => [
      name,
      summary.outcome,
      summary.accounts.filter((account) => account.accountId !== STACK_ACCOUNT_ID).map((a) => `${a.accountId} ${a.action} ${a.outcome}`),
    ]);

    // Assess
    expect(outcomes).toEqual([
      [
        'backfill',
        'reconciled',
        [
          `${created} onboard onboarded`,
          `${adopted} onboard onboarded`,
          `${controlTower} onboard onboarded`,
          `${unreachable} onboard onboarded`,
        ],
      ],
      [
        'converged',
        'reconciled',
        [`${created} none unchanged`, `${adopted} none unchanged`, `${controlTower} none unchanged`, `${unreachable} none unchanged`],
      ],
      [
        'drifted',
        'failed',
        [`${created} offboard offboarded`, `${adopted} none unchanged`, `${controlTower} repair onboarded`, `${unreachable} none failed`],
      ],
      [
        // A dry run detects drift as a real run does (reads only): the unreachable account fails it too.
        'dry run',
        'failed',
        [`${created} skip skipped`, `${adopted} none unchanged`, `${controlTower} none unchanged`, `${unreachable} none failed`],
      ],
    ]);
    expect(reconciliations[0].summary.accountRecords).toEqual(
      expect.arrayContaining([expect.objectContaining({ accountId: adopted, origin: 'adopted' })]),
    );
    // The dry run writes only its own plan, results and report to the reconciliation bucket.
    expect(reconciliations[3].summary.calls.mutating).toEqual({
      iam: 0,
      sts: 0,
      organizations: 0,
      secretsmanager: 0,
      s3: 4,
      datadog: 0,
      dynamodb: 0,
    });
  });

  it('replaced a key deleted out of band in the existing key secret', () => {
    // Act
    const writes = runs[partition].accessKeys.calls.filter(
      (call) => call.logicalId === 'ProvisionAccessKeyFunction' && /^secretsmanager:(Create|Put|Tag)/.test(call.action),
    );

    // Assess
    // Each secret only the functions may read before it holds a key: two created, then the existing one given the new key.
    const created = ['CreateSecret', 'TagResource', 'PutResourcePolicy', 'PutSecretValue'];
    expect(writes.map((call) => call.action)).toEqual(
      [...created, ...created, 'PutResourcePolicy', 'PutSecretValue'].map((action) => `secretsmanager:${action}`),
    );
  });

  it('rotated the stored keys: the four steps of each rotation, a new key made current, the old one deleted', () => {
    // Prepare
    const { rotation: run } = runs[partition];
    const govCloudAccount = partition === 'aws' ? OTHER_PARTITION_ACCOUNT_ID : MEMBER_ACCOUNT_ID;
    const own = run.calls.filter((call) => call.logicalId === 'RotateAccessKeyFunction');
    const inMember = own.filter((call) => !call.ownRole && call.action.startsWith('iam:')).map((call) => call.action);

    // Assess
    const controlTower = partition !== 'aws';
    expect(outputOf(run)).toEqual([
      ['govcloud-keys', 'SUCCEEDED', 'access_keys', 'aws-us-gov', 'created'],
      ['china-keys', 'SUCCEEDED', 'access_keys', 'aws-cn', 'created'],
      ...(controlTower ? [['control-tower-keys', 'SUCCEEDED', 'access_keys', 'aws-us-gov', 'created']] : []),
    ]);
    const allSteps = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];
    expect(run.rotationResults.map((result) => [result.accountId, result.steps, result.error])).toEqual([
      [govCloudAccount, allSteps, undefined],
      [CHINA_ACCOUNT_ID, allSteps, undefined],
      [govCloudAccount, allSteps, undefined],
      // The Control Tower account is reached through its only role; once suspended, it is said to be, at the first step.
      ...(controlTower
        ? [
            [CONTROL_TOWER_KEYS_ACCOUNT_ID, allSteps, undefined],
            [CONTROL_TOWER_KEYS_ACCOUNT_ID, [], 'AccountNotActiveError'],
          ]
        : []),
    ]);
    expect(run.invocations.filter((logicalId) => logicalId === 'RotateAccessKeyFunction')).toHaveLength(controlTower ? 17 : 12);
    expect(own.filter((call) => call.action === 'secretsmanager:UpdateSecretVersionStage')).toHaveLength(controlTower ? 4 : 3);
    expect(inMember.filter((action) => action === 'iam:CreateAccessKey')).toHaveLength(controlTower ? 4 : 3);
    expect(inMember.filter((action) => action === 'iam:DeleteAccessKey')).toHaveLength(controlTower ? 4 : 3);
  });

  it("makes with each function's own role only calls in its table", () => {
    // Act
    const untabled = all().flatMap((run) => untabledCalls(run.calls, tableOf(run)));

    // Assess
    expect(untabled).toEqual([]);
  });

  it('makes every call of the table, except those only a stack of the other partition makes', () => {
    // Act
    const unused = unusedEntries(tableOf, [runs[partition].lifecycle, ...all().filter((run) => run !== runs[partition].lifecycle)]);

    // Assess
    expect(unused.sort()).toEqual(notMadeIn(runs[partition].lifecycle.deployment).sort());
  });

  it('leaves out only calls that other credentials authorise: assumed member-account roles, partition users, the Datadog user', () => {
    // Act
    const authorisers = all().flatMap((run) => run.calls.filter((call) => !call.ownRole).map((call) => authorisedBy(call, run)));

    // Assess
    expect([...new Set(authorisers)].sort()).toEqual(['Datadog user', 'assumed role', 'partition user']);
  });

  it('has the state machine invoke exactly the functions of its table, and start only what its table allows', () => {
    // Prepare
    const { deployment } = runs[partition].lifecycle;
    const table = tableOf(runs[partition].lifecycle).OnboardingStateMachine;
    const definition = loadDefinition(template, deployment.resolution) as { States: Record<string, StateDefinition> };
    const lambdaArn = /^arn:[a-z-]+:lambda:/;

    // Act
    const tasks = taskResources(definition.States);
    // The reconciliation's stack has other names: its calls are checked against its own table, above.
    const onboardings = all().filter((run) => run !== runs[partition].reconciliation);
    const made = (action: string) => new Set(onboardings.flatMap((run) => stateMachineCalls(run, action).map((call) => call.resource)));
    const [invoked, started] = [made('lambda:InvokeFunction'), made('states:StartExecution')];

    // Assess
    const tabledFunctions = table.filter((entry) => entry.action === 'lambda:InvokeFunction').map((entry) => entry.resource);
    const tabledIntegrations = table.filter((entry) => entry.action !== 'lambda:InvokeFunction');
    expect([...new Set(tasks.filter((resource) => lambdaArn.test(resource)))].sort()).toEqual(tabledFunctions.sort());
    expect([...new Set(tasks.filter((resource) => !lambdaArn.test(resource)).map(integrationAction))].sort()).toEqual(
      [...new Set(tabledIntegrations.map((entry) => entry.action))].sort(),
    );
    // Every function of the table was invoked (DescribeAccountRequest only where a stack follows account requests).
    const notMade = notMadeIn(deployment);
    expect([...invoked].sort()).toEqual(
      tabledFunctions.filter((arn) => !notMade.includes(`OnboardingStateMachine: lambda:InvokeFunction ${arn}`)).sort(),
    );
    expect(started.size).toBe(notMade.some((entry) => entry.startsWith('OnboardingStateMachine: states:StartExecution')) ? 0 : 1);
    expect(
      [...started].filter(
        (arn) => !tabledIntegrations.some((entry) => entry.action === 'states:StartExecution' && matchesResource(entry.resource, arn)),
      ),
    ).toEqual([]);
  });
});

describe('Handlers run in the sandbox, across partitions', () => {
  beforeAll(recordAll, 180_000);

  it('make every call of the table with a stack of some partition', () => {
    // Act
    const neverMade = SIMULATED_PARTITIONS.map((partition) => {
      const unused = unusedEntries(
        (run) => tableFor(run.deployment),
        [runs[partition].lifecycle, ...Object.values(runs[partition]).filter((run) => run !== runs[partition].lifecycle)],
      );
      // The same entry in either partition's terms.
      return unused.map((entry) => entry.replace(/arn:[a-z-]+:/g, 'arn:PARTITION:'));
    }).reduce((left, right) => left.filter((entry) => right.includes(entry)));

    // Assess
    expect(neverMade).toEqual([]);
  });
});
