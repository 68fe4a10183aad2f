/**
 * The Lambda entry points (middy-wrapped): error names the state machine acts on.
 */
import 'aws-sdk-client-mock-jest';
import { IAMClient, IAMServiceException, GetRoleCommand } from '@aws-sdk/client-iam';
import { DescribeAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as removeValidatorTrust } from '../../functions/remove-validator-trust/index';
import { handler as validateRole } from '../../functions/validate-role/index';
import { logger } from '../../shared/logger';
import { aTarget, assumedRole } from '../helpers';

const iam = mockClient(IAMClient);
const sts = mockClient(STSClient);
const context = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 } as unknown as Context;
const event = { target: aTarget(), externalId: 'abcdef0123456789abcdef0123456789' };

describe('Middleware: classifyErrors', () => {
  beforeEach(() => {
    iam.reset();
    sts.reset();
    sts.on(AssumeRoleCommand).resolves(assumedRole());
  });

  it('turns AWS throttling into TransientError, which the state machine retries', async () => {
    iam
      .on(GetRoleCommand)
      .rejects(new IAMServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', $metadata: {} }));
    await expect(removeValidatorTrust(event, context)).rejects.toMatchObject({
      name: 'TransientError',
      message: 'account 444455556666, step RemoveValidatorTrust: Throttling from AWS. Replay the account if it persists',
    });
  });

  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'])(
    'turns a network error (%s) left after the SDK’s own retries into TransientError naming its code',
    async (code) => {
      iam.on(GetRoleCommand).rejects(Object.assign(new Error(`connect ${code} iam.amazonaws.com`), { code }));
      await expect(removeValidatorTrust(event, context)).rejects.toMatchObject({
        name: 'TransientError',
        message: `account 444455556666, step RemoveValidatorTrust: ${code} from AWS. Replay the account if it persists`,
      });
    },
  );

  it('wraps an unexpected error with the account and step, keeping its name in the message', async () => {
    iam
      .on(GetRoleCommand)
      .rejects(new IAMServiceException({ name: 'UnmodifiableEntity', $fault: 'client', message: 'protected role', $metadata: {} }));
    await expect(removeValidatorTrust(event, context)).rejects.toMatchObject({
      name: 'OnboardingError',
      message: 'account 444455556666, step RemoveValidatorTrust: unexpected UnmodifiableEntity: protected role',
    });
  });

  it('turns an input Powertools Parser refuses into InvalidInputError naming the step and the first wrong field, not its value', async () => {
    // Act
    const result = removeValidatorTrust({ target: aTarget(), externalId: 'not an <external> id' }, context);

    // Assess
    await expect(result).rejects.toMatchObject({
      name: 'InvalidInputError',
      message:
        'step RemoveValidatorTrust: input externalId: must be an external ID (STS ExternalId format). The state machine definition and the functions are out of step; redeploy them together',
    });
    expect(sts).not.toHaveReceivedAnyCommand();
    expect(iam).not.toHaveReceivedAnyCommand();
  });

  it('passes this project’s errors unchanged', async () => {
    await expect(removeValidatorTrust({ target: { accountId: 'x' } }, context)).rejects.toMatchObject({ name: 'InvalidInputError' });
  });

  it('passes a "not yet" of validation unchanged and logs it as progress, not as a failed step', async () => {
    // Prepare: the role is not assumable yet.
    const organizations = mockClient(OrganizationsClient);
    organizations.on(DescribeAccountCommand).resolves({ Account: { Id: '444455556666', State: 'ACTIVE' } });
    sts.on(AssumeRoleCommand).rejects(new STSServiceException({ name: 'AccessDenied', $fault: 'client', message: 'no', $metadata: {} }));
    process.env.MAX_VALIDATION_SECONDS = '900';
    const errors = jest.spyOn(logger, 'error');
    const infos = jest.spyOn(logger, 'info');

    try {
      // Act
      const result = validateRole(
        { ...event, roleArn: 'arn:aws:iam::444455556666:role/DatadogIntegrationRole', provisionedAt: new Date().toISOString() },
        context,
      );

      // Assess
      await expect(result).rejects.toMatchObject({ name: 'RoleNotYetAssumable.Early' });
      expect(errors).not.toHaveBeenCalled();
      expect(infos).toHaveBeenCalledWith(
        'not usable yet; the state machine retries',
        expect.objectContaining({ step: 'ValidateRole', errorName: 'RoleNotYetAssumable.Early' }),
      );
    } finally {
      errors.mockRestore();
      infos.mockRestore();
      organizations.restore();
    }
  });
});
