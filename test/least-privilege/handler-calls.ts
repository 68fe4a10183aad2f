/**
 * What each function of template.yaml calls with its own execution role, read from functions/ and shared/, and the
 * calls that must stay out of its reach. The recorded-run test checks this table against what the handlers really
 * send; the simulation test checks the template's policies against it.
 */
import { datadogPrincipalArn } from '../../shared/datadog-sites';
import { MANAGED_BY_TAG_KEY, MANAGED_BY_TAG_VALUE } from '../../shared/iam/ownership';
import { buildTrustPolicy } from '../../shared/iam/trust-policy';
import type { SimulatedDeployment } from '../../local/iam-simulation/deployment';
import { resolveValue, type Template } from '../../local/template';

/** The member account the calls reach (the sample events' account). */
export const MEMBER_ACCOUNT_ID = '444455556666';
/** An external ID as Datadog generates them. */
export const EXTERNAL_ID = '0123456789abcdef0123456789abcdef';

/** One call a function makes with its own role. */
export interface ExpectedCall {
  action: string;
  /** The resources it is made on; a `*` stands for any characters (a member account, an execution name). */
  resource: string;
  /** A concrete resource of that pattern, to simulate; default {@link ExpectedCall.resource}. */
  sample?: string;
  /** Why the handler makes it. */
  purpose: string;
  /** Request context AWS adds (resource tags, external ID). */
  context?: Record<string, string>;
  /** The resource's own policy, for a resource in another account (a role's trust policy). */
  resourcePolicy?: object;
  /** Made only for member accounts of another partition (GovCloud), which the recorded runs do not reach. */
  otherPartitionOnly?: boolean;
}

/** A call a function must not be able to make. */
export interface ForbiddenCall {
  action: string;
  resource: string;
  why: string;
  context?: Record<string, string>;
  resourcePolicy?: object;
}

/** The deployment the table is written for. */
export interface CallEnvironment {
  template: Template;
  deployment: SimulatedDeployment;
}

function parameter(environment: CallEnvironment, name: string): string {
  return resolveValue(environment.template, { Ref: name }, environment.deployment.resolution);
}

/** A trust policy that lets any principal of the stack's account assume the role, if its own policies allow. */
function trustsStackAccount(deployment: SimulatedDeployment): object {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:${deployment.partition}:iam::${deployment.names.accountId}:root` }, Action: 'sts:AssumeRole' }],
  };
}

/** The Datadog role of the member account, as ProvisionRole leaves it for validation. */
export function datadogRoleDuringValidation(environment: CallEnvironment): { arn: string; trustPolicy: object; tags: Record<string, string> } {
  const { deployment } = environment;
  return {
    arn: `arn:${deployment.partition}:iam::${MEMBER_ACCOUNT_ID}:role/${parameter(environment, 'DatadogRoleName')}`,
    trustPolicy: buildTrustPolicy(datadogPrincipalArn(deployment.datadogSite, deployment.partition), EXTERNAL_ID, deployment.validatorRoleArn),
    tags: { [`aws:ResourceTag/${MANAGED_BY_TAG_KEY}`]: MANAGED_BY_TAG_VALUE },
  };
}

/**
 * The calls each function (and the state machine) makes with its own execution role, by logical id. Calls made with
 * credentials of an assumed member-account role are not listed: that role authorises them.
 */
export function expectedCalls(environment: CallEnvironment): Record<string, ExpectedCall[]> {
  const { deployment } = environment;
  const p = deployment.partition;
  const { region, accountId, stackName } = deployment.names;
  const executions = `arn:${p}:states:${region}:${accountId}:execution:${stackName}-onboarding:*`;
  const describeAccount: ExpectedCall = {
    action: 'organizations:DescribeAccount',
    resource: `arn:${p}:organizations::${accountId}:account/o-*/*`,
    sample: `arn:${p}:organizations::${accountId}:account/o-exampleorgid/${MEMBER_ACCOUNT_ID}`,
    purpose: 'tell a suspended or closing member account from an unreachable one (shared/aws/account-status.ts)',
  };
  const readPartitionCredentials: ExpectedCall = {
    action: 'secretsmanager:GetSecretValue',
    resource: `arn:${p}:secretsmanager:${region}:${accountId}:secret:${parameter(environment, 'PartitionCredentialsSecretPrefix')}*-credentials-*`,
    sample: `arn:${p}:secretsmanager:${region}:${accountId}:secret:${parameter(environment, 'PartitionCredentialsSecretPrefix')}aws-us-gov-credentials-AbCdEf`,
    purpose: "read another partition's access key to reach its accounts (shared/aws/partition-credentials.ts)",
    otherPartitionOnly: true,
  };
  const reachMember: ExpectedCall[] = [
    ...['MemberAccessRoleName', 'ControlTowerAccessRoleName'].map((name) => ({
      action: 'sts:AssumeRole',
      resource: `arn:${p}:iam::*:role/${parameter(environment, name)}`,
      sample: `arn:${p}:iam::${MEMBER_ACCOUNT_ID}:role/${parameter(environment, name)}`,
      purpose: `reach the member account through ${name} (shared/aws/member-account.ts)`,
      resourcePolicy: trustsStackAccount(deployment),
    })),
    describeAccount,
    readPartitionCredentials,
  ];
  const readKeys: ExpectedCall = {
    action: 'secretsmanager:GetSecretValue',
    resource: deployment.secretArn,
    purpose: 'read the Datadog keys (shared/datadog/keys.ts)',
  };
  const datadogRole = datadogRoleDuringValidation(environment);
  return {
    StartOnboardingFunction: [
      { action: 'states:StartExecution', resource: deployment.stateMachineArn, purpose: 'start onboard-<account> (shared/onboarding/start-execution.ts)' },
      {
        action: 'states:DescribeExecution',
        resource: executions,
        sample: executions.replace('*', `onboard-${MEMBER_ACCOUNT_ID}`),
        purpose: 'tell a running onboarding from a finished one when the name is taken',
      },
    ],
    ResolveTargetFunction: [
      {
        action: 'states:ListExecutions',
        resource: deployment.stateMachineArn,
        purpose: 'find running onboardings of the same account (shared/onboarding/account-serialisation.ts)',
      },
      {
        action: 'states:DescribeExecution',
        resource: executions,
        sample: executions.replace('*', 'console-replay'),
        purpose: "read a console replay's input for its account",
      },
    ],
    LookUpRegistrationFunction: [readKeys],
    ProvisionRoleFunction: reachMember,
    ValidateRoleFunction: [
      {
        action: 'sts:AssumeRole',
        resource: `arn:${p}:iam::*:role/${parameter(environment, 'DatadogRoleName')}`,
        sample: datadogRole.arn,
        purpose: 'assume the Datadog role with its external ID, as Datadog will (shared/onboarding/validate-role.ts)',
        context: { ...datadogRole.tags, 'sts:ExternalId': EXTERNAL_ID },
        resourcePolicy: datadogRole.trustPolicy,
      },
      describeAccount,
      readPartitionCredentials,
    ],
    RemoveValidatorTrustFunction: reachMember,
    RegisterAccountFunction: [readKeys],
    OnboardingStateMachine: [
      'ResolveTargetFunction',
      'LookUpRegistrationFunction',
      'ProvisionRoleFunction',
      'ValidateRoleFunction',
      'RemoveValidatorTrustFunction',
      'RegisterAccountFunction',
    ].map((logicalId) => ({ action: 'lambda:InvokeFunction', resource: deployment.functionArn(logicalId), purpose: `the ${logicalId} Task state` })),
  };
}

/** Calls no function of the template may make with its own role, whatever it is. */
export function forbiddenCalls(environment: CallEnvironment): ForbiddenCall[] {
  const { deployment } = environment;
  const p = deployment.partition;
  const { region, accountId, stackName } = deployment.names;
  const trust = trustsStackAccount(deployment);
  return [
    { action: 'iam:CreateUser', resource: '*', why: 'no IAM write in its own account' },
    { action: 'iam:CreateUser', resource: `arn:${p}:iam::${accountId}:user/intruder`, why: 'no IAM write in its own account' },
    { action: 'iam:PassRole', resource: `arn:${p}:iam::${accountId}:role/${stackName}-ValidatorRole`, why: 'no role passing' },
    { action: 'iam:CreateRole', resource: `arn:${p}:iam::${accountId}:role/${parameter(environment, 'DatadogRoleName')}`, why: 'roles are created only in member accounts, through the access role' },
    {
      action: 'sts:AssumeRole',
      resource: `arn:${p}:iam::${MEMBER_ACCOUNT_ID}:role/SomeOtherRole`,
      why: 'no role but the access roles and the tagged Datadog role',
      resourcePolicy: trust,
    },
    {
      action: 'sts:AssumeRole',
      resource: `arn:${p}:iam::${MEMBER_ACCOUNT_ID}:role/SomeOtherRole`,
      why: 'another role name, even one tagged as this tool’s',
      context: { 'aws:ResourceTag/managed-by': 'datadog-aws-account-onboarding' },
      resourcePolicy: trust,
    },
    {
      action: 'sts:AssumeRole',
      resource: `arn:${p}:iam::${MEMBER_ACCOUNT_ID}:role/${parameter(environment, 'DatadogRoleName')}`,
      why: 'the Datadog role only while it carries the managed-by tag (here it does not)',
      context: { 'sts:ExternalId': EXTERNAL_ID },
      resourcePolicy: buildTrustPolicy(datadogPrincipalArn(deployment.datadogSite, p), EXTERNAL_ID, deployment.validatorRoleArn),
    },
    { action: 'secretsmanager:GetSecretValue', resource: `arn:${p}:secretsmanager:${region}:${accountId}:secret:another-secret-XyZ123`, why: 'no secret but the keys' },
    { action: 'secretsmanager:PutSecretValue', resource: deployment.secretArn, why: 'the keys secret is read-only' },
    { action: 'states:StartExecution', resource: `arn:${p}:states:${region}:${accountId}:stateMachine:another-machine`, why: 'no state machine but its own' },
    { action: 'states:StopExecution', resource: `arn:${p}:states:${region}:${accountId}:execution:${stackName}-onboarding:onboard-${MEMBER_ACCOUNT_ID}`, why: 'no execution control but start and describe' },
    { action: 'lambda:InvokeFunction', resource: `arn:${p}:lambda:${region}:${accountId}:function:another-function`, why: 'no function outside the stack' },
    { action: 's3:GetObject', resource: `arn:${p}:s3:::another-bucket/object`, why: 'no S3 at all' },
    { action: 'organizations:ListAccounts', resource: '*', why: 'no Organizations call' },
  ];
}

/** Whether a resource matches a table resource, where `*` stands for any characters. */
export function matchesResource(pattern: string, resource: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(resource);
}

/** The concrete resource to simulate for an expected call. */
export function sampleResource(call: Pick<ExpectedCall, 'resource' | 'sample'>): string {
  return call.sample ?? call.resource;
}
