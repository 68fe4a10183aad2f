/**
 * Regions to send global-service calls to.
 */
import { pickEnv, readEnv } from '../config';
import { partitionOfRegion, type Partition } from '../partitions';

/**
 * Region whose endpoint serves IAM for a partition. IAM is global per partition; its endpoints live in
 * us-east-1, us-gov-west-1 and cn-north-1 (AWS General Reference, "AWS Identity and Access Management endpoints").
 */
export function iamRegion(partition: Partition): string {
  switch (partition) {
    case 'aws-us-gov':
      return 'us-gov-west-1';
    case 'aws-cn':
      return 'cn-north-1';
    default:
      return 'us-east-1';
  }
}

/**
 * Region for STS calls: the function's own region (regional endpoints are the SDK v3 default), or the partition's
 * IAM region when the account being reached is in another partition.
 */
export function stsRegion(partition: Partition): string {
  const ownRegion = readEnv(pickEnv('AWS_REGION')).AWS_REGION;
  return partitionOfRegion(ownRegion) === partition ? ownRegion : iamRegion(partition);
}
