/**
 * The version of an integration policy: a hash of the permission list it was built from, recorded per account so
 * reconciliation sees that Datadog's published permissions changed without reading every account's policy.
 */
import { createHash } from 'node:crypto';

/**
 * sha256 (hex) of the sorted, de-duplicated permission list, one action per line.
 *
 * @example
 * ```ts
 * policyHashOf(['s3:GetBucketTagging', 'ec2:Describe*']) === policyHashOf(['ec2:Describe*', 's3:GetBucketTagging']); // true
 * ```
 */
export function policyHashOf(actions: readonly string[]): string {
  return createHash('sha256')
    .update([...new Set(actions)].sort().join('\n'))
    .digest('hex');
}
