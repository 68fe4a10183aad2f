import 'aws-sdk-client-mock-jest';
import { GetRoleCommand, IAMClient, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { removeValidatorTrustStep } from '../../functions/remove-validator-trust/index';
import { buildTrustPolicy } from '../../shared/iam/trust-policy';
import { aTarget, assumedRole } from '../helpers';

const iam = mockClient(IAMClient);
const sts = mockClient(STSClient);
const DATADOG = 'arn:aws:iam::464622532012:root';
const EXTERNAL_ID = 'abcdef0123456789abcdef0123456789';
const roleWith = (trust: object) => ({
  Role: {
    Arn: 'arn:aws:iam::444455556666:role/DatadogIntegrationRole',
    AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)),
  } as never,
});

describe('Function: removeValidatorTrustStep', () => {
  beforeEach(() => {
    iam.reset();
    sts.reset();
    sts.on(AssumeRoleCommand).resolves(assumedRole());
  });

  it('leaves Datadog’s statement alone in the trust policy', async () => {
    iam.on(GetRoleCommand).resolves(
      roleWith(
        buildTrustPolicy(DATADOG, EXTERNAL_ID, {
          principalArn: 'arn:aws:iam::111122223333:role/validator',
          expiresAt: new Date('2026-12-02T12:00:00Z'),
        }),
      ),
    );

    await expect(removeValidatorTrustStep({ target: aTarget(), externalId: EXTERNAL_ID })).resolves.toEqual({ trustPolicyUpdated: true });

    const written = JSON.parse(iam.commandCalls(UpdateAssumeRolePolicyCommand)[0].args[0].input.PolicyDocument ?? '');
    expect(written).toEqual(buildTrustPolicy(DATADOG, EXTERNAL_ID));
  });

  it('writes nothing when the validator’s statement is already gone', async () => {
    iam.on(GetRoleCommand).resolves(roleWith(buildTrustPolicy(DATADOG, EXTERNAL_ID)));
    await expect(removeValidatorTrustStep({ target: aTarget(), externalId: EXTERNAL_ID })).resolves.toEqual({ trustPolicyUpdated: false });
    expect(iam).not.toHaveReceivedCommand(UpdateAssumeRolePolicyCommand);
  });
});
