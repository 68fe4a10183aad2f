/**
 * Hostile execution inputs, as an operator (or anyone allowed to start an execution) types them in the Step
 * Functions console: either a valid input, or InvalidInputError in one short line naming the field, never the value.
 */
import { restoreQuietLogs } from '../support/verbose-logs';
import type { Context } from 'aws-lambda';
import fc from 'fast-check';
import { handler, resolveTargetStep as resolveWithExecution } from '../../functions/resolve-target/index';
import { InvalidInputError } from '../../shared/errors';
import { logger } from '../../shared/logger';
import { executionInputSchema, parseExecutionInput } from '../../shared/onboarding/execution-input';
import { RESOLVE_TARGET_ENVIRONMENT } from '../helpers';
import { useAccountsTable } from '../support/dynamodb';
import { captureOutput, echoedPayloads, hostileConsoleInput, LINE_TERMINATOR, PAYLOADS } from './hostile-values';

const SELF = 'arn:aws:states:us-east-1:111122223333:execution:stack-onboarding:replay-1';
/** The state machine hands ResolveTarget the execution input and the execution's ARN. */
const stepEvent = (input: unknown) => ({ input, executionArn: SELF });
const resolveTargetStep = (input: unknown) => resolveWithExecution(stepEvent(input));

/** The message names the field: `execution input <field>: <problem>` (`input` for the input as a whole). */
const NAMES_A_FIELD =
  /execution input (\(top level\)|accountId|partition|datadogSite|roleName|memberAccessRoleName|trigger(\.\w+)?|context(\.\w+)?): /;
/** Long enough for the longest legitimate message (the list of Datadog sites, then the remedy). */
const MAX_MESSAGE = 450;

const lambdaContext = {
  functionName: 'stack-ResolveTargetFunction',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:stack-ResolveTargetFunction',
  memoryLimitInMB: '256',
  awsRequestId: 'fuzz',
  logGroupName: '/aws/lambda/stack-ResolveTargetFunction',
  logStreamName: 'fuzz',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;

/** Asserts what a rejection must be: InvalidInputError, one short line naming the field, no value echoed. */
function expectRedactedRejection(error: unknown): void {
  expect(error).toBeInstanceOf(InvalidInputError);
  const message = (error as Error).message;
  expect(message).not.toMatch(LINE_TERMINATOR);
  expect(message.length).toBeLessThanOrEqual(MAX_MESSAGE);
  expect(message).toMatch(NAMES_A_FIELD);
  expect(echoedPayloads(message)).toEqual([]);
}

function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('Hostile input: the console execution input', () => {
  // This execution is the only one: valid inputs take (or keep) the account's lease and go ahead.
  useAccountsTable();

  beforeEach(() => {
    Object.assign(process.env, RESOLVE_TARGET_ENVIRONMENT);
  });

  afterAll(() => {
    restoreQuietLogs();
    logger.setLogLevel('SILENT');
  });

  it('parseExecutionInput: returns the input it was given, or InvalidInputError in one redacted line', () => {
    fc.assert(
      fc.property(hostileConsoleInput, (input) => {
        // Act
        let parsed: unknown;
        let error: unknown;
        try {
          parsed = parseExecutionInput(input);
        } catch (caught) {
          error = caught;
        }

        // Assess
        if (error === undefined) {
          expect(parsed).toEqual(input);
          expect((parsed as { accountId: string }).accountId).toMatch(/^[0-9]{12}$/);
        } else {
          expectRedactedRejection(error);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('resolveTargetStep: resolves the literal account id of a valid input, or rejects in one redacted line', async () => {
    await fc.assert(
      fc.asyncProperty(hostileConsoleInput, async (input) => {
        // Prepare
        const valid = executionInputSchema.safeParse(input).success;

        // Act
        const { value, error } = await captureOutput(() => resolveTargetStep(input));

        // Assess
        if (!valid) {
          expectRedactedRejection(error);
        } else if (error !== undefined) {
          // A valid input can still name a role the functions may not assume, or a site that needs access keys.
          expect(error).toBeInstanceOf(InvalidInputError);
          expect((error as Error).message).not.toMatch(LINE_TERMINATOR);
          expect(echoedPayloads((error as Error).message)).toEqual([]);
        } else {
          expect(value?.target.accountId).toBe((input as { accountId: string }).accountId);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('the ResolveTarget handler logs no more than one redacted line for a rejected input', async () => {
    // Prepare: control, the capture sees the handler's log lines.
    const control = await captureOutput(() => handler(stepEvent({ accountId: '1' }), lambdaContext));
    expect(logLines(control.output)).toEqual([
      expect.objectContaining({ level: 'ERROR', message: 'step failed', errorName: 'InvalidInputError' }),
    ]);

    await fc.assert(
      fc.asyncProperty(
        hostileConsoleInput.filter((input) => !executionInputSchema.safeParse(input).success),
        async (input) => {
          // Act
          const { error, output } = await captureOutput(() => handler(stepEvent(input), lambdaContext));

          // Assess
          expectRedactedRejection(error);
          expect(echoedPayloads(output)).toEqual([]);
          const lines = logLines(output);
          expect(lines).toHaveLength(1);
          expect(lines[0]).toMatchObject({ message: 'step failed', errorName: 'InvalidInputError', reason: (error as Error).message });
        },
      ),
      { numRuns: 100 },
    );
  });

  /** The rejection of `input`, or a description of what is wrong with it (collected, so one run lists them all). */
  function problemsOf(label: string, input: unknown, field: string): string[] {
    let error: unknown;
    try {
      parseExecutionInput(input);
    } catch (caught) {
      error = caught;
    }
    if (!(error instanceof InvalidInputError)) return [`${label}: not rejected with InvalidInputError`];
    const problems: string[] = [];
    if (LINE_TERMINATOR.test(error.message)) problems.push(`${label}: message is not one line`);
    if (error.message.length > MAX_MESSAGE) problems.push(`${label}: message has ${error.message.length} characters`);
    if (echoedPayloads(error.message).length > 0) problems.push(`${label}: message echoes the value`);
    if (!error.message.includes(`execution input ${field}: `)) problems.push(`${label}: message does not name ${field}`);
    return problems;
  }

  it('names an unknown field without echoing its name', () => {
    // Prepare
    const inputs = PAYLOADS.map((payload) => [payload.name, { accountId: '444455556666', [payload.value]: 'x' }] as const);

    // Act
    const problems = inputs.flatMap(([label, input]) => problemsOf(label, input, '(top level)'));

    // Assess
    expect(problems).toEqual([]);
  });

  it('rejects a hostile value in every field without echoing it', () => {
    // Prepare
    const fields = ['accountId', 'partition', 'datadogSite', 'roleName', 'memberAccessRoleName', 'trigger', 'context'];
    const inputs = fields.flatMap((field) =>
      PAYLOADS.map((payload) => [`${field} = ${payload.name}`, field, { accountId: '444455556666', [field]: payload.value }] as const),
    );

    // Act
    const problems = inputs.flatMap(([label, field, input]) => problemsOf(label, input, field));

    // Assess
    expect(problems).toEqual([]);
  });
});
