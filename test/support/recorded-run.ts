/**
 * Recorded runs of the local deployment (call-recorder.ts) for the least-privilege proof. Unlike `npm start`, execution
 * roles carry the template's policies (`enforceFunctionPolicies`): the sandbox refuses a call the template does not allow.
 */
import {
  DeleteAccessKeyCommand,
  DetachRolePolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { deployLocally, LOCAL_KEYS_SECRET_NAME, LOCAL_STACK_NAME, runStateMachines, type LocalDeployment } from '../../local/deployment';
import { applyOrgFile, datadogAccountsOf, parseOrgFile, type OrgFile } from '../../local/org-file';
import { accessRolesOf, originOf, seedMemberAccount, seedPartitionCredentials, type MemberAccount } from '../../local/organization';
import { reconcileLocally, type LocalReconcileSummary } from '../../local/reconcile';
import type { OrganizationTree } from '../../local/sandbox';
import type { LocalExecution } from '../../local/step-functions';
import { eventTarget, loadTemplate } from '../../local/template';
import { iamRegion } from '../../shared/aws/regions';
import { decideLifecycleEvent } from '../../shared/events/lifecycle-event';
import { accessKeySecretName } from '../../shared/onboarding/access-key-secret';
import { executionArn } from '../../shared/onboarding/execution-name';
import type { Partition } from '../../shared/partitions';
import type { SettingsDocument } from '../../shared/settings/schema';
import { RecordingSandbox, type RecordedCall } from './call-recorder';
import { simulatedDeployment, STACK_ACCOUNT_ID, type SimulatedDeployment, type SimulatedPartition } from './simulated-deployment';

/** What any recorded run did: the calls of the functions' and state machines' roles, and their invocations. */
export interface RecordedRun {
  deployment: SimulatedDeployment;
  /** Per other partition reached: the IAM user whose key the stack keeps there, and its secret. */
  partitionCredentials: Partial<Record<Partition, { userArn: string; secretArn: string }>>;
  calls: RecordedCall[];
  /** The logical id of each function invocation, in order. */
  invocations: string[];
}

/** What a recorded run of deliveries did: executions as they ended, the starter's answers, how lone Tasks and rotations ended. */
export interface RecordedOnboarding extends RecordedRun {
  executions: LocalExecution[];
  starterResults: unknown[];
  taskResults: { task: string; output?: unknown; error?: string }[];
  rotationResults: { accountId: string; steps: string[]; error?: string }[];
}

/** What a recorded reconciliation scenario did, with each reconciliation's summary. */
export interface RecordedReconciliation extends RecordedRun {
  reconciliations: { name: string; summary: LocalReconcileSummary }[];
}

/** A change made by someone other than the tool; `local` is absent between reconciliations. */
interface Change {
  change: string;
  apply: (sandbox: RecordingSandbox, local?: LocalDeployment) => unknown;
}

/** A lifecycle event, a console input (execution `name`), a Task invoked alone, a rotation of a stored key secret, or a change. */
export type Delivery =
  | { event: unknown }
  | { console: { accountId: string; memberAccessRoleName?: string; partition?: Partition }; name: string }
  | {
      task: string;
      input: { target: { accountId: string; memberAccessRoleName: string; partition?: Partition } } & Record<string, unknown>;
    }
  | { rotation: { accountId: string } }
  | Change;

/** A member account, and the access role a change made there acts as. */
type Member = { accountId: string; partition: Partition; accessRole: string };

/** A change made in a member account as its access role, with IAM. */
function changeInMember(member: Member, change: string, act: (iam: IAMClient) => Promise<unknown>): Change {
  const role = `arn:${member.partition}:iam::${member.accountId}:role/${member.accessRole}`;
  return { change, apply: (sandbox) => sandbox.unrecorded(role, () => act(new IAMClient({ region: iamRegion(member.partition) }))) };
}

/** Someone else deletes every access key of an IAM user in a member account. @throws Error (when applied) if it has none. */
export function accessKeysDeleted(member: Member, userName: string): Change {
  return changeInMember(member, `the access keys of ${userName} are deleted in ${member.accountId}`, async (iam) => {
    const { AccessKeyMetadata } = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
    if (!AccessKeyMetadata?.length) throw new Error(`accessKeysDeleted: ${userName} has no access key in ${member.accountId}`);
    for (const key of AccessKeyMetadata) await iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: key.AccessKeyId }));
  });
}

/** Someone detaches a policy from a member account's role (drift). @throws Error (when applied) if it is not attached. */
export function integrationPolicyDetached(member: Member, roleName: string, policyName: string): Change {
  return changeInMember(member, `the policy ${policyName} is detached from ${roleName} in ${member.accountId}`, async (iam) => {
    const { AttachedPolicies } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
    const policy = AttachedPolicies?.find((attached) => attached.PolicyName === policyName);
    if (!policy) throw new Error(`integrationPolicyDetached: ${policyName} is not attached to ${roleName} in ${member.accountId}`);
    await iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policy.PolicyArn }));
  });
}

/** Someone makes a member account's access role trust only its own account: the stack can no longer reach it. */
export function accessRoleDistrusted({ accountId, accessRole }: Member): Change {
  return {
    change: `the access role ${accessRole} of ${accountId} no longer trusts the stack`,
    apply: (sandbox) => sandbox.createAccessRole(accountId, accessRole, accountId),
  };
}

/** An execution of the account was stopped outright (no Catch ran): its lease is left, held by an execution that no longer runs. */
export function leaseLeftByStoppedExecution(accountId: string, executionName: string): Change {
  return {
    change: `an execution of ${accountId} was stopped and left its lease`,
    apply: async (_sandbox, local) => {
      if (!local) throw new Error('leaseLeftByStoppedExecution: a change for recordOnboarding');
      await DynamoDBDocumentClient.from(new DynamoDBClient({})).send(
        new UpdateCommand({
          TableName: local.accountsTableName,
          Key: { accountId },
          UpdateExpression: 'SET leaseHolder = :holder, leaseExpiresAt = :expires',
          ExpressionAttributeValues: {
            ':holder': executionArn(String(local.resolution.resources.OnboardingStateMachine), executionName),
            ':expires': Math.floor(Date.now() / 1000) + 3_600,
          },
        }),
      );
    },
  };
}

/** The member account a delivery onboards, with the access roles it has, if it onboards one. */
function memberOf(stack: LocalDeployment, partition: Partition, delivery: Delivery): MemberAccount | undefined {
  if ('console' in delivery || 'task' in delivery) {
    const { accountId, memberAccessRoleName, partition: own = partition } = 'task' in delivery ? delivery.input.target : delivery.console;
    return { accountId, partition: own, accessRoleNames: [memberAccessRoleName ?? stack.parameter('MemberAccessRoleName')] };
  }
  if (!('event' in delivery)) return undefined;
  const decision = decideLifecycleEvent(delivery.event);
  if (decision.action !== 'onboard') return undefined;
  const accessRoleNames = accessRolesOf(stack, originOf(decision.trigger));
  return { accountId: decision.accountId, accountName: decision.context.accountName, partition: decision.partition, accessRoleNames };
}

/**
 * Delivers each batch of `deliveries` in order, runs the executions it started concurrently to their end (one function
 * invocation at a time) and records every call. Member accounts are seeded with every access role the deliveries use,
 * except `unreachableAccounts`; `accountRequests` are CreateGovCloudAccount requests Organizations reports SUCCEEDED.
 * @throws Error when two recorded invocations overlapped.
 */
export async function recordOnboarding(options: {
  partition: SimulatedPartition;
  deliveries: Delivery[][];
  unreachableAccounts?: string[];
  accountRequests?: { id: string; accountId: string; govCloudAccountId: string }[];
  parameters?: Record<string, string>;
  organization?: OrganizationTree;
  settingsDocument?: SettingsDocument;
}): Promise<RecordedOnboarding> {
  const { partition, parameters, settingsDocument } = options;
  const template = loadTemplate();
  const { names, datadogSite } = simulatedDeployment(template, partition, { parameters });
  const sandbox = new RecordingSandbox({ managementAccountId: names.accountId, partition, propagationSeconds: 10 });
  const local = await deployLocally({ sandbox, names, template, parameters, datadogSite, settingsDocument, enforceFunctionPolicies: true });
  const deployment = simulatedDeployment(template, partition, { parameters, secretArn: local.parameter('DatadogKeysSecretArn') });

  const accessRoleNames = [local.parameter('MemberAccessRoleName')];
  const members = options.deliveries.flat().flatMap((delivery) => memberOf(local, partition, delivery) ?? []);
  for (const { id, accountId, govCloudAccountId } of options.accountRequests ?? []) {
    sandbox.addCreateAccountStatus({ id, state: 'SUCCEEDED', accountId, govCloudAccountId });
    members.push({ accountId, partition, accessRoleNames }, { accountId: govCloudAccountId, partition: 'aws-us-gov', accessRoleNames });
  }
  for (const accountId of new Set(members.map((member) => member.accountId))) {
    const its = members.filter((member) => member.accountId === accountId);
    const roles = options.unreachableAccounts?.includes(accountId) ? [] : [...new Set(its.flatMap((member) => member.accessRoleNames))];
    seedMemberAccount(sandbox, local, { ...(Object.assign({}, ...its) as MemberAccount), accessRoleNames: roles });
  }
  const foreign = new Set(members.map((member) => member.partition).filter((other) => other !== partition));
  const partitionCredentials = Object.fromEntries([...foreign].map((other) => [other, seedPartitionCredentials(sandbox, local, other)]));
  if (options.organization) sandbox.applyOrganization(options.organization);

  // One invocation at a time, even when executions run concurrently: the recorder reads each one's calls apart.
  let previous: Promise<unknown> = Promise.resolve();
  const serially = <T>(run: () => Promise<T>): Promise<T> => {
    const result = previous.then(run);
    previous = result.catch(() => undefined);
    return result;
  };
  const invoke = (functionArn: string, input: unknown) => serially(() => local.functions.invoke(functionArn, input));
  const results: Omit<RecordedOnboarding, keyof RecordedRun> = { executions: [], starterResults: [], taskResults: [], rotationResults: [] };
  const rotate = async (accountId: string): Promise<void> => {
    const name = accessKeySecretName(accountId, local.parameter('AccessKeySecretPrefix'));
    const secretArn = sandbox.secretArn(names.accountId, name, names.region);
    if (!secretArn) throw new Error(`recordOnboarding: no key secret ${name} to rotate: onboard ${accountId} with an access key first`);
    // Secrets Manager invokes the function with the secret's ARN.
    const { steps, error } = await local.rotate(secretArn, (_step, run) => serially(run));
    results.rotationResults.push({ accountId, steps, ...(error ? { error: error.name } : {}) });
  };
  await runStateMachines(
    local,
    async (run) => {
      for (const batch of options.deliveries) {
        for (const delivery of batch) {
          if ('change' in delivery) await delivery.apply(sandbox, local);
          else if ('rotation' in delivery) await rotate(delivery.rotation.accountId);
          else if ('console' in delivery) run.onboarding.start(delivery.name, delivery.console);
          else if ('task' in delivery) {
            const { task, input } = delivery;
            const settled = invoke(deployment.functionArn(task), input).then(
              (output) => ({ output }),
              (error: Error) => ({ error: error.name }),
            );
            results.taskResults.push({ task, ...(await settled) });
          } else {
            const target = eventTarget(template, delivery.event);
            if (target) results.starterResults.push(await invoke(deployment.functionArn(target.logicalId), delivery.event));
          }
        }
        // What the batch started, then what those executions started, to the end.
        for (let pending = run.onboarding.pending(); pending.length > 0; pending = run.onboarding.pending())
          results.executions.push(...(await Promise.all(pending.map((execution) => run.execute(execution, { invoke })))));
      }
    },
    { onIntegration: sandbox.stateMachineCalls(deployment.resolution) },
  );
  return { deployment, partitionCredentials, ...sandbox.recorded(), ...results };
}

/**
 * Runs reconciliations and changes on one organization (as in an `--org` file; stack in {@link STACK_ACCOUNT_ID}) and
 * records every call. Each reconciliation deploys anew with what the previous one left; `ReconcileMaxConcurrency` 1
 * keeps one function running at a time, so the recorder reads each one's calls apart.
 * @throws Error when two recorded invocations overlapped.
 */
export async function recordReconciliation(options: {
  partition: SimulatedPartition;
  organization: Partial<Omit<OrgFile, 'managementAccountId'>>;
  steps: ({ reconcile: string; dryRun?: boolean } | Change)[];
  parameters?: Record<string, string>;
}): Promise<RecordedReconciliation> {
  const template = loadTemplate();
  const site = simulatedDeployment(template, options.partition).datadogSite;
  const parameters = { DatadogSite: site, ...options.parameters, ReconcileMaxConcurrency: '1' };
  const sandbox = new RecordingSandbox({ managementAccountId: STACK_ACCOUNT_ID, partition: options.partition, propagationSeconds: 10 });
  const org = parseOrgFile({ managementAccountId: STACK_ACCOUNT_ID, ...options.organization });
  const defaultAccessRoleName = String(template.Parameters.MemberAccessRoleName.Default);
  applyOrgFile(sandbox, org, { managementAccountId: STACK_ACCOUNT_ID, defaultAccessRoleName });
  let datadogAccounts = datadogAccountsOf(org);
  let accountRecords: Record<string, unknown>[] | undefined;
  const { resolution } = simulatedDeployment(template, options.partition, { stackName: LOCAL_STACK_NAME, parameters });
  const onIntegration = sandbox.stateMachineCalls(resolution);
  const reconciliations: RecordedReconciliation['reconciliations'] = [];
  for (const step of options.steps) {
    if ('change' in step) {
      // Between reconciliations the sandbox is not installed (each one installs it for its run).
      sandbox.install();
      await Promise.resolve(step.apply(sandbox)).finally(() => sandbox.restore());
      continue;
    }
    const summary = await reconcileLocally({
      sandbox,
      datadogAccounts,
      accountRecords,
      parameters,
      dryRun: step.dryRun,
      onIntegration,
      enforceFunctionPolicies: true,
    });
    reconciliations.push({ name: step.reconcile, summary });
    ({ datadogAccounts, accountRecords } = summary);
  }
  // The keys secret every deployment of the scenario stored (the same one: the sandbox keeps it).
  const secretArn = sandbox.secretArn(STACK_ACCOUNT_ID, LOCAL_KEYS_SECRET_NAME, iamRegion(options.partition));
  return {
    deployment: simulatedDeployment(template, options.partition, { stackName: LOCAL_STACK_NAME, parameters, secretArn }),
    partitionCredentials: {},
    ...sandbox.recorded(),
    reconciliations,
  };
}
