/**
 * Hostile lifecycle events against the starter: whatever arrives, either the account id the event documents is
 * onboarded, or nothing starts and the reason is one short line that does not echo the event's values.
 */
import 'aws-sdk-client-mock-jest';
import { restoreQuietLogs } from '../support/verbose-logs';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { startOnboarding, type StartOnboardingResult } from '../../functions/start-onboarding/index';
import { logger } from '../../shared/logger';
import { sampleEvent } from '../helpers';
import { captureOutput, echoedPayloads, hostileLifecycleEvent, LINE_TERMINATOR, PAYLOADS, valueAt } from './hostile-values';

const sfn = mockClient(SFNClient);
const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:stack-onboarding';
const MAX_REASON = 300;

/** Where each lifecycle event keeps its status (shared/events/lifecycle-event.ts, and the brief's event table). */
const STATUS_PATHS: Record<string, string[]> = {
  'aws.controltower/CreateManagedAccount': ['detail', 'serviceEventDetails', 'createManagedAccountStatus'],
  'aws.controltower/UpdateManagedAccount': ['detail', 'serviceEventDetails', 'updateManagedAccountStatus'],
  'aws.organizations/CreateAccountResult': ['detail', 'serviceEventDetails', 'createAccountStatus'],
};

function documentedStatus(event: unknown): { state: unknown; accountId: unknown } | undefined {
  const key = `${String(valueAt(event, ['source']))}/${String(valueAt(event, ['detail', 'eventName']))}`;
  const path = STATUS_PATHS[key];
  if (path === undefined) return undefined;
  const accountPath = key === 'aws.organizations/CreateAccountResult' ? [...path, 'accountId'] : [...path, 'account', 'accountId'];
  return { state: valueAt(event, [...path, 'state']), accountId: valueAt(event, accountPath) };
}

function mockStepFunctions(): void {
  sfn.reset();
  sfn.on(StartExecutionCommand).callsFake((input: { name?: string }) => ({
    executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${input.name}`,
    startDate: new Date(),
  }));
  sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
}

/** The log lines written, parsed (Powertools writes one JSON document per line). */
function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Asserts the contract for one event; returns what happened, for the statistics. */
async function checkEvent(event: unknown): Promise<StartOnboardingResult['outcome']> {
  // Prepare
  mockStepFunctions();

  // Act
  const { value: result, error, output } = await captureOutput(() => startOnboarding(event));

  // Assess
  expect(error).toBeUndefined();
  if (result === undefined) throw new Error('no result');
  expect(echoedPayloads(output)).toEqual([]);
  if (result.outcome === 'ignored' || result.outcome === 'rejected') {
    expect(sfn.calls()).toHaveLength(0);
    expect(result.reason).toEqual(expect.any(String));
    expect(result.reason).not.toMatch(LINE_TERMINATOR);
    expect(result.reason.length).toBeLessThanOrEqual(MAX_REASON);
    expect(echoedPayloads(result.reason)).toEqual([]);
    // Logged: one line, the redacted summary.
    const lines = logLines(output);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ message: result.outcome === 'ignored' ? 'event ignored' : 'event rejected', reason: result.reason });
    return result.outcome;
  }
  // Onboarded: a SUCCEEDED lifecycle event whose documented field holds exactly these 12 digits.
  expect(result.outcome).toBe('started');
  if (!('accountId' in result)) throw new Error('started without an account id');
  expect(result.accountId).toMatch(/^[0-9]{12}$/);
  const status = documentedStatus(event);
  expect(status).toEqual({ state: 'SUCCEEDED', accountId: result.accountId });
  expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  const sent = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
  expect(sent.name).toBe(`onboard-${result.accountId}`);
  expect(JSON.parse(sent.input ?? '{}')).toMatchObject({ accountId: result.accountId });
  return result.outcome;
}

describe('Hostile input: startOnboarding', () => {
  beforeAll(() => {
    process.env.STATE_MACHINE_ARN = STATE_MACHINE_ARN;
  });

  afterAll(() => {
    restoreQuietLogs();
    logger.setLogLevel('SILENT');
  });

  it('captures the starter’s log line (control: the scan below sees what the function logs)', async () => {
    // Prepare
    mockStepFunctions();

    // Act
    const { output } = await captureOutput(() => startOnboarding(sampleEvent('control-tower-create-managed-account-failed.json')));

    // Assess
    expect(logLines(output)).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'event ignored',
        reason: 'CreateManagedAccount for account 444455556666 is in state FAILED',
      }),
    ]);
    expect(echoedPayloads(`x ${PAYLOADS[0].value} x`)).toEqual([PAYLOADS[0].name]);
  });

  it('onboards only the documented 12-digit id of a SUCCEEDED event; otherwise starts nothing and answers one short line that echoes no value', async () => {
    // Prepare
    const seen: Record<string, number> = {};

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(hostileLifecycleEvent, async (event) => {
        const outcome = await checkEvent(event);
        seen[outcome] = (seen[outcome] ?? 0) + 1;
      }),
      { numRuns: 400 },
    );

    // Assess: the generator reached both sides of the contract.
    expect(seen.started).toBeGreaterThan(0);
    expect((seen.rejected ?? 0) + (seen.ignored ?? 0)).toBeGreaterThan(0);
  });

  it.each([
    ['source', ['source']],
    ['detail.eventName', ['detail', 'eventName']],
    ['Control Tower state', ['detail', 'serviceEventDetails', 'createManagedAccountStatus', 'state']],
  ])('does not echo a hostile %s in the reason or the log', async (_, path) => {
    // Prepare
    const failures: string[] = [];

    for (const payload of PAYLOADS) {
      const event = sampleEvent('control-tower-create-managed-account.json');
      const parent = valueAt(event, path.slice(0, -1)) as Record<string, unknown>;
      parent[path[path.length - 1]] = payload.value;
      mockStepFunctions();

      // Act
      const { value: result, output } = await captureOutput(() => startOnboarding(event));

      // Assess (collected, so the report lists every payload that leaks through this field)
      const reason = result && 'reason' in result ? result.reason : '';
      if (sfn.calls().length > 0) failures.push(`${payload.name}: started an execution`);
      if (LINE_TERMINATOR.test(reason)) failures.push(`${payload.name}: reason is not one line`);
      if (reason.length > MAX_REASON) failures.push(`${payload.name}: reason has ${reason.length} characters`);
      if (echoedPayloads(reason).length > 0) failures.push(`${payload.name}: reason echoes the value`);
      if (echoedPayloads(output).length > 0) failures.push(`${payload.name}: log echoes the value`);
    }
    expect(failures).toEqual([]);
  });

  it('does not echo a hostile failureReason of a FAILED CreateAccountResult', async () => {
    const failures: string[] = [];
    for (const payload of PAYLOADS) {
      // Prepare
      const event = sampleEvent('organizations-create-account-result-failed.json');
      (valueAt(event, ['detail', 'serviceEventDetails', 'createAccountStatus']) as Record<string, unknown>).failureReason = payload.value;
      mockStepFunctions();

      // Act
      const { value: result, output } = await captureOutput(() => startOnboarding(event));

      // Assess
      const reason = result && 'reason' in result ? result.reason : '';
      if (LINE_TERMINATOR.test(reason) || echoedPayloads(reason).length > 0 || echoedPayloads(output).length > 0) {
        failures.push(`${payload.name}: ${JSON.stringify(reason).slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
