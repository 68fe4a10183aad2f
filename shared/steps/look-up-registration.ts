/**
 * The LookUpRegistration step: asks Datadog whether it already holds the account (adopting that registration's
 * external ID) or generates a new external ID, and fetches the permissions Datadog publishes for the integration
 * policy: the standard list, plus the resource-collection list only where the account's settings collect resources.
 */
import type { AWSIntegrationApi } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/AWSIntegrationApi';
import type { AWSAccountResponseData } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAccountResponseData';
import type { AWSAuthConfigRole } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAuthConfigRole';
import { datadogFailure } from '../datadog/api-errors';
import { datadogApiFor } from '../datadog/api-from-env';
import { resourceCollectionPermissions, standardPermissions } from '../datadog/permissions';
import { findRegistration } from '../datadog/registration';
import { OnboardingError } from '../errors';
import type { LookUpRegistrationInput } from '../onboarding/step-inputs';
import type { OnboardingTarget } from '../onboarding/target';
import { collectsResources } from '../settings/merge';

const STEP = 'LookUpRegistration';

/** The external ID to put in the trust policy, and the registration it came from, if any. */
export interface PreparedExternalId {
  /** Datadog's config id of an existing registration, or `null`. */
  accountConfigId: string | null;
  /** `null` with access keys, which need none. */
  externalId: string | null;
  /** `registration`: adopted from the existing registration; `generated`: new from `createNewAWSExternalID`. */
  source: 'registration' | 'generated' | 'not-needed';
}

/** Output, carried as `$.registration`. The external ID is not a secret: it guards against the confused deputy. */
export interface LookUpRegistrationResult extends PreparedExternalId {
  /** IAM actions for the integration policy: the standard list, plus resource collection's when the settings collect resources. */
  permissions: string[];
  /** `datadog` when fetched from Datadog's endpoints, `snapshot` when one was unreachable. */
  permissionsSource: 'datadog' | 'snapshot';
  /** Whether the permissions include Datadog's resource-collection list. */
  resourceCollection: boolean;
}

function roleAuth(registration: AWSAccountResponseData): AWSAuthConfigRole | undefined {
  const auth = registration.attributes?.authConfig as Partial<AWSAuthConfigRole> | undefined;
  return auth?.roleName !== undefined ? (auth as AWSAuthConfigRole) : undefined;
}

/**
 * Gives the external ID for the trust policy: the existing registration's when there is one with role delegation,
 * otherwise a new one Datadog generates (`createNewAWSExternalID`; it expires if unused for 48 hours).
 */
export async function prepareExternalId(api: AWSIntegrationApi, target: OnboardingTarget): Promise<PreparedExternalId> {
  const existing = await findRegistration(api, target.accountId, STEP);
  if (target.authType === 'access_keys') return { accountConfigId: existing?.id ?? null, externalId: null, source: 'not-needed' };
  const adopted = existing && roleAuth(existing)?.externalId;
  if (existing && adopted) {
    return { accountConfigId: existing.id, externalId: adopted, source: 'registration' };
  }
  let externalId: string | undefined;
  try {
    const generated = await api.createNewAWSExternalID();
    externalId = generated.data.attributes?.externalId;
  } catch (error) {
    throw datadogFailure(error, 'createNewAWSExternalID', { accountId: target.accountId, step: STEP });
  }
  if (!externalId) {
    throw new OnboardingError('Datadog createNewAWSExternalID returned no external ID', { accountId: target.accountId, step: STEP });
  }
  return { accountConfigId: existing?.id ?? null, externalId, source: 'generated' };
}

/**
 * Looks up the registration and the permissions the account's settings need.
 *
 * @param input - `{target, settings}`: the account's settings (ResolveTarget) decide whether the role also gets the
 *   resource-collection permissions (extended collection or CSPM on; Datadog's default is on).
 * @throws DatadogRequestError (e.g. 403 for bad keys), DatadogKeysError, TransientError.
 */
export async function lookUpRegistration({ target, settings }: LookUpRegistrationInput): Promise<LookUpRegistrationResult> {
  const api = await datadogApiFor(target.datadogSite, { accountId: target.accountId, step: STEP });
  const prepared = await prepareExternalId(api, target);
  const lists = [await standardPermissions(api)];
  const resourceCollection = collectsResources(settings);
  if (resourceCollection) lists.push(await resourceCollectionPermissions(api));
  return {
    ...prepared,
    permissions: [...new Set(lists.flatMap((list) => list.actions))],
    permissionsSource: lists.every((list) => list.source === 'datadog') ? 'datadog' : 'snapshot',
    resourceCollection,
  };
}
