/**
 * Running the real handlers of the local deployment (local/deployment.ts) through scripted deliveries: the template's
 * EventBridge patterns decide delivery, the starter runs, the template's state machine runs with the real handlers,
 * all against the AWS sandbox and the local Datadog server; every AWS command each handler sends is recorded with the
 * action and resource it needs. Unlike `npm start`, every execution role carries the policies `template.yaml` gives
 * it (`enforceFunctionPolicies`), so the sandbox refuses a call the template does not allow.
 */
import { DeleteAccessKeyCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { deployLocally, runStateMachines, type LocalDeployment } from '../../local/deployment';
import { accessRolesOf, originOf, seedMemberAccount, seedPartitionCredentials, type MemberAccount } from '../../local/organization';
import type { OrganizationTree } from '../../local/sandbox';
import { LocalExecutions, type LocalExecution, type TaskInvoker } from '../../local/step-functions';
import { eventTarget, loadTemplate, templateFunctions } from '../../local/template';
import { iamRegion } from '../../shared/aws/regions';
import { decideLifecycleEvent } from '../../shared/events/lifecycle-event';
import { accessKeySecretName } from '../../shared/onboarding/access-key-secret';
import type { Partition } from '../../shared/partitions';
import type { SettingsDocument } from '../../shared/settings/schema';
import { RecordingSandbox, type RecordedCall } from './call-recorder';
import { simulatedDeployment, type SimulatedDeployment, type SimulatedPartition } from './simulated-deployment';

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
    if (!this.byOperator && !this.sandbox.inRecordedInvocation())
      this.stateMachineStarts.push({ stateMachineArn: this.stateMachineArn, name });
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
  | {
      task: string;
      input: { target: { accountId: string; memberAccessRoleName: string; partition?: Partition } } & Record<string, unknown>;
    }
  | { rotation: { accountId: string } }
  | {
      change: string;
      apply: (sandbox: RecordingSandbox, deployment: SimulatedDeployment, local: LocalDeployment) => void | Promise<void>;
    };

/** The logical id of the function Secrets Manager invokes to rotate the key secrets. */
const ROTATION_FUNCTION = 'RotateAccessKeyFunction';
/** The local DynamoDB, as someone other than the tool writes to it. */
const tableDocuments = DynamoDBDocumentClient.from(new DynamoDBClient({}));

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
        for (const key of AccessKeyMetadata)
          await iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: key.AccessKeyId }));
      }),
  };
}

/**
 * An execution of the account was stopped outright (StopExecution, a time-out): no Catch ran, so its lease is left in
 * the accounts table, held by an execution that no longer runs.
 */
export function leaseLeftByStoppedExecution(accountId: string, executionName: string): Delivery {
  return {
    change: `an execution of ${accountId} was stopped and left its lease`,
    apply: async (_sandbox, deployment, local) => {
      const holder = `${deployment.stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
      await tableDocuments.send(
        new UpdateCommand({
          TableName: local.accountsTableName,
          Key: { accountId },
          UpdateExpression: 'SET leaseHolder = :holder, leaseExpiresAt = :expires',
          ExpressionAttributeValues: { ':holder': holder, ':expires': Math.floor(Date.now() / 1000) + 3_600 },
        }),
      );
    },
  };
}

/** The member account a delivery onboards, with the access roles it has, if it onboards one. */
function memberOf(stack: LocalDeployment, partition: Partition, delivery: Delivery): MemberAccount | undefined {
  if ('change' in delivery || 'rotation' in delivery) return undefined;
  if ('console' in delivery) {
    const { accountId, memberAccessRoleName } = delivery.console;
    return {
      accountId,
      partition: delivery.console.partition ?? partition,
      accessRoleNames: [memberAccessRoleName ?? stack.parameter('MemberAccessRoleName')],
    };
  }
  if ('task' in delivery) {
    const { accountId, memberAccessRoleName } = delivery.input.target;
    return { accountId, partition: delivery.input.target.partition ?? partition, accessRoleNames: [memberAccessRoleName] };
  }
  const decision = decideLifecycleEvent(delivery.event);
  if (decision.action !== 'onboard') return undefined;
  const accessRoleNames = accessRolesOf(stack, originOf(decision.trigger));
  return { accountId: decision.accountId, accountName: decision.context.accountName, partition: decision.partition, accessRoleNames };
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
function requestedMembers(stack: LocalDeployment, partition: Partition, request: AccountRequest): MemberAccount[] {
  const accessRoleNames = [request.roleName ?? stack.parameter('MemberAccessRoleName')];
  return [
    { accountId: request.accountId, partition, accessRoleNames },
    { accountId: request.govCloudAccountId, partition: 'aws-us-gov', accessRoleNames },
  ];
}

/**
 * Seeds the member account of each delivery with every access role the deliveries reach it through (none for an
 * account to be unreachable).
 *
 * @returns the credentials the stack keeps for each other partition a member account is in.
 */
function seedMembers(
  sandbox: RecordingSandbox,
  stack: LocalDeployment,
  members: MemberAccount[],
  unreachable: string[],
): RecordedOnboarding['partitionCredentials'] {
  const byAccount = new Map<string, MemberAccount>();
  for (const member of members) {
    const roles = [...(byAccount.get(member.accountId)?.accessRoleNames ?? []), ...member.accessRoleNames];
    byAccount.set(member.accountId, {
      ...byAccount.get(member.accountId),
      ...member,
      accessRoleNames: unreachable.includes(member.accountId) ? [] : [...new Set(roles)],
    });
  }
  for (const member of byAccount.values()) seedMemberAccount(sandbox, stack, member);
  const foreign = new Set(members.map((member) => member.partition).filter((partition) => partition !== stack.names.partition));
  return Object.fromEntries([...foreign].map((partition) => [partition, seedPartitionCredentials(sandbox, stack, partition)]));
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
  /** Where accounts sit in the organization (OUs, parents), applied once the members are seeded. */
  organization?: OrganizationTree;
  /** A settings document instead of the shipped one (`--settings`). */
  settingsDocument?: SettingsDocument;
}): Promise<RecordedOnboarding> {
  const template = loadTemplate();
  const { names, datadogSite } = simulatedDeployment(template, options.partition, { parameters: options.parameters });
  const sandbox = new RecordingSandbox({ managementAccountId: names.accountId, partition: options.partition, propagationSeconds: 10 });
  for (const request of options.accountRequests ?? []) {
    sandbox.addCreateAccountStatus({
      id: request.id,
      state: 'SUCCEEDED',
      accountId: request.accountId,
      govCloudAccountId: request.govCloudAccountId,
    });
  }
  const local = await deployLocally({
    sandbox,
    names,
    template,
    parameters: options.parameters,
    datadogSite,
    enforceFunctionPolicies: true,
    settingsDocument: options.settingsDocument,
  });
  const deployment = simulatedDeployment(template, options.partition, {
    parameters: options.parameters,
    secretArn: local.parameter('DatadogKeysSecretArn'),
  });
  const members = [
    ...options.deliveries.flat().flatMap((delivery) => memberOf(local, options.partition, delivery) ?? []),
    ...(options.accountRequests ?? []).flatMap((request) => requestedMembers(local, options.partition, request)),
  ];
  const partitionCredentials = seedMembers(sandbox, local, members, options.unreachableAccounts ?? []);
  if (options.organization) sandbox.applyOrganization(options.organization);

  const logicalIdOf = new Map(templateFunctions(template).map((fn) => [deployment.functionArn(fn.logicalId), fn.logicalId]));

  const invocations: RecordedInvocation[] = [];
  // One invocation at a time, even when executions run concurrently: a local function swaps process.env while it runs.
  let previous: Promise<unknown> = Promise.resolve();
  const serially = <T>(invocation: RecordedInvocation, run: () => Promise<T>): Promise<T> => {
    const result = previous.then(() => {
      invocations.push(invocation);
      return run();
    });
    previous = result.catch(() => undefined);
    return result;
  };
  const invoke = (functionArn: string, input: unknown, invokedBy: RecordedInvocation['invokedBy']): Promise<unknown> => {
    const logicalId = logicalIdOf.get(functionArn);
    if (!logicalId) return Promise.reject(new Error(`no function of template.yaml has the ARN ${functionArn}`));
    return serially({ logicalId, functionArn, invokedBy }, () => local.functions.invoke(functionArn, input));
  };

  const executions = new RecordingExecutions(deployment.stateMachineArn, sandbox);
  const finished: LocalExecution[] = [];
  const starterResults: unknown[] = [];
  const taskResults: RecordedOnboarding['taskResults'] = [];
  const rotationResults: RecordedOnboarding['rotationResults'] = [];
  const rotation: RecordedInvocation = {
    logicalId: ROTATION_FUNCTION,
    functionArn: deployment.functionArn(ROTATION_FUNCTION),
    invokedBy: 'secretsmanager',
  };
  const rotate = async (accountId: string): Promise<void> => {
    const name = accessKeySecretName(accountId, local.parameter('AccessKeySecretPrefix'));
    const secret = sandbox
      .toJSON()
      .state.accounts[names.accountId]?.secrets.find((candidate) => candidate.name === name && candidate.region === names.region);
    if (!secret) throw new Error(`recordOnboarding: no key secret ${name} to rotate: onboard ${accountId} with an access key first`);
    // Secrets Manager invokes the function with the secret's ARN.
    const { steps, error } = await local.rotate(secret.arn, (_step, run) => serially(rotation, run));
    rotationResults.push({ accountId, secretArn: secret.arn, steps, ...(error ? { error: error.name } : {}) });
  };
  await runStateMachines(
    local,
    async (run) => {
      for (const batch of options.deliveries) {
        for (const delivery of batch) {
          if ('change' in delivery) {
            await delivery.apply(sandbox, deployment, local);
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
          const target = eventTarget(template, delivery.event);
          if (target) starterResults.push(await invoke(deployment.functionArn(target.logicalId), delivery.event, 'eventbridge'));
        }
        // What the batch started, then what those executions started, to the end.
        for (let pending = executions.pending(); pending.length > 0; pending = executions.pending()) {
          const invokeTask: TaskInvoker = (arn, input) => invoke(arn, input, 'state-machine');
          finished.push(...(await Promise.all(pending.map((execution) => run.execute(execution, { invoke: invokeTask })))));
        }
      }
    },
    { onboarding: executions },
  );

  // Each invocation ran as its function's role, whose session name is the function's name.
  const logicalIdOfSession = new Map(templateFunctions(template).map((fn) => [`${names.stackName}-${fn.logicalId}`, fn.logicalId]));
  const calls = sandbox.calls.map((call): AttributedCall => {
    const logicalId = logicalIdOfSession.get(call.principalArn.split('/').pop() ?? '');
    if (!logicalId) throw new Error(`a call was made as ${call.principalArn}, which is no function of template.yaml`);
    return { ...call, logicalId };
  });
  return {
    deployment,
    partitionCredentials,
    calls,
    invocations,
    stateMachineStarts: executions.stateMachineStarts,
    executions: finished,
    starterResults,
    taskResults,
    rotationResults,
  };
}
