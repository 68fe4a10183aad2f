/**
 * Deleting a registration from Datadog's AWS integration (API v2 `DeleteAWSAccount`, `DELETE
 * /api/v2/integration/aws/accounts/{aws_account_config_id}`), when an account is offboarded. Which registration may be
 * deleted is decided by the caller from this application's record (`shared/steps/remove-registration.ts`).
 */
import type { AWSIntegrationApi } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/AWSIntegrationApi';
import type { ErrorContext } from '../errors';
import { datadogFailure, datadogStatus } from './api-errors';

/**
 * Deletes the registration of that config id.
 *
 * @returns `deleted`, or `absent` when Datadog no longer holds it (404: deleted meanwhile, e.g. by a replay).
 * @throws TransientError (429, 5xx, network), DatadogRequestError (other statuses).
 */
export async function deleteRegistration(
  api: AWSIntegrationApi,
  accountConfigId: string,
  context: ErrorContext,
): Promise<'deleted' | 'absent'> {
  try {
    await api.deleteAWSAccount({ awsAccountConfigId: accountConfigId });
    return 'deleted';
  } catch (error) {
    if (datadogStatus(error) === 404) return 'absent';
    throw datadogFailure(error, 'deleteAWSAccount', context);
  }
}
