/**
 * The RecordFailure step: on the failure path of an onboarding, records the account's state `failed` with the
 * execution's error and cause, and releases the account's lease. The execution then fails with its own error.
 */
import { updateAccountRecord, type AccountRecord } from '../aws/account-records';
import type { RecordFailureInput } from '../onboarding/step-inputs';

/** Longest cause kept, characters: a cause names the account, the step and the remedy; more is a stack trace. */
const MAX_CAUSE_LENGTH = 2000;

/**
 * The message of a Step Functions error cause: a Lambda error's cause is JSON `{"errorType","errorMessage","trace"}`
 * (the trace is left out), anything else is kept as it is; cut to {@link MAX_CAUSE_LENGTH} characters.
 */
export function causeMessage(cause: string | undefined): string {
  let message = cause ?? '';
  try {
    const parsed = JSON.parse(message) as { errorMessage?: unknown };
    if (typeof parsed?.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // Not JSON: a plain cause (a Step Functions error such as States.Timeout).
  }
  return message.slice(0, MAX_CAUSE_LENGTH);
}

/**
 * Records the failed onboarding and releases the lease this execution holds (another holder's is left).
 *
 * @returns the record as written.
 * @throws the SDK's errors; the state machine then fails the execution with its own error all the same.
 *
 * @example
 * ```ts
 * await recordFailure({ target, executionArn, error: { Error: 'MemberAccountAccessError', Cause: '…' } });
 * // { accountId: '444455556666', state: 'failed', lastError: { error: 'MemberAccountAccessError', cause: '…' }, … }
 * ```
 */
export async function recordFailure(input: RecordFailureInput): Promise<AccountRecord> {
  const { target, error } = input;
  return updateAccountRecord(
    target.accountId,
    {
      partition: target.partition,
      authType: target.authType,
      state: 'failed',
      lastError: { error: error.Error, cause: causeMessage(error.Cause) },
    },
    { releaseLeaseOf: input.executionArn },
  );
}
