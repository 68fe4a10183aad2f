/**
 * Running the real handlers the way the local run does (`local/run.ts`): the template's EventBridge patterns decide
 * delivery, the starter runs, the template's state machine runs with the real handlers, all against the AWS sandbox
 * and the local Datadog server; every AWS command each handler sends is recorded with the action and resource it needs.
 *
 * Unlike the local run, every execution role of the template carries the policies `template.yaml` gives it (loaded by
 * {@link loadExecutionRolePolicies}), so the sandbox refuses a call the template does not allow, and each invocation
 * starts with no parameter provider, as a cold Lambda function would (the keys secret is read by two functions).
 */
import { randomBytes } from 'node:crypto';
import { forgetSecrets } from '../../shared/aws/json-secret';
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
  /** How each Task delivered on its own ended: its output, or the name of its error. */
  taskResults: { task: string; output?: unknown; error?: string }[];
}

/**
 * Drops the Powertools parameter providers (their caches and their SDK clients, built for the region of the first
 * use), so each invocation reads its secrets as a cold Lambda function would, in its own region.
 */
function coldParameterProviders(): void {
  forgetSecrets();
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

/**
 * Something that makes the functions run: a lifecycle event for EventBridge, an operator's console input (an
 * execution named `name`), or one Task of the state machine invoked on its own with the input the state machine would
 * give it (a step that meets a situation a whole run does not easily reach).
 */
export type Delivery =
  | { event: unknown }
  | { console: { accountId: string; memberAccessRoleName?: string }; name: string }
  | { task: string; input: { target: { accountId: string; memberAccessRoleName: string } } & Record<string, unknown> };

/** The member account a delivery onboards and the access role it is reached through, if it onboards one. */
function memberOf(template: Template, deployment: SimulatedDeployment, delivery: Delivery): { accountId: string; accountName?: string; accessRole: string } | undefined {
  const defaultOf = (parameter: string) => deployment.resolution.parameters?.[parameter] ?? String(template.Parameters[parameter].Default);
  if ('console' in delivery) {
    return { accountId: delivery.console.accountId, accessRole: delivery.console.memberAccessRoleName ?? defaultOf('MemberAccessRoleName') };
  }
  if ('task' in delivery) return { accountId: delivery.input.target.accountId, accessRole: delivery.input.target.memberAccessRoleName };
  const decision = decideLifecycleEvent(delivery.event);
  if (decision.action !== 'onboard') return undefined;
  const parameter = decision.trigger.source === 'aws.controltower' ? 'ControlTowerAccessRoleName' : 'MemberAccessRoleName';
  return { accountId: decision.accountId, accountName: decision.context.accountName, accessRole: defaultOf(parameter) };
}

/**
 * Seeds the member account of each delivery, with the access role the automation reaches it through (trusting the
 * stack's account, as Organizations and Control Tower create it) unless the account is to be unreachable.
 */
function seedMemberAccounts(sandbox: RecordingSandbox, template: Template, deployment: SimulatedDeployment, deliveries: Delivery[], unreachable: string[]): void {
  const partition = deployment.partition;
  for (const delivery of deliveries) {
    const member = memberOf(template, deployment, delivery);
    if (!member) continue;
    if (!(member.accountId in sandbox.dump().accounts)) sandbox.addAccount(member.accountId, { name: member.accountName });
    if (unreachable.includes(member.accountId)) continue;
    sandbox.putRole(member.accountId, member.accessRole, {
      trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${deployment.names.accountId}:root` }, Action: 'sts:AssumeRole' }] },
      attachedPolicyArns: [`arn:${partition}:iam::aws:policy/AdministratorAccess`],
    });
  }
}

/**
 * Delivers lifecycle events to the template's starter (when its EventBridge rule matches) and console inputs to the
 * state machine, and runs the executions started, recording every AWS command of every handler.
 *
 * @param options.deliveries - batches: each batch is delivered in order, then the executions it started run
 *   concurrently to their end (so one event twice in a batch is a duplicate delivery while the first runs, and two
 *   console inputs of one account in a batch are concurrent onboardings of that account).
 * @param options.unreachableAccounts - member accounts seeded without their access role.
 * @param options.parameters - template parameter values overriding the defaults.
 */
export async function recordOnboarding(options: {
  partition: SimulatedPartition;
  deliveries: Delivery[][];
  unreachableAccounts?: string[];
  parameters?: Record<string, string>;
}): Promise<RecordedOnboarding> {
  const template = loadTemplate();
  const keys = { apiKey: randomBytes(16).toString('hex'), appKey: randomBytes(20).toString('hex') };
  const probe = simulatedDeployment(template, options.partition, { parameters: options.parameters });
  const sandbox = new RecordingSandbox({ managementAccountId: probe.names.accountId, partition: options.partition, propagationSeconds: 10 });
  const secretArn = sandbox.putSecret('datadog-onboarding/datadog-keys', JSON.stringify(keys), { accountId: probe.names.accountId, region: probe.names.region });
  const deployment = simulatedDeployment(template, options.partition, { parameters: options.parameters, secretArn });
  seedExecutionRoles(sandbox, template, deployment);
  seedMemberAccounts(sandbox, template, deployment, options.deliveries.flat(), options.unreachableAccounts ?? []);

  const logicalIdOf = new Map(templateFunctions(template).map((fn) => [deployment.functionArn(fn.logicalId), fn.logicalId]));
  const starter = templateFunctions(template).find((fn) => Object.keys(fn.eventPatterns).length > 0);
  if (!starter) throw new Error('template.yaml has no function with an EventBridge rule');

  const baseEnvironment: Record<string, string> = {
    AWS_REGION: deployment.names.region,
    AWS_DEFAULT_REGION: deployment.names.region,
    // Not credentials: the sandbox identifies calls signed with them as the invoked function's execution role.
    AWS_ACCESS_KEY_ID: 'AKIALOCALFUNCTIONROLE',
    AWS_SECRET_ACCESS_KEY: 'local-sandbox-placeholder',
  };
  let functions: LocalFunctions | undefined;
  const invocations: RecordedInvocation[] = [];
  // One invocation at a time, even when executions run concurrently: a local function swaps process.env while it runs.
  let previous: Promise<unknown> = Promise.resolve();
  const invoke = (functionArn: string, input: unknown, invokedBy: RecordedInvocation['invokedBy']): Promise<unknown> => {
    const logicalId = logicalIdOf.get(functionArn);
    if (!logicalId) return Promise.reject(new Error(`no function of template.yaml has the ARN ${functionArn}`));
    const result = previous.then(() => {
      invocations.push({ logicalId, functionArn, invokedBy });
      coldParameterProviders();
      if (!functions) throw new Error('recordOnboarding: invoked before the functions were set up');
      return functions.invoke(functionArn, input);
    });
    previous = result.catch(() => undefined);
    return result;
  };

  const executions = new LocalExecutions(deployment.stateMachineArn);
  const definition = loadDefinition(template, deployment.resolution);
  const finished: LocalExecution[] = [];
  const starterResults: unknown[] = [];
  const taskResults: RecordedOnboarding['taskResults'] = [];
  const datadog = await startLocalDatadog({ ...keys, site: deployment.datadogSite });
  try {
    functions = new LocalFunctions(template, deployment.names, deployment.resolution, sandbox, { ...baseEnvironment, DATADOG_API_URL: datadog.url });
    sandbox.install();
    executions.install();
    for (const batch of options.deliveries) {
      for (const delivery of batch) {
        if ('console' in delivery) {
          executions.start(delivery.name, delivery.console);
          continue;
        }
        if ('task' in delivery) {
          taskResults.push(
            await invoke(deployment.functionArn(delivery.task), delivery.input, 'state-machine').then(
              (output) => ({ task: delivery.task, output }),
              (error: Error) => ({ task: delivery.task, error: error.name }),
            ),
          );
          continue;
        }
        const fires = Object.values(starter.eventPatterns).some((pattern) => matchesEventPattern(pattern as Record<string, unknown>, delivery.event));
        if (fires) starterResults.push(await invoke(deployment.functionArn(starter.logicalId), delivery.event, 'eventbridge'));
      }
      const run = executions.pending().map((execution) =>
        runExecution(definition, execution, (arn, input) => invoke(arn, input, 'state-machine'), sandbox.clock, () => undefined),
      );
      finished.push(...(await Promise.all(run)));
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
  return { deployment, calls, invocations, executions: finished, starterResults, taskResults };
}
