import 'aws-sdk-client-mock-jest';
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  DeletePolicyVersionCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPolicyVersionsCommand,
  NoSuchEntityException,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { DescribeAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, provisionRoleStep } from '../../functions/provision-role/index';
import { buildTrustPolicy } from '../../shared/iam/trust-policy';
import { VALIDATOR_TRUST_GRACE_SECONDS } from '../../shared/onboarding/validator-trust-expiry';
import { aTarget, datadogTrustStatement, assumedRole } from '../helpers';

const iam = mockClient(IAMClient);
const sts = mockClient(STSClient);
const organizations = mockClient(OrganizationsClient);
const secrets = mockClient(SecretsManagerClient);
const VALIDATOR = 'arn:aws:iam::111122223333:role/stack-ValidatorRole';
const POLICY_ARN = 'arn:aws:iam::444455556666:policy/DatadogIntegrationPolicy';
const SECURITY_AUDIT = 'arn:aws:iam::aws:policy/SecurityAudit';
const ROLE_ARN = 'arn:aws:iam::444455556666:role/DatadogIntegrationRole';
const OURS = [{ Key: 'managed-by', Value: 'datadog-aws-account-onboarding' }];
const PERMISSIONS = ['ec2:Describe*', 'iam:ListAccountAliases'];

/** A trust policy as the handler sent it, as far as these tests read it. */
interface TrustDocument {
  Statement: { Principal: { AWS: string }; Condition?: { DateLessThan?: Record<string, string> } }[];
}

function trustDocument(text: string | undefined): TrustDocument {
  return JSON.parse(text ?? '') as TrustDocument;
}
const policyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: PERMISSIONS, Resource: '*' }] };
const noSuchEntity = () => new NoSuchEntityException({ message: 'not found', $metadata: {} });
const event = (overrides = {}) => ({
  target: aTarget(),
  externalId: 'abcdef0123456789abcdef0123456789',
  permissions: PERMISSIONS,
  ...overrides,
});
const MUTATIONS = [
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  CreateRoleCommand,
  UpdateAssumeRolePolicyCommand,
  AttachRolePolicyCommand,
];

describe('Function: provisionRoleStep', () => {
  beforeEach(() => {
    iam.reset();
    sts.reset();
    organizations.reset();
    organizations.on(DescribeAccountCommand).resolves({ Account: { Id: '444455556666', State: 'ACTIVE' } });
    process.env.VALIDATOR_ROLE_ARN = VALIDATOR;
    process.env.ALLOW_ROLE_TAKEOVER = 'false';
    process.env.MAX_VALIDATION_SECONDS = '900';
    process.env.MANAGEMENT_ACCOUNT_ID = '111122223333';
    process.env.ONBOARD_MANAGEMENT_ACCOUNT = 'false';
    sts.on(AssumeRoleCommand).resolves(assumedRole('ASIAMEMBER'));
  });

  it('creates the policy and the role trusting Datadog and the validator with the external ID, tagged as ours', async () => {
    // Prepare
    iam.on(GetPolicyCommand).rejects(noSuchEntity());
    iam.on(GetRoleCommand).rejects(noSuchEntity());
    iam.on(CreateRoleCommand).resolves({ Role: { Arn: ROLE_ARN } as never });
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });

    // Act
    const before = Date.now();
    const result = await provisionRoleStep(event());
    const after = Date.now();

    // Assess
    expect(result).toEqual({
      roleArn: ROLE_ARN,
      policyArns: [POLICY_ARN],
      changed: true,
      validationRequired: true,
      memberAccessRoleName: 'OrganizationAccountAccessRole',
      provisionedAt: expect.any(String),
    });
    // When provisioning ended: the validation schedule counts from it.
    expect(Date.parse(result.provisionedAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(result.provisionedAt)).toBeLessThanOrEqual(after);
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: 'arn:aws:iam::444455556666:role/OrganizationAccountAccessRole' });
    expect(iam).toHaveReceivedCommandWith(CreatePolicyCommand, { PolicyName: 'DatadogIntegrationPolicy', Tags: OURS });
    expect(JSON.parse(iam.commandCalls(CreatePolicyCommand)[0].args[0].input.PolicyDocument ?? '')).toEqual(policyDocument);
    const created = iam.commandCalls(CreateRoleCommand)[0].args[0].input;
    expect(created).toMatchObject({ RoleName: 'DatadogIntegrationRole', Tags: OURS });
    expect(JSON.parse(created.AssumeRolePolicyDocument ?? '')).toEqual({
      Version: '2012-10-17',
      Statement: [
        datadogTrustStatement('abcdef0123456789abcdef0123456789'),
        {
          Sid: 'DatadogOnboardingValidation',
          Effect: 'Allow',
          Principal: { AWS: VALIDATOR },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'sts:ExternalId': 'abcdef0123456789abcdef0123456789' },
            DateLessThan: { 'aws:CurrentTime': expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) },
          },
        },
      ],
    });
    // The validator's statement expires MAX_VALIDATION_SECONDS plus the grace after it was written, to the second.
    const expiresAt = Date.parse(
      trustDocument(created.AssumeRolePolicyDocument).Statement[1].Condition?.DateLessThan?.['aws:CurrentTime'] ?? '',
    );
    expect(expiresAt).toBeGreaterThanOrEqual(before + (900 + VALIDATOR_TRUST_GRACE_SECONDS) * 1000);
    expect(expiresAt).toBeLessThanOrEqual(after + (900 + VALIDATOR_TRUST_GRACE_SECONDS) * 1000 + 1000);
    expect(iam.commandCalls(AttachRolePolicyCommand).map((call) => call.args[0].input.PolicyArn)).toEqual([POLICY_ARN, SECURITY_AUDIT]);
  });

  it('makes no write and asks no validation for an account already converged and validated', async () => {
    // Prepare
    iam.on(GetPolicyCommand).rejects(noSuchEntity());
    iam.on(GetPolicyCommand, { PolicyArn: POLICY_ARN }).resolves({ Policy: { Arn: POLICY_ARN, DefaultVersionId: 'v1', Tags: OURS } });
    iam.on(GetPolicyVersionCommand).resolves({ PolicyVersion: { Document: encodeURIComponent(JSON.stringify(policyDocument)) } });
    const datadogOnly = buildTrustPolicy('arn:aws:iam::464622532012:root', 'abcdef0123456789abcdef0123456789');
    iam.on(GetRoleCommand).resolves({
      Role: { Arn: ROLE_ARN, Tags: OURS, AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(datadogOnly)) } as never,
    });
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: SECURITY_AUDIT }, { PolicyArn: POLICY_ARN }] });

    // Act
    const result = await provisionRoleStep(event());

    // Assess
    expect(result).toEqual({
      roleArn: ROLE_ARN,
      policyArns: [POLICY_ARN],
      changed: false,
      validationRequired: false,
      memberAccessRoleName: 'OrganizationAccountAccessRole',
      provisionedAt: expect.any(String),
    });
    for (const command of MUTATIONS) expect(iam).not.toHaveReceivedCommand(command as typeof CreateRoleCommand);
  });

  it('gives a changed policy a new default version, deleting the oldest non-default one at the 5-version cap', async () => {
    // Prepare
    iam.on(GetPolicyCommand).rejects(noSuchEntity());
    iam.on(GetPolicyCommand, { PolicyArn: POLICY_ARN }).resolves({ Policy: { Arn: POLICY_ARN, DefaultVersionId: 'v5', Tags: OURS } });
    iam.on(GetPolicyVersionCommand).resolves({
      PolicyVersion: {
        Document: encodeURIComponent('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}'),
      },
    });
    iam.on(ListPolicyVersionsCommand).resolves({
      Versions: [
        { VersionId: 'v5', IsDefaultVersion: true, CreateDate: new Date('2026-05-01') },
        { VersionId: 'v2', IsDefaultVersion: false, CreateDate: new Date('2026-02-01') },
        { VersionId: 'v1', IsDefaultVersion: false, CreateDate: new Date('2026-01-01') },
        { VersionId: 'v3', IsDefaultVersion: false, CreateDate: new Date('2026-03-01') },
        { VersionId: 'v4', IsDefaultVersion: false, CreateDate: new Date('2026-04-01') },
      ],
    });
    iam.on(GetRoleCommand).resolves({ Role: { Arn: ROLE_ARN, Tags: OURS, AssumeRolePolicyDocument: '{}' } as never });
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: POLICY_ARN }, { PolicyArn: SECURITY_AUDIT }] });

    // Act
    const result = await provisionRoleStep(event());

    // Assess
    expect(iam).toHaveReceivedCommandWith(DeletePolicyVersionCommand, { PolicyArn: POLICY_ARN, VersionId: 'v1' });
    expect(iam).toHaveReceivedCommandWith(CreatePolicyVersionCommand, { PolicyArn: POLICY_ARN, SetAsDefault: true });
    expect(result).toMatchObject({ changed: true, validationRequired: true });
  });

  it('refuses to take over a role of the same name that this tool did not create', async () => {
    iam.on(GetPolicyCommand).rejects(noSuchEntity());
    iam.on(GetRoleCommand).resolves({ Role: { Arn: ROLE_ARN, Tags: [], AssumeRolePolicyDocument: '{}' } as never });

    await expect(provisionRoleStep(event())).rejects.toMatchObject({
      name: 'ForeignResourceError',
      message: `account 444455556666, step ProvisionRole: role ${ROLE_ARN} exists but was not created by this tool. Rename it, delete it, or set AllowRoleTakeover to true to let this tool manage it`,
    });
    expect(iam).not.toHaveReceivedCommand(UpdateAssumeRolePolicyCommand);
    expect(iam).not.toHaveReceivedCommand(AttachRolePolicyCommand);
  });

  describe('reaching the member account through the configured access roles', () => {
    const ORGANIZATIONS_ROLE = 'arn:aws:iam::444455556666:role/OrganizationAccountAccessRole';
    const CONTROL_TOWER_ROLE = 'arn:aws:iam::444455556666:role/AWSControlTowerExecution';
    const refused = () => new STSServiceException({ name: 'AccessDenied', $fault: 'client', message: 'not authorized', $metadata: {} });
    const bothRoles = () => event({ target: aTarget({ alternateMemberAccessRoleName: 'AWSControlTowerExecution' }) });
    const converged = () => {
      iam.on(GetPolicyCommand).rejects(noSuchEntity());
      iam.on(GetRoleCommand).rejects(noSuchEntity());
      iam.on(CreateRoleCommand).resolves({ Role: { Arn: ROLE_ARN } as never });
      iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
    };

    it('takes the alternate role when STS refuses the hinted one, and says which role worked', async () => {
      // Prepare: a Control Tower account (AWSControlTowerExecution only) named by an Organizations event.
      converged();
      sts.on(AssumeRoleCommand, { RoleArn: ORGANIZATIONS_ROLE }).rejects(refused());

      // Act
      const result = await provisionRoleStep(bothRoles());

      // Assess
      expect(result).toMatchObject({ roleArn: ROLE_ARN, memberAccessRoleName: 'AWSControlTowerExecution' });
      expect(sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input.RoleArn)).toEqual([
        ORGANIZATIONS_ROLE,
        CONTROL_TOWER_ROLE,
      ]);
      expect(organizations).not.toHaveReceivedAnyCommand();
    });

    it('does not try the alternate role on an error other than AccessDenied', async () => {
      sts.on(AssumeRoleCommand).rejects(
        new STSServiceException({
          name: 'RegionDisabledException',
          $fault: 'client',
          message: 'STS is not activated in this region',
          $metadata: {},
        }),
      );

      await expect(provisionRoleStep(bothRoles())).rejects.toMatchObject({ name: 'RegionDisabledException' });
      expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    });

    it('names the account and both roles tried, with a remedy, when STS refuses both', async () => {
      sts.on(AssumeRoleCommand).rejects(refused());

      await expect(provisionRoleStep(bothRoles())).rejects.toMatchObject({
        name: 'MemberAccountAccessError',
        message: `account 444455556666, step ProvisionRole: cannot assume ${ORGANIZATIONS_ROLE} or ${CONTROL_TOWER_ROLE} (AccessDenied). Check that one of these roles exists in the member account and trusts this automation's account, or set the MemberAccessRoleName / ControlTowerAccessRoleName parameter to the role the account has`,
      });
      expect(iam).not.toHaveReceivedAnyCommand();
    });

    it.each(['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED'] as const)(
      'says the account is %s (Organizations State) when STS refuses both',
      async (state) => {
        sts.on(AssumeRoleCommand).rejects(refused());
        organizations.on(DescribeAccountCommand).resolves({ Account: { Id: '444455556666', State: state } });

        await expect(provisionRoleStep(bothRoles())).rejects.toMatchObject({
          name: 'AccountNotActiveError',
          message: `account 444455556666, step ProvisionRole: the account is ${state} in AWS Organizations, so it cannot be onboarded. Nothing to fix unless the account is reopened; then replay it`,
        });
      },
    );

    it('asks to be retried while the account is PENDING_ACTIVATION', async () => {
      sts.on(AssumeRoleCommand).rejects(refused());
      organizations.on(DescribeAccountCommand).resolves({ Account: { Id: '444455556666', State: 'PENDING_ACTIVATION' } });

      await expect(provisionRoleStep(bothRoles())).rejects.toMatchObject({
        name: 'AccountPendingActivationError',
        message: expect.stringContaining(
          'step ProvisionRole: the account is PENDING_ACTIVATION in AWS Organizations: not reachable until it is ACTIVE',
        ),
      });
    });

    it('reads the account State, not the retired Status', async () => {
      sts.on(AssumeRoleCommand).rejects(refused());
      organizations.on(DescribeAccountCommand).resolves({ Account: { Id: '444455556666', Status: 'SUSPENDED' } });

      await expect(provisionRoleStep(bothRoles())).rejects.toMatchObject({ name: 'MemberAccountAccessError' });
    });
  });

  it('reaches the management account with its own role, only with OnboardManagementAccount=true', async () => {
    // Prepare
    iam.on(GetPolicyCommand).rejects(noSuchEntity());
    iam.on(GetRoleCommand).rejects(noSuchEntity());
    iam.on(CreateRoleCommand).resolves({ Role: { Arn: 'arn:aws:iam::111122223333:role/DatadogIntegrationRole' } as never });
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
    process.env.ONBOARD_MANAGEMENT_ACCOUNT = 'true';

    // Act
    await provisionRoleStep(event({ target: aTarget({ accountId: '111122223333' }) }));

    // Assess: no access role assumed, the role created with the function's own credentials.
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
    expect(iam.commandCalls(CreateRoleCommand)).toHaveLength(1);

    // Without the parameter, the management account is reached like any other (through an access role).
    process.env.ONBOARD_MANAGEMENT_ACCOUNT = 'false';
    await provisionRoleStep(event({ target: aTarget({ accountId: '111122223333' }) }));
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  it('fails with the member access role and a remedy when STS refuses it', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejects(new STSServiceException({ name: 'AccessDenied', $fault: 'client', message: 'not authorized', $metadata: {} }));

    await expect(provisionRoleStep(event())).rejects.toMatchObject({
      name: 'MemberAccountAccessError',
      message: expect.stringMatching(
        /^account 444455556666, step ProvisionRole: cannot assume arn:aws:iam::444455556666:role\/OrganizationAccountAccessRole \(AccessDenied\)\. Check that one of these roles exists/,
      ),
    });
    expect(iam).not.toHaveReceivedAnyCommand();
  });

  it('reaches a GovCloud account with the stored GovCloud key, trusting that key’s user during validation', async () => {
    // Prepare
    secrets.reset();
    secrets.on(GetSecretValueCommand, { SecretId: 'datadog-onboarding/aws-us-gov-credentials' }).resolves({
      SecretString: JSON.stringify({ accessKeyId: 'AKIAGOVCLOUDEXAMPLE1', secretAccessKey: 'govcloud-secret-access-key-example' }),
    });
    sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws-us-gov:iam::222233334444:user/datadog-onboarding', Account: '222233334444' });
    iam.on(GetPolicyCommand).rejects(noSuchEntity());
    iam.on(GetRoleCommand).rejects(noSuchEntity());
    iam.on(CreateRoleCommand).resolves({ Role: { Arn: 'arn:aws-us-gov:iam::444455556666:role/DatadogIntegrationRole' } as never });
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });

    // Act
    const result = await provisionRoleStep(event({ target: aTarget({ partition: 'aws-us-gov', datadogSite: 'ddog-gov.com' }) }));

    // Assess
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: 'arn:aws-us-gov:iam::444455556666:role/OrganizationAccountAccessRole',
    });
    expect(result.policyArns).toEqual(['arn:aws-us-gov:iam::444455556666:policy/DatadogIntegrationPolicy']);
    const trust = trustDocument(iam.commandCalls(CreateRoleCommand)[0].args[0].input.AssumeRolePolicyDocument);
    expect(trust.Statement[0].Principal.AWS).toBe('arn:aws-us-gov:iam::065115117704:root');
    expect(iam.commandCalls(AttachRolePolicyCommand).map((call) => call.args[0].input.PolicyArn)).toContain(
      'arn:aws-us-gov:iam::aws:policy/SecurityAudit',
    );
    expect(trust.Statement[1].Principal.AWS).toBe('arn:aws-us-gov:iam::222233334444:user/datadog-onboarding');
    const assumeClient = sts.commandCalls(AssumeRoleCommand)[0].thisValue as STSClient;
    await expect(assumeClient.config.credentials()).resolves.toMatchObject({ accessKeyId: 'AKIAGOVCLOUDEXAMPLE1' });
    await expect(assumeClient.config.region()).resolves.toBe('us-gov-west-1');
  });

  it('fails clearly when the GovCloud credentials secret is missing', async () => {
    secrets.reset();
    secrets
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('Secrets Manager can’t find the specified secret.'), { name: 'ResourceNotFoundException' }));
    const { forgetSecrets } = await import('../../shared/aws/json-secret');
    forgetSecrets();

    await expect(
      provisionRoleStep(event({ target: aTarget({ partition: 'aws-us-gov', datadogSite: 'ddog-gov.com' }) })),
    ).rejects.toMatchObject({
      name: 'PartitionCredentialsError',
      message: expect.stringContaining(
        'step ProvisionRole: cannot read the aws-us-gov credentials secret datadog-onboarding/aws-us-gov-credentials: ResourceNotFoundException',
      ),
    });
    expect(sts).not.toHaveReceivedCommand(AssumeRoleCommand);
  });

  it('rejects a malformed step input before any call', async () => {
    // The Lambda entry point parses the input; the plain function gets it typed.
    const context = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 } as unknown as Context;
    await expect(handler({ target: aTarget(), externalId: 'x y', permissions: PERMISSIONS }, context)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('step ProvisionRole: input externalId: must be an external ID'),
    });
    expect(sts).not.toHaveReceivedAnyCommand();
  });
});
