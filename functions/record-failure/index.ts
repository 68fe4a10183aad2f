/**
 * RecordFailure: records a failed onboarding (its error and cause) in the accounts table and releases the account's
 * lease. The step's rules: `shared/steps/record-failure.ts`.
 */
import type { AccountRecord } from '../../shared/aws/account-records';
import { logger } from '../../shared/logger';
import { stepHandler } from '../../shared/middleware/onboarding-handler';
import { recordFailureInputSchema, type RecordFailureInput } from '../../shared/onboarding/step-inputs';
import { recordFailure } from '../../shared/steps/record-failure';

/**
 * Records the failure.
 *
 * @param input - `{target, executionArn, error: {Error, Cause}}`, parsed by the handler.
 * @returns the record as written.
 * @throws the SDK's errors (the execution still fails with its own error).
 *
 * @example
 * ```ts
 * await recordFailureStep({ target, executionArn, error: { Error: 'MemberAccountAccessError', Cause: '…' } });
 * ```
 */
export async function recordFailureStep(input: RecordFailureInput): Promise<AccountRecord> {
  const record = await recordFailure(input);
  logger.info('failure recorded', { accountId: record.accountId, error: record.lastError?.error });
  return record;
}

/** Lambda entry point. */
export const handler = stepHandler('RecordFailure', recordFailureInputSchema, recordFailureStep);
