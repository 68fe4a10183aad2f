/**
 * The AWS managed policies every sandbox account can attach: `arn:<partition>:iam::aws:policy/<name>`.
 *
 * AWS maintains these (IAM User Guide, "AWS managed policies"); the sandbox carries small stand-ins of the ones the
 * product and its tests attach, enough for authorisation to be evaluated for real against the simulated calls.
 */
import type { Partition } from '../../shared/partitions';
import { awsManagedPolicyArn } from '../../shared/partitions';
import type { ManagedPolicyState } from './state';

function awsManagedPolicy(policyName: string, policyId: string, description: string, action: string | string[]): ManagedPolicyState {
  const document = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
  return {
    policyName,
    policyId,
    path: '/',
    description,
    createdMs: 0,
    updatedMs: 0,
    tags: {},
    versions: [{ versionId: 'v1', document, createdMs: 0 }],
    defaultVersionId: 'v1',
    defaultVersionHistory: [{ versionId: 'v1', effectiveMs: 0 }],
    nextVersionNumber: 2,
  };
}

/** The AWS managed policies the sandbox knows, by name, with their only version `v1`. */
export const AWS_MANAGED_POLICIES: Record<string, ManagedPolicyState> = {
  AdministratorAccess: awsManagedPolicy(
    'AdministratorAccess',
    'ANPAIWMBCKSKIEE64ZLYK',
    'Provides full access to AWS services and resources.',
    '*',
  ),
  // A read-only APPROXIMATION of the real SecurityAudit (which grants configuration reads across hundreds of
  // services): it covers the simulated services' metadata reads and, like the real one, no secret values.
  SecurityAudit: awsManagedPolicy(
    'SecurityAudit',
    'ANPAIX2T3QCXHR2OGGCTO',
    'The security audit template grants access to read security configuration metadata.',
    [
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
      'ec2:Describe*',
      's3:GetBucket*',
      's3:ListAllMyBuckets',
      'cloudtrail:DescribeTrails',
    ],
  ),
};

/**
 * An AWS managed policy by ARN, or `undefined`. Its ARN carries the partition (`arn:aws-us-gov:iam::aws:policy/…` in
 * GovCloud): one of another partition does not exist there.
 */
export function findAwsManagedPolicy(partition: Partition, arn: string): ManagedPolicyState | undefined {
  const prefix = awsManagedPolicyArn(partition, '');
  const name = arn.slice(prefix.length);
  return arn.startsWith(prefix) && Object.hasOwn(AWS_MANAGED_POLICIES, name) ? AWS_MANAGED_POLICIES[name] : undefined;
}
