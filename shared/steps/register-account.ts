/**
 * The RegisterAccount step: once the role (or the access key) is proven usable, registers the account with Datadog,
 * or converges the existing registration. Datadog never sees a role or key that does not work.
 */
import { datadogApiFor } from '../datadog/api-from-env';
import { registerAccount as convergeRegistration, type RegistrationAuth, type RegistrationResult } from '../datadog/registration';
import { InvalidInputError, OnboardingError } from '../errors';
import { readStoredKey } from '../onboarding/access-key-secret';
import type { RegisterAccountInput } from '../onboarding/step-inputs';

const STEP = 'RegisterAccount';

/** The authentication to register: the role's external ID, or the stored key (read here, passed only to Datadog). */
async function authFor({ target, externalId, keySecretArn }: RegisterAccountInput): Promise<RegistrationAuth> {
  const context = { accountId: target.accountId, step: STEP };
  if (target.authType === 'role') {
    if (!externalId) throw new InvalidInputError('input externalId: required with role delegation', context);
    return { kind: 'role', externalId };
  }
  const stored = keySecretArn ? await readStoredKey(keySecretArn) : undefined;
  if (!stored)
    throw new OnboardingError(`the key secret ${keySecretArn} holds no access key`, {
      ...context,
      remedy: 'Replay the account: provisioning stores a new key',
    });
  return { kind: 'access_keys', ...stored.key };
}

/**
 * Registers the account with role delegation (the external ID) or access keys (the key in the secret), with the
 * account's settings from the document (`input.settings`, resolved by ResolveTarget); an existing registration is
 * PATCHed with only what differs.
 *
 * @returns `{accountConfigId, authType, roleName, externalId, accessKeyId, action, changed}`.
 * @throws InvalidInputError without an external ID under role delegation; OnboardingError when the key secret
 *   holds no key; DatadogRequestError, DatadogKeysError, TransientError.
 */
export async function registerAccount(input: RegisterAccountInput): Promise<RegistrationResult> {
  const { target } = input;
  const api = await datadogApiFor(target.datadogSite, { accountId: target.accountId, step: STEP });
  return convergeRegistration(api, target, await authFor(input), input.settings, STEP);
}
