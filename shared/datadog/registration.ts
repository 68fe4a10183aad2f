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
import { datadogFailure, datadogStatus } from './api-errors';

/** Splits the `DatadogAccountTags` parameter (`key:value,key:value`) into tags, dropping blanks. */
export function parseAccountTags(value: string): string[] {
  return value
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0);
}

/** Registration settings from the stack parameters. */
export interface RegistrationSettings {
  /** `key:value` tags Datadog adds to the account's data. */
  accountTags: string[];
  /** CloudWatch metric collection (`metrics_config.enabled`). */
  metricsCollection: boolean;
  /** Resource collection (`resources_config.extended_collection`). */
  resourceCollection: boolean;
}

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

function desiredAttributes(target: OnboardingTarget, auth: RegistrationAuth, settings: RegistrationSettings) {
  return {
    awsAccountId: target.accountId,
    awsPartition: target.partition,
    authConfig:
      auth.kind === 'role'
        ? { roleName: target.roleName, externalId: auth.externalId }
        : { accessKeyId: auth.accessKeyId, secretAccessKey: auth.secretAccessKey },
    accountTags: [...settings.accountTags].sort(),
    metricsConfig: { enabled: settings.metricsCollection },
    resourcesConfig: { extendedCollection: settings.resourceCollection },
  };
}

/** Datadog never returns a secret access key, so keys compare by their id. */
function sameAuth(registration: AWSAccountResponseData, wanted: ReturnType<typeof desiredAttributes>['authConfig']): boolean {
  const current = registration.attributes?.authConfig as { roleName?: string; externalId?: string; accessKeyId?: string } | undefined;
  if ('roleName' in wanted) return current?.roleName === wanted.roleName && current?.externalId === wanted.externalId;
  return current?.roleName === undefined && current?.accessKeyId === wanted.accessKeyId;
}

/** The attributes that differ from the wanted ones, for a PATCH; empty when the registration already matches. */
export function registrationDifferences(
  registration: AWSAccountResponseData,
  wanted: ReturnType<typeof desiredAttributes>,
): Partial<AWSAccountUpdateRequestAttributes> {
  const current = registration.attributes;
  const diff: Partial<AWSAccountUpdateRequestAttributes> = {};
  if (current?.awsPartition !== wanted.awsPartition) diff.awsPartition = wanted.awsPartition;
  if (!sameAuth(registration, wanted.authConfig)) diff.authConfig = wanted.authConfig;
  if (JSON.stringify([...(current?.accountTags ?? [])].sort()) !== JSON.stringify(wanted.accountTags)) {
    diff.accountTags = wanted.accountTags;
  }
  if (current?.metricsConfig?.enabled !== wanted.metricsConfig.enabled) {
    diff.metricsConfig = { ...current?.metricsConfig, enabled: wanted.metricsConfig.enabled };
  }
  if (current?.resourcesConfig?.extendedCollection !== wanted.resourcesConfig.extendedCollection) {
    diff.resourcesConfig = { ...current?.resourcesConfig, extendedCollection: wanted.resourcesConfig.extendedCollection };
  }
  return diff;
}

/**
 * Registers the account (role delegation or access key), or converges an existing registration (PATCH of what
 * differs). A 409 from a concurrent create is resolved by adopting the registration that won.
 *
 * @param auth - the external ID in the validated trust policy, or the validated access key.
 * @param step - the step registering (state name, or `RotateAccessKey`), for error messages.
 * @throws DatadogRequestError / TransientError from {@link datadogFailure}.
 */
export async function registerAccount(
  api: AWSIntegrationApi,
  target: OnboardingTarget,
  auth: RegistrationAuth,
  settings: RegistrationSettings,
  step: string,
): Promise<RegistrationResult> {
  const context = { accountId: target.accountId, step };
  const wanted = desiredAttributes(target, auth, settings);
  const result = (accountConfigId: string, action: RegistrationResult['action']): RegistrationResult => ({
    accountConfigId,
    authType: auth.kind,
    roleName: auth.kind === 'role' ? target.roleName : null,
    externalId: auth.kind === 'role' ? auth.externalId : null,
    accessKeyId: auth.kind === 'access_keys' ? auth.accessKeyId : null,
    action,
  });

  let existing = await findRegistration(api, target.accountId, step);
  if (existing === undefined) {
    try {
      const created = await api.createAWSAccount({ body: { data: { type: 'account', attributes: wanted } } });
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

  const differences = registrationDifferences(existing, wanted);
  if (Object.keys(differences).length === 0) return result(existing.id, 'unchanged');
  try {
    await api.updateAWSAccount({
      awsAccountConfigId: existing.id,
      body: { data: { type: 'account', attributes: { awsAccountId: target.accountId, ...differences } } },
    });
  } catch (error) {
    throw datadogFailure(error, 'updateAWSAccount', context);
  }
  return result(existing.id, 'updated');
}
