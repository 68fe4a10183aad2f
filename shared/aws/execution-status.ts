/**
 * Whether an execution of a state machine still runs, as Step Functions reports it (DescribeExecution `status`).
 */
import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from '@aws-sdk/client-sfn';

const sfn = new SFNClient({});

/**
 * Tells whether an execution has ended: any status but `RUNNING` (`SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED`,
 * `PENDING_REDRIVE`; Step Functions API reference, DescribeExecution), or an execution Step Functions does not know
 * (`ExecutionDoesNotExist`: closed executions are kept for 90 days only).
 *
 * @param executionArn - the execution's ARN.
 * @returns `true` when it no longer runs.
 * @throws the SDK's other errors (throttling, access denied).
 * @example
 * ```ts
 * await executionHasEnded('arn:<partition>:states:us-east-1:111122223333:execution:stack-onboarding:onboard-444455556666'); // false while it runs
 * ```
 */
export async function executionHasEnded(executionArn: string): Promise<boolean> {
  try {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return status !== 'RUNNING';
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return true;
    throw error;
  }
}
