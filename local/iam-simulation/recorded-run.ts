/**
 * Running the real handlers the way the local run does (`local/run.ts`): the template's EventBridge patterns decide
 * delivery, the starter runs, the template's state machine runs with the real handlers, all against the AWS sandbox
 * and the local Datadog server; every AWS command each handler sends is recorded with the action and resource it needs.
 *
 * Unlike the local run, every execution role of the template carries the policies `template.yaml` gives it (loaded by
 * {@link loadExecutionRolePolicies}), so the sandbox refuses a call the template does not allow, and each invocation
 * starts with no parameter provider, as a cold Lambda function would (the keys secret is read by two functions).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { DeleteAccessKeyCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { iamRegion } from '../../shared/aws/regions';
import { forgetSecrets } from '../../shared/aws/json-secret';
import { decideLifecycleEvent } from '../../shared/events/lifecycle-event';
import { accessKeySecretName } from '../../shared/onboarding/access-key-secret';
import { ROTATION_STEPS } from '../../shared/onboarding/rotate-access-key';
import { rotateAccessKeyInputSchema } from '../../shared/onboarding/step-inputs';
import type { Partition } from '../../shared/partitions';
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
  /**
   * `eventbridge`: a lifecycle event delivered by the template's rule; `state-machine`: a Task state;
   * `secretsmanager`: one step of a secret's rotation.
   */
  invokedBy: 'eventbridge' | 'state-machine' | 'secretsmanager';
}

/** An execution the state machine itself started (its `states:startExecution` integration), or tried to. */
export interface StateMachineStart {
  stateMachineArn: string;
  name: string;
}

/**
 * The local executions, telling apart those the state machine starts itself (a Task with the
 * `states:startExecution` integration) from those the starter or an operator starts.
 */
class RecordingExecutions extends LocalExecutions {
  readonly stateMachineStarts: StateMachineStart[] = [];
  private byOperator = false;

  constructor(
    stateMachineArn: string,
    private readonly sandbox: RecordingSandbox,
  ) {
    super(stateMachineArn);
  }

  /** Starts an execution as an operator does from the console. */
  startFromConsole(name: string, input: unknown): LocalExecution {
    this.byOperator = true;
    try {
      return this.start(name, input);
    } finally {
      this.byOperator = false;
    }
  }

  /** Records an execution; one started outside any function's invocation and not by an operator is the state machine's. */
  override start(name: string, input: unknown): LocalExecution {
    // An attempt on a name already taken needs the permission all the same.
    if (!this.byOperator && !this.sandbox.inRecordedInvocation()) this.stateMachineStarts.push({ stateMachineArn: this.stateMachineArn, name });
    return super.start(name, input);
  }
}

/** What a recorded run did. */
export interface RecordedOnboarding {
  deployment: SimulatedDeployment;
  /**
   * For each other partition a delivery reached: the IAM user of that partition whose access key the stack keeps in
   * its `<PartitionCredentialsSecretPrefix><partition>-credentials` secret, and the secret's ARN.
   */
  partitionCredentials: Partial<Record<Partition, { userArn: string; secretArn: string }>>;
  calls: AttributedCall[];
  invocations: RecordedInvocation[];
  /** The executions the state machine started itself. */
  stateMachineStarts: StateMachineStart[];
  /** The executions started (by the starter, an operator or the state machine), as they ended. */
  executions: LocalExecution[];
  /** What the starter answered to each delivered event. */
  starterResults: unknown[];
  /** How each Task delivered on its own ended: its output, or the name of its error. */
  taskResults: { task: string; output?: unknown; error?: string }[];
  /** How each rotation ended: the steps that ran, and the name of the error that stopped it, if one did. */
  rotationResults: { accountId: string; secretArn: string; steps: string[]; error?: string }[];
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
 * Something that happens in a recorded run: a lifecycle event for EventBridge, an operator's console input (an
 * execution named `name`, optionally for an account of another partition), one Task of the state machine invoked on
 * its own with the input the state machine would give it (a step that meets a situation a whole run does not easily
 * reach), a rotation of a member account's key secret as Secrets Manager runs it (the rotation function invoked
 * with createSecret, setSecret, testSecret, finishSecret; the secret must exist, stored by an earlier onboarding), or
 * a change made to the sandbox by someone other than the tool (`change` says what, for the reader).
 */
export type Delivery =
  | { event: unknown }
  | { console: { accountId: string; memberAccessRoleName?: string; partition?: Partition }; name: string }
  | { task: string; input: { target: { accountId: string; memberAccessRoleName: string; partition?: Partition } } & Record<string, unknown> }
  | { rotation: { accountId: string } }
  | { change: string; apply: (sandbox: RecordingSandbox, deployment: SimulatedDeployment) => void | Promise<void> };

/** The logical id of the function Secrets Manager invokes to rotate the key secrets. */
const ROTATION_FUNCTION = 'RotateAccessKeyFunction';

/**
 * Someone other than the tool deletes every access key of an IAM user in a member account (a key-rotation policy, an
 * operator), acting as the member access role there.
 *
 * @throws Error (when the change is applied) when the user has no key to delete: the scenario would test nothing.
 */
export function accessKeysDeleted(member: { accountId: string; partition: Partition; accessRole: string }, userName: string): Delivery {
  return {
    change: `the access keys of ${userName} are deleted in ${member.accountId}`,
    apply: (sandbox) =>
      sandbox.unrecorded(`arn:${member.partition}:iam::${member.accountId}:role/${member.accessRole}`, async () => {
        const iam = new IAMClient({ region: iamRegion(member.partition) });
        const { AccessKeyMetadata } = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
        if (!AccessKeyMetadata?.length) throw new Error(`accessKeysDeleted: ${userName} has no access key in ${member.accountId}`);
        for (const key of AccessKeyMetadata) await iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: key.AccessKeyId }));
      }),
  };
}

/** A member account a delivery onboards: its partition, and the access role it is reached through. */
interface Member {
  accountId: string;
  accountName?: string;
  partition: Partition;
  accessRole: string;
}

/** The member account a delivery onboards and the access role it is reached through, if it onboards one. */
function memberOf(template: Template, deployment: SimulatedDeployment, delivery: Delivery): Member | undefined {
  const defaultOf = (parameter: string) => deployment.resolution.parameters?.[parameter] ?? String(template.Parameters[parameter].Default);
  if ('change' in delivery || 'rotation' in delivery) return undefined;
  if ('console' in delivery) {
    const { accountId, memberAccessRoleName, partition } = delivery.console;
    return { accountId, partition: partition ?? deployment.partition, accessRole: memberAccessRoleName ?? defaultOf('MemberAccessRoleName') };
  }
  if ('task' in delivery) {
    const { accountId, memberAccessRoleName, partition } = delivery.input.target;
    return { accountId, partition: partition ?? deployment.partition, accessRole: memberAccessRoleName };
  }
  const decision = decideLifecycleEvent(delivery.event);
  if (decision.action !== 'onboard') return undefined;
  const parameter = decision.trigger.source === 'aws.controltower' ? 'ControlTowerAccessRoleName' : 'MemberAccessRoleName';
  return { accountId: decision.accountId, accountName: decision.context.accountName, partition: decision.partition, accessRole: defaultOf(parameter) };
}

/**
 * The account of another partition whose IAM user's access key the stack keeps for that partition (no role can be
 * assumed across partitions: shared/aws/partition-credentials.ts). 222233334444 is the local run's GovCloud one.
 */
export const PARTITION_MANAGEMENT_ACCOUNT: Record<Partition, string> = { 'aws-us-gov': '222233334444', aws: '222233335555', 'aws-cn': '222233336666' };
/** Name of that IAM user. */
const PARTITION_USER_NAME = 'datadog-onboarding';

/**
 * Seeds another partition's account, its IAM user and that user's access key in the stack's secret
 * `<PartitionCredentialsSecretPrefix><partition>-credentials`. The user may assume the two member access roles and the
 * Datadog role (the validator acts as this user there), nothing else.
 */
function seedPartitionCredentials(
  sandbox: RecordingSandbox,
  template: Template,
  deployment: SimulatedDeployment,
  partition: Partition,
): { userArn: string; secretArn: string } {
  const parameter = (name: string) => deployment.resolution.parameters?.[name] ?? String(template.Parameters[name].Default);
  const accountId = PARTITION_MANAGEMENT_ACCOUNT[partition];
  sandbox.addAccount(accountId, { name: `${partition} management`, partition });
  const roles = ['MemberAccessRoleName', 'ControlTowerAccessRoleName', 'DatadogRoleName'].map((name) => `arn:${partition}:iam::*:role/${parameter(name)}`);
  const policyArn = sandbox.putPolicy(accountId, 'AssumeMemberAccessAndDatadogRoles', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roles }],
  });
  const userArn = sandbox.putUser(accountId, PARTITION_USER_NAME, { attachedPolicyArns: [policyArn] });
  const key = sandbox.putAccessKey(accountId, PARTITION_USER_NAME);
  const secretArn = sandbox.putSecret(`${parameter('PartitionCredentialsSecretPrefix')}${partition}-credentials`, JSON.stringify(key), {
    accountId: deployment.names.accountId,
    region: deployment.names.region,
  });
  return { userArn, secretArn };
}

/**
 * A CreateGovCloudAccount request as Organizations reports it once it SUCCEEDED: the commercial account (in the
 * stack's partition) and its GovCloud twin, both created with the access role `roleName` (default the template's
 * MemberAccessRoleName).
 */
export interface AccountRequest {
  id: string;
  accountId: string;
  govCloudAccountId: string;
  roleName?: string;
}

/** The member accounts a request created. */
function requestedMembers(template: Template, deployment: SimulatedDeployment, request: AccountRequest): Member[] {
  const accessRole = request.roleName ?? deployment.resolution.parameters?.MemberAccessRoleName ?? String(template.Parameters.MemberAccessRoleName.Default);
  return [
    { accountId: request.accountId, partition: deployment.partition, accessRole },
    { accountId: request.govCloudAccountId, partition: 'aws-us-gov', accessRole },
  ];
}

/**
 * Seeds the member account of each delivery, with the access role the automation reaches it through, unless the
 * account is to be unreachable: trusting the stack's account, as Organizations and Control Tower create it, or, in
 * another partition, that partition's account whose user's key the stack keeps (seeded too).
 *
 * @returns the credentials seeded for other partitions.
 */
function seedMemberAccounts(
  sandbox: RecordingSandbox,
  template: Template,
  deployment: SimulatedDeployment,
  members: Member[],
  unreachable: string[],
): RecordedOnboarding['partitionCredentials'] {
  const credentials: RecordedOnboarding['partitionCredentials'] = {};
  for (const member of members) {
    const foreign = member.partition !== deployment.partition;
    if (foreign && !credentials[member.partition]) credentials[member.partition] = seedPartitionCredentials(sandbox, template, deployment, member.partition);
    if (!(member.accountId in sandbox.dump().accounts)) sandbox.addAccount(member.accountId, { name: member.accountName, partition: member.partition });
    if (unreachable.includes(member.accountId)) continue;
    const trusted = foreign ? PARTITION_MANAGEMENT_ACCOUNT[member.partition] : deployment.names.accountId;
    sandbox.putRole(member.accountId, member.accessRole, {
      trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:${member.partition}:iam::${trusted}:root` }, Action: 'sts:AssumeRole' }] },
      attachedPolicyArns: [`arn:${member.partition}:iam::aws:policy/AdministratorAccess`],
    });
  }
  return credentials;
}

/**
 * Delivers lifecycle events to the template's starter (when its EventBridge rule matches) and console inputs to the
 * state machine, and runs the executions started, recording every AWS command of every handler.
 *
 * @param options.deliveries - batches: each batch is delivered in order, then the executions it started run
 *   concurrently to their end (so one event twice in a batch is a duplicate delivery while the first runs, and two
 *   console inputs of one account in a batch are concurrent onboardings of that account). A member account of
 *   another partition is reached with that partition's seeded credentials, as in the local run.
 *   The executions the state machine starts itself run too, after those of the batch.
 * @param options.unreachableAccounts - member accounts seeded without their access role.
 * @param options.accountRequests - CreateGovCloudAccount requests Organizations reports as SUCCEEDED, their accounts
 *   seeded.
 * @param options.parameters - template parameter values overriding the defaults.
 */
export async function recordOnboarding(options: {
  partition: SimulatedPartition;
  deliveries: Delivery[][];
  unreachableAccounts?: string[];
  accountRequests?: AccountRequest[];
  parameters?: Record<string, string>;
}): Promise<RecordedOnboarding> {
  const template = loadTemplate();
  const keys = { apiKey: randomBytes(16).toString('hex'), appKey: randomBytes(20).toString('hex') };
  const probe = simulatedDeployment(template, options.partition, { parameters: options.parameters });
  const sandbox = new RecordingSandbox({ managementAccountId: probe.names.accountId, partition: options.partition, propagationSeconds: 10 });
  const secretArn = sandbox.putSecret('datadog-onboarding/datadog-keys', JSON.stringify(keys), { accountId: probe.names.accountId, region: probe.names.region });
  const deployment = simulatedDeployment(template, options.partition, { parameters: options.parameters, secretArn });
  seedExecutionRoles(sandbox, template, deployment);
  for (const request of options.accountRequests ?? []) {
    sandbox.addCreateAccountStatus({ id: request.id, state: 'SUCCEEDED', accountId: request.accountId, govCloudAccountId: request.govCloudAccountId });
  }
  const members = [
    ...options.deliveries.flat().flatMap((delivery) => memberOf(template, deployment, delivery) ?? []),
    ...(options.accountRequests ?? []).flatMap((request) => requestedMembers(template, deployment, request)),
  ];
  const partitionCredentials = seedMemberAccounts(sandbox, template, deployment, members, options.unreachableAccounts ?? []);

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

  const executions = new RecordingExecutions(deployment.stateMachineArn, sandbox);
  const definition = loadDefinition(template, deployment.resolution);
  const finished: LocalExecution[] = [];
  const starterResults: unknown[] = [];
  const taskResults: RecordedOnboarding['taskResults'] = [];
  const rotationResults: RecordedOnboarding['rotationResults'] = [];
  /**
   * Runs one rotation step as Secrets Manager invokes the rotation function, but through its plain step function
   * with a sleep on the sandbox's clock (the handler's own sleep would wait for IAM propagation in real time).
   */
  const rotationStep = (event: { SecretId: string; ClientRequestToken: string; Step: string }): Promise<void> => {
    const result = previous.then(() => {
      invocations.push({ logicalId: ROTATION_FUNCTION, functionArn: deployment.functionArn(ROTATION_FUNCTION), invokedBy: 'secretsmanager' });
      coldParameterProviders();
      if (!functions) throw new Error('recordOnboarding: invoked before the functions were set up');
      return functions.within(ROTATION_FUNCTION, async () => {
        // Loaded inside the function's environment, like a Lambda cold start (its logger reads the log level then).
        const { rotateAccessKeyStep } = await import('../../functions/rotate-access-key/index');
        await rotateAccessKeyStep(rotateAccessKeyInputSchema.parse(event), async (seconds) => sandbox.clock.advance(seconds));
      });
    });
    previous = result.catch(() => undefined);
    return result;
  };
  const rotate = async (accountId: string): Promise<void> => {
    const name = accessKeySecretName(accountId, deployment.resolution.parameters?.AccessKeySecretPrefix ?? String(template.Parameters.AccessKeySecretPrefix.Default));
    const secret = sandbox.toJSON().state.accounts[deployment.names.accountId]?.secrets.find((candidate) => candidate.name === name && candidate.region === deployment.names.region);
    if (!secret) throw new Error(`recordOnboarding: no key secret ${name} to rotate: onboard ${accountId} with an access key first`);
    // Secrets Manager invokes the function with the secret's ARN and a new version id as the token.
    const event = { SecretId: secret.arn, ClientRequestToken: randomUUID() };
    const outcome: RecordedOnboarding['rotationResults'][number] = { accountId, secretArn: secret.arn, steps: [] };
    rotationResults.push(outcome);
    for (const Step of ROTATION_STEPS) {
      try {
        await rotationStep({ ...event, Step });
        outcome.steps.push(Step);
      } catch (error) {
        outcome.error = (error as Error).name;
        return;
      }
    }
  };
  const datadog = await startLocalDatadog({ ...keys, site: deployment.datadogSite });
  try {
    functions = new LocalFunctions(template, deployment.names, deployment.resolution, sandbox, { ...baseEnvironment, DATADOG_API_URL: datadog.url });
    sandbox.install();
    executions.install();
    for (const batch of options.deliveries) {
      for (const delivery of batch) {
        if ('change' in delivery) {
          await delivery.apply(sandbox, deployment);
          continue;
        }
        if ('rotation' in delivery) {
          await rotate(delivery.rotation.accountId);
          continue;
        }
        if ('console' in delivery) {
          executions.startFromConsole(delivery.name, delivery.console);
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
      // What the batch started, then what those executions started, to the end.
      for (let pending = executions.pending(); pending.length > 0; pending = executions.pending()) {
        const run = pending.map((execution) =>
          runExecution(definition, execution, (arn, input) => invoke(arn, input, 'state-machine'), sandbox.clock, () => undefined, executions),
        );
        finished.push(...(await Promise.all(run)));
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
  return { deployment, partitionCredentials, calls, invocations, stateMachineStarts: executions.stateMachineStarts, executions: finished, starterResults, taskResults, rotationResults };
}
