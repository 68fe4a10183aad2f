/**
 * The Datadog client of a function, from its environment and the target's site.
 */
import type { AWSIntegrationApi } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/AWSIntegrationApi';
import { pickEnv, readEnv } from '../config';
import type { DatadogSite } from '../datadog-sites';
import type { ErrorContext } from '../errors';
import { awsIntegrationApi } from './client';
import { readDatadogKeys } from './keys';

/**
 * Reads the keys from the secret named by `DATADOG_KEYS_SECRET_ARN` and builds the client for the site
 * (or for `DATADOG_API_URL` when set, in local runs), each request bounded by `DATADOG_TIMEOUT_SECONDS` when set (a
 * local run's), else by `options.timeoutSeconds` (default 10).
 *
 * @param context - the account and step, for error messages.
 * @param options - `timeoutSeconds`: the bound on each request, body included, seconds.
 *
 * @throws DatadogKeysError, TransientError (see `readDatadogKeys`), InvalidInputError for a bad environment.
 */
export async function datadogApiFor(
  site: DatadogSite,
  context: ErrorContext,
  options: { timeoutSeconds?: number } = {},
): Promise<AWSIntegrationApi> {
  const env = readEnv(pickEnv('DATADOG_KEYS_SECRET_ARN', 'DATADOG_API_URL', 'DATADOG_TIMEOUT_SECONDS'));
  const keys = await readDatadogKeys(env.DATADOG_KEYS_SECRET_ARN, context);
  const timeoutSeconds = env.DATADOG_TIMEOUT_SECONDS ?? options.timeoutSeconds;
  return awsIntegrationApi({ site, keys, apiUrl: env.DATADOG_API_URL, timeoutSeconds });
}
