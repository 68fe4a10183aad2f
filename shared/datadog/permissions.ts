/**
 * The IAM permissions Datadog's AWS integration needs: the standard list, and the resource-collection list for
 * accounts whose settings turn on extended resource collection (or CSPM).
 *
 * Datadog publishes them at `GET /api/v2/integration/aws/iam_permissions/standard` and
 * `GET /api/v2/integration/aws/iam_permissions/resource_collection` (no auth needed; Datadog's own CloudFormation
 * fetches them at deploy time). When an endpoint is unreachable the snapshot shipped with this project is used, so an
 * outage of it does not stop onboarding.
 */
import type { AWSIntegrationApi } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/AWSIntegrationApi';
import type { AWSIntegrationIamPermissionsResponse } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSIntegrationIamPermissionsResponse';
import resourceCollectionSnapshot from './iam-permissions-resource-collection.snapshot.json';
import snapshot from './iam-permissions-standard.snapshot.json';

/** The permissions and where they came from. */
export interface StandardPermissions {
  actions: string[];
  source: 'datadog' | 'snapshot';
}

/** The snapshot of Datadog's published list (refreshed by hand from the endpoint above). */
export const STANDARD_PERMISSIONS_SNAPSHOT: readonly string[] = snapshot;

/**
 * The snapshot of Datadog's resource-collection list: 719 read actions, as Datadog's own role template
 * (DataDog/cloudformation-template, aws/datadog_integration_role.yaml, managed policies 1-4) grants them.
 */
export const RESOURCE_COLLECTION_PERMISSIONS_SNAPSHOT: readonly string[] = resourceCollectionSnapshot;

async function published(
  fetch: () => Promise<AWSIntegrationIamPermissionsResponse>,
  fallback: readonly string[],
): Promise<StandardPermissions> {
  try {
    const actions = (await fetch()).data?.attributes?.permissions;
    if (Array.isArray(actions) && actions.length > 0 && actions.every((action) => /^[\w-]+:[\w*]+$/.test(action))) {
      return { actions: [...actions], source: 'datadog' };
    }
  } catch {
    // The snapshot below is the documented fallback; the caller logs the source.
  }
  return { actions: [...fallback], source: 'snapshot' };
}

/**
 * Fetches the published standard list, falling back to the snapshot when the call fails or returns nothing usable.
 * Never throws.
 */
export function standardPermissions(api: AWSIntegrationApi): Promise<StandardPermissions> {
  return published(() => api.getAWSIntegrationIAMPermissionsStandard(), STANDARD_PERMISSIONS_SNAPSHOT);
}

/**
 * Fetches the published resource-collection list, falling back to its snapshot. Never throws.
 */
export function resourceCollectionPermissions(api: AWSIntegrationApi): Promise<StandardPermissions> {
  return published(() => api.getAWSIntegrationIAMPermissionsResourceCollection(), RESOURCE_COLLECTION_PERMISSIONS_SNAPSHOT);
}
