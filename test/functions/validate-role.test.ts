import { IAMClient, IAMServiceException, ListAccountAliasesCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { DescribeAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, validateRoleStep } from '../../functions/validate-role/index';
import { aTarget } from '../helpers';

const iam = mockClient(IAMClient);
const sts = mockClient(STSClient);
const organizations = mockClient(OrganizationsClient);
const ROLE_ARN = 'arn:aws:iam::444455556666:role/DatadogIntegrationRole';
const accessDenied = () => new STSServiceException({ name: 'AccessDenied', $fault: 'client', message: 'not authorized', $metadata: {} });
const event = (attempts = 0, waitedSeconds = 0) => ({
  target: aTarget(),
  roleArn: ROLE_ARN,
  externalId: 'abcdef0123456789abcdef0123456789',
  validation: { attempts, waitedSeconds },
});

describe('Function: validateRoleStep', () => {
  beforeEach(() => {
    iam.reset();
    sts.reset();
    organizations.reset();
    organizations.on(DescribeAccountCommand).resolves({ Account: { Id: '444455556666', Status: 'ACTIVE' } });
    process.env.MAX_VALIDATION_SECONDS = '900';
    sts
      .on(AssumeRoleCommand)
      .resolves({ Credentials: { AccessKeyId: 'ASIADATADOG', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date() } });
    iam.on(ListAccountAliasesCommand).resolves({ AccountAliases: [] });
  });

  it('assumes the role with the external ID and makes one read call the policy grants', async () => {
    const result = await validateRoleStep(event());

    expect(result).toEqual({ assumable: true, attempts: 1, waitedSeconds: 0, waitSeconds: 0, startedAt: expect.any(String) });
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: ROLE_ARN,
      ExternalId: 'abcdef0123456789abcdef0123456789',
      DurationSeconds: 900,
    });
    expect(iam).toHaveReceivedCommandTimes(ListAccountAliasesCommand, 1);
  });

  it('answers "not yet" with the wait up to the next scheduled attempt while STS says AccessDenied', async () => {
    sts.on(AssumeRoleCommand).rejects(accessDenied());

    // Assess: attempts at 0, 4, 8 … 32 s, then 50, 68 … 122 s, then every 60 s (VALIDATION_SCHEDULE).
    await expect(validateRoleStep(event())).resolves.toEqual({
      assumable: false,
      attempts: 1,
      waitedSeconds: 4,
      waitSeconds: 4,
      lastError: 'sts:AssumeRole AccessDenied',
      startedAt: expect.any(String),
    });
    await expect(validateRoleStep(event(9, 35))).resolves.toEqual({
      assumable: false,
      attempts: 10,
      waitedSeconds: 50,
      waitSeconds: 15,
      lastError: 'sts:AssumeRole AccessDenied',
      startedAt: expect.any(String),
    });
    await expect(validateRoleStep(event(15, 300))).resolves.toMatchObject({ waitSeconds: 2, waitedSeconds: 302 });
  });

  it('answers "not yet" while the policy is not in force for the read call', async () => {
    iam
      .on(ListAccountAliasesCommand)
      .rejects(new IAMServiceException({ name: 'AccessDenied', $fault: 'client', message: 'no', $metadata: {} }));
    await expect(validateRoleStep(event())).resolves.toMatchObject({ assumable: false, lastError: 'iam:ListAccountAliases AccessDenied' });
  });

  it('dates the first attempt, and counts the time since then against the bound, attempts included', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(accessDenied());
    const before = Date.now();

    // Act
    const first = await validateRoleStep(event());
    const late = validateRoleStep({
      ...event(5, 100),
      validation: { attempts: 5, waitedSeconds: 100, startedAt: new Date(Date.now() - 901_000).toISOString() },
    });

    // Assess
    expect(Date.parse(first.startedAt ?? '')).toBeGreaterThanOrEqual(before);
    await expect(late).rejects.toMatchObject({
      name: 'RoleValidationTimeoutError',
      message: expect.stringContaining('after 6 attempts over 901 s'),
    });
  });

  it('refuses a validation start that is not an ISO 8601 date', async () => {
    // Act: the Lambda entry point parses the input; the plain function gets it typed.
    const context = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 } as unknown as Context;
    const result = handler({ ...event(), validation: { attempts: 1, waitedSeconds: 5, startedAt: 'yesterday' } }, context);

    // Assess
    await expect(result).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('step ValidateRole: input validation.startedAt: '),
    });
    expect(sts).not.toHaveReceivedAnyCommand();
  });

  it('stops at the bound with the account, the step and what to check', async () => {
    sts.on(AssumeRoleCommand).rejects(accessDenied());
    await expect(validateRoleStep(event(20, 900))).rejects.toMatchObject({
      name: 'RoleValidationTimeoutError',
      message: expect.stringMatching(
        /^account 444455556666, step ValidateRole: .* was still not assumable after 21 attempts over 900 s \(last error: sts:AssumeRole AccessDenied\)\. Check the role trust policy/,
      ),
    });
  });

  it('never waits past the bound: the last wait is what is left of it', async () => {
    sts.on(AssumeRoleCommand).rejects(accessDenied());
    await expect(validateRoleStep(event(10, 880))).resolves.toMatchObject({ waitSeconds: 20, waitedSeconds: 900 });
  });

  it('fails at once on another refusal', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejects(
        new STSServiceException({ name: 'RegionDisabledException', $fault: 'client', message: 'STS is not activated', $metadata: {} }),
      );
    await expect(validateRoleStep(event())).rejects.toMatchObject({
      name: 'RoleValidationError',
      message: expect.stringContaining('RegionDisabledException'),
    });
  });

  it('lets throttling through for the state machine to retry', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejects(new STSServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', $metadata: {} }));
    await expect(validateRoleStep(event())).rejects.toMatchObject({ name: 'Throttling' });
  });
});

describe('Function: validateRoleStep on an account that is no longer active', () => {
  it.each(['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED'] as const)(
    'stops at once instead of waiting when Organizations says its State is %s',
    async (state) => {
      sts.on(AssumeRoleCommand).rejects(accessDenied());
      organizations.on(DescribeAccountCommand).resolves({ Account: { Id: '444455556666', State: state } });
      await expect(validateRoleStep(event())).rejects.toMatchObject({
        name: 'AccountNotActiveError',
        message: expect.stringContaining(`the account became ${state} in AWS Organizations during onboarding`),
      });
    },
  );

  it('keeps waiting for an account still PENDING_ACTIVATION, which will become reachable', async () => {
    sts.on(AssumeRoleCommand).rejects(accessDenied());
    organizations.on(DescribeAccountCommand).resolves({ Account: { Id: '444455556666', State: 'PENDING_ACTIVATION' } });
    await expect(validateRoleStep(event())).resolves.toMatchObject({ assumable: false, attempts: 1 });
  });
});
