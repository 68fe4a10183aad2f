/** The whole onboarding flow, locally: the template's EventBridge rules, the starter, the state machine and the real handlers. */
import type { DatadogAccountRecord } from './datadog/server';
import {
  deployLocally,
  LOCAL_STACK_NAME,
  meterRun,
  runStateMachines,
  sandboxNames,
  stackParameters,
  type LocalDeployment,
  type LocalDeploymentOptions,
  type RunUsage,
} from './deployment';
import type { LocalNames } from './functions';
import { accessRolesOf, originOf, seedMemberAccount, type MemberOrigin, type StackContext } from './organization';
import { AwsSandbox, VirtualClock, type SandboxDump } from './sandbox';
import type { LocalExecution, ProgressEvent, ProgressListener } from './step-functions';
import { eventTarget, loadTemplate, type Template } from './template';
import { decideLifecycleEvent } from '../shared/events/lifecycle-event';
import { executionInputSchema, type ExecutionInput } from '../shared/onboarding/execution-input';
import { partitionOfRegion, type Partition } from '../shared/partitions';
import { describeFirstIssue } from '../shared/validation';

/** Options of a local run; those it shares with the deployment are documented there. */
export interface LocalRunOptions extends Omit<LocalDeploymentOptions, 'sandbox' | 'names' | 'template'> {
  /** An EventBridge event, or a console replay input `{"accountId": "…", …}`. */
  input: unknown;
  /** Seconds IAM changes take to propagate in a new sandbox; default 10. */
  propagationSeconds?: number;
  /** Default: a new sandbox for the input's organization. */
  sandbox?: AwsSandbox;
  onProgress?: ProgressListener;
  /** A second delivery, arriving once the first execution has passed ResolveTarget (two events, one onboarding). */
  concurrentInput?: unknown;
}

/** The result of a local run: the `--json` document of `npm start`. */
export interface LocalRunSummary extends Pick<RunUsage, 'metrics' | 'datadogEvents'> {
  outcome: 'onboarded' | 'offboarded' | 'ignored' | 'rejected' | 'failed';
  accountId?: string;
  partition?: Partition;
  reason?: string;
  validationAttempts: number;
  /** Virtual seconds from the end of provisioning to the validation attempt that succeeded (IAM propagation, waits included). */
  validatedAfterSeconds?: number;
  authType?: 'role' | 'access_keys';
  memberAccessRoleName?: string;
  /** Role and external ID with role delegation, the access key's id with access keys (others `null`). */
  datadog?: { accountConfigId: string; roleName: string | null; externalId: string | null; accessKeyId?: string | null };
  executionName?: string;
  /** An offboarding's output: what was removed, and what was kept and why. */
  offboarding?: { registration: unknown; keySecret: unknown; memberResources: unknown };
  sandbox: SandboxDump;
  /** Registrations the embedded Datadog holds at the end (empty with `datadogUrl`). */
  datadogAccounts: DatadogAccountRecord[];
  calls: { mutating: RunUsage['mutating']; reads: Pick<RunUsage['reads'], 'dynamodb'> };
  datadogRequests: Pick<RunUsage['datadogRequests'], 'total' | 'throttled'>;
  /** The accounts table at the end (absent when nothing was deployed). */
  accountRecords?: Record<string, unknown>[];
  /** What the starter answered `concurrentInput` (`started` for a replay input). */
  concurrentDelivery?: { outcome: string; reason?: string; executionArn?: string };
  /** Each execution, when an event onboards several accounts (a GovCloud request) or a concurrent delivery started one. */
  onboardings?: Pick<LocalRunSummary, (typeof ONBOARDING_FIELDS)[number]>[];
}

/** What `onboardings` shows of each execution, in this order. */
const ONBOARDING_FIELDS = [
  'accountId',
  'partition',
  'outcome',
  'authType',
  'memberAccessRoleName',
  'validationAttempts',
  'validatedAfterSeconds',
  'datadog',
  'reason',
] as const;

/** Accounts a GovCloud request creates in the local run: the commercial one and its GovCloud twin. */
export const LOCAL_REQUESTED_ACCOUNTS = { commercial: '333344445555', govCloud: '777788889999' } as const;

function isEventBridgeEvent(input: unknown): input is { region?: unknown; account?: unknown; time?: unknown } {
  return input !== null && typeof input === 'object' && ('detail-type' in input || 'source' in input);
}

/** The region and account an event comes from, where it has well-formed ones. */
function eventOrigin(input: unknown): { region?: string; accountId?: string } {
  const event = isEventBridgeEvent(input) ? input : {};
  return {
    region: typeof event.region === 'string' && /^[a-z]{2}(-[a-z]+)+-\d$/.test(event.region) ? event.region : undefined,
    accountId: typeof event.account === 'string' && /^\d{12}$/.test(event.account) ? event.account : undefined,
  };
}

/** The stack's names: in the sandbox's management account if given, else the event's; in the event's region if in that partition. */
export function localNames(input: unknown, sandbox?: AwsSandbox): LocalNames {
  const origin = eventOrigin(input);
  const region = origin.region ?? 'us-east-1';
  if (sandbox) return sandboxNames(sandbox, partitionOfRegion(region) === sandbox.partition ? origin.region : undefined);
  return { partition: partitionOfRegion(region), region, accountId: origin.accountId ?? '111122223333', stackName: LOCAL_STACK_NAME };
}

/** Why an event cannot run in a saved sandbox (lifecycle events come from the management account), or `undefined`. */
function otherOrganization(input: unknown, sandbox: AwsSandbox): string | undefined {
  const { region, accountId = sandbox.managementAccountId } = eventOrigin(input);
  const partition = region === undefined ? sandbox.partition : partitionOfRegion(region);
  if (accountId === sandbox.managementAccountId && partition === sandbox.partition) return undefined;
  return (
    `the event comes from account ${accountId} (${partition}), but the saved organization is managed by ` +
    `${sandbox.managementAccountId} (${sandbox.partition}): use another state file for that organization`
  );
}

type Member = { accountId: string; partition: Partition; accountName?: string; origin: MemberOrigin };

/** The member accounts a delivery implies (none for input that does not fire). */
function membersOf(delivery: Delivery | { outcome: string }, names: LocalNames): Member[] {
  if ('replay' in delivery) {
    const { accountId, partition = names.partition as Partition } = delivery.replay;
    return [{ accountId, partition, origin: 'organizations' }];
  }
  const decision = 'decision' in delivery ? delivery.decision : undefined;
  if (decision?.action === 'offboard') {
    return [{ accountId: decision.accountId, partition: decision.partition, origin: originOf(decision.trigger) }];
  }
  if (decision?.action !== 'onboard') return [];
  const { accountId, partition, context, trigger, govCloudAccountId } = decision;
  const member: Member = { accountId, partition, accountName: context.accountName, origin: originOf(trigger) };
  return govCloudAccountId ? [member, { accountId: govCloudAccountId, partition: 'aws-us-gov', origin: 'organizations' }] : [member];
}

type ExecutionOutput = Partial<Omit<LocalRunSummary, 'outcome'> & NonNullable<LocalRunSummary['offboarding']>> & {
  outcome?: string;
  runningExecutionArn?: string;
};
type ExecutionResult = Partial<LocalRunSummary> & Pick<LocalRunSummary, 'outcome'>;

const VALIDATION_STATES = new Set(['ValidateRole', 'ValidateAccessKey']);
const PROVISIONING_STATES = new Set(['ProvisionRole', 'ProvisionAccessKey']);

/** The validation state's last entry and its retries (a failed execution has no output to count them). */
function validationAttemptsIn(execution: LocalExecution): number {
  const events = execution.events ?? [];
  const entered = events.findLastIndex((event) => event.type === 'StateEntered' && VALIDATION_STATES.has(event.state ?? ''));
  if (entered < 0) return 0;
  const state = events[entered].state;
  return 1 + events.slice(entered + 1).filter((event) => event.type === 'StateRetried' && event.state === state).length;
}

/** Virtual seconds from the last provisioning to the successful validation, from the events' clock; `undefined` if none. */
export function validatedAfterSecondsIn(events: readonly ProgressEvent[]): number | undefined {
  const exited = (states: Set<string>) => events.filter((event) => event.type === 'StateExited' && states.has(event.state ?? ''));
  const provisioned = exited(PROVISIONING_STATES).pop();
  const validated = exited(VALIDATION_STATES).find(
    (event) => (event.output as { validation?: { assumable?: unknown } } | undefined)?.validation?.assumable === true,
  );
  if (provisioned?.clockMs === undefined || validated?.clockMs === undefined) return undefined;
  return (validated.clockMs - provisioned.clockMs) / 1000;
}

/** What one execution came to, or `undefined` for a request execution (its onboardings report for it). */
function executionSummary(done: LocalExecution, names: LocalNames): ExecutionResult | undefined {
  const output = done.output as ExecutionOutput | undefined;
  const executionName = done.name;
  if (output?.outcome === 'requested') return undefined;
  if (output?.outcome === 'skipped') {
    const reason = output.runningExecutionArn ? `${output.reason}: ${output.runningExecutionArn}` : output.reason;
    return { outcome: 'ignored', accountId: output.accountId, reason, executionName };
  }
  if (done.status === 'SUCCEEDED' && output?.outcome === 'offboarded') {
    const { accountId, partition, reason, registration, keySecret, memberResources } = output;
    const offboarding = { registration, keySecret, memberResources };
    return { outcome: 'offboarded', accountId, partition, reason, offboarding, executionName };
  }
  // Input ResolveTarget refuses (or a replay of an account out of scope) is rejected input, as the CLI promises (exit 2).
  const rejected = done.status === 'FAILED' && (done.error === 'InvalidInputError' || done.error === 'AccountOutOfScopeError');
  const input = done.input as { accountId?: string; partition?: Partition };
  const datadog = output?.datadog;
  return {
    outcome: done.status === 'SUCCEEDED' ? 'onboarded' : rejected ? 'rejected' : 'failed',
    accountId: output?.accountId ?? input.accountId,
    partition: output?.partition ?? input.partition ?? (names.partition as Partition),
    reason: done.status === 'FAILED' ? `${done.error}: ${causeMessage(done.cause)}` : undefined,
    validationAttempts: output?.validationAttempts ?? validationAttemptsIn(done),
    validatedAfterSeconds: validatedAfterSecondsIn(done.events ?? []),
    authType: output?.authType,
    memberAccessRoleName: output?.memberAccessRoleName,
    datadog: datadog && {
      accountConfigId: datadog.accountConfigId,
      roleName: datadog.roleName,
      externalId: datadog.externalId,
      ...(output.authType === 'access_keys' ? { accessKeyId: datadog.accessKeyId } : {}),
    },
    executionName,
  };
}

/** A Lambda error cause is JSON `{"errorType","errorMessage",…}` on AWS and the plain message locally. */
function causeMessage(cause = ''): string {
  try {
    return (JSON.parse(cause) as { errorMessage?: string }).errorMessage ?? cause;
  } catch {
    return cause || 'no cause';
  }
}

/** A new sandbox for the input's organization (managed by the event's `account`); IAM propagation in seconds, default 10. */
export function newSandboxFor(input: unknown, propagationSeconds = 10): AwsSandbox {
  const names = localNames(input);
  return new AwsSandbox({
    managementAccountId: names.accountId,
    partition: names.partition as Partition,
    propagationSeconds,
    clock: new VirtualClock(lifecycleEventTime(input) ?? Date.now()),
  });
}

/** A lifecycle event's past `time` (epoch ms): the run plays it as delivered then, so TimeToOnboard ignores the sample's age. */
export function lifecycleEventTime(input: unknown): number | undefined {
  const ms = isEventBridgeEvent(input) && typeof input.time === 'string' ? Date.parse(input.time) : Number.NaN;
  return Number.isFinite(ms) && ms <= Date.now() ? ms : undefined;
}

type Started = NonNullable<LocalRunSummary['concurrentDelivery']>;

/** A lifecycle event a rule of the template delivers to a function, or a console replay input. */
type Delivery = { event: unknown; target: string; decision: ReturnType<typeof decideLifecycleEvent> } | { replay: ExecutionInput };

/** Classifies an input, or says why nothing fires for it. */
function deliveryOf(template: Template, input: unknown): Delivery | { outcome: 'ignored' | 'rejected'; reason: string } {
  if (isEventBridgeEvent(input)) {
    const decision = decideLifecycleEvent(input);
    const target = eventTarget(template, input);
    if (target) return { event: input, target: target.logicalId, decision };
    const why = 'reason' in decision ? decision.reason : 'not matched';
    return { outcome: 'ignored', reason: `no EventBridge rule of template.yaml matches this event (${why})` };
  }
  const parsed = executionInputSchema.safeParse(input);
  if (!parsed.success) return { outcome: 'rejected', reason: `execution input ${describeFirstIssue(parsed.error, '(top level)')}` };
  return { replay: parsed.data };
}

/** Seeds member accounts (Control Tower's first: seeding leaves an existing account as it is), a closure, a GovCloud request. */
function seedWorld(sandbox: AwsSandbox, stack: StackContext, deliveries: Delivery[]): void {
  const { names } = stack;
  const seed = (member: Member) => seedMemberAccount(sandbox, stack, { ...member, accessRoleNames: accessRolesOf(stack, member.origin) });
  const members = deliveries.flatMap((delivery) => membersOf(delivery, names));
  members.sort((a, b) => Number(a.origin === 'organizations') - Number(b.origin === 'organizations')).forEach(seed);
  const decision = 'decision' in deliveries[0] ? deliveries[0].decision : undefined;
  if (decision?.action === 'offboard' && decision.cause === 'closed') {
    // What Organizations shows once the closure was requested, and once it completed (Organizations API reference, CloseAccount).
    sandbox.setAccountState(decision.accountId, decision.trigger.eventName === 'CloseAccount' ? 'PENDING_CLOSURE' : 'SUSPENDED');
  }
  if (decision?.action === 'resolve-request' && !sandbox.hasAccount(LOCAL_REQUESTED_ACCOUNTS.commercial)) {
    const { commercial, govCloud } = LOCAL_REQUESTED_ACCOUNTS;
    sandbox.addCreateAccountStatus({ id: decision.requestId, state: 'SUCCEEDED', accountId: commercial, govCloudAccountId: govCloud });
    seed({ accountId: commercial, partition: names.partition as Partition, origin: 'organizations' });
    seed({ accountId: govCloud, partition: 'aws-us-gov', origin: 'organizations' });
  }
}

/** Runs a lifecycle event or a console replay through the whole flow; bad input ends `rejected`, never throws. */
export async function runLocally(options: LocalRunOptions): Promise<LocalRunSummary> {
  const template = loadTemplate();
  const sandbox = options.sandbox ?? newSandboxFor(options.input, options.propagationSeconds);
  const names = localNames(options.input, sandbox);
  const usage = meterRun(sandbox, false);
  let concurrentDelivery: Started | undefined;
  const summary = async (result: ExecutionResult, deployment?: LocalDeployment): Promise<LocalRunSummary> => {
    const { mutating, reads, datadogRequests, ...emitted } = usage(deployment);
    return {
      ...result,
      validationAttempts: result.validationAttempts ?? 0,
      sandbox: sandbox.dump(),
      datadogAccounts: deployment?.datadogAccounts() ?? options.datadogAccounts ?? [],
      calls: { mutating, reads: { dynamodb: reads.dynamodb } },
      datadogRequests: { total: datadogRequests.total, throttled: datadogRequests.throttled },
      ...emitted,
      ...(deployment ? { accountRecords: await deployment.accountRecords() } : {}),
      ...(concurrentDelivery ? { concurrentDelivery } : {}),
    };
  };

  const otherOrganizationReason = options.sandbox && otherOrganization(options.input, options.sandbox);
  if (otherOrganizationReason) return summary({ outcome: 'rejected', reason: otherOrganizationReason });
  const delivery = deliveryOf(template, options.input);
  if ('outcome' in delivery) return summary(delivery);
  // A saved sandbox's clock behind the event moves on to it; one ahead stays (time never runs back).
  const eventTime = lifecycleEventTime(options.input);
  if (eventTime !== undefined && eventTime > sandbox.clock.now()) sandbox.clock.advance((eventTime - sandbox.clock.now()) / 1000);
  const concurrent = options.concurrentInput === undefined ? undefined : deliveryOf(template, options.concurrentInput);
  const stack = { names, parameter: stackParameters(template, options.parameters) };
  seedWorld(sandbox, stack, concurrent && !('outcome' in concurrent) ? [delivery, concurrent] : [delivery]);
  const deployment = await deployLocally({ ...options, sandbox, template, names });
  const { functions } = deployment;
  return runStateMachines(
    deployment,
    async (run) => {
      const executions = run.onboarding;
      // Started by the starter for events, by the console for replay inputs.
      const start = async (what: Delivery): Promise<Started> => {
        if ('event' in what) return (await functions.invoke(functions.arnOf(what.target), what.event)) as Started;
        const name = `replay-${what.replay.accountId}-${Date.now()}`;
        const taken = executions.pending().some((execution) => execution.name === name);
        return { outcome: 'started', executionArn: executions.start(taken ? `${name}-2` : name, what.replay).executionArn };
      };
      const started = await start(delivery);
      if (started.outcome === 'ignored' || started.outcome === 'rejected') {
        return await summary({ outcome: started.outcome, reason: started.reason }, deployment);
      }
      // Executions run one after another; a concurrent delivery arrives once the first passed ResolveTarget, its execution then.
      const resolveTargetArn = functions.arnOf('ResolveTargetFunction');
      const results: ExecutionResult[] = [];
      const alongside: ExecutionResult[] = [];
      let awaiting = concurrent;
      const invoke = async (arn: string, input: unknown): Promise<unknown> => {
        if (awaiting !== undefined && arn !== resolveTargetArn) {
          const arriving = awaiting;
          awaiting = undefined;
          concurrentDelivery = 'outcome' in arriving ? arriving : await start(arriving);
          for (const execution of executions.pending()) {
            const result = executionSummary(await run.execute(execution), names);
            if (result) alongside.push(result);
          }
        }
        return functions.invoke(arn, input);
      };
      for (let execution = executions.pending()[0]; execution !== undefined; execution = executions.pending()[0]) {
        const result = executionSummary(await run.execute(execution, { invoke }), names);
        if (result) results.push(result);
        results.push(...alongside.splice(0));
      }
      if (results.length === 0) {
        const reason = 'an onboarding of this account is already running, or this event was handled before';
        return await summary({ outcome: 'ignored', reason, accountId: membersOf(delivery, names)[0]?.accountId }, deployment);
      }
      // Several executions: the run fails if any failed.
      const main = await summary(results.find((result) => result.outcome === 'failed') ?? results[0], deployment);
      if (results.length === 1) return main;
      const onboardings = results.map((result) => {
        const onboarding = { ...result, validationAttempts: result.validationAttempts ?? 0 };
        const fields = ONBOARDING_FIELDS.flatMap((field) => (onboarding[field] === undefined ? [] : [[field, onboarding[field]]]));
        return Object.fromEntries(fields) as NonNullable<LocalRunSummary['onboardings']>[number];
      });
      return { ...main, onboardings };
    },
    { onProgress: options.onProgress },
  );
}
