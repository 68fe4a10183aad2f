/**
 * Marking the IAM resources this tool creates, so it converges its own and leaves everyone else's alone.
 */
import type { Tag } from '@aws-sdk/client-iam';

/** Tag key on every role, policy and user this tool creates. */
export const MANAGED_BY_TAG_KEY = 'managed-by';
/** Tag value: this tool's name. */
export const MANAGED_BY_TAG_VALUE = 'datadog-aws-account-onboarding';

/** The tags put on resources this tool creates. */
export function ownershipTags(): Tag[] {
  return [{ Key: MANAGED_BY_TAG_KEY, Value: MANAGED_BY_TAG_VALUE }];
}

/** True when the tags say this tool created the resource. */
export function isManagedByThisTool(tags: Tag[] | undefined): boolean {
  return (tags ?? []).some((tag) => tag.Key === MANAGED_BY_TAG_KEY && tag.Value === MANAGED_BY_TAG_VALUE);
}
