/**
 * RecordOnboarding: records the onboarded account in the accounts table and releases its lease. The step's rules:
 * `shared/steps/record-onboarding.ts`.
 */
import type { AccountRecord } from '../../shared/aws/account-records';
import { logger } from '../../shared/logger';
import { stepHandler } from '../../shared/middleware/onboarding-handler';
import { recordOnboardingInputSchema, type RecordOnboardingInput } from '../../shared/onboarding/step-inputs';
import { recordOnboarding } from '../../shared/steps/record-onboarding';

/**
 * Records the onboarding.
 *
 * @param input - `{target, executionArn, registration, datadog, keySecretArn, validation}`, parsed by the handler.
 * @returns the record as written.
 * @throws the SDK's errors (throttling is retried by the state machine).
 *
 * @example
 * ```ts
 * const record = await recordOnboardingStep({ target, executionArn, registration, datadog, keySecretArn: null, validation });
 * // record.state === 'onboarded'; record.origin === 'created' | 'adopted'
 * ```
 */
export async function recordOnboardingStep(input: RecordOnboardingInput): Promise<AccountRecord> {
  const record = await recordOnboarding(input);
  logger.info('onboarding recorded', { accountId: record.accountId, origin: record.origin, policyHash: record.policyHash });
  return record;
}

/** Lambda entry point. */
export const handler = stepHandler('RecordOnboarding', recordOnboardingInputSchema, recordOnboardingStep);
