/**
 * What each function of template.yaml calls with its own execution role, read from functions/ and shared/, and the
 * calls that must stay out of its reach. The recorded-run test checks this table against what the handlers really
 * send; the simulation test checks the template's policies against it.
 */
import { datadogPrincipalArn } from '../../shared/datadog-sites';
import { MANAGED_BY_TAG_KEY, MANAGED_BY_TAG_VALUE } from '../../shared/iam/ownership';
import { buildTrustPolicy } from '../../shared/iam/trust-policy';
import { OUTSIDE_ACCOUNT_ID, type SimulatedDeployment } from '../support/simulated-deployment';
import { resolveValue, type Template } from '../../local/template';

/** The member account the calls reach (the sample events' account). */
export const MEMBER_ACCOUNT_ID = '444455556666';
/** An external ID as Datadog generates them. */
export const EXTERNAL_ID = '0123456789abcdef0123456789abcdef';
/** When the validator's statement of the samples expires: an hour after the tests start, to the second. */
export const VALIDATOR_TRUST_EXPIRES_AT = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000);

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
  /** Made by the Lambda service with the function's role, not by the handler (an asynchronous-invocation destination). */
  byLambdaService?: boolean;
  /**
   * Not sent by the handler: Secrets Manager requires it of the caller of RotateSecret and invokes the rotation
   * function on the caller's behalf, so no recorded run sees it.
   */
  forRotateSecret?: boolean;
  /**
   * Made by Step Functions itself, with the state machine's role, for a feature of its definition the local engine
   * runs in-process without the call (following a `startExecution.sync:2` execution, a Distributed Map's child
   * executions, a ResultWriter's multipart upload), so no recorded run sees it: state-machine-integrations.test.ts
   * derives each such entry from the definition and the Step Functions developer guide instead.
   */
  byStepFunctionsService?: boolean;
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
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:${deployment.partition}:iam::${deployment.names.accountId}:root` },
        Action: 'sts:AssumeRole',
      },
    ],
  };
}

/** The partition whose credentials the samples read: the other one of the simulation. */
function otherPartition(partition: string): string {
  return partition === 'aws' ? 'aws-us-gov' : 'aws';
}

/** The Datadog role of the member account, as ProvisionRole leaves it for validation. */
export function datadogRoleDuringValidation(environment: CallEnvironment): {
  arn: string;
  trustPolicy: object;
  tags: Record<string, string>;
} {
  const { deployment } = environment;
  return {
    arn: `arn:${deployment.partition}:iam::${MEMBER_ACCOUNT_ID}:role/${parameter(environment, 'DatadogRoleName')}`,
    trustPolicy: buildTrustPolicy(datadogPrincipalArn(deployment.datadogSite, deployment.partition), EXTERNAL_ID, {
      principalArn: deployment.validatorRoleArn,
      expiresAt: VALIDATOR_TRUST_EXPIRES_AT,
    }),
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
    purpose: 'tell a suspended, closing, closed or still activating member account from an unreachable one (shared/aws/account-state.ts)',
  };
  const secrets = `arn:${p}:secretsmanager:${region}:${accountId}:secret:`;
  const readPartitionCredentials: ExpectedCall = {
    action: 'secretsmanager:GetSecretValue',
    resource: `${secrets}${parameter(environment, 'PartitionCredentialsSecretPrefix')}*-credentials-*`,
    sample: `${secrets}${parameter(environment, 'PartitionCredentialsSecretPrefix')}${otherPartition(p)}-credentials-AbCdEf`,
    purpose: "read another partition's access key to reach its member accounts (shared/aws/partition-credentials.ts)",
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
  // The deployment's table; a local deployment's name ends with a suffix of its own (local/dynamodb.ts).
  const tableArn = String(deployment.resolution.resources['AccountsTable.Arn']);
  const accountsTable = (action: string, purpose: string): ExpectedCall => ({
    action,
    resource: `${tableArn.replace(/-[0-9a-f]{12}$/, '')}*`,
    sample: tableArn,
    purpose,
  });
  const bucket = String(deployment.resolution.resources.ReconciliationBucket);
  /** An object of the reconciliation bucket under a prefix (plans/, results/, reports/). */
  const reconciliationObject = (action: string, prefix: string, purpose: string): ExpectedCall => ({
    action,
    resource: `arn:${p}:s3:::${bucket}/${prefix}/*`,
    sample: `arn:${p}:s3:::${bucket}/${prefix}/run-1.json`,
    purpose,
  });
  const readKeys: ExpectedCall = {
    action: 'secretsmanager:GetSecretValue',
    resource: deployment.secretArn,
    purpose: 'read the Datadog keys (shared/datadog/keys.ts)',
  };
  /** The per-account secrets holding the access key Datadog uses (shared/onboarding/access-key-secret.ts). */
  const keySecret = (action: string, purpose: string): ExpectedCall => ({
    action,
    resource: `${secrets}${parameter(environment, 'AccessKeySecretPrefix')}*`,
    sample: `${secrets}${parameter(environment, 'AccessKeySecretPrefix')}${MEMBER_ACCOUNT_ID}-AbCdEf`,
    purpose,
  });
  const datadogRole = datadogRoleDuringValidation(environment);
  return {
    StartOnboardingFunction: [
      {
        action: 'states:StartExecution',
        resource: deployment.stateMachineArn,
        purpose: 'start onboard-<account> (shared/onboarding/start-execution.ts)',
      },
      {
        action: 'sqs:SendMessage',
        resource: String(deployment.resolution.resources['LifecycleEventsDeadLetterQueue.Arn']),
        purpose: 'Lambda sends an event the starter failed on to the dead-letter queue (EventInvokeConfig OnFailure)',
        byLambdaService: true,
      },
      {
        action: 'states:DescribeExecution',
        resource: executions,
        sample: executions.replace('*', `onboard-${MEMBER_ACCOUNT_ID}`),
        purpose: 'tell a running onboarding from a finished one when the name is taken',
      },
    ],
    DescribeAccountRequestFunction: [
      {
        action: 'organizations:DescribeCreateAccountStatus',
        resource: '*',
        purpose:
          'follow a CreateGovCloudAccount request until it names its accounts (shared/steps/describe-account-request.ts); the action has no resource type',
      },
    ],
    ResolveTargetFunction: [
      accountsTable('dynamodb:UpdateItem', "take the account's lease, one conditional write (shared/aws/account-records.ts)"),
      accountsTable(
        'dynamodb:GetItem',
        'read the lease holder when the refused write does not return the item (shared/aws/account-records.ts; dynalite returns none)',
      ),
      {
        action: 'organizations:ListParents',
        resource: '*',
        purpose:
          "read the account's OU path for the scope parameters and the OU settings (shared/aws/organization-tree.ts ancestorsOf); the action has no resource type",
      },
      {
        action: 'organizations:ListOrganizationalUnitsForParent',
        resource: '*',
        purpose:
          "find the name of the account's OU among its parent's for a {ou_name} tag of the settings (organization-tree.ts nearestAncestorName)",
      },
      {
        ...describeAccount,
        purpose: "read the account's name for a {account_name} tag of the settings (organization-tree.ts accountNameOf)",
      },
      {
        action: 'states:DescribeExecution',
        resource: executions,
        sample: executions.replace('*', `onboard-${MEMBER_ACCOUNT_ID}`),
        purpose: 'whether the execution holding the lease still runs (shared/aws/execution-status.ts)',
      },
    ],
    LookUpRegistrationFunction: [readKeys],
    ProvisionRoleFunction: reachMember,
    ProvisionAccessKeyFunction: [
      ...reachMember,
      keySecret('secretsmanager:GetSecretValue', 'read the stored key, to keep it while IAM still has it (readStoredKey)'),
      keySecret(
        'secretsmanager:DescribeSecret',
        "find the account's key secret (its ARN), to read the stored key and to store a new one (keySecretArn)",
      ),
      keySecret('secretsmanager:CreateSecret', "create the account's key secret with its first key (storeKey)"),
      keySecret(
        'secretsmanager:TagResource',
        'CreateSecret with Tags (managed-by, aws-account-id) also needs TagResource (Secrets Manager API reference, CreateSecret)',
      ),
      keySecret('secretsmanager:PutSecretValue', 'store a new key in the existing secret when the stored one is gone from IAM (storeKey)'),
      keySecret('secretsmanager:PutResourcePolicy', "limit reading the secret to the access-key steps' roles (storeKey)"),
      keySecret(
        'secretsmanager:RotateSecret',
        'schedule the rotation of the stored key by RotateAccessKeyFunction, RotateImmediately false (storeKey)',
      ),
      {
        action: 'lambda:InvokeFunction',
        resource: deployment.functionArn('RotateAccessKeyFunction'),
        purpose:
          'RotateSecret requires its caller to be able to invoke the rotation function (Secrets Manager API reference, RotateSecret: required permissions)',
        forRotateSecret: true,
      },
    ],
    RotateAccessKeyFunction: [
      keySecret(
        'secretsmanager:DescribeSecret',
        "read the key secret's account and partition tags, and its versions' staging labels (functions/rotate-access-key/index.ts, shared/onboarding/rotate-access-key.ts)",
      ),
      keySecret(
        'secretsmanager:GetSecretValue',
        'read the current key, to keep it while creating the new one, and the pending key to give Datadog and test (readStoredKey)',
      ),
      keySecret('secretsmanager:PutSecretValue', 'store the new key as the AWSPENDING version (createSecret)'),
      keySecret('secretsmanager:UpdateSecretVersionStage', 'make the pending version AWSCURRENT (finishSecret)'),
      { ...readKeys, purpose: 'read the Datadog keys to give Datadog the new key (setSecret, shared/datadog/keys.ts)' },
      // A member account of the stack's partition is reached as the onboarding reached it, to create the new key and
      // delete the old: through either member access role, its state read when both are refused.
      ...reachMember,
    ],
    ValidateAccessKeyFunction: [
      keySecret('secretsmanager:GetSecretValue', 'read the stored key to use it as Datadog will (shared/steps/validate-access-key.ts)'),
    ],
    ValidateRoleFunction: [
      {
        action: 'sts:AssumeRole',
        resource: `arn:${p}:iam::*:role/${parameter(environment, 'DatadogRoleName')}`,
        sample: datadogRole.arn,
        purpose: 'assume the Datadog role with its external ID, as Datadog will (shared/steps/validate-role.ts)',
        context: { ...datadogRole.tags, 'sts:ExternalId': EXTERNAL_ID },
        resourcePolicy: datadogRole.trustPolicy,
      },
      describeAccount,
      readPartitionCredentials,
    ],
    RemoveValidatorTrustFunction: reachMember,
    RegisterAccountFunction: [
      readKeys,
      keySecret('secretsmanager:GetSecretValue', 'read the validated key to register it with Datadog (shared/steps/register-account.ts)'),
    ],
    RemoveRegistrationFunction: [
      readKeys,
      keySecret(
        'secretsmanager:DescribeSecret',
        "find the account's key secret and its tags, to delete only this tool's (deleteKeySecret)",
      ),
      keySecret(
        'secretsmanager:DeleteSecret',
        "delete the account's key secret with a recovery window, ending its rotation (deleteKeySecret)",
      ),
      accountsTable(
        'dynamodb:GetItem',
        "read the account's record: whether the registration is this application's (shared/steps/remove-registration.ts)",
      ),
      accountsTable(
        'dynamodb:UpdateItem',
        'record the account offboarded and release the lease (shared/onboarding/offboarding-records.ts)',
      ),
    ],
    RemoveMemberResourcesFunction: [
      { ...readKeys, purpose: 'read the Datadog keys to post the offboarding event (shared/onboarding/offboarding-records.ts)' },
      ...reachMember,
      accountsTable(
        'dynamodb:UpdateItem',
        'record the account offboarded and release the lease (shared/onboarding/offboarding-records.ts)',
      ),
    ],
    RecordOnboardingFunction: [
      { ...readKeys, purpose: 'read the Datadog keys to post the onboarding event (shared/observability/datadog-events.ts)' },
      accountsTable('dynamodb:GetItem', 'read whether this application created the registration (shared/steps/record-onboarding.ts)'),
      accountsTable('dynamodb:UpdateItem', 'write the record and release the lease (shared/steps/record-onboarding.ts)'),
    ],
    RecordFailureFunction: [
      { ...readKeys, purpose: 'read the Datadog keys to post the failure event (shared/observability/datadog-events.ts)' },
      accountsTable('dynamodb:UpdateItem', 'write the failure and release the lease (shared/steps/record-failure.ts)'),
    ],
    PlanReconciliationFunction: [
      readKeys,
      ...['DescribeOrganization', 'ListRoots', 'ListOrganizationalUnitsForParent', 'ListAccountsForParent'].map((name) => ({
        action: `organizations:${name}`,
        resource: '*',
        purpose: 'walk the organization tree once per reconciliation (shared/aws/organization-tree.ts)',
      })),
      accountsTable('dynamodb:Scan', 'read every record for the plan (shared/aws/account-records.ts listAccountRecords)'),
      reconciliationObject('s3:PutObject', 'plans', 'write the plan the Distributed Map reads (shared/steps/plan-reconciliation.ts)'),
    ],
    // Accounts of the stack's own partition only (the plan skips the others): no partition credentials.
    DetectDriftFunction: reachMember.filter((call) => call !== readPartitionCredentials),
    ReportReconciliationFunction: [
      reconciliationObject('s3:GetObject', 'results', "read the map run's ResultWriter files (shared/steps/report-reconciliation.ts)"),
      reconciliationObject('s3:PutObject', 'reports', 'write the report (shared/steps/report-reconciliation.ts)'),
    ],
    ReconcileOrganizationStateMachine: [
      ...['PlanReconciliationFunction', 'DetectDriftFunction', 'ReportReconciliationFunction'].map((logicalId) => ({
        action: 'lambda:InvokeFunction',
        resource: deployment.functionArn(logicalId),
        purpose: `the ${logicalId} Task state`,
      })),
      {
        action: 'states:StartExecution',
        resource: deployment.stateMachineArn,
        purpose: 'the Onboard and Offboard states (states:startExecution.sync:2) run the onboarding state machine',
      },
      ...['states:DescribeExecution', 'states:StopExecution'].map((action) => ({
        action,
        resource: `arn:${p}:states:${region}:${accountId}:execution:${stackName}-onboarding:*`,
        purpose: 'startExecution.sync:2 follows the execution it started, and stops it when the map run stops',
        byStepFunctionsService: true,
      })),
      ...['events:PutTargets', 'events:PutRule', 'events:DescribeRule'].map((action) => ({
        action,
        resource: `arn:${p}:events:${region}:${accountId}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`,
        purpose: 'the managed rule through which Step Functions learns that a .sync execution ended',
        byStepFunctionsService: true,
      })),
      {
        action: 'states:StartExecution',
        resource: `arn:${p}:states:${region}:${accountId}:stateMachine:${stackName}-reconcile`,
        purpose: 'the Distributed Map starts its child executions of this state machine',
        byStepFunctionsService: true,
      },
      ...['states:DescribeExecution', 'states:StopExecution'].map((action) => ({
        action,
        resource: `arn:${p}:states:${region}:${accountId}:execution:${stackName}-reconcile/*`,
        purpose: 'the Distributed Map follows (and stops) its child executions',
        byStepFunctionsService: true,
      })),
      reconciliationObject('s3:GetObject', 'plans', 'the ItemReader reads the plan'),
      reconciliationObject('s3:PutObject', 'results', 'the ResultWriter writes the map run results'),
      ...['s3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'].map((action) => ({
        ...reconciliationObject(action, 'results', 'the ResultWriter writes the map run results in a multipart upload'),
        byStepFunctionsService: true,
      })),
    ],
    OnboardingStateMachine: [
      {
        action: 'states:StartExecution',
        resource: deployment.stateMachineArn,
        purpose:
          'the StartAccountOnboarding state (states:startExecution) starts onboard-<account> for each account of a CreateGovCloudAccount request',
      },
      ...[
        'DescribeAccountRequestFunction',
        'ResolveTargetFunction',
        'LookUpRegistrationFunction',
        'ProvisionRoleFunction',
        'ProvisionAccessKeyFunction',
        'ValidateAccessKeyFunction',
        'ValidateRoleFunction',
        'RemoveValidatorTrustFunction',
        'RegisterAccountFunction',
        'RecordOnboardingFunction',
        'RecordFailureFunction',
        'RemoveRegistrationFunction',
        'RemoveMemberResourcesFunction',
      ].map((logicalId) => ({
        action: 'lambda:InvokeFunction',
        resource: deployment.functionArn(logicalId),
        purpose: `the ${logicalId} Task state`,
      })),
    ],
  };
}

/** Calls no function of the template may make with its own role, whatever it is. */
export function forbiddenCalls(environment: CallEnvironment): ForbiddenCall[] {
  const { deployment } = environment;
  const p = deployment.partition;
  const { region, accountId, stackName } = deployment.names;
  const trust = trustsStackAccount(deployment);
  const secrets = `arn:${p}:secretsmanager:${region}:${accountId}:secret:`;
  const partitionCredentials = `${secrets}${parameter(environment, 'PartitionCredentialsSecretPrefix')}${otherPartition(p)}-credentials-AbCdEf`;
  const keySecret = `${secrets}${parameter(environment, 'AccessKeySecretPrefix')}${MEMBER_ACCOUNT_ID}-AbCdEf`;
  return [
    { action: 'iam:CreateUser', resource: '*', why: 'no IAM write in its own account' },
    { action: 'iam:CreateUser', resource: `arn:${p}:iam::${accountId}:user/intruder`, why: 'no IAM write in its own account' },
    {
      action: 'iam:CreateAccessKey',
      resource: `arn:${p}:iam::${accountId}:user/${parameter(environment, 'DatadogUserName')}`,
      why: 'access keys are created only in member accounts, through the access role',
    },
    { action: 'iam:PassRole', resource: `arn:${p}:iam::${accountId}:role/${stackName}-ValidatorRole`, why: 'no role passing' },
    {
      action: 'iam:CreateRole',
      resource: `arn:${p}:iam::${accountId}:role/${parameter(environment, 'DatadogRoleName')}`,
      why: 'roles are created only in member accounts, through the access role',
    },
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
      resourcePolicy: buildTrustPolicy(datadogPrincipalArn(deployment.datadogSite, p), EXTERNAL_ID, {
        principalArn: deployment.validatorRoleArn,
        expiresAt: VALIDATOR_TRUST_EXPIRES_AT,
      }),
    },
    ...['MemberAccessRoleName', 'ControlTowerAccessRoleName'].map((name) => ({
      action: 'sts:AssumeRole',
      resource: `arn:${p}:iam::${OUTSIDE_ACCOUNT_ID}:role/${parameter(environment, name)}`,
      why: `${name} only in accounts of this organization (an administrator role in an account outside it, trusting this account)`,
      resourcePolicy: trust,
    })),
    {
      action: 'sts:AssumeRole',
      resource: `arn:${p}:iam::${OUTSIDE_ACCOUNT_ID}:role/${parameter(environment, 'DatadogRoleName')}`,
      why: 'the Datadog role only in accounts of this organization, even tagged as this tool’s and trusting the validator',
      context: { [`aws:ResourceTag/${MANAGED_BY_TAG_KEY}`]: MANAGED_BY_TAG_VALUE, 'sts:ExternalId': EXTERNAL_ID },
      resourcePolicy: buildTrustPolicy(datadogPrincipalArn(deployment.datadogSite, p), EXTERNAL_ID, {
        principalArn: deployment.validatorRoleArn,
        expiresAt: VALIDATOR_TRUST_EXPIRES_AT,
      }),
    },
    {
      action: 'secretsmanager:GetSecretValue',
      resource: `${secrets}another-secret-XyZ123`,
      why: 'no secret but the keys, the partition credentials and the key secrets',
    },
    { action: 'secretsmanager:PutSecretValue', resource: deployment.secretArn, why: 'the keys secret is read-only' },
    { action: 'secretsmanager:PutResourcePolicy', resource: deployment.secretArn, why: 'no function decides who reads the keys secret' },
    { action: 'secretsmanager:PutSecretValue', resource: partitionCredentials, why: 'the partition credentials are read-only' },
    {
      action: 'secretsmanager:CreateSecret',
      resource: `${secrets}another-secret-XyZ123`,
      why: 'secrets are created only under AccessKeySecretPrefix',
    },
    { action: 'secretsmanager:TagResource', resource: deployment.secretArn, why: 'secrets are tagged only under AccessKeySecretPrefix' },
    // RemoveRegistrationFunction deletes key secrets (offboarding): the "other functions' calls" check keeps it to that one.
    { action: 'secretsmanager:DeleteSecret', resource: deployment.secretArn, why: 'no function deletes the Datadog keys secret' },
    { action: 'secretsmanager:DeleteSecret', resource: partitionCredentials, why: 'no function deletes partition credentials' },
    { action: 'secretsmanager:DeleteResourcePolicy', resource: keySecret, why: "no function lifts a key secret's readers-only policy" },
    { action: 'secretsmanager:ListSecrets', resource: '*', why: 'no secret listing' },
    {
      action: 'states:StartExecution',
      resource: `arn:${p}:states:${region}:${accountId}:stateMachine:another-machine`,
      why: 'no state machine but its own',
    },
    {
      action: 'states:StopExecution',
      resource: `arn:${p}:states:${region}:${accountId}:execution:${stackName}-onboarding:onboard-${MEMBER_ACCOUNT_ID}`,
      why: 'no execution control but start and describe',
    },
    {
      action: 'lambda:InvokeFunction',
      resource: `arn:${p}:lambda:${region}:${accountId}:function:another-function`,
      why: 'no function outside the stack',
    },
    { action: 's3:GetObject', resource: `arn:${p}:s3:::another-bucket/object`, why: 'no S3 at all' },
    { action: 'organizations:ListAccounts', resource: '*', why: 'no Organizations call' },
  ];
}

/**
 * Calls a particular function must not make, by logical id: neighbours of what it does make (the other functions'
 * calls are denied to it as well, by the simulation test).
 */
export function forbiddenCallsOf(environment: CallEnvironment): Record<string, ForbiddenCall[]> {
  const { deployment } = environment;
  const { region, accountId } = deployment.names;
  const secrets = `arn:${deployment.partition}:secretsmanager:${region}:${accountId}:secret:`;
  const partitionCredentials = `${secrets}${parameter(environment, 'PartitionCredentialsSecretPrefix')}${otherPartition(deployment.partition)}-credentials-AbCdEf`;
  const keySecret = `${secrets}${parameter(environment, 'AccessKeySecretPrefix')}${MEMBER_ACCOUNT_ID}-AbCdEf`;
  const keySecretWrites = ['CreateSecret', 'PutSecretValue', 'PutResourcePolicy', 'TagResource', 'UpdateSecret'].map(
    (action): ForbiddenCall => ({ action: `secretsmanager:${action}`, resource: keySecret, why: 'it only reads the stored key' }),
  );
  return {
    ProvisionAccessKeyFunction: [
      { action: 'secretsmanager:GetSecretValue', resource: deployment.secretArn, why: 'the Datadog keys are for the Datadog steps only' },
      { action: 'secretsmanager:DescribeSecret', resource: deployment.secretArn, why: 'it describes only key secrets' },
      {
        action: 'secretsmanager:PutSecretValue',
        resource: partitionCredentials,
        why: 'it reads the partition credentials, never writes them',
      },
    ],
    ValidateAccessKeyFunction: [
      ...keySecretWrites,
      { action: 'secretsmanager:GetSecretValue', resource: deployment.secretArn, why: 'it never talks to Datadog' },
      { action: 'secretsmanager:GetSecretValue', resource: partitionCredentials, why: 'the stored key reaches its partition by itself' },
      {
        action: 'sts:AssumeRole',
        resource: `arn:${deployment.partition}:iam::${MEMBER_ACCOUNT_ID}:role/${parameter(environment, 'MemberAccessRoleName')}`,
        why: 'it uses only the stored key',
        resourcePolicy: trustsStackAccount(deployment),
      },
    ],
    RegisterAccountFunction: [
      ...keySecretWrites,
      { action: 'secretsmanager:GetSecretValue', resource: partitionCredentials, why: 'it talks only to Datadog' },
    ],
    RotateAccessKeyFunction: [
      ...['CreateSecret', 'PutResourcePolicy', 'TagResource', 'RotateSecret'].map((action): ForbiddenCall => ({
        action: `secretsmanager:${action}`,
        resource: keySecret,
        why: 'it rotates the key of an existing secret; the onboarding creates, locks down and schedules it',
      })),
      {
        action: 'secretsmanager:GetSecretValue',
        resource: `${secrets}another-secret-XyZ123`,
        why: 'it reads only the key secrets, the Datadog keys and the partition credentials',
      },
      { action: 'secretsmanager:UpdateSecretVersionStage', resource: deployment.secretArn, why: 'it rotates only key secrets' },
      { action: 'secretsmanager:UpdateSecretVersionStage', resource: partitionCredentials, why: 'it rotates only key secrets' },
      {
        action: 'secretsmanager:PutSecretValue',
        resource: partitionCredentials,
        why: 'it reads the partition credentials, never writes them',
      },
      {
        action: 'iam:DeleteAccessKey',
        resource: `arn:${deployment.partition}:iam::${accountId}:user/${parameter(environment, 'DatadogUserName')}`,
        why: 'keys are changed only in member accounts, through the access role',
      },
      {
        action: 'lambda:InvokeFunction',
        resource: deployment.functionArn('RotateAccessKeyFunction'),
        why: 'only Secrets Manager invokes it',
      },
    ],
    LookUpRegistrationFunction: [
      { action: 'secretsmanager:GetSecretValue', resource: keySecret, why: 'looking up a registration needs no stored key' },
    ],
    ValidateRoleFunction: [{ action: 'secretsmanager:GetSecretValue', resource: keySecret, why: 'role delegation needs no stored key' }],
    ProvisionRoleFunction: [{ action: 'secretsmanager:GetSecretValue', resource: keySecret, why: 'role delegation needs no stored key' }],
  };
}

/** Whether a resource matches a table resource, where `*` stands for any characters. */
export function matchesResource(pattern: string, resource: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(resource);
}

/** The concrete resource to simulate for an expected call. */
export function sampleResource(call: Pick<ExpectedCall, 'resource' | 'sample'>): string {
  return call.sample ?? call.resource;
}
