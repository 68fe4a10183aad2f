/**
 * Datadog events of the fleet's onboarding: one per onboarding, offboarding, repair and failure, posted with the
 * Datadog API v1 (`POST /api/v1/events`, client `EventsApi.createEvent`) so the fleet's onboarding shows in Datadog
 * itself. Best effort: an event that cannot be sent is logged as a warning and never fails the step that sends it.
 *
 * An event says only the account, its partition, its OU, the outcome, and for a failure the error name and one line
 * of cause (with anything shaped like a key, a secret or an external ID removed): never a key or a credential.
 *
 * @example
 * ```ts
 * await sendLifecycleEvent({ outcome: 'onboarded', accountId: '444455556666', partition: 'aws', organizationalUnitId: 'ou-ab12-cd34ef56' }, 'datadoghq.com');
 * ```
 */
import type { EventCreateRequest } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/models/EventCreateRequest';
import { pickEnv, readEnv } from '../config';
import type { DatadogSite } from '../datadog-sites';
import { eventsApi } from '../datadog/events-client';
import { datadogStatus } from '../datadog/api-errors';
import { readDatadogKeys } from '../datadog/keys';
import { logger } from '../logger';
import { cut } from '../text';

/** What became of an account, as the event tells it (tag `outcome:`). */
export type LifecycleOutcome = 'onboarded' | 'offboarded' | 'repaired' | 'failed';

/** The facts an event carries; nothing else reaches Datadog. */
export interface LifecycleEventFacts {
  outcome: LifecycleOutcome;
  /** The member account, 12 digits. */
  accountId: string;
  /** Its partition (`aws`, `aws-us-gov`, `aws-cn`), when known. */
  partition?: string;
  /** Its OU id (`ou-…`) or the root id, from the lifecycle event, when known. */
  organizationalUnitId?: string;
  /** Its OU's name, when known. */
  organizationalUnitName?: string;
  /** For a failure: the error name (`MemberAccountAccessError`, `States.Timeout`…). */
  errorName?: string;
  /** For a failure: its cause; only its first line is kept, cut to {@link MAX_CAUSE_CHARACTERS}. */
  cause?: string;
  /**
   * One line on what was done, e.g. for an offboarding what was removed or kept; the application's own words, kept
   * like a cause (first line, secret-shaped runs removed, cut to {@link MAX_CAUSE_CHARACTERS}).
   */
  detail?: string;
}

/** Longest cause in an event: one line that names the step and the remedy. */
export const MAX_CAUSE_CHARACTERS = 300;

/** Bound on posting one event, seconds: the record steps run within an 8-s time-out, the DynamoDB write first. */
export const EVENT_TIMEOUT_SECONDS = 3;

const TITLES: Record<LifecycleOutcome, string> = {
  onboarded: 'AWS account onboarded into Datadog',
  offboarded: 'AWS account offboarded from Datadog',
  repaired: 'AWS account integration repaired',
  failed: 'AWS account onboarding failed',
};

const ALERT_TYPES: Record<LifecycleOutcome, 'success' | 'info' | 'error'> = {
  onboarded: 'success',
  offboarded: 'info',
  repaired: 'info',
  failed: 'error',
};

/**
 * What looks like a secret in free text: AWS access key ids (`AKIA`/`ASIA` + 16), 40-character secret access keys,
 * 32+ hexadecimal characters (Datadog API and application keys, Datadog's external IDs), and `key=value` or
 * `secret: value` pairs. The cause is the product's own message, which never holds one; this is the second fence.
 */
const SECRET_SHAPES: readonly RegExp[] = [
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/g,
  /\b[a-f0-9]{32,}\b/gi,
  /\b((?:api|app|application|access|secret)[_ -]?(?:key|secret)|external[_ -]?id|password|token)\b\s*[:=]\s*\S+/gi,
];

/** The first line of a cause, secret-shaped runs removed, cut to {@link MAX_CAUSE_CHARACTERS}. */
export function oneLineCause(cause: string): string {
  let line = (cause.split(/\r?\n/, 1)[0] ?? '').trim();
  for (const shape of SECRET_SHAPES)
    // With a capture group, the second argument is the name of the pair; without, the match's offset.
    line = line.replace(shape, (_match, name: unknown) => (typeof name === 'string' ? `${name}=[redacted]` : '[redacted]'));
  return cut(line, MAX_CAUSE_CHARACTERS);
}

/** A tag value as Datadog keeps it: lower case, letters, digits and `_-./:` (Datadog docs, "Getting Started with Tags"). */
function tagValue(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9_\-./:]/g, '_')
    .slice(0, 150);
}

/**
 * The event for one outcome, as `EventCreateRequest` (API field names once serialized: `alert_type`,
 * `aggregation_key`, `source_type_name`): tags `aws_account:`, `aws_partition:`, `organizational_unit:`,
 * `organizational_unit_name:`, `outcome:`, `error:`, and `service:datadog-aws-account-onboarding`.
 */
export function lifecycleEvent(facts: LifecycleEventFacts): EventCreateRequest {
  const ou = facts.organizationalUnitId;
  const where = [
    facts.partition ? `partition ${facts.partition}` : undefined,
    ou ? `OU ${ou}${facts.organizationalUnitName ? ` (${facts.organizationalUnitName})` : ''}` : undefined,
  ].filter(Boolean);
  const failure =
    facts.outcome === 'failed' ? `: ${facts.errorName ?? 'unknown error'}${facts.cause ? ` — ${oneLineCause(facts.cause)}` : ''}` : '';
  const detail = facts.detail ? `: ${oneLineCause(facts.detail)}` : '';
  const tags = [
    `aws_account:${facts.accountId}`,
    ...(facts.partition ? [`aws_partition:${tagValue(facts.partition)}`] : []),
    ...(ou ? [`organizational_unit:${tagValue(ou)}`] : []),
    ...(facts.organizationalUnitName ? [`organizational_unit_name:${tagValue(facts.organizationalUnitName)}`] : []),
    `outcome:${facts.outcome}`,
    ...(facts.errorName ? [`error:${tagValue(facts.errorName)}`] : []),
    'service:datadog-aws-account-onboarding',
  ];
  return {
    title: `${TITLES[facts.outcome]}: ${facts.accountId}`,
    text: `Account ${facts.accountId}${where.length ? ` (${where.join(', ')})` : ''} ${facts.outcome}${failure}${detail}`,
    tags,
    alertType: ALERT_TYPES[facts.outcome],
    priority: 'normal',
    // Datadog groups the events of one account into one stream.
    aggregationKey: `aws-account-${facts.accountId}`,
    sourceTypeName: 'amazon web services',
  };
}

/** What {@link sendLifecycleEvent} did. */
export type EventDelivery = 'sent' | 'disabled' | 'failed';

/**
 * Posts the event of one outcome, when `DATADOG_EVENTS` is on (the default), with the keys of `DATADOG_KEYS_SECRET_ARN`
 * to the site (or `DATADOG_API_URL` in local runs), bounded by {@link EVENT_TIMEOUT_SECONDS}.
 *
 * @param facts - the account and outcome.
 * @param site - the Datadog site of the account's registration.
 * @returns `sent`, `disabled` (parameter `DatadogEvents` is `false`), or `failed` (logged as a warning with the error
 *   name, the HTTP status and message, never a key).
 * @throws nothing: an event never fails the onboarding it tells about.
 */
export async function sendLifecycleEvent(facts: LifecycleEventFacts, site: DatadogSite): Promise<EventDelivery> {
  try {
    const env = readEnv(pickEnv('DATADOG_EVENTS', 'DATADOG_KEYS_SECRET_ARN', 'DATADOG_API_URL', 'DATADOG_TIMEOUT_SECONDS'));
    if (!env.DATADOG_EVENTS) return 'disabled';
    const keys = await readDatadogKeys(env.DATADOG_KEYS_SECRET_ARN, { accountId: facts.accountId });
    const timeoutSeconds = Math.min(env.DATADOG_TIMEOUT_SECONDS ?? EVENT_TIMEOUT_SECONDS, EVENT_TIMEOUT_SECONDS);
    await eventsApi({ site, keys, apiUrl: env.DATADOG_API_URL, timeoutSeconds }).createEvent({ body: lifecycleEvent(facts) });
    return 'sent';
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    logger.warn('Datadog event not sent; the onboarding goes on', {
      accountId: facts.accountId,
      outcome: facts.outcome,
      error: failure.name,
      status: datadogStatus(error),
      reason: oneLineCause(failure.message),
    });
    return 'failed';
  }
}
