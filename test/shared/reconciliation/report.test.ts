import { accountResults, innermostFailure, reconciliationReport } from '../../../shared/reconciliation/report';

const succeeded = (output: object) => ({ Status: 'SUCCEEDED', Input: '{}', Output: JSON.stringify(output) });

describe('accountResults', () => {
  it("reads each child's own result, and turns a child that failed outright into a failed account from its plan item", () => {
    const results = accountResults([
      succeeded({ accountId: '1', action: 'onboard', reason: 'r', outcome: 'onboarded' }),
      {
        Status: 'FAILED',
        Input: JSON.stringify({ accountId: '2', action: 'repair', reason: 'drift' }),
        Error: 'States.Runtime',
        Cause: 'bad path',
      },
    ]);
    expect(results).toEqual([
      { accountId: '1', action: 'onboard', reason: 'r', outcome: 'onboarded' },
      { accountId: '2', action: 'repair', reason: 'drift', outcome: 'failed', error: 'States.Runtime', cause: 'bad path' },
    ]);
  });

  it("reports the nested onboarding execution's own error and cause, not the .sync wrapper's States.TaskFailed", () => {
    const cause = JSON.stringify({
      Status: 'FAILED',
      ExecutionArn: 'arn',
      Error: 'MemberAccountUnreachableError',
      Cause: 'no access role',
    });
    const [result] = accountResults([
      succeeded({ accountId: '1', action: 'onboard', reason: 'r', outcome: 'failed', error: 'States.TaskFailed', cause }),
    ]);
    expect(result).toMatchObject({ error: 'MemberAccountUnreachableError', cause: 'no access role' });
  });

  it('refuses an output that is not an account result, naming the entry', () => {
    expect(() => accountResults([succeeded({ nope: true })])).toThrow("map run result 0: the child's output is not an account result");
  });
});

describe('innermostFailure', () => {
  it('keeps a plain cause as it is', () => {
    expect(innermostFailure('Lambda.Unknown', 'out of memory')).toEqual({ error: 'Lambda.Unknown', cause: 'out of memory' });
  });
});

describe('reconciliationReport', () => {
  it('counts per action and per outcome, and lists failed accounts with error and cause', () => {
    const report = reconciliationReport(
      [
        { accountId: '1', action: 'onboard', reason: '', outcome: 'onboarded' },
        { accountId: '2', action: 'onboard', reason: '', outcome: 'failed', error: 'E', cause: 'C' },
        { accountId: '3', action: 'none', reason: 'converged', outcome: 'unchanged' },
        { accountId: '4', action: 'skip', reason: 'closed', outcome: 'skipped' },
        { accountId: '5', action: 'offboard', reason: 'left', outcome: 'offboarded' },
      ],
      false,
    );
    expect(report).toEqual({
      dryRun: false,
      counts: { onboard: 2, repair: 0, offboard: 1, none: 1, skip: 1, failed: 1 },
      outcomes: { onboard: { onboarded: 1, failed: 1 }, none: { unchanged: 1 }, skip: { skipped: 1 }, offboard: { offboarded: 1 } },
      failedAccounts: [{ accountId: '2', action: 'onboard', error: 'E', cause: 'C' }],
    });
  });
});
