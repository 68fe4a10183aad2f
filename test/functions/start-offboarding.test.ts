import { DescribeExecutionCommand, ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { startOnboarding } from '../../functions/start-onboarding/index';
import { parseExecutionInput } from '../../shared/onboarding/execution-input';
import { sampleEvent } from '../helpers';

const sfn = mockClient(SFNClient);
const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:stack-onboarding';
const exists = () => new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} });

describe('Function: startOnboarding, for an account that is gone', () => {
  beforeEach(() => {
    sfn.reset();
    process.env.STATE_MACHINE_ARN = STATE_MACHINE_ARN;
  });

  it('starts offboard-<accountId> of the same state machine with action offboard, the reason and the trigger', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE_ARN}:offboard-444455556666`, startDate: new Date() });

    const result = await startOnboarding(sampleEvent('organizations-close-account-result.json'));

    expect(result).toEqual({
      accountId: '444455556666',
      action: 'offboard',
      outcome: 'started',
      executionArn: `${STATE_MACHINE_ARN}:offboard-444455556666`,
    });
    const sent = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(sent.stateMachineArn).toBe(STATE_MACHINE_ARN);
    expect(sent.name).toBe('offboard-444455556666');
    const input = JSON.parse(sent.input ?? '') as unknown;
    // What the starter sends is what the state machine accepts.
    expect(parseExecutionInput(input)).toEqual({
      accountId: '444455556666',
      partition: 'aws',
      action: 'offboard',
      reason: 'account 444455556666 was closed (CloseAccountResult SUCCEEDED)',
      trigger: expect.objectContaining({ eventName: 'CloseAccountResult' }),
    });
  });

  it('a second event for the account (CloseAccount, then CloseAccountResult) offboards again under a name from the event id', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:second', startDate: new Date() });
    sfn.on(StartExecutionCommand, { name: 'offboard-444455556666' }).rejects(exists());
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });

    await startOnboarding(sampleEvent('organizations-close-account-result.json'));

    const names = sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name);
    expect(names).toEqual(['offboard-444455556666', expect.stringMatching(/^offboard-444455556666-[0-9a-f]{12}$/)]);
  });

  it('a MoveAccount starts an onboarding execution (its scope decides), without action', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:moved', startDate: new Date() });

    await startOnboarding(sampleEvent('organizations-move-account.json'));

    const sent = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(sent.name).toBe('onboard-444455556666');
    expect(JSON.parse(sent.input ?? '')).not.toHaveProperty('action');
  });
});

describe('Function: parseExecutionInput, action', () => {
  it('accepts the console offboarding input', () => {
    expect(parseExecutionInput({ accountId: '444455556666', action: 'offboard' })).toEqual({
      accountId: '444455556666',
      action: 'offboard',
    });
  });

  it('refuses another action with one line naming the field', () => {
    expect(() => parseExecutionInput({ accountId: '444455556666', action: 'delete' })).toThrow(
      /execution input action: Invalid option: expected one of "onboard"|"offboard"/,
    );
  });

  it("accepts a reconciliation's plan (repair), and refuses one with another action, naming the field", () => {
    const reconciliation = { action: 'repair', reason: 'the Datadog registration is missing' };
    expect(parseExecutionInput({ accountId: '444455556666', reconciliation })).toEqual({ accountId: '444455556666', reconciliation });
    expect(() => parseExecutionInput({ accountId: '444455556666', reconciliation: { ...reconciliation, action: 'skip' } })).toThrow(
      /execution input reconciliation\.action: Invalid option/,
    );
  });
});
