/**
 * Starting the onboarding state machine for an account, once per account at a time.
 */
import { DescribeExecutionCommand, ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
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
 * Starts an execution under a name that is the same for every delivery of the event behind it; when the name is
 * taken, nothing starts and the outcome says whether that execution still runs.
 *
 * @param input - the execution input (JSON-serialisable).
 */
export async function startOnce(sfn: SFNClient, stateMachineArn: string, name: string, input: unknown): Promise<StartOutcome> {
  const started = await tryStart(sfn, stateMachineArn, name, input as ExecutionInput);
  if (started) return { outcome: 'started', executionArn: started };
  const arn = executionArn(stateMachineArn, name);
  return { outcome: (await isRunning(sfn, arn)) ? 'already-running' : 'duplicate', executionArn: arn };
}

/**
 * Starts `onboard-<accountId>` (or `offboard-<accountId>` for an input with `action: 'offboard'`). When that name
 * exists: if it is running, this is a duplicate and nothing starts; if it closed, the account is onboarded (or
 * offboarded) again under a name derived from the event id, so a second delivery of the same event still starts
 * nothing.
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
  const action = input.action ?? 'onboard';
  const primary = executionName(input.accountId, undefined, action);
  const startedPrimary = await tryStart(sfn, stateMachineArn, primary, input);
  if (startedPrimary) return { outcome: 'started', executionArn: startedPrimary };
  const primaryArn = executionArn(stateMachineArn, primary);
  if (await isRunning(sfn, primaryArn)) return { outcome: 'already-running', executionArn: primaryArn };

  return startOnce(sfn, stateMachineArn, executionName(input.accountId, eventId, action), input);
}
