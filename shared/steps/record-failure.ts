/**
 * The RecordFailure step: on the failure path of an onboarding, records the account's state `failed` with the
 * execution's error and cause, and releases the account's lease; then reports it: the failed-onboarding metric (per
 * error name) and, when on, a Datadog event. The execution then fails with its own error.
 */
import { updateAccountRecord, type AccountRecord } from '../aws/account-records';
import { emitFailed } from '../observability/metrics';
import { sendLifecycleEvent } from '../observability/datadog-events';
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
 * Records the failed onboarding and releases the lease this execution holds (another holder's is left), then emits
 * the failure metric and posts its Datadog event (best effort, see `sendLifecycleEvent`).
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
  const cause = causeMessage(error.Cause);
  const record = await updateAccountRecord(
    target.accountId,
    {
      partition: target.partition,
      authType: target.authType,
      state: 'failed',
      lastError: { error: error.Error, cause },
    },
    { releaseLeaseOf: input.executionArn },
  );
  emitFailed(error.Error);
  const where = input.executionInput?.context;
  await sendLifecycleEvent(
    {
      outcome: 'failed',
      accountId: target.accountId,
      partition: target.partition,
      organizationalUnitId: where?.organizationalUnitId,
      organizationalUnitName: where?.organizationalUnitName,
      errorName: error.Error,
      cause,
    },
    target.datadogSite,
  );
  return record;
}
