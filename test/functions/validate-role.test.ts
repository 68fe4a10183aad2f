import 'aws-sdk-client-mock-jest';
import { IAMClient, IAMServiceException, ListAccountAliasesCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { DescribeAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, validateRoleStep } from '../../functions/validate-role/index';
import { aTarget, assumedRole } from '../helpers';

const iam = mockClient(IAMClient);
const sts = mockClient(STSClient);
const organizations = mockClient(OrganizationsClient);
const ROLE_ARN = 'arn:aws:iam::444455556666:role/DatadogIntegrationRole';
const accessDenied = () => new STSServiceException({ name: 'AccessDenied', $fault: 'client', message: 'not authorized', $metadata: {} });
/** The step's input, ProvisionRole having ended `secondsAgo` seconds ago. */
const event = (secondsAgo = 0) => ({
  target: aTarget(),
  roleArn: ROLE_ARN,
  externalId: 'abcdef0123456789abcdef0123456789',
  provisionedAt: new Date(Date.now() - secondsAgo * 1000).toISOString(),
});

describe('Function: validateRoleStep', () => {
  beforeEach(() => {
    iam.reset();
    sts.reset();
    organizations.reset();
    organizations.on(DescribeAccountCommand).resolves({ Account: { Id: '444455556666', Status: 'ACTIVE' } });
    process.env.MAX_VALIDATION_SECONDS = '900';
    sts.on(AssumeRoleCommand).resolves(assumedRole('ASIADATADOG'));
    iam.on(ListAccountAliasesCommand).resolves({ AccountAliases: [] });
  });

  it('assumes the role with the external ID and makes one read call the policy grants', async () => {
    // Act
    const input = event(10);
    const before = Date.now();
    const result = await validateRoleStep(input);
    const tookSeconds = (Date.now() - before) / 1000;

    // Assess: 10 s after provisioning is the third scheduled attempt (0, 4, 8 s); the wait counts the call's own time.
    expect(result.waitedSeconds).toBeGreaterThanOrEqual(9.5);
    expect(result.waitedSeconds).toBeLessThanOrEqual(10.5 + tookSeconds);
    expect(result).toEqual({
      assumable: true,
      attempts: 3,
      waitedSeconds: expect.any(Number),
      waitSeconds: 0,
      startedAt: input.provisionedAt,
    });
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: ROLE_ARN,
      ExternalId: 'abcdef0123456789abcdef0123456789',
      DurationSeconds: 900,
    });
    expect(iam).toHaveReceivedCommandTimes(ListAccountAliasesCommand, 1);
  });

  // The schedule's phase boundaries are tested in test/shared/onboarding/validation-schedule.test.ts; here, that the
  // step reaches the schedule with the time since provisioning.
  it.each([
    [0, 'RoleNotYetAssumable.Early', 1, 4],
    [141, 'RoleNotYetAssumable.Late', 15, 152],
  ])(
    'says "not yet" %i s after provisioning with %s (attempt %i), which the state machine retries in %i s',
    async (secondsAgo, name, attempt, retryIn) => {
      // Prepare
      sts.on(AssumeRoleCommand).rejects(accessDenied());

      // Act
      const result = validateRoleStep(event(secondsAgo));

      // Assess
      await expect(result).rejects.toMatchObject({
        name,
        message: `account 444455556666, step ValidateRole: ${ROLE_ARN} not assumable yet (attempt ${attempt}, ${secondsAgo} s after provisioning, sts:AssumeRole AccessDenied); next attempt in ${retryIn} s`,
      });
    },
  );

  it('says "not yet" while the policy is not in force for the read call', async () => {
    // Prepare
    iam
      .on(ListAccountAliasesCommand)
      .rejects(new IAMServiceException({ name: 'AccessDenied', $fault: 'client', message: 'no', $metadata: {} }));

    // Act
    const result = validateRoleStep(event());

    // Assess
    await expect(result).rejects.toMatchObject({
      name: 'RoleNotYetAssumable.Early',
      message: expect.stringContaining('iam:ListAccountAliases AccessDenied'),
    });
  });

  it('refuses a provisioning time that is not an ISO 8601 date', async () => {
    // Act: the Lambda entry point parses the input; the plain function gets it typed.
    const context = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 } as unknown as Context;
    const result = handler({ ...event(), provisionedAt: 'yesterday' }, context);

    // Assess
    await expect(result).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('step ValidateRole: input provisionedAt: '),
    });
    expect(sts).not.toHaveReceivedAnyCommand();
  });

  it('stops when the next attempt would start past the bound, with the account, the step and what to check', async () => {
    // Prepare: 901 s in (the attempt due at 900 s, a second late), the next scheduled attempt (1,052 s) is past the bound.
    sts.on(AssumeRoleCommand).rejects(accessDenied());

    // Act
    const result = validateRoleStep(event(901));

    // Assess
    await expect(result).rejects.toMatchObject({
      name: 'RoleValidationTimeoutError',
      message: expect.stringMatching(
        /^account 444455556666, step ValidateRole: .* was still not assumable after 20 attempts over 901 s since provisioning \(last error: sts:AssumeRole AccessDenied\)\. Check the role trust policy/,
      ),
    });
  });

  it('still retries when the next attempt starts right at the bound', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(accessDenied());

    // Act
    const result = validateRoleStep(event(747));

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'RoleNotYetAssumable.Late' });
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
    await expect(validateRoleStep(event())).rejects.toMatchObject({ name: 'RoleNotYetAssumable.Early' });
  });
});
