/**
 * Recognising the lifecycle events that mean "a member account is ready to onboard".
 *
 * Shapes: AWS Control Tower user guide, "Lifecycle events" (CreateManagedAccount, UpdateManagedAccount), and AWS
 * Organizations user guide, "Logging with CloudTrail" (CreateAccountResult), both delivered by EventBridge as
 * "AWS Service Event via CloudTrail". Samples: `events/`.
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
  time: z.string().max(64),
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

/** What to do with an event: onboard an account, ignore the event, or reject it as malformed. */
export type LifecycleDecision =
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
 * - The same events in another state (`FAILED`), and any other event → `ignore` with the reason.
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
