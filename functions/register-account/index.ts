/**
 * RegisterAccount: once the role is proven assumable, registers the account with Datadog (role delegation), or
 * converges the existing registration. Datadog never sees a role that does not work.
 */
import { pickEnv, readEnv } from '../../shared/config';
import { datadogApiFor } from '../../shared/datadog/api-from-env';
import { registerAccount, type RegistrationResult } from '../../shared/datadog/registration';
import { logger } from '../../shared/logger';
import { onboardingHandler } from '../../shared/middleware/onboarding-handler';
import { externalIdInputSchema, parseStepInput } from '../../shared/onboarding/step-inputs';

const STEP = 'RegisterAccount';

/** Splits the `DatadogAccountTags` parameter (`key:value,key:value`) into tags, dropping blanks. */
export function parseAccountTags(value: string): string[] {
  return value
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0);
}

/**
 * Registers the account.
 *
 * @param event - `{target, externalId}`.
 * @returns `{accountConfigId, roleName, externalId, action}`.
 * @throws DatadogRequestError, DatadogKeysError, TransientError.
 */
export async function registerAccountStep(event: unknown): Promise<RegistrationResult> {
  const { target, externalId } = parseStepInput(externalIdInputSchema, event, STEP);
  const env = readEnv(pickEnv('DATADOG_ACCOUNT_TAGS', 'DATADOG_METRICS_COLLECTION', 'DATADOG_RESOURCE_COLLECTION'));
  const api = await datadogApiFor(target.datadogSite, { accountId: target.accountId, step: STEP });
  const result = await registerAccount(api, target, externalId, {
    accountTags: parseAccountTags(env.DATADOG_ACCOUNT_TAGS),
    metricsCollection: env.DATADOG_METRICS_COLLECTION,
    resourceCollection: env.DATADOG_RESOURCE_COLLECTION,
  });
  logger.info('account registered', { accountId: target.accountId, accountConfigId: result.accountConfigId, action: result.action });
  return result;
}

/** Lambda entry point. */
export const handler = onboardingHandler(STEP, registerAccountStep);
