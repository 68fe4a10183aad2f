import 'aws-sdk-client-mock-jest';
import { DescribeExecutionCommand, ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { startOnboarding } from '../../functions/start-onboarding/index';
import { CREATE_MANAGED_ACCOUNT_REQUEST, sampleEvent } from '../helpers';

const sfn = mockClient(SFNClient);
const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:stack-onboarding';
const exists = () => new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} });

describe('Function: startOnboarding', () => {
  beforeEach(() => {
    sfn.reset();
    process.env.STATE_MACHINE_ARN = STATE_MACHINE_ARN;
  });

  it('starts onboard-<accountId> with the account, partition, trigger and context', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE_ARN}:onboard-444455556666`, startDate: new Date() });

    // Act
    const result = await startOnboarding(sampleEvent('control-tower-create-managed-account.json'));

    // Assess
    expect(result).toEqual({ accountId: '444455556666', outcome: 'started', executionArn: `${STATE_MACHINE_ARN}:onboard-444455556666` });
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    const sent = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(sent.name).toBe('onboard-444455556666');
    expect(JSON.parse(sent.input ?? '')).toEqual(CREATE_MANAGED_ACCOUNT_REQUEST);
  });

  it('starts nothing for a duplicate delivery while the account’s onboarding runs', async () => {
    sfn.on(StartExecutionCommand).rejects(exists());
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    const result = await startOnboarding(sampleEvent('organizations-create-account-result.json'));

    expect(result).toMatchObject({
      outcome: 'already-running',
      executionArn: 'arn:aws:states:us-east-1:111122223333:execution:stack-onboarding:onboard-444455556666',
    });
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });

  it('onboards again under a name derived from the event id once the earlier execution closed', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:second', startDate: new Date() });
    sfn.on(StartExecutionCommand, { name: 'onboard-444455556666' }).rejects(exists());
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });

    const result = await startOnboarding(sampleEvent('control-tower-create-managed-account.json'));

    expect(result).toMatchObject({ outcome: 'started', executionArn: 'arn:second' });
    const names = sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name);
    expect(names).toEqual(['onboard-444455556666', expect.stringMatching(/^onboard-444455556666-[0-9a-f]{12}$/)]);
  });

  it('reports a second delivery of an already handled event as a duplicate', async () => {
    sfn.on(StartExecutionCommand).rejects(exists());
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });

    const result = await startOnboarding(sampleEvent('control-tower-create-managed-account.json'));

    expect(result).toMatchObject({ outcome: 'duplicate' });
  });

  it.each([
    ['a FAILED lifecycle event', 'control-tower-create-managed-account-failed.json', 'ignored'],
    ['an unrelated event', 'unrelated-cloudtrail-event.json', 'ignored'],
    ['a console input', 'console-replay.json', 'rejected'],
  ])('starts nothing for %s', async (_, file, outcome) => {
    const result = await startOnboarding(sampleEvent(file));
    expect(result).toMatchObject({ outcome, reason: expect.any(String) });
    expect(sfn).not.toHaveReceivedAnyCommand();
  });
});
