import { resolveTargetStep } from '../../functions/resolve-target/index';

const ENV = {
  AWS_REGION: 'us-east-1',
  DATADOG_SITE: 'datadoghq.com',
  DATADOG_ROLE_NAME: 'DatadogIntegrationRole',
  DATADOG_POLICY_NAME: 'DatadogIntegrationPolicy',
  MEMBER_ACCESS_ROLE_NAME: 'OrganizationAccountAccessRole',
  CONTROL_TOWER_ACCESS_ROLE_NAME: 'AWSControlTowerExecution',
  ATTACH_SECURITY_AUDIT: 'true',
};

describe('Function: resolveTargetStep', () => {
  beforeEach(() => Object.assign(process.env, ENV));

  it('resolves a console replay input with the stack defaults', async () => {
    await expect(resolveTargetStep({ accountId: '444455556666' })).resolves.toEqual({
      target: {
        accountId: '444455556666',
        partition: 'aws',
        datadogSite: 'datadoghq.com',
        authType: 'role',
        roleName: 'DatadogIntegrationRole',
        policyName: 'DatadogIntegrationPolicy',
        memberAccessRoleName: 'OrganizationAccountAccessRole',
        attachSecurityAudit: true,
      },
      trigger: undefined,
      context: undefined,
    });
  });

  it('reaches accounts created by Control Tower through its execution role', async () => {
    const result = await resolveTargetStep({
      accountId: '444455556666',
      trigger: { source: 'aws.controltower', eventName: 'CreateManagedAccount', eventId: 'e', region: 'us-east-1', time: 't' },
    });
    expect(result.target.memberAccessRoleName).toBe('AWSControlTowerExecution');
  });

  it('applies the overrides an operator may type', async () => {
    const result = await resolveTargetStep({ accountId: '444455556666', datadogSite: 'datadoghq.eu', roleName: 'DatadogEU', memberAccessRoleName: 'AWSControlTowerExecution' });
    expect(result.target).toMatchObject({ datadogSite: 'datadoghq.eu', roleName: 'DatadogEU', memberAccessRoleName: 'AWSControlTowerExecution' });
  });

  it.each([
    [{ accountId: '4444' }, 'execution input accountId: must be a 12-digit AWS account id'],
    [{}, 'execution input accountId: Invalid input: expected string, received undefined'],
    [{ accountId: '444455556666', acountTags: 'x' }, 'execution input input: Unrecognized key: "acountTags"'],
    [{ accountId: '444455556666', datadogSite: 'datadoghq.xyz' }, 'execution input datadogSite: Invalid option'],
    [{ accountId: '444455556666', memberAccessRoleName: 'Admin' }, 'execution input memberAccessRoleName: must be OrganizationAccountAccessRole or AWSControlTowerExecution'],
  ])('rejects %j in one line naming the field', async (input, message) => {
    await expect(resolveTargetStep(input)).rejects.toThrow(message as string);
    await expect(resolveTargetStep(input)).rejects.toMatchObject({ name: 'InvalidInputError' });
  });

  it('refuses a site and partition that need access keys, naming both', async () => {
    await expect(resolveTargetStep({ accountId: '444455556666', partition: 'aws-us-gov' })).rejects.toMatchObject({
      name: 'UnsupportedOnboardingError',
      message: expect.stringContaining('Datadog site datadoghq.com reaches partition aws-us-gov only with access keys'),
    });
  });
});
