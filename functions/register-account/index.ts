/**
 * RegisterAccount: once the role is proven assumable, registers the account with Datadog (role delegation), or
 * converges the existing registration. Datadog never sees a role that does not work.
 */
import { pickEnv, readEnv } from '../../shared/config';
import { datadogApiFor } from '../../shared/datadog/api-from-env';
import { parseAccountTags, registerAccount, type RegistrationAuth, type RegistrationResult } from '../../shared/datadog/registration';

export { parseAccountTags };
import { InvalidInputError, OnboardingError } from '../../shared/errors';
import { readStoredKey } from '../../shared/onboarding/access-key-secret';
import type { OnboardingTarget } from '../../shared/onboarding/target';
import { logger } from '../../shared/logger';
import { onboardingHandler } from '../../shared/middleware/onboarding-handler';
import { parseStepInput, targetSchema } from '../../shared/onboarding/step-inputs';
import { z } from 'zod';

const STEP = 'RegisterAccount';

const registerInputSchema = z.object({
  target: targetSchema,
  externalId: z.string().regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be an external ID').nullable(),
  keySecretArn: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:/, 'must be a Secrets Manager secret ARN').nullable(),
});

/** The authentication to register: the role's external ID, or the stored key (read here, passed only to Datadog). */
async function authFor(target: OnboardingTarget, externalId: string | null, keySecretArn: string | null): Promise<RegistrationAuth> {
  const context = { accountId: target.accountId, step: STEP };
  if (target.authType === 'role') {
    if (!externalId) throw new InvalidInputError('input externalId: required with role delegation', context);
    return { kind: 'role', externalId };
  }
  const stored = keySecretArn ? await readStoredKey(keySecretArn) : undefined;
  if (!stored) throw new OnboardingError(`the key secret ${keySecretArn} holds no access key`, { ...context, remedy: 'Replay the account: provisioning stores a new key' });
  return { kind: 'access_keys', ...stored.key };
}


/**
 * Registers the account.
 *
 * @param event - `{target, externalId, keySecretArn}`: the external ID with role delegation, the key secret's ARN with
 *   access keys (the other `null`).
 * @returns `{accountConfigId, authType, roleName, externalId, accessKeyId, action}`.
 * @throws DatadogRequestError, DatadogKeysError, TransientError.
 */
export async function registerAccountStep(event: unknown): Promise<RegistrationResult> {
  const { target, externalId, keySecretArn } = parseStepInput(registerInputSchema, event, STEP);
  const env = readEnv(pickEnv('DATADOG_ACCOUNT_TAGS', 'DATADOG_METRICS_COLLECTION', 'DATADOG_RESOURCE_COLLECTION'));
  const api = await datadogApiFor(target.datadogSite, { accountId: target.accountId, step: STEP });
  const result = await registerAccount(api, target, await authFor(target, externalId, keySecretArn), {
    accountTags: parseAccountTags(env.DATADOG_ACCOUNT_TAGS),
    metricsCollection: env.DATADOG_METRICS_COLLECTION,
    resourceCollection: env.DATADOG_RESOURCE_COLLECTION,
  });
  logger.info('account registered', { accountId: target.accountId, accountConfigId: result.accountConfigId, action: result.action });
  return result;
}

/** Lambda entry point. */
export const handler = onboardingHandler(STEP, registerAccountStep);
