/**
 * One onboarding per account at a time. Executions started by the starter are already one per account (their
 * names are), but an operator can start a replay from the console while another runs; their Datadog writes and trust
 * policy changes would then interleave. The earliest running execution of an account proceeds; later ones stop
 * without changing anything.
 */
import { DescribeExecutionCommand, ListExecutionsCommand, type ExecutionListItem, type SFNClient } from '@aws-sdk/client-sfn';

/** Most running executions looked at; beyond that the check gives up looking (and lets the execution proceed). */
const MAX_RUNNING_EXAMINED = 500;

/** The state machine an execution belongs to: `arn:…:execution:<machine>:<name>` → `arn:…:stateMachine:<machine>`. */
export function stateMachineArnOf(executionArn: string): string {
  const parts = executionArn.split(':');
  if (parts.length !== 8 || parts[5] !== 'execution') throw new Error(`not an execution ARN: ${executionArn}`);
  return [...parts.slice(0, 5), 'stateMachine', parts[6]].join(':');
}

function earlier(a: ExecutionListItem, b: ExecutionListItem): boolean {
  const at = a.startDate?.getTime() ?? 0;
  const bt = b.startDate?.getTime() ?? 0;
  return at < bt || (at === bt && (a.executionArn ?? '') < (b.executionArn ?? ''));
}

async function onboardsAccount(sfn: SFNClient, execution: ExecutionListItem, accountId: string): Promise<boolean> {
  // The starter's names say whose they are; others (console replays) carry it in their input.
  if (execution.name === `onboard-${accountId}` || execution.name?.startsWith(`onboard-${accountId}-`)) return true;
  if (execution.name?.startsWith('onboard-')) return false;
  const { input } = await sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
  try {
    return (JSON.parse(input ?? '{}') as { accountId?: unknown }).accountId === accountId;
  } catch {
    return false;
  }
}

/**
 * Finds a running execution of the same state machine that onboards the same account and started before this one.
 *
 * @param executionArn - this execution (`$$.Execution.Id`).
 * @returns the ARN of the earlier execution, or `undefined` when this one goes ahead.
 * @throws the SDK's errors (throttling is retried by the state machine).
 */
export async function earlierOnboardingOf(sfn: SFNClient, executionArn: string, accountId: string): Promise<string | undefined> {
  const running: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: stateMachineArnOf(executionArn), statusFilter: 'RUNNING', nextToken, maxResults: 100 }),
    );
    running.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken && running.length < MAX_RUNNING_EXAMINED);

  // ListExecutions is eventually consistent: when this execution is not listed yet, its own start date comes from
  // DescribeExecution (read after write), so two executions never both stop for each other.
  let self: ExecutionListItem | undefined = running.find((execution) => execution.executionArn === executionArn);
  if (self === undefined) {
    const { startDate } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    self = { executionArn, startDate } as ExecutionListItem;
  }
  const me = self;
  for (const other of running) {
    if (other.executionArn === executionArn) continue;
    if (!earlier(other, me)) continue;
    if (await onboardsAccount(sfn, other, accountId)) return other.executionArn;
  }
  return undefined;
}
