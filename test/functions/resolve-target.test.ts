import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { resolveTargetStep as resolveWithExecution } from '../../functions/resolve-target/index';
import { RESOLVE_TARGET_ENVIRONMENT } from '../helpers';

const sfn = mockClient(SFNClient);
const MACHINE = 'arn:aws:states:us-east-1:111122223333:stateMachine:stack-onboarding';
const SELF = 'arn:aws:states:us-east-1:111122223333:execution:stack-onboarding:replay-1';
const resolveTargetStep = (input: unknown) => resolveWithExecution({ input, executionArn: SELF });

describe('Function: resolveTargetStep', () => {
  beforeEach(() => {
    Object.assign(process.env, RESOLVE_TARGET_ENVIRONMENT);
    sfn.reset();
    sfn.on(ListExecutionsCommand).resolves({
      executions: [{ executionArn: SELF, stateMachineArn: MACHINE, name: 'replay-1', status: 'RUNNING', startDate: new Date(2000) }],
    });
  });

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
        alternateMemberAccessRoleName: 'AWSControlTowerExecution',
        attachSecurityAudit: true,
      },
      trigger: undefined,
      context: undefined,
      concurrentExecutionArn: null,
      action: 'onboard',
    });
    expect(sfn).toHaveReceivedCommandWith(ListExecutionsCommand, { stateMachineArn: MACHINE, statusFilter: 'RUNNING' });
  });

  it('names an earlier running execution of the same account, whichever started it', async () => {
    // Prepare
    const otherAccount = 'arn:aws:states:us-east-1:111122223333:execution:stack-onboarding:onboard-999988887777';
    const byConsole = 'arn:aws:states:us-east-1:111122223333:execution:stack-onboarding:operator-retry';
    const running = (executionArn: string, name: string, at: number) => ({
      executionArn,
      stateMachineArn: MACHINE,
      name,
      status: 'RUNNING' as const,
      startDate: new Date(at),
    });
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        running(SELF, 'replay-1', 2000),
        running(otherAccount, 'onboard-999988887777', 1000),
        running(byConsole, 'operator-retry', 1500),
      ],
    });
    sfn.on(DescribeExecutionCommand, { executionArn: byConsole }).resolves({ input: JSON.stringify({ accountId: '444455556666' }) });

    // Act
    const result = await resolveTargetStep({ accountId: '444455556666' });

    // Assess
    expect(result.concurrentExecutionArn).toBe(byConsole);
  });

  it('goes ahead when the other execution of the account started later', async () => {
    const later = 'arn:aws:states:us-east-1:111122223333:execution:stack-onboarding:onboard-444455556666';
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        { executionArn: SELF, stateMachineArn: MACHINE, name: 'replay-1', status: 'RUNNING', startDate: new Date(2000) },
        { executionArn: later, stateMachineArn: MACHINE, name: 'onboard-444455556666', status: 'RUNNING', startDate: new Date(3000) },
      ],
    });
    await expect(resolveTargetStep({ accountId: '444455556666' })).resolves.toMatchObject({ concurrentExecutionArn: null });
  });

  it.each([
    ['a Control Tower event', 'aws.controltower', 'AWSControlTowerExecution', 'OrganizationAccountAccessRole'],
    ['an Organizations event', 'aws.organizations', 'OrganizationAccountAccessRole', 'AWSControlTowerExecution'],
  ])('tries the role %s hints first, then the other configured one', async (_, source, first, alternate) => {
    const result = await resolveTargetStep({
      accountId: '444455556666',
      trigger: { source, eventName: 'CreateManagedAccount', eventId: 'e', region: 'us-east-1', time: 't' },
    });
    expect(result.target).toMatchObject({ memberAccessRoleName: first, alternateMemberAccessRoleName: alternate });
  });

  it('has no alternate when both parameters name one role', async () => {
    process.env.CONTROL_TOWER_ACCESS_ROLE_NAME = 'OrganizationAccountAccessRole';
    const result = await resolveTargetStep({ accountId: '444455556666' });
    expect(result.target.memberAccessRoleName).toBe('OrganizationAccountAccessRole');
    expect(result.target).not.toHaveProperty('alternateMemberAccessRoleName');
  });

  it('applies the overrides an operator may type', async () => {
    const result = await resolveTargetStep({
      accountId: '444455556666',
      datadogSite: 'datadoghq.eu',
      roleName: 'DatadogIntegrationRole',
      memberAccessRoleName: 'AWSControlTowerExecution',
    });
    expect(result.target).toMatchObject({
      datadogSite: 'datadoghq.eu',
      roleName: 'DatadogIntegrationRole',
      memberAccessRoleName: 'AWSControlTowerExecution',
      alternateMemberAccessRoleName: 'OrganizationAccountAccessRole',
    });
  });

  it.each([
    [{ accountId: '4444' }, 'execution input accountId: must be a 12-digit AWS account id'],
    [{}, 'execution input accountId: Invalid input: expected string, received undefined'],
    [{ accountId: '444455556666', acountTags: 'x' }, 'execution input (top level): Unrecognized key: "acountTags"'],
    [{ accountId: '444455556666', datadogSite: 'datadoghq.xyz' }, 'execution input datadogSite: Invalid option'],
    [
      { accountId: '444455556666', memberAccessRoleName: 'Admin' },
      'execution input memberAccessRoleName: must be OrganizationAccountAccessRole or AWSControlTowerExecution',
    ],
    [{ accountId: '444455556666', roleName: 'OtherRole' }, 'execution input roleName: must be DatadogIntegrationRole'],
  ])('rejects %j in one line naming the field', async (input, message) => {
    await expect(resolveTargetStep(input)).rejects.toThrow(message);
    await expect(resolveTargetStep(input)).rejects.toMatchObject({ name: 'InvalidInputError' });
  });

  it('resolves GovCloud to access keys on a commercial site and to role delegation on a gov site', async () => {
    await expect(resolveTargetStep({ accountId: '444455556666', partition: 'aws-us-gov' })).resolves.toMatchObject({
      target: { authType: 'access_keys' },
    });
    await expect(
      resolveTargetStep({ accountId: '444455556666', partition: 'aws-us-gov', datadogSite: 'ddog-gov.com' }),
    ).resolves.toMatchObject({ target: { authType: 'role' } });
  });
});
