/**
 * AWS partitions and partition-aware ARNs.
 *
 * Every ARN this project builds goes through {@link arn} so that GovCloud (`aws-us-gov`) and China (`aws-cn`)
 * work like the commercial partition.
 */

/** The AWS partitions (source: AWS General Reference, "Amazon Resource Names", partition element). */
export const PARTITIONS = ['aws', 'aws-us-gov', 'aws-cn'] as const;

/** One of {@link PARTITIONS}. */
export type Partition = (typeof PARTITIONS)[number];

/**
 * Gives the partition a region belongs to.
 *
 * @param region - an AWS region code such as `us-east-1`, `us-gov-west-1` or `cn-north-1`.
 * @returns `aws-us-gov` for `us-gov-*`, `aws-cn` for `cn-*`, otherwise `aws`.
 */
export function partitionOfRegion(region: string): Partition {
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('cn-')) return 'aws-cn';
  return 'aws';
}

/**
 * Builds an ARN in the given partition.
 *
 * @param partition - the partition of the resource.
 * @param service - the service namespace, e.g. `iam`, `sts`, `states`.
 * @param region - the region, or `''` for global services such as IAM.
 * @param accountId - the 12-digit account id, or `''` (AWS managed policies use `aws`).
 * @param resource - the resource part, e.g. `role/DatadogIntegrationRole`.
 * @returns `arn:<partition>:<service>:<region>:<accountId>:<resource>`.
 */
export function arn(partition: Partition, service: string, region: string, accountId: string, resource: string): string {
  return ['arn', partition, service, region, accountId, resource].join(':');
}

/** ARN of an IAM role: `arn:<partition>:iam::<accountId>:role/<roleName>`. */
export function roleArn(partition: Partition, accountId: string, roleName: string): string {
  return arn(partition, 'iam', '', accountId, `role/${roleName}`);
}

/** ARN of a customer managed policy: `arn:<partition>:iam::<accountId>:policy/<policyName>`. */
export function policyArn(partition: Partition, accountId: string, policyName: string): string {
  return arn(partition, 'iam', '', accountId, `policy/${policyName}`);
}

/** ARN of an AWS managed policy, e.g. `SecurityAudit`: `arn:<partition>:iam::aws:policy/<policyName>`. */
export function awsManagedPolicyArn(partition: Partition, policyName: string): string {
  return arn(partition, 'iam', '', 'aws', `policy/${policyName}`);
}

/** ARN of an account's root principal, as used in trust policies: `arn:<partition>:iam::<accountId>:root`. */
export function accountRootArn(partition: Partition, accountId: string): string {
  return arn(partition, 'iam', '', accountId, 'root');
}
