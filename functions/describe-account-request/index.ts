/**
 * DescribeAccountRequest: waits (by failing with AccountRequestInProgressError, which the state machine retries with
 * backoff) until a CreateGovCloudAccount request has finished, then names the accounts it created.
 * The step's rules: `shared/steps/describe-account-request.ts`.
 */
import { logger } from '../../shared/logger';
import { stepHandler } from '../../shared/middleware/onboarding-handler';
import { describeAccountRequestInputSchema, type DescribeAccountRequestInput } from '../../shared/onboarding/step-inputs';
import { describeAccountRequest, type AccountRequestResult } from '../../shared/steps/describe-account-request';

/**
 * Describes the request.
 *
 * @param input - `{createAccountRequestId}`, parsed by the handler.
 * @returns `{requestId, state, accounts: [{accountId, partition}], failureReason?}`.
 * @throws AccountRequestInProgressError while the request runs; InvalidInputError when Organizations knows no such request.
 *
 * @example
 * ```ts
 * const result = await describeAccountRequestStep({ createAccountRequestId: 'car-0123456789abcdef' });
 * // { requestId: 'car-0123456789abcdef', state: 'SUCCEEDED',
 * //   accounts: [{ accountId: '444455556666', partition: 'aws' }, { accountId: '777788889999', partition: 'aws-us-gov' }] }
 * ```
 */
export async function describeAccountRequestStep(input: DescribeAccountRequestInput): Promise<AccountRequestResult> {
  const result = await describeAccountRequest(input);
  logger.info('account request', { ...result });
  return result;
}

/** Lambda entry point. */
export const handler = stepHandler('DescribeAccountRequest', describeAccountRequestInputSchema, describeAccountRequestStep);
