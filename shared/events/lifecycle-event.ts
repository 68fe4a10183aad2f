/**
 * Recognising the lifecycle events that mean "a member account is ready to onboard", "it moved" (its scope decides)
 * or "it is gone" (offboard it).
 *
 * Shapes: AWS Control Tower user guide, "Lifecycle events" (CreateManagedAccount, UpdateManagedAccount), and AWS
 * Organizations user guide, "Logging with CloudTrail" (CreateAccountResult, CloseAccountResult), delivered by
 * EventBridge as "AWS Service Event via CloudTrail"; the Organizations API calls CloseAccount,
 * RemoveAccountFromOrganization and MoveAccount ("AWS API Call via CloudTrail", `requestParameters.accountId`); and
 * the membership event AccountDepartedOrganization (Organizations API reference, LeaveOrganization and
 * RemoveAccountFromOrganization: logged in the management account only, with the departure method and time).
 * Samples: `events/`.
 */
import { z } from 'zod';
import { partitionOfRegion, type Partition } from '../partitions';
import { describeFirstIssue } from '../validation';

const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');

/** The EventBridge envelope fields this tool reads. */
const envelopeSchema = z.object({
  id: z.string().min(1).max(128),
  'detail-type': z.string().max(256),
  source: z.string().max(256),
  account: accountId,
  // EventBridge's ISO 8601 UTC time (`2018-08-30T21:42:18Z`): TimeToOnboard counts from it.
  time: z.iso.datetime({ message: 'must be an ISO 8601 UTC time (e.g. 2018-08-30T21:42:18Z)' }).max(64),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region code'),
  detail: z.object({ eventName: z.string().max(256).optional() }).loose(),
});

const controlTowerStatusSchema = z.object({
  state: z.string().max(64),
  message: z.string().max(4096).optional(),
  account: z
    .object({ accountId, accountName: z.string().max(256).optional() })
    .loose()
    .optional(),
  organizationalUnit: z
    .object({ organizationalUnitId: z.string().max(128), organizationalUnitName: z.string().max(256).optional() })
    .loose()
    .optional(),
});

const createAccountStatusSchema = z.object({
  state: z.string().max(64),
  accountId: accountId.optional(),
  govCloudAccountId: accountId.optional(),
  accountName: z.string().max(256).optional(),
  failureReason: z.string().max(256).optional(),
});

/** Which lifecycle event, where its status lives and how to read the account out of it. */
const LIFECYCLE_EVENTS = {
  'aws.controltower/CreateManagedAccount': 'createManagedAccountStatus',
  'aws.controltower/UpdateManagedAccount': 'updateManagedAccountStatus',
  'aws.organizations/CreateAccountResult': 'createAccountStatus',
} as const;

/** The event that triggered an onboarding, as carried into the execution input. */
export interface LifecycleTrigger {
  /** EventBridge `source`, e.g. `aws.controltower`. */
  source: string;
  /** CloudTrail `eventName`, e.g. `CreateManagedAccount`. */
  eventName: string;
  /** EventBridge event `id`: the same for duplicate deliveries of one event. */
  eventId: string;
  /** Region the event was delivered in. */
  region: string;
  /** EventBridge `time` (ISO 8601). */
  time: string;
}

/** Where the new account sits, when the event says so. */
export interface AccountContext {
  accountName?: string;
  organizationalUnitId?: string;
  organizationalUnitName?: string;
}

/** Why an account is offboarded: it was closed, or it left (or was removed from) the organization. */
export type OffboardCause = 'closed' | 'left-organization';

/** What to do with an event: onboard an account, offboard it, ignore the event, or reject it as malformed. */
export type LifecycleDecision =
  | {
      action: 'offboard';
      /** The member account (12 digits). */
      accountId: string;
      partition: Partition;
      cause: OffboardCause;
      /** One line: what happened to the account, naming the event. */
      reason: string;
      trigger: LifecycleTrigger;
    }
  | {
      action: 'onboard';
      /** The member account (12 digits). */
      accountId: string;
      /** Partition of the region the event came from. */
      partition: Partition;
      /** The GovCloud account created with it, for a CreateAccountResult of a CreateGovCloudAccount request. */
      govCloudAccountId?: string;
      trigger: LifecycleTrigger;
      context: AccountContext;
    }
  | { action: 'resolve-request'; /** The `car-…` id of a CreateGovCloudAccount request. */ requestId: string; trigger: LifecycleTrigger }
  | { action: 'ignore'; reason: string }
  | { action: 'reject'; reason: string };

/** A field of the event as a reason may quote it: a short token (a name, a state, a code), never anything else. */
function shown(value: string): string {
  return /^[A-Za-z0-9_.:-]{1,64}$/.test(value) ? value : '(unexpected value)';
}

/**
 * Decides what an EventBridge event means for onboarding.
 *
 * - A Control Tower `CreateManagedAccount` / `UpdateManagedAccount` or an Organizations `CreateAccountResult` in state
 *   `SUCCEEDED` → `onboard` with the account id, partition and context.
 * - An Organizations `MoveAccount` → `onboard` with the destination as context: ResolveTarget's scope decides
 *   whether the account stays onboarded or is offboarded (see `shared/onboarding/resolved-action.ts`).
 * - An Organizations `CloseAccountResult` in state `SUCCEEDED`, a `CloseAccount` call, a
 *   `RemoveAccountFromOrganization` call, or an `AccountDepartedOrganization` → `offboard` with the cause and reason.
 * - The same events in another state (`FAILED`) or with an `errorCode`, and any other event → `ignore` with the reason.
 * - Anything that is not a well-formed EventBridge event, or a lifecycle event missing its account → `reject`.
 *
 * Never throws; reasons are one line and never echo field values other than ids and states.
 *
 * @param event - the event as EventBridge delivers it to a Lambda function (any JSON value).
 */
export function decideLifecycleEvent(event: unknown): LifecycleDecision {
  const envelope = envelopeSchema.safeParse(event);
  if (!envelope.success) {
    return { action: 'reject', reason: `not an EventBridge event: ${describeFirstIssue(envelope.error, 'event')}` };
  }
  const { source, detail } = envelope.data;
  const eventName = detail.eventName ?? '(no eventName)';
  if (source === 'aws.organizations' && eventName === 'CreateGovCloudAccount') {
    return decideGovCloudRequest(envelope.data);
  }
  if (source === 'aws.organizations' && Object.hasOwn(MEMBERSHIP_EVENTS, eventName)) {
    return decideMembershipEvent(envelope.data, eventName as keyof typeof MEMBERSHIP_EVENTS);
  }
  const statusKey = LIFECYCLE_EVENTS[`${source}/${eventName}` as keyof typeof LIFECYCLE_EVENTS];
  if (statusKey === undefined) {
    const name = detail.eventName === undefined ? eventName : shown(eventName);
    return { action: 'ignore', reason: `${shown(source)} ${name} is not a lifecycle event that onboards an account` };
  }
  const trigger: LifecycleTrigger = {
    source,
    eventName,
    eventId: envelope.data.id,
    region: envelope.data.region,
    time: envelope.data.time,
  };
  const partition = partitionOfRegion(envelope.data.region);
  const status = (detail as { serviceEventDetails?: Record<string, unknown> }).serviceEventDetails?.[statusKey];

  if (statusKey === 'createAccountStatus') {
    const parsed = createAccountStatusSchema.safeParse(status);
    if (!parsed.success) {
      return { action: 'reject', reason: `${eventName}: ${describeFirstIssue(parsed.error, `serviceEventDetails.${statusKey}`)}` };
    }
    const { state, accountId: id, accountName, failureReason } = parsed.data;
    if (state !== 'SUCCEEDED') {
      return { action: 'ignore', reason: `${eventName} is in state ${shown(state)}${failureReason ? ` (${shown(failureReason)})` : ''}` };
    }
    if (id === undefined) {
      return { action: 'reject', reason: `${eventName} SUCCEEDED without serviceEventDetails.${statusKey}.accountId` };
    }
    return {
      action: 'onboard',
      accountId: id,
      partition,
      ...(parsed.data.govCloudAccountId ? { govCloudAccountId: parsed.data.govCloudAccountId } : {}),
      trigger,
      context: { accountName },
    };
  }

  const parsed = controlTowerStatusSchema.safeParse(status);
  if (!parsed.success) {
    return { action: 'reject', reason: `${eventName}: ${describeFirstIssue(parsed.error, `serviceEventDetails.${statusKey}`)}` };
  }
  const { state, account, organizationalUnit } = parsed.data;
  if (state !== 'SUCCEEDED') {
    const which = account ? ` for account ${account.accountId}` : '';
    return { action: 'ignore', reason: `${eventName}${which} is in state ${shown(state)}` };
  }
  if (account === undefined) {
    return { action: 'reject', reason: `${eventName} SUCCEEDED without serviceEventDetails.${statusKey}.account` };
  }
  return {
    action: 'onboard',
    accountId: account.accountId,
    partition,
    trigger,
    context: {
      accountName: account.accountName,
      organizationalUnitId: organizationalUnit?.organizationalUnitId,
      organizationalUnitName: organizationalUnit?.organizationalUnitName,
    },
  };
}

const govCloudRequestSchema = z.object({
  errorCode: z.string().max(128).optional(),
  responseElements: z
    .object({
      createAccountStatus: z
        .object({ id: z.string().regex(/^car-[a-z0-9]{8,32}$/, 'must be a create-account request id (car-...)') })
        .loose(),
    })
    .loose()
    .nullable()
    .optional(),
});

/**
 * The API call event of `CreateGovCloudAccount` ("AWS API Call via CloudTrail"): its response names the request
 * (`responseElements.createAccountStatus.id`), whose status says, once SUCCEEDED, which two accounts were created
 * (Organizations API reference, CreateGovCloudAccount and DescribeCreateAccountStatus).
 */
function decideGovCloudRequest(envelope: z.infer<typeof envelopeSchema>): LifecycleDecision {
  const parsed = govCloudRequestSchema.safeParse(envelope.detail);
  if (!parsed.success) {
    return { action: 'reject', reason: `CreateGovCloudAccount: ${describeFirstIssue(parsed.error, 'detail')}` };
  }
  if (parsed.data.errorCode !== undefined) {
    return { action: 'ignore', reason: `CreateGovCloudAccount failed (${shown(parsed.data.errorCode)})` };
  }
  const requestId = parsed.data.responseElements?.createAccountStatus.id;
  if (requestId === undefined) {
    return { action: 'reject', reason: 'CreateGovCloudAccount without responseElements.createAccountStatus.id' };
  }
  return {
    action: 'resolve-request',
    requestId,
    trigger: {
      source: envelope.source,
      eventName: 'CreateGovCloudAccount',
      eventId: envelope.id,
      region: envelope.region,
      time: envelope.time,
    },
  };
}

/** The Organizations events about an account's membership, and what each means. */
const MEMBERSHIP_EVENTS = {
  MoveAccount: 'moved',
  CloseAccount: 'closed',
  CloseAccountResult: 'closed',
  RemoveAccountFromOrganization: 'left-organization',
  AccountDepartedOrganization: 'left-organization',
} as const satisfies Record<string, OffboardCause | 'moved'>;

const parentId = z.string().regex(/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/, 'must be a root or OU id');

/** The API calls' fields ("AWS API Call via CloudTrail"): a failed call has an `errorCode` and changed nothing. */
const apiCallSchema = z.object({
  errorCode: z.string().max(128).optional(),
  requestParameters: z
    .object({ accountId, sourceParentId: parentId.optional(), destinationParentId: parentId.optional() })
    .loose()
    .nullable()
    .optional(),
});

/** `serviceEventDetails.closeAccountStatus` of CloseAccountResult (Organizations user guide, "Logging with CloudTrail"). */
const closeAccountStatusSchema = z.object({
  accountId,
  state: z.string().max(64),
  failureReason: z.string().max(256).optional(),
});

/**
 * AccountDepartedOrganization's details. AWS documents the event's fields by name only (the departure method,
 * `Left`/`Removed`/`Cleaned`, written `departedMethod` or `departureMethod`, in either case, and the time), so the
 * account id is read from `serviceEventDetails.accountId` or from the one object nested in it that has an `accountId`.
 */
const departedDetailsSchema = z.record(z.string(), z.unknown());

const departureMethodSchema = z.string().max(64).optional();

/** The account id of AccountDepartedOrganization's details, and the departure method when given. */
function departedAccount(details: Record<string, unknown>): { accountId?: string; method?: string } {
  const candidates = [details, ...Object.values(details).filter((value) => value !== null && typeof value === 'object')] as Record<
    string,
    unknown
  >[];
  for (const candidate of candidates) {
    const id = accountId.safeParse(candidate.accountId);
    if (!id.success) continue;
    const method = departureMethodSchema.safeParse(
      candidate.departureMethod ?? candidate.departedMethod ?? details.departureMethod ?? details.departedMethod,
    );
    return { accountId: id.data, method: method.success ? method.data : undefined };
  }
  return {};
}

type Envelope = z.infer<typeof envelopeSchema>;

function triggerOf(envelope: Envelope, eventName: string): LifecycleTrigger {
  return { source: envelope.source, eventName, eventId: envelope.id, region: envelope.region, time: envelope.time };
}

/**
 * Organizations events about membership: a move (the account stays; its scope decides), a closure, or a departure.
 */
function decideMembershipEvent(envelope: Envelope, eventName: keyof typeof MEMBERSHIP_EVENTS): LifecycleDecision {
  const trigger = triggerOf(envelope, eventName);
  const partition = partitionOfRegion(envelope.region);
  const meaning = MEMBERSHIP_EVENTS[eventName];
  const serviceEventDetails = (envelope.detail as { serviceEventDetails?: unknown }).serviceEventDetails;

  if (eventName === 'CloseAccountResult') {
    const status = (serviceEventDetails as { closeAccountStatus?: unknown } | undefined)?.closeAccountStatus;
    const parsed = closeAccountStatusSchema.safeParse(status);
    if (!parsed.success) {
      return { action: 'reject', reason: `${eventName}: ${describeFirstIssue(parsed.error, 'serviceEventDetails.closeAccountStatus')}` };
    }
    const { state, failureReason } = parsed.data;
    if (state !== 'SUCCEEDED') {
      const why = failureReason ? ` (${shown(failureReason)})` : '';
      return { action: 'ignore', reason: `${eventName} for account ${parsed.data.accountId} is in state ${shown(state)}${why}` };
    }
    const reason = `account ${parsed.data.accountId} was closed (${eventName} SUCCEEDED)`;
    return { action: 'offboard', accountId: parsed.data.accountId, partition, cause: 'closed', reason, trigger };
  }

  if (eventName === 'AccountDepartedOrganization') {
    const parsed = departedDetailsSchema.safeParse(serviceEventDetails);
    const departed = parsed.success ? departedAccount(parsed.data) : {};
    if (departed.accountId === undefined) {
      return { action: 'reject', reason: `${eventName} without an account id in serviceEventDetails` };
    }
    const how = departed.method ? ` (${shown(departed.method)})` : '';
    const reason = `account ${departed.accountId} departed the organization${how}`;
    return { action: 'offboard', accountId: departed.accountId, partition, cause: 'left-organization', reason, trigger };
  }

  const parsed = apiCallSchema.safeParse(envelope.detail);
  if (!parsed.success) return { action: 'reject', reason: `${eventName}: ${describeFirstIssue(parsed.error, 'detail')}` };
  if (parsed.data.errorCode !== undefined) {
    return { action: 'ignore', reason: `${eventName} failed (${shown(parsed.data.errorCode)}): nothing changed` };
  }
  const request = parsed.data.requestParameters;
  if (!request) return { action: 'reject', reason: `${eventName} without requestParameters.accountId` };
  if (meaning === 'moved') {
    // The account stays in the organization: the same onboarding execution, whose scope check decides.
    return {
      action: 'onboard',
      accountId: request.accountId,
      partition,
      trigger,
      context: request.destinationParentId ? { organizationalUnitId: request.destinationParentId } : {},
    };
  }
  const reason =
    meaning === 'closed'
      ? `closure of account ${request.accountId} was requested (${eventName})`
      : `account ${request.accountId} was removed from the organization (${eventName})`;
  return { action: 'offboard', accountId: request.accountId, partition, cause: meaning, reason, trigger };
}
