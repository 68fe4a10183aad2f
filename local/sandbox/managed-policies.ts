/**
 * Small stand-ins of the AWS managed policies (IAM User Guide, "AWS managed policies") the product and its tests
 * attach, `arn:<partition>:iam::aws:policy/<name>`: enough for authorisation to be evaluated for real.
 */
import type { Partition } from '../../shared/partitions';
import { awsManagedPolicyArn } from '../../shared/partitions';
import type { ManagedPolicyState } from './state';
import { newPolicy } from './state';

function awsManagedPolicy(policyName: string, policyId: string, description: string, action: string | string[]) {
  const document = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
  return [policyName, { ...newPolicy(policyName, document, 0, { path: '/', tags: {}, description }), policyId }] as const;
}

/** The AWS managed policies the sandbox knows, by name, with their only version `v1`. */
const AWS_MANAGED_POLICIES = new Map<string, ManagedPolicyState>([
  awsManagedPolicy('AdministratorAccess', 'ANPAIWMBCKSKIEE64ZLYK', 'Provides full access to AWS services and resources.', '*'),
  // A read-only APPROXIMATION of the real SecurityAudit (which grants configuration reads across hundreds of
  // services): it covers the simulated services' metadata reads and, like the real one, no secret values.
  awsManagedPolicy(
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
]);

/** An AWS managed policy by ARN (of the account's partition: GovCloud's are `arn:aws-us-gov:…`), or `undefined`. */
export function findAwsManagedPolicy(partition: Partition, arn: string): ManagedPolicyState | undefined {
  const prefix = awsManagedPolicyArn(partition, '');
  return arn.startsWith(prefix) ? AWS_MANAGED_POLICIES.get(arn.slice(prefix.length)) : undefined;
}
