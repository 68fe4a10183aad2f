/**
 * The IAM permissions Datadog's standard AWS integration needs.
 *
 * Datadog publishes them at `GET /api/v2/integration/aws/iam_permissions/standard` (no auth needed; Datadog's own
 * CloudFormation fetches them at deploy time). When that endpoint is unreachable the snapshot shipped with this
 * project is used, so an outage of it does not stop onboarding.
 */
import type { AWSIntegrationApi } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/AWSIntegrationApi';
import snapshot from './iam-permissions-standard.snapshot.json';

/** The permissions and where they came from. */
export interface StandardPermissions {
  actions: string[];
  source: 'datadog' | 'snapshot';
}

/** The snapshot of Datadog's published list (refreshed by hand from the endpoint above). */
export const STANDARD_PERMISSIONS_SNAPSHOT: readonly string[] = snapshot;

/**
 * Fetches the published list, falling back to the snapshot when the call fails or returns nothing usable.
 * Never throws.
 */
export async function standardPermissions(api: AWSIntegrationApi): Promise<StandardPermissions> {
  try {
    const response = await api.getAWSIntegrationIAMPermissionsStandard();
    const actions = response.data?.attributes?.permissions;
    if (Array.isArray(actions) && actions.length > 0 && actions.every((action) => /^[\w-]+:[\w*]+$/.test(action))) {
      return { actions: [...actions], source: 'datadog' };
    }
  } catch {
    // The snapshot below is the documented fallback; the caller logs the source.
  }
  return { actions: [...STANDARD_PERMISSIONS_SNAPSHOT], source: 'snapshot' };
}
