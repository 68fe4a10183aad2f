/**
 * Execution names: deterministic per account, so duplicate deliveries of a lifecycle event never start two
 * onboardings of one account.
 */
import { createHash } from 'node:crypto';

import type { ExecutionAction } from './execution-input';

/**
 * The execution name for an account: `<action>-<accountId>` (`onboard-…` or `offboard-…`), or
 * `<action>-<accountId>-<12 hex of the event id>` for a later event after an earlier execution of that account closed
 * (Step Functions keeps a closed execution's name for 90 days). At most 80 characters of `[0-9A-Za-z_-]` (Step
 * Functions API reference, StartExecution `name`).
 *
 * @param eventId - the EventBridge event id, the same for every delivery of one event.
 * @param action - what the execution does; default `onboard`.
 */
export function executionName(accountId: string, eventId?: string, action: ExecutionAction = 'onboard'): string {
  if (eventId === undefined) return `${action}-${accountId}`;
  return `${action}-${accountId}-${createHash('sha256').update(eventId).digest('hex').slice(0, 12)}`;
}

/** ARN of a named execution of a state machine: `arn:<p>:states:<r>:<a>:execution:<machine>:<name>`. */
export function executionArn(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}
