/**
 * DescribeAccountRequest: waits (by failing with AccountRequestInProgressError, which the state machine retries with
 * backoff) until a CreateGovCloudAccount request has finished, then names the accounts it created.
 */
import { z } from 'zod';
import { ownPartition } from '../../shared/aws/partition-credentials';
import { logger } from '../../shared/logger';
import { onboardingHandler } from '../../shared/middleware/onboarding-handler';
import { describeAccountRequest, type AccountRequestResult } from '../../shared/onboarding/account-request';
import { parseStepInput } from '../../shared/onboarding/step-inputs';

const STEP = 'DescribeAccountRequest';
const inputSchema = z.object({ createAccountRequestId: z.string().regex(/^car-[a-z0-9]{8,32}$/, 'must be a create-account request id (car-...)') });

/**
 * Describes the request.
 *
 * @param event - `{createAccountRequestId}`.
 * @returns `{requestId, state, accounts: [{accountId, partition}], failureReason?}`.
 */
export async function describeAccountRequestStep(event: unknown): Promise<AccountRequestResult> {
  const { createAccountRequestId } = parseStepInput(inputSchema, event, STEP);
  const result = await describeAccountRequest(createAccountRequestId, ownPartition());
  logger.info('account request', { ...result });
  return result;
}

/** Lambda entry point. */
export const handler = onboardingHandler(STEP, describeAccountRequestStep);
