/**
 * LookUpRegistration: asks Datadog whether it already holds the account (adopting that registration's external ID)
 * or generates a new external ID, and fetches the permissions Datadog publishes for the integration policy.
 */
import { datadogApiFor } from '../../shared/datadog/api-from-env';
import { standardPermissions } from '../../shared/datadog/permissions';
import { prepareExternalId, type PreparedExternalId } from '../../shared/datadog/registration';
import { logger } from '../../shared/logger';
import { onboardingHandler } from '../../shared/middleware/onboarding-handler';
import { parseStepInput, targetInputSchema } from '../../shared/onboarding/step-inputs';

const STEP = 'LookUpRegistration';

/** Output, carried as `$.registration`. The external ID is not a secret: it guards against the confused deputy. */
export interface LookUpRegistrationResult extends PreparedExternalId {
  /** IAM actions for the integration policy. */
  permissions: string[];
  /** `datadog` when fetched from Datadog's endpoint, `snapshot` when it was unreachable. */
  permissionsSource: 'datadog' | 'snapshot';
}

/**
 * Looks up the registration.
 *
 * @param event - `{target}`.
 * @throws DatadogRequestError (e.g. 403 for bad keys), DatadogKeysError, TransientError.
 */
export async function lookUpRegistrationStep(event: unknown): Promise<LookUpRegistrationResult> {
  const { target } = parseStepInput(targetInputSchema, event, STEP);
  const api = await datadogApiFor(target.datadogSite, { accountId: target.accountId, step: STEP });
  const prepared = await prepareExternalId(api, target);
  const permissions = await standardPermissions(api);
  logger.info('registration looked up', {
    accountId: target.accountId,
    accountConfigId: prepared.accountConfigId,
    externalIdSource: prepared.source,
    permissionsSource: permissions.source,
    permissionCount: permissions.actions.length,
  });
  return { ...prepared, permissions: permissions.actions, permissionsSource: permissions.source };
}

/** Lambda entry point. */
export const handler = onboardingHandler(STEP, lookUpRegistrationStep);
