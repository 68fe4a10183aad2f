/**
 * The whole onboarding flow, locally, with no AWS and no Docker: the template's EventBridge patterns decide whether
 * an event fires; the starter runs; the template's state machine runs with the real handlers on the local deployment,
 * against the AWS sandbox and a Datadog API server on 127.0.0.1.
 */
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
import { accessRolesOf, originOf, seedMemberAccount, type MemberOrigin } from './organization';
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
  /** A sandbox to run in (tests seed partial states, `--state` loads one); default: a new one. */
  sandbox?: AwsSandbox;
  onProgress?: ProgressListener;
  /**
   * A second lifecycle event (or console replay input) delivered once the first execution has passed ResolveTarget;
   * what it starts runs then, to its end, as Step Functions would run it alongside. Shows that two deliveries for one
   * account (a CreateAccountResult and a CreateManagedAccount, an UpdateManagedAccount for an OU move) end in one onboarding.
   */
  concurrentInput?: unknown;
}

/** The result of a local run: the `--json` document of `npm start`. */
export interface LocalRunSummary {
  outcome: 'onboarded' | 'offboarded' | 'ignored' | 'rejected' | 'failed';
  accountId?: string;
  partition?: Partition;
  reason?: string;
  validationAttempts: number;
  /**
   * Virtual seconds from the end of provisioning (ProvisionRole, ProvisionAccessKey) to the validation attempt that
   * succeeded: how long IAM propagation held the onboarding up, waits included. Absent when no validation succeeded.
   */
  validatedAfterSeconds?: number;
  authType?: 'role' | 'access_keys';
  /** The member access role the automation reached the account through (the event's hint, or the alternate). */
  memberAccessRoleName?: string;
  /** The registration: role and external ID with role delegation, the access key's id with access keys (others `null`). */
  datadog?: { accountConfigId: string; roleName: string | null; externalId: string | null; accessKeyId?: string | null };
  executionName?: string;
  /** An offboarding: what was removed, and what was kept and why (the execution's output). */
  offboarding?: { registration: unknown; keySecret: unknown; memberResources: unknown };
  sandbox: SandboxDump;
  /** Registrations the embedded Datadog holds at the end (empty with `datadogUrl`). */
  datadogAccounts: DatadogAccountRecord[];
  /** Mutating calls per service (attempts included), and reads of the accounts table (see {@link RunUsage}). */
  calls: { mutating: RunUsage['mutating']; reads: Pick<RunUsage['reads'], 'dynamodb'> };
  /** Requests of the AWS integration API the embedded Datadog answered, and how many with 429; events are in `datadogEvents`. */
  datadogRequests: Pick<RunUsage['datadogRequests'], 'total' | 'throttled'>;
  metrics: RunUsage['metrics'];
  datadogEvents: RunUsage['datadogEvents'];
  /** The deployment's accounts table at the end (absent when nothing was deployed). */
  accountRecords?: Record<string, unknown>[];
  /** What became of `concurrentInput`: the starter's outcome (`already-running`…), or `started` for a replay input. */
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

const DEFAULT_MANAGEMENT_ACCOUNT = '111122223333';

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

/**
 * Names of the stack's resources in the local run: deployed in the management account of the sandbox's organization
 * when there is a sandbox, else in the event's account; in the event's region when it is in that partition.
 */
export function localNames(input: unknown, sandbox?: AwsSandbox): LocalNames {
  const origin = eventOrigin(input);
  const region = origin.region ?? 'us-east-1';
  if (sandbox) return sandboxNames(sandbox, partitionOfRegion(region) === sandbox.partition ? origin.region : undefined);
  const accountId = origin.accountId ?? DEFAULT_MANAGEMENT_ACCOUNT;
  return { partition: partitionOfRegion(region), region, accountId, stackName: LOCAL_STACK_NAME };
}

/**
 * Why an event cannot run in a saved sandbox, or `undefined`: it comes from another organization's management account
 * (or partition). Lifecycle events are emitted in the management account, so their account is the organization's.
 */
function otherOrganization(input: unknown, sandbox: AwsSandbox): string | undefined {
  const { region, accountId = sandbox.managementAccountId } = eventOrigin(input);
  const partition = region === undefined ? sandbox.partition : partitionOfRegion(region);
  if (accountId === sandbox.managementAccountId && partition === sandbox.partition) return undefined;
  return (
    `the event comes from account ${accountId} (${partition}), but the saved organization is managed by ` +
    `${sandbox.managementAccountId} (${sandbox.partition}): use another state file for that organization`
  );
}

/** A member account an input implies, and who created it. */
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

type ExecutionOutput = Partial<
  Pick<LocalRunSummary, 'reason' | 'accountId' | 'partition' | 'authType' | 'memberAccessRoleName' | 'validationAttempts' | 'datadog'>
> & { outcome?: string; registration?: unknown; keySecret?: unknown; memberResources?: unknown; runningExecutionArn?: string };
type ExecutionResult = Partial<LocalRunSummary> & Pick<LocalRunSummary, 'outcome'>;

/** The states that each make one validation attempt (of the role, or of the access key). */
const VALIDATION_STATES = new Set(['ValidateRole', 'ValidateAccessKey']);
/** The states that provision what validation then waits for. */
const PROVISIONING_STATES = new Set(['ProvisionRole', 'ProvisionAccessKey']);

/**
 * The validation attempts an execution made, from its events: the validation state's last entry and each of its
 * retries (a "not yet" is retried by the state's `Retry`; a failed execution has no output to say so).
 */
function validationAttemptsIn(execution: LocalExecution): number {
  const events = execution.events ?? [];
  const entered = events.findLastIndex((event) => event.type === 'StateEntered' && VALIDATION_STATES.has(event.state ?? ''));
  if (entered < 0) return 0;
  const state = events[entered].state;
  return 1 + events.slice(entered + 1).filter((event) => event.type === 'StateRetried' && event.state === state).length;
}

/**
 * Virtual seconds from the end of provisioning to the successful validation attempt, read from the execution's events
 * (each carries the sandbox's virtual time), or `undefined` when no attempt succeeded after a provisioning.
 */
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
  if (output?.outcome === 'requested') return undefined;
  if (output?.outcome === 'skipped') {
    // Out of scope (no running execution), or another execution of the account is running (named).
    const reason = output.runningExecutionArn ? `${output.reason}: ${output.runningExecutionArn}` : output.reason;
    return { outcome: 'ignored', accountId: output.accountId, reason, executionName: done.name };
  }
  if (done.status === 'SUCCEEDED' && output?.outcome === 'offboarded') {
    const { accountId, partition, reason, registration, keySecret, memberResources } = output;
    return {
      outcome: 'offboarded',
      accountId,
      partition,
      reason,
      offboarding: { registration, keySecret, memberResources },
      executionName: done.name,
    };
  }
  // Input ResolveTarget refuses is rejected input, as the CLI promises (exit 2): nothing was changed.
  // So is a console replay of an account out of scope.
  const rejected = done.status === 'FAILED' && (done.error === 'InvalidInputError' || done.error === 'AccountOutOfScopeError');
  const input = done.input as { accountId?: string; partition?: Partition };
  return {
    outcome: done.status === 'SUCCEEDED' ? 'onboarded' : rejected ? 'rejected' : 'failed',
    accountId: output?.accountId ?? input.accountId,
    partition: output?.partition ?? input.partition ?? (names.partition as Partition),
    reason: done.status === 'FAILED' ? `${done.error}: ${causeMessage(done.cause)}` : undefined,
    validationAttempts: output?.validationAttempts ?? validationAttemptsIn(done),
    validatedAfterSeconds: validatedAfterSecondsIn(done.events ?? []),
    authType: output?.authType,
    memberAccessRoleName: output?.memberAccessRoleName,
    datadog: output?.datadog && {
      accountConfigId: output.datadog.accountConfigId,
      roleName: output.datadog.roleName,
      externalId: output.datadog.externalId,
      ...(output.authType === 'access_keys' ? { accessKeyId: output.datadog.accessKeyId } : {}),
    },
    executionName: done.name,
  };
}

/** A Lambda error cause is JSON `{"errorType","errorMessage",…}` on AWS and the plain message locally. */
function causeMessage(cause: string | undefined): string {
  if (!cause) return 'no cause';
  try {
    return (JSON.parse(cause) as { errorMessage?: string }).errorMessage ?? cause;
  } catch {
    return cause;
  }
}

/**
 * A new sandbox for the organization an input implies: its management account is the event's `account`.
 *
 * @param propagationSeconds - seconds IAM changes take to propagate; default 10.
 */
export function newSandboxFor(input: unknown, propagationSeconds = 10): AwsSandbox {
  const names = localNames(input);
  return new AwsSandbox({
    managementAccountId: names.accountId,
    partition: names.partition as Partition,
    propagationSeconds,
    clock: new VirtualClock(lifecycleEventTime(input) ?? Date.now()),
  });
}

/**
 * A lifecycle event's `time` (epoch ms) when it is a date in the past, else `undefined` (a console replay, no or a bad
 * time, a time ahead of the real clock).
 *
 * The local run plays an event as if EventBridge delivered it at its `time`: a new sandbox's virtual clock starts
 * there, and a saved sandbox's clock behind it moves on to it. TimeToOnboard then measures the onboarding (seconds,
 * as in AWS where delivery takes seconds), not the age of a sample event written years ago.
 */
export function lifecycleEventTime(input: unknown, nowMs: number = Date.now()): number | undefined {
  const ms = isEventBridgeEvent(input) && typeof input.time === 'string' ? Date.parse(input.time) : Number.NaN;
  return Number.isFinite(ms) && ms <= nowMs ? ms : undefined;
}

/** What the starter answered a delivery, or `started` for a replay input. */
type Started = NonNullable<LocalRunSummary['concurrentDelivery']>;

/** An input as the local run takes it: a lifecycle event some rule of the template delivers to a function, or a console replay input. */
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

/**
 * Seeds the world a delivery implies: the organization's member accounts (Control Tower's first: it creates its
 * accounts through Organizations, so an account both kinds of event name is a Control Tower one, and seeding leaves an
 * account already there as it is), a closed account's state, a GovCloud request's accounts.
 */
function seedWorld(
  sandbox: AwsSandbox,
  template: Template,
  names: LocalNames,
  parameters: LocalRunOptions['parameters'],
  deliveries: Delivery[],
): void {
  const stack = { names, parameter: stackParameters(template, parameters) };
  const seed = (member: Member) => seedMemberAccount(sandbox, stack, { ...member, accessRoleNames: accessRolesOf(stack, member.origin) });
  const members = deliveries.flatMap((delivery) => membersOf(delivery, names));
  members.sort((a, b) => Number(a.origin === 'organizations') - Number(b.origin === 'organizations')).forEach(seed);
  const decision = 'decision' in deliveries[0] ? deliveries[0].decision : undefined;
  if (decision?.action === 'offboard' && decision.cause === 'closed') {
    // What Organizations shows once the closure was requested, and once it completed (Organizations API reference, CloseAccount).
    sandbox.setAccountState(decision.accountId, decision.trigger.eventName === 'CloseAccount' ? 'PENDING_CLOSURE' : 'SUSPENDED');
  }
  if (decision?.action === 'resolve-request' && sandbox.dump().accounts[LOCAL_REQUESTED_ACCOUNTS.commercial] === undefined) {
    const { commercial, govCloud } = LOCAL_REQUESTED_ACCOUNTS;
    sandbox.addCreateAccountStatus({ id: decision.requestId, state: 'SUCCEEDED', accountId: commercial, govCloudAccountId: govCloud });
    seed({ accountId: commercial, partition: names.partition as Partition, origin: 'organizations' });
    seed({ accountId: govCloud, partition: 'aws-us-gov', origin: 'organizations' });
  }
}

/**
 * Runs the input (a lifecycle event or a console replay) through the real pieces: the template's rules, the starter,
 * the state machine and its handlers, against the sandbox and the local Datadog. Never throws for bad input: it ends
 * `rejected`.
 *
 * @example
 * ```ts
 * const summary = await runLocally({ input: { accountId: '444455556666' }, propagationSeconds: 10 });
 * summary.outcome; // 'onboarded'
 * ```
 */
export async function runLocally(options: LocalRunOptions): Promise<LocalRunSummary> {
  const template = loadTemplate();
  const sandbox = options.sandbox ?? newSandboxFor(options.input, options.propagationSeconds);
  // The stack is deployed in the sandbox's organization (a saved one may be another's than the sample events').
  const names = localNames(options.input, sandbox);
  const usage = meterRun(sandbox, false);
  let concurrentDelivery: Started | undefined;
  const summary = async (result: ExecutionResult, deployment?: LocalDeployment): Promise<LocalRunSummary> => {
    const { mutating, reads, datadogRequests, metrics, datadogEvents } = usage(deployment);
    return {
      ...result,
      validationAttempts: result.validationAttempts ?? 0,
      sandbox: sandbox.dump(),
      datadogAccounts: deployment?.datadogAccounts() ?? options.datadogAccounts ?? [],
      calls: { mutating, reads: { dynamodb: reads.dynamodb } },
      datadogRequests: { total: datadogRequests.total, throttled: datadogRequests.throttled },
      metrics,
      datadogEvents,
      ...(deployment ? { accountRecords: await deployment.accountRecords() } : {}),
      ...(concurrentDelivery ? { concurrentDelivery } : {}),
    };
  };

  // A saved organization runs only its own events.
  const otherOrganizationReason = options.sandbox && otherOrganization(options.input, options.sandbox);
  if (otherOrganizationReason) return summary({ outcome: 'rejected', reason: otherOrganizationReason });
  // Does it fire? The template's EventBridge patterns decide for events; the console input schema for the rest.
  const delivery = deliveryOf(template, options.input);
  if ('outcome' in delivery) return summary(delivery);
  // A saved sandbox whose clock is behind the event (its last run played an older one) moves on to the event's time;
  // one ahead of it stays (time never runs back): that event is older than the sandbox, and TimeToOnboard says so.
  const eventTime = lifecycleEventTime(options.input);
  if (eventTime !== undefined && eventTime > sandbox.clock.now()) sandbox.clock.advance((eventTime - sandbox.clock.now()) / 1000);
  const concurrent = options.concurrentInput === undefined ? undefined : deliveryOf(template, options.concurrentInput);
  seedWorld(sandbox, template, names, options.parameters, concurrent && !('outcome' in concurrent) ? [delivery, concurrent] : [delivery]);
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
      // What was started runs to its end, then what it started (a request's onboardings); a concurrent delivery arrives
      // once the first execution passed ResolveTarget, and what it starts runs then, alongside.
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
        const decision = 'decision' in delivery ? delivery.decision : undefined;
        const reason = 'an onboarding of this account is already running, or this event was handled before';
        const accountId =
          decision?.action === 'onboard' || decision?.action === 'offboard'
            ? decision.accountId
            : 'replay' in delivery
              ? delivery.replay.accountId
              : undefined;
        return await summary({ outcome: 'ignored', reason, accountId }, deployment);
      }
      // Several executions (a GovCloud request's accounts, a concurrent delivery's): the run fails if any failed.
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
