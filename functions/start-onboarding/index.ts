/**
 * StartOnboarding: the EventBridge target. Recognises lifecycle events that created or moved an account and starts
 * the onboarding state machine for it, or, for an account closed or gone from the organization, the same state
 * machine with `action: 'offboard'` (execution `offboard-<accountId>`); everything else is logged with the reason and
 * changes nothing.
 *
 * Unlike the steps, the event is not parsed by Powertools Parser (its EventBridge envelope and schema): an event that
 * does not match must be answered `ignored` or `rejected` with a reason, not thrown (EventBridge would retry it into
 * the dead-letter queue), and Parser's schema requires fields (`version`, `resources`) this tool never reads.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { pickEnv, readEnv } from '../../shared/config';
import { decideLifecycleEvent } from '../../shared/events/lifecycle-event';
import { logger } from '../../shared/logger';
import { onboardingHandler } from '../../shared/middleware/onboarding-handler';
import { startOnboardingExecution, startOnce, type StartOutcome } from '../../shared/onboarding/start-execution';

const sfn = new SFNClient({});

/** What the starter did with an event. */
export type StartOnboardingResult =
  | ({ accountId: string; govCloud?: { accountId: string } & StartOutcome } & StartOutcome)
  | ({ accountId: string; action: 'offboard' } & StartOutcome)
  | ({ requestId: string } & StartOutcome)
  | { outcome: 'ignored' | 'rejected'; reason: string };

/**
 * Handles one EventBridge event.
 *
 * Malformed events are answered `rejected` rather than thrown, so EventBridge does not retry what can never succeed.
 *
 * @throws the SDK's errors when Step Functions fails (Lambda retries twice, then sends the event to the dead-letter
 *   queue: template.yaml, EventInvokeConfig).
 *
 * @example
 * ```ts
 * await startOnboarding(controlTowerCreateManagedAccountEvent); // SUCCEEDED
 * // { accountId: '444455556666', outcome: 'started', executionArn: 'arn:<partition>:states:…:execution:…-onboarding:onboard-444455556666' }
 * await startOnboarding(closeAccountResultEvent);
 * // { accountId: '555566667777', action: 'offboard', outcome: 'started', executionArn: '…:execution:…-onboarding:offboard-555566667777' }
 * await startOnboarding(failedEvent);
 * // { outcome: 'ignored', reason: 'CreateManagedAccount for account 444455556666 is in state FAILED' }
 * ```
 */
export async function startOnboarding(event: unknown): Promise<StartOnboardingResult> {
  const decision = decideLifecycleEvent(event);
  if (decision.action === 'ignore') {
    logger.info('event ignored', { reason: decision.reason });
    return { outcome: 'ignored', reason: decision.reason };
  }
  if (decision.action === 'reject') {
    logger.warn('event rejected', { reason: decision.reason });
    return { outcome: 'rejected', reason: decision.reason };
  }
  const { STATE_MACHINE_ARN } = readEnv(pickEnv('STATE_MACHINE_ARN'));
  if (decision.action === 'resolve-request') {
    // The accounts are known only once the request SUCCEEDED: the execution waits for it, then onboards both.
    const { requestId, trigger } = decision;
    const outcome = await startOnce(sfn, STATE_MACHINE_ARN, `request-${requestId}`, { createAccountRequestId: requestId, trigger });
    logger.info('account request execution', { requestId, eventName: trigger.eventName, ...outcome });
    return { requestId, ...outcome };
  }
  if (decision.action === 'offboard') {
    const { accountId, partition, trigger, reason } = decision;
    const outcome = await startOnboardingExecution(
      sfn,
      STATE_MACHINE_ARN,
      { accountId, partition, action: 'offboard', reason, trigger },
      trigger.eventId,
    );
    logger.info('offboarding execution', { accountId, eventName: trigger.eventName, ...outcome });
    return { accountId, action: 'offboard', ...outcome };
  }
  const { accountId, partition, trigger, context, govCloudAccountId } = decision;
  const outcome = await startOnboardingExecution(sfn, STATE_MACHINE_ARN, { accountId, partition, trigger, context }, trigger.eventId);
  logger.info('onboarding execution', { accountId, eventName: trigger.eventName, ...outcome });
  if (govCloudAccountId === undefined) return { accountId, ...outcome };
  const govCloud = await startOnboardingExecution(
    sfn,
    STATE_MACHINE_ARN,
    { accountId: govCloudAccountId, partition: 'aws-us-gov', trigger },
    trigger.eventId,
  );
  logger.info('onboarding execution', { accountId: govCloudAccountId, eventName: trigger.eventName, ...govCloud });
  return { accountId, ...outcome, govCloud: { accountId: govCloudAccountId, ...govCloud } };
}

/** Lambda entry point. */
export const handler = onboardingHandler('StartOnboarding', startOnboarding);
