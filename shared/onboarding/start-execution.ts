/**
 * Starting the onboarding state machine for an account, once per account at a time.
 */
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  StartExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { ExecutionInput } from './execution-input';
import { executionArn, executionName } from './execution-name';

/** What starting did. */
export interface StartOutcome {
  /** `started`: a new execution; `already-running`: one for the account is running (duplicate delivery); `duplicate`: this event was handled before. */
  outcome: 'started' | 'already-running' | 'duplicate';
  executionArn: string;
}

async function tryStart(sfn: SFNClient, stateMachineArn: string, name: string, input: ExecutionInput): Promise<string | undefined> {
  try {
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
    return started.executionArn;
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) return undefined;
    throw error;
  }
}

async function isRunning(sfn: SFNClient, arn: string): Promise<boolean> {
  const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
  return status === 'RUNNING';
}

/**
 * Starts `onboard-<accountId>`. When that name exists: if it is running, this is a duplicate and nothing starts;
 * if it closed, the account is onboarded again under a name derived from the event id, so a second delivery of the
 * same event still starts nothing.
 *
 * @param eventId - the EventBridge event id.
 * @throws the SDK's errors (e.g. `StateMachineDoesNotExist`, throttling).
 */
export async function startOnboardingExecution(
  sfn: SFNClient,
  stateMachineArn: string,
  input: ExecutionInput,
  eventId: string,
): Promise<StartOutcome> {
  const primary = executionName(input.accountId);
  const startedPrimary = await tryStart(sfn, stateMachineArn, primary, input);
  if (startedPrimary) return { outcome: 'started', executionArn: startedPrimary };
  const primaryArn = executionArn(stateMachineArn, primary);
  if (await isRunning(sfn, primaryArn)) return { outcome: 'already-running', executionArn: primaryArn };

  const perEvent = executionName(input.accountId, eventId);
  const startedPerEvent = await tryStart(sfn, stateMachineArn, perEvent, input);
  if (startedPerEvent) return { outcome: 'started', executionArn: startedPerEvent };
  const perEventArn = executionArn(stateMachineArn, perEvent);
  return { outcome: (await isRunning(sfn, perEventArn)) ? 'already-running' : 'duplicate', executionArn: perEventArn };
}
