/**
 * The account's registration in Datadog's AWS integration (API v2): finding it, and creating or converging it (the
 * RegisterAccount step and the access-key rotation). A registration is looked up by AWS account id first, because the `awsAccountConfigId`
 * is Datadog's own UUID. This module never deletes a registration.
 */
import type { AWSIntegrationApi } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/AWSIntegrationApi';
import type { AWSAccountResponseData } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAccountResponseData';
import type { AWSAccountUpdateRequestAttributes } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAccountUpdateRequestAttributes';
import { OnboardingError, TransientError } from '../errors';
import type { OnboardingTarget } from '../onboarding/target';
import { registrationSettings, toClientAttributes } from '../settings/datadog-model';
import { settingsDrift, settingsPatch } from '../settings/drift';
import type { AccountSettings } from '../settings/schema';
import { datadogFailure, datadogStatus } from './api-errors';

/** What the registration step reports, carried in the state machine as `$.datadog`. */
export interface RegistrationResult {
  /** Datadog's `awsAccountConfigId` (UUID). */
  accountConfigId: string;
  authType: 'role' | 'access_keys';
  /** Role delegation: the role and external ID; `null` with access keys. */
  roleName: string | null;
  externalId: string | null;
  /** Access keys: the key's id (not secret; Datadog shows it); `null` with role delegation. */
  accessKeyId: string | null;
  action: 'created' | 'updated' | 'unchanged';
  /** What the PATCH of an existing registration changed (`auth_config`, `aws_partition`, settings paths); empty otherwise. */
  changed: string[];
}

/**
 * Finds the account's registration.
 *
 * @returns the registration, or `undefined` when Datadog holds none for the account.
 * @throws OnboardingError when Datadog holds several (it should not; a person must choose).
 */
export async function findRegistration(
  api: AWSIntegrationApi,
  accountId: string,
  step: string,
): Promise<AWSAccountResponseData | undefined> {
  let found: AWSAccountResponseData[];
  try {
    found = (await api.listAWSAccounts({ awsAccountId: accountId })).data ?? [];
  } catch (error) {
    throw datadogFailure(error, 'listAWSAccounts', { accountId, step });
  }
  const matching = found.filter((registration) => registration.attributes?.awsAccountId === accountId);
  if (matching.length > 1) {
    throw new OnboardingError(`Datadog holds ${matching.length} registrations of the account`, {
      accountId,
      step,
      remedy: 'Delete the duplicates in Datadog (Integrations > AWS), then replay the account',
    });
  }
  return matching[0];
}

/** How Datadog authenticates: role delegation with the external ID, or the access key (never logged). */
export type RegistrationAuth = { kind: 'role'; externalId: string } | { kind: 'access_keys'; accessKeyId: string; secretAccessKey: string };

function authAttributes(target: OnboardingTarget, auth: RegistrationAuth) {
  return {
    awsAccountId: target.accountId,
    awsPartition: target.partition,
    authConfig:
      auth.kind === 'role'
        ? { roleName: target.roleName, externalId: auth.externalId }
        : { accessKeyId: auth.accessKeyId, secretAccessKey: auth.secretAccessKey },
  };
}

type AuthAttributes = ReturnType<typeof authAttributes>;

/** Datadog never returns a secret access key, so keys compare by their id. */
function sameAuth(registration: AWSAccountResponseData, wanted: AuthAttributes['authConfig']): boolean {
  const current = registration.attributes?.authConfig as { roleName?: string; externalId?: string; accessKeyId?: string } | undefined;
  if ('roleName' in wanted) return current?.roleName === wanted.roleName && current?.externalId === wanted.externalId;
  return current?.roleName === undefined && current?.accessKeyId === wanted.accessKeyId;
}

/**
 * The attributes that differ from the wanted ones, for a PATCH: the partition, the authentication, and each settings
 * section that drifted from the document (shared/settings/drift.ts); empty when the registration already matches.
 *
 * @param settings - the account's settings from the document; `undefined` leaves Datadog's settings as they are
 *   (the access-key rotation changes only the key).
 * @returns the client's attributes and the paths that differ (Datadog's names).
 */
export function registrationDifferences(
  registration: AWSAccountResponseData,
  wanted: AuthAttributes,
  settings: AccountSettings | undefined,
): { attributes: Partial<AWSAccountUpdateRequestAttributes>; changed: string[] } {
  const current = registration.attributes;
  const attributes: Partial<AWSAccountUpdateRequestAttributes> = {};
  const changed: string[] = [];
  if (current?.awsPartition !== wanted.awsPartition) {
    attributes.awsPartition = wanted.awsPartition;
    changed.push('aws_partition');
  }
  if (!sameAuth(registration, wanted.authConfig)) {
    attributes.authConfig = wanted.authConfig;
    changed.push('auth_config');
  }
  if (settings !== undefined) {
    const held = registrationSettings(current);
    changed.push(...settingsDrift(held, settings));
    Object.assign(attributes, toClientAttributes(settingsPatch(held, settings)));
  }
  return { attributes, changed };
}

/**
 * Registers the account (role delegation or access key) with its settings from the document, or converges an
 * existing registration (PATCH of only what differs). A 409 from a concurrent create is resolved by adopting the registration that won.
 *
 * @param auth - the external ID in the validated trust policy, or the validated access key.
 * @param settings - the account's settings (`desiredSettingsFor`); `undefined` converges only the authentication.
 * @param step - the step registering (state name, or `RotateAccessKey`), for error messages.
 * @throws DatadogRequestError / TransientError from {@link datadogFailure}; OnboardingError when there is no
 *   registration and no settings to create one with.
 */
export async function registerAccount(
  api: AWSIntegrationApi,
  target: OnboardingTarget,
  auth: RegistrationAuth,
  settings: AccountSettings | undefined,
  step: string,
): Promise<RegistrationResult> {
  const context = { accountId: target.accountId, step };
  const wanted = authAttributes(target, auth);
  const result = (accountConfigId: string, action: RegistrationResult['action'], changed: string[] = []): RegistrationResult => ({
    accountConfigId,
    authType: auth.kind,
    roleName: auth.kind === 'role' ? target.roleName : null,
    externalId: auth.kind === 'role' ? auth.externalId : null,
    accessKeyId: auth.kind === 'access_keys' ? auth.accessKeyId : null,
    action,
    changed,
  });

  let existing = await findRegistration(api, target.accountId, step);
  if (existing === undefined) {
    if (settings === undefined) {
      throw new OnboardingError('Datadog holds no registration of the account', {
        ...context,
        remedy: 'Replay the account: onboarding registers it with its settings',
      });
    }
    try {
      const attributes = { ...toClientAttributes(settings), ...wanted };
      const created = await api.createAWSAccount({ body: { data: { type: 'account', attributes } } });
      return result(created.data.id, 'created');
    } catch (error) {
      if (datadogStatus(error) !== 409) throw datadogFailure(error, 'createAWSAccount', context);
      // Created meanwhile by someone else: converge that registration instead of failing.
      existing = await findRegistration(api, target.accountId, step);
      if (existing === undefined) {
        // Datadog's list may not show the winner yet: try again shortly, then adopt it.
        throw new TransientError('Datadog answered 409 to createAWSAccount but does not list the registration yet', context);
      }
    }
  }

  const differences = registrationDifferences(existing, wanted, settings);
  if (differences.changed.length === 0) return result(existing.id, 'unchanged');
  try {
    await api.updateAWSAccount({
      awsAccountConfigId: existing.id,
      body: { data: { type: 'account', attributes: { awsAccountId: target.accountId, ...differences.attributes } } },
    });
  } catch (error) {
    throw datadogFailure(error, 'updateAWSAccount', context);
  }
  return result(existing.id, 'updated', differences.changed);
}
