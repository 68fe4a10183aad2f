/**
 * Recording a reconciliation's calls: `npm start -- reconcile`'s engine (local/reconcile.ts: the template's
 * ReconcileOrganization state machine, its Distributed Map, each account's onboarding or offboarding execution) run
 * step after step on one organization in a {@link RecordingSandbox}, every execution role carrying the template's
 * policies. What the least-privilege proof (test/least-privilege/recorded-calls.test.ts) reads, in the shape of a
 * recorded onboarding:
 * - each function's own calls, attributed to the function, as there;
 * - the reconciliation state machine's own calls, attributed to `ReconcileOrganizationStateMachine`: its Task states'
 *   `lambda:InvokeFunction`, its `states:startExecution.sync:2` starts of onboarding executions, and the S3 calls of
 *   its ItemReader and ResultWriter (made as its role, `…-ReconcileOrganizationStateMachineRole/states`);
 * - the onboarding state machine's invocations of its functions, as its own `lambda:InvokeFunction` calls.
 * State machines' invocations are calls rather than `invocations` because the stack is named as `npm start --
 * reconcile` names it (`datadog-onboarding-local`), and calls are checked against the run's own deployment's table.
 */
import { DetachRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { LOCAL_KEYS_SECRET_NAME, LOCAL_STACK_NAME } from '../../local/deployment';
import { LocalFunctions } from '../../local/functions';
import { applyOrgFile, datadogAccountsOf, parseOrgFile, type OrgFile } from '../../local/org-file';
import { reconcileLocally, type LocalReconcileSummary } from '../../local/reconcile';
import { LocalExecutions, type LocalExecution } from '../../local/step-functions';
import { loadTemplate, templateFunctions } from '../../local/template';
import { iamRegion } from '../../shared/aws/regions';
import { RecordingSandbox } from './call-recorder';
import type { AttributedCall, RecordedOnboarding } from './recorded-run';
import { simulatedDeployment, STACK_ACCOUNT_ID, type SimulatedPartition } from './simulated-deployment';

/** The reconciliation's functions: invoked by its state machine's Task states, never by the onboarding state machine. */
const RECONCILIATION_FUNCTIONS = ['PlanReconciliationFunction', 'DetectDriftFunction', 'ReportReconciliationFunction'];
const RECONCILIATION_STATE_MACHINE = 'ReconcileOrganizationStateMachine';

/**
 * One step of a recorded reconciliation scenario: a reconciliation (`{}` or `{"dryRun": true}`), or a change made to
 * the organization by someone other than the tool (`change` says what, for the reader).
 */
export type ReconciliationStep =
  { reconcile: string; dryRun?: boolean } | { change: string; apply: (sandbox: RecordingSandbox) => void | Promise<void> };

/** A recorded reconciliation scenario: what a recorded onboarding holds, and each reconciliation's summary. */
export interface RecordedReconciliation extends RecordedOnboarding {
  reconciliations: { name: string; summary: LocalReconcileSummary }[];
}

/** The organization of a scenario, in the `--org` file's terms (issue 8 §6); the management account is the stack's. */
export type ScenarioOrganization = Partial<Omit<OrgFile, 'managementAccountId'>>;

/**
 * Someone other than the tool detaches the Datadog integration policy from the Datadog role of a member account,
 * acting as its access role there: drift DetectDrift finds.
 *
 * @throws Error (when applied) when the role has no such policy attached: the scenario would test nothing.
 */
export function integrationPolicyDetached(
  member: { accountId: string; partition: SimulatedPartition; accessRole: string },
  roleName: string,
  policyName: string,
): ReconciliationStep {
  return {
    change: `the policy ${policyName} is detached from ${roleName} in ${member.accountId}`,
    apply: (sandbox) =>
      sandbox.unrecorded(`arn:${member.partition}:iam::${member.accountId}:role/${member.accessRole}`, async () => {
        const iam = new IAMClient({ region: iamRegion(member.partition) });
        const { AttachedPolicies } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
        const policy = AttachedPolicies?.find((attached) => attached.PolicyName === policyName);
        if (!policy) throw new Error(`integrationPolicyDetached: ${policyName} is not attached to ${roleName} in ${member.accountId}`);
        await iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policy.PolicyArn }));
      }),
  };
}

/**
 * Someone makes a member account's access role trust only the account itself (acting as that role): the stack can
 * no longer reach the account, which Organizations still says is ACTIVE.
 */
export function accessRoleDistrusted(member: { accountId: string; partition: SimulatedPartition; accessRole: string }): ReconciliationStep {
  return {
    change: `the access role ${member.accessRole} of ${member.accountId} no longer trusts the management account`,
    apply: (sandbox) =>
      sandbox.unrecorded(`arn:${member.partition}:iam::${member.accountId}:role/${member.accessRole}`, async () => {
        const iam = new IAMClient({ region: iamRegion(member.partition) });
        const trustsItself = {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: `arn:${member.partition}:iam::${member.accountId}:root` }, Action: 'sts:AssumeRole' },
          ],
        };
        await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: member.accessRole, PolicyDocument: JSON.stringify(trustsItself) }));
      }),
  };
}

/**
 * Runs the steps on one organization (the stack in its management account, {@link STACK_ACCOUNT_ID}) and records
 * every call. Each reconciliation deploys the stack anew on the sandbox, with the registrations and records the
 * previous one left, as successive executions of one stack see them. `ReconcileMaxConcurrency` is 1: one function
 * runs at a time, so each recorded call falls in the window of exactly one invocation (checked: an overlap throws).
 *
 * @throws Error when two invocations overlap, or a call is made as a principal of no function or state machine.
 */
export async function recordReconciliation(options: {
  partition: SimulatedPartition;
  organization: ScenarioOrganization;
  steps: ReconciliationStep[];
  parameters?: Record<string, string>;
}): Promise<RecordedReconciliation> {
  const template = loadTemplate();
  const site = simulatedDeployment(template, options.partition).datadogSite;
  const parameters = { DatadogSite: site, ...options.parameters, ReconcileMaxConcurrency: '1' };
  const sandbox = new RecordingSandbox({ managementAccountId: STACK_ACCOUNT_ID, partition: options.partition, propagationSeconds: 10 });
  const org = parseOrgFile({ managementAccountId: STACK_ACCOUNT_ID, ...options.organization });
  applyOrgFile(sandbox, org, {
    managementAccountId: STACK_ACCOUNT_ID,
    defaultAccessRoleName: String(template.Parameters.MemberAccessRoleName.Default),
  });
  let datadogAccounts = datadogAccountsOf(org);
  let accountRecords: Record<string, unknown>[] | undefined;

  const stackName = LOCAL_STACK_NAME;
  let deployment = simulatedDeployment(template, options.partition, { stackName, parameters });
  const onboardingArn = deployment.stateMachineArn;
  const logicalIdOfArn = new Map(templateFunctions(template).map((fn) => [deployment.functionArn(fn.logicalId), fn.logicalId]));
  const stateMachineRole = `${stackName}-${RECONCILIATION_STATE_MACHINE}Role`;
  const stateMachineCalls: AttributedCall[] = [];
  const stateMachineCall = (logicalId: string, action: string, resource: string): AttributedCall => ({
    logicalId,
    principalArn: deployment.sessionArn(`${logicalId}Role`, 'states'),
    action,
    resource,
    ownRole: true,
    input: {},
  });
  const executions: LocalExecution[] = [];
  const reconciliations: RecordedReconciliation['reconciliations'] = [];

  // The engine's own classes, watched: which function each Task invoked, which executions the state machines started.
  const invoke = LocalFunctions.prototype.invoke;
  const start = LocalExecutions.prototype.start;
  let running = 0;
  let overlap: string | undefined;
  LocalFunctions.prototype.invoke = async function (this: LocalFunctions, functionArn: string, event: unknown) {
    const logicalId = logicalIdOfArn.get(functionArn);
    if (!logicalId) throw new Error(`recordReconciliation: no function of template.yaml has the ARN ${functionArn}`);
    stateMachineCalls.push(
      stateMachineCall(
        RECONCILIATION_FUNCTIONS.includes(logicalId) ? RECONCILIATION_STATE_MACHINE : 'OnboardingStateMachine',
        'lambda:InvokeFunction',
        functionArn,
      ),
    );
    running += 1;
    // Thrown once the scenario ends: thrown here, it would be the Task's failure, which the state machine catches.
    if (running > 1) overlap ??= `recordReconciliation: ${logicalId} was invoked while another function ran`;
    try {
      return await invoke.call(this, functionArn, event);
    } finally {
      running -= 1;
    }
  };
  LocalExecutions.prototype.start = function (this: LocalExecutions, name: string, input: unknown) {
    // The reconciliation's own execution is the operator's; an onboarding execution is its Onboard or Offboard state's.
    if (this.stateMachineArn === onboardingArn && !sandbox.inRecordedInvocation())
      stateMachineCalls.push(stateMachineCall(RECONCILIATION_STATE_MACHINE, 'states:StartExecution', onboardingArn));
    const execution = start.call(this, name, input);
    executions.push(execution);
    return execution;
  };
  try {
    for (const step of options.steps) {
      if ('change' in step) {
        // Between reconciliations the sandbox is not installed (each one installs it for its run).
        sandbox.install();
        try {
          await step.apply(sandbox);
        } finally {
          sandbox.restore();
        }
        continue;
      }
      const summary = await reconcileLocally({
        sandbox,
        datadogAccounts,
        accountRecords,
        parameters,
        dryRun: step.dryRun,
        enforceFunctionPolicies: true,
      });
      reconciliations.push({ name: step.reconcile, summary });
      datadogAccounts = summary.datadogAccounts;
      accountRecords = summary.accountRecords;
    }
  } finally {
    LocalFunctions.prototype.invoke = invoke;
    LocalExecutions.prototype.start = start;
  }
  if (overlap) throw new Error(overlap);

  // The keys secret every deployment of the scenario stored (the same one: the sandbox keeps it).
  const secretArn = sandbox
    .toJSON()
    .state.accounts[STACK_ACCOUNT_ID]?.secrets.find((secret) => secret.name === LOCAL_KEYS_SECRET_NAME)?.arn;
  deployment = simulatedDeployment(template, options.partition, { stackName, parameters, secretArn });
  const logicalIdOfSession = new Map([...logicalIdOfArn.values()].map((logicalId) => [`${stackName}-${logicalId}`, logicalId]));
  const calls = sandbox.calls.map((call): AttributedCall => {
    const session = call.principalArn.split('/').slice(-2);
    if (session[0] === stateMachineRole) return { ...call, logicalId: RECONCILIATION_STATE_MACHINE };
    const logicalId = logicalIdOfSession.get(session[1] ?? '');
    if (!logicalId) throw new Error(`a call was made as ${call.principalArn}, which is no function or state machine of template.yaml`);
    return { ...call, logicalId };
  });
  return {
    deployment,
    partitionCredentials: {},
    calls: [...calls, ...stateMachineCalls],
    invocations: [],
    stateMachineStarts: [],
    executions,
    starterResults: [],
    taskResults: [],
    rotationResults: [],
    reconciliations,
  };
}
