/**
 * Marking the IAM resources this tool creates, so it converges its own and leaves everyone else's alone.
 */
import type { Tag } from '@aws-sdk/client-iam';
import { ForeignResourceError, type ErrorContext } from '../errors';

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

/** A resource that exists under the configured name, and how to mark it as this tool's. */
export interface ExistingResource {
  /** `role`, `policy` or `user`, for the message. */
  kind: string;
  arn: string | undefined;
  tags: Tag[] | undefined;
  /** Adds {@link ownershipTags} to it (TagRole, TagPolicy, TagUser). */
  tag: () => Promise<unknown>;
}

/**
 * Makes sure an existing resource is this tool's before it is changed: takes it over (tags it) when allowed.
 *
 * @throws ForeignResourceError when it is not this tool's and takeover is off; nothing is changed then.
 */
export async function claimOwnership(resource: ExistingResource, allowTakeover: boolean, context?: ErrorContext): Promise<void> {
  if (isManagedByThisTool(resource.tags)) return;
  if (!allowTakeover) {
    throw new ForeignResourceError(`${resource.kind} ${resource.arn} exists but was not created by this tool`, {
      ...context,
      remedy: 'Rename it, delete it, or set AllowRoleTakeover to true to let this tool manage it',
    });
  }
  await resource.tag();
}
