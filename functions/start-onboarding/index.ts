/**
 * StartOnboarding: the EventBridge target. Recognises lifecycle events that created an account and starts the
 * onboarding state machine for it; everything else is logged with the reason and changes nothing.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { pickEnv, readEnv } from '../../shared/config';
import { decideLifecycleEvent } from '../../shared/events/lifecycle-event';
import { logger } from '../../shared/logger';
import { onboardingHandler } from '../../shared/middleware/onboarding-handler';
import { startOnboardingExecution, type StartOutcome } from '../../shared/onboarding/start-execution';

const sfn = new SFNClient({});

/** What the starter did with an event. */
export type StartOnboardingResult =
  | ({ accountId: string } & StartOutcome)
  | { outcome: 'ignored' | 'rejected'; reason: string };

/**
 * Handles one EventBridge event.
 *
 * Malformed events are answered `rejected` rather than thrown, so EventBridge does not retry what can never succeed.
 *
 * @throws the SDK's errors when Step Functions fails (EventBridge retries, then dead-letters the event).
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
  const { accountId, partition, trigger, context } = decision;
  const outcome = await startOnboardingExecution(
    sfn,
    STATE_MACHINE_ARN,
    { accountId, partition, trigger, context },
    trigger.eventId,
  );
  logger.info('onboarding execution', { accountId, eventName: trigger.eventName, ...outcome });
  return { accountId, ...outcome };
}

/** Lambda entry point. */
export const handler = onboardingHandler('StartOnboarding', startOnboarding);
