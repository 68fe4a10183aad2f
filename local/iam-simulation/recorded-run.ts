/**
 * Running the real handlers the way the local run does (`local/run.ts`): the template's EventBridge patterns decide
 * delivery, the starter runs, the template's state machine runs with the real handlers, all against the AWS sandbox
 * and the local Datadog server; every AWS command each handler sends is recorded with the action and resource it needs.
 *
 * Unlike the local run, every execution role of the template carries the policies `template.yaml` gives it (loaded by
 * {@link loadExecutionRolePolicies}), so the sandbox refuses a call the template does not allow, and each invocation
 * starts with empty parameter caches, as a separate Lambda function would (the keys secret is read by two functions).
 */
import { randomBytes } from 'node:crypto';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { decideLifecycleEvent } from '../../shared/events/lifecycle-event';
import { startLocalDatadog } from '../datadog/server';
import { matchesEventPattern } from '../event-pattern';
import { LocalFunctions } from '../functions';
import { LocalExecutions, runExecution, type LocalExecution } from '../step-functions';
import { loadDefinition, loadTemplate, templateFunctions, type Template } from '../template';
import { RecordingSandbox, type RecordedCall } from './call-recorder';
import { simulatedDeployment, type SimulatedDeployment, type SimulatedPartition } from './deployment';
import { loadExecutionRolePolicies } from './template-policies';

/** A recorded command, attributed to the function that sent it. */
export interface AttributedCall extends RecordedCall {
  /** Logical id of the function whose handler sent it. */
  logicalId: string;
}

/** One invocation of a function. */
export interface RecordedInvocation {
  logicalId: string;
  functionArn: string;
  /** `eventbridge`: a lifecycle event delivered by the template's rule; `state-machine`: a Task state. */
  invokedBy: 'eventbridge' | 'state-machine';
}

/** What a recorded run did. */
export interface RecordedOnboarding {
  deployment: SimulatedDeployment;
  calls: AttributedCall[];
  invocations: RecordedInvocation[];
  /** The executions the starter started, as they ended. */
  executions: LocalExecution[];
  /** What the starter answered to each delivered event. */
  starterResults: unknown[];
}

const LAMBDA_TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };

/** Gives every execution role of the template its template policies in the sandbox. */
function seedExecutionRoles(sandbox: RecordingSandbox, template: Template, deployment: SimulatedDeployment): void {
  const { stackName, accountId } = deployment.names;
  const seeded = new Set<string>();
  for (const role of loadExecutionRolePolicies(template, deployment.resolution)) {
    const roleName = `${stackName}-${role.roleLogicalId}`;
    if (seeded.has(roleName) || role.kind !== 'function') continue;
    seeded.add(roleName);
    const policyArns = role.policies.map((loaded) => sandbox.putPolicy(accountId, `${roleName}-${loaded.name.replace(/[^\w+=,.@-]/g, '-')}`, loaded.policy));
    sandbox.putRole(accountId, roleName, { trustPolicy: LAMBDA_TRUST, attachedPolicyArns: policyArns });
  }
}

/** Seeds the member account of each onboarding event with the role the automation reaches it through. */
function seedMemberAccounts(sandbox: RecordingSandbox, template: Template, deployment: SimulatedDeployment, events: unknown[]): void {
  const seeded = new Set<string>();
  for (const event of events) {
    const decision = decideLifecycleEvent(event);
    if (decision.action !== 'onboard' || seeded.has(decision.accountId)) continue;
    seeded.add(decision.accountId);
    const parameter = decision.trigger.source === 'aws.controltower' ? 'ControlTowerAccessRoleName' : 'MemberAccessRoleName';
    const accessRole = deployment.resolution.parameters?.[parameter] ?? String(template.Parameters[parameter].Default);
    const partition = deployment.partition;
    sandbox.addAccount(decision.accountId, { name: decision.context.accountName });
    sandbox.putRole(decision.accountId, accessRole, {
      trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${deployment.names.accountId}:root` }, Action: 'sts:AssumeRole' }] },
      attachedPolicyArns: [`arn:${partition}:iam::aws:policy/AdministratorAccess`],
    });
  }
}

/**
 * Delivers lifecycle events to the template's starter and runs the executions it starts, recording every AWS
 * command of every handler.
 *
 * @param options.deliveries - batches of EventBridge events: each batch is delivered in order, then the executions
 *   it started run to their end (delivering one event twice in a batch is a duplicate delivery while running).
 * @param options.parameters - template parameter values overriding the defaults.
 */
export async function recordOnboarding(options: {
  partition: SimulatedPartition;
  deliveries: unknown[][];
  parameters?: Record<string, string>;
}): Promise<RecordedOnboarding> {
  const template = loadTemplate();
  const keys = { apiKey: randomBytes(16).toString('hex'), appKey: randomBytes(20).toString('hex') };
  const probe = simulatedDeployment(template, options.partition, { parameters: options.parameters });
  const sandbox = new RecordingSandbox({ managementAccountId: probe.names.accountId, partition: options.partition, propagationSeconds: 10 });
  const secretArn = sandbox.putSecret('datadog-onboarding/datadog-keys', JSON.stringify(keys), { accountId: probe.names.accountId, region: probe.names.region });
  const deployment = simulatedDeployment(template, options.partition, { parameters: options.parameters, secretArn });
  seedExecutionRoles(sandbox, template, deployment);
  seedMemberAccounts(sandbox, template, deployment, options.deliveries.flat());

  const datadog = await startLocalDatadog({ ...keys, site: deployment.datadogSite });
  const functions = new LocalFunctions(template, deployment.names, deployment.resolution, sandbox, {
    AWS_REGION: deployment.names.region,
    AWS_DEFAULT_REGION: deployment.names.region,
    // Not credentials: the sandbox identifies calls signed with them as the invoked function's execution role.
    AWS_ACCESS_KEY_ID: 'AKIALOCALFUNCTIONROLE',
    AWS_SECRET_ACCESS_KEY: 'local-sandbox-placeholder',
    DATADOG_API_URL: datadog.url,
  });
  const logicalIdOf = new Map(templateFunctions(template).map((fn) => [deployment.functionArn(fn.logicalId), fn.logicalId]));
  const starter = templateFunctions(template).find((fn) => Object.keys(fn.eventPatterns).length > 0);
  if (!starter) throw new Error('template.yaml has no function with an EventBridge rule');

  const invocations: RecordedInvocation[] = [];
  const invoke = (functionArn: string, input: unknown, invokedBy: RecordedInvocation['invokedBy']) => {
    const logicalId = logicalIdOf.get(functionArn);
    if (!logicalId) throw new Error(`no function of template.yaml has the ARN ${functionArn}`);
    invocations.push({ logicalId, functionArn, invokedBy });
    clearCaches();
    return functions.invoke(functionArn, input);
  };

  const executions = new LocalExecutions(deployment.stateMachineArn);
  const definition = loadDefinition(template, deployment.resolution);
  const finished: LocalExecution[] = [];
  const starterResults: unknown[] = [];
  sandbox.install();
  executions.install();
  try {
    for (const batch of options.deliveries) {
      for (const event of batch) {
        const fires = Object.values(starter.eventPatterns).some((pattern) => matchesEventPattern(pattern as Record<string, unknown>, event));
        if (fires) starterResults.push(await invoke(deployment.functionArn(starter.logicalId), event, 'eventbridge'));
      }
      for (const execution of executions.pending()) {
        finished.push(await runExecution(definition, execution, (arn, input) => invoke(arn, input, 'state-machine'), sandbox.clock, () => undefined));
      }
    }
  } finally {
    executions.restore();
    sandbox.restore();
    await datadog.close();
  }

  // Each invocation ran as its function's role, whose session name is the function's name.
  const logicalIdOfSession = new Map(templateFunctions(template).map((fn) => [`${deployment.names.stackName}-${fn.logicalId}`, fn.logicalId]));
  const calls = sandbox.calls.map((call): AttributedCall => {
    const logicalId = logicalIdOfSession.get(call.principalArn.split('/').pop() ?? '');
    if (!logicalId) throw new Error(`a call was made as ${call.principalArn}, which is no function of template.yaml`);
    return { ...call, logicalId };
  });
  return { deployment, calls, invocations, executions: finished, starterResults };
}
