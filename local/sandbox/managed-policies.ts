/**
 * The AWS managed policies every sandbox account can attach: `arn:<partition>:iam::aws:policy/<name>`.
 *
 * AWS maintains these (IAM User Guide, "AWS managed policies"); the sandbox carries small stand-ins, enough for
 * authorisation to be evaluated for real against the calls the sandbox simulates.
 */
import type { Partition } from '../../shared/partitions';
import { awsManagedPolicyArn } from '../../shared/partitions';

/** One AWS managed policy. */
export interface AwsManagedPolicy {
  policyName: string;
  policyId: string;
  description: string;
  /** The policy document (its only version, `v1`). */
  document: { Version: '2012-10-17'; Statement: Record<string, unknown>[] };
}

/** Read-only actions on the services the sandbox simulates, shared by the read-only stand-ins below. */
const READ_ONLY_ACTIONS = [
  'iam:Get*',
  'iam:List*',
  'iam:GenerateCredentialReport',
  'iam:GenerateServiceLastAccessedDetails',
  'iam:SimulateCustomPolicy',
  'iam:SimulatePrincipalPolicy',
  'organizations:Describe*',
  'organizations:List*',
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetResourcePolicy',
  'secretsmanager:ListSecrets',
  'secretsmanager:ListSecretVersionIds',
  'sts:GetCallerIdentity',
];

/** The managed policies the sandbox knows, by name. */
export const AWS_MANAGED_POLICIES: Record<string, AwsManagedPolicy> = {
  AdministratorAccess: {
    policyName: 'AdministratorAccess',
    policyId: 'ANPAIWMBCKSKIEE64ZLYK',
    description: 'Provides full access to AWS services and resources.',
    document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  },
  ReadOnlyAccess: {
    policyName: 'ReadOnlyAccess',
    policyId: 'ANPAILL3HVNFSB6DCOWYQ',
    // The real policy lists read actions of every service; this stand-in covers the simulated ones (plus a few
    // common ones). Like the real one it does not include secretsmanager:GetSecretValue.
    description: 'Provides read-only access to AWS services and resources.',
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: [...READ_ONLY_ACTIONS, 'ec2:Describe*', 's3:Get*', 's3:List*', 'cloudtrail:Describe*', 'cloudtrail:Get*'],
          Resource: '*',
        },
      ],
    },
  },
  SecurityAudit: {
    policyName: 'SecurityAudit',
    policyId: 'ANPAIX2T3QCXHR2OGGCTO',
    // A read-only APPROXIMATION of the real SecurityAudit (which grants configuration reads across hundreds of
    // services): it covers the simulated services' metadata reads and, like the real one, no secret values.
    description: 'The security audit template grants access to read security configuration metadata.',
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: [...READ_ONLY_ACTIONS, 'ec2:Describe*', 's3:GetBucket*', 's3:ListAllMyBuckets', 'cloudtrail:DescribeTrails'],
          Resource: '*',
        },
      ],
    },
  },
  IAMReadOnlyAccess: {
    policyName: 'IAMReadOnlyAccess',
    policyId: 'ANPAJKSO7NDY4T57MWDSQ',
    description: 'Provides read only access to IAM via the AWS Management Console.',
    document: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['iam:GenerateCredentialReport', 'iam:Get*', 'iam:List*'], Resource: '*' }],
    },
  },
};

/**
 * Finds an AWS managed policy by ARN.
 *
 * @param partition - the partition of the account looking it up: managed policy ARNs carry the partition
 *   (`arn:aws-us-gov:iam::aws:policy/…` in GovCloud), and one of another partition does not exist there.
 * @returns the policy, or `undefined` when `arn` is not a known AWS managed policy of that partition.
 */
export function findAwsManagedPolicy(partition: Partition, arn: string): AwsManagedPolicy | undefined {
  const prefix = awsManagedPolicyArn(partition, '');
  if (!arn.startsWith(prefix)) return undefined;
  const name = arn.slice(prefix.length);
  return Object.hasOwn(AWS_MANAGED_POLICIES, name) ? AWS_MANAGED_POLICIES[name] : undefined;
}
