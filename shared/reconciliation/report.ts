/**
 * The reconciliation report: what became of each planned account, counted per action and outcome, and each failed
 * account with its error and cause. Pure: the ReportReconciliation step reads the Distributed Map's results from S3
 * (its ResultWriter files) and writes this report next to them.
 */
import { z } from 'zod';
import type { ReconcileAction } from './plan';

/**
 * What became of one account: `unchanged` (none), `skipped` (skip), `planned` (dry run), `failed`, or the onboarding
 * execution's own outcome (`onboarded`, `offboarded`, `skipped`…).
 */
export type AccountOutcome = string;

/** One account's result: the output of its child execution of the Distributed Map. */
export interface AccountResult {
  accountId: string;
  action: ReconcileAction;
  reason: string;
  outcome: AccountOutcome;
  /** For a failed account: the error name and its cause (the nested execution's own, not the wrapper's). */
  error?: string;
  cause?: string;
}

/** The report (S3 object and, without `accounts`, the execution's output). */
export interface ReconciliationReport {
  dryRun: boolean;
  /** Accounts per planned action, and `failed`: those whose action failed. */
  counts: Record<ReconcileAction | 'failed', number>;
  /** Accounts per action and outcome, e.g. `{ onboard: { onboarded: 3, failed: 1 } }`. */
  outcomes: Partial<Record<ReconcileAction, Record<AccountOutcome, number>>>;
  failedAccounts: { accountId: string; action: ReconcileAction; error: string; cause: string }[];
}

/** One entry of a ResultWriter file (SUCCEEDED_0.json / FAILED_0.json), the fields read here. */
const resultEntrySchema = z.object({
  Status: z.string(),
  Input: z.string(),
  Output: z.string().optional(),
  Error: z.string().optional(),
  Cause: z.string().optional(),
});

/** A ResultWriter file's entries. */
export const resultFileSchema = z.array(resultEntrySchema);

/** A ResultWriter file entry. */
export type ResultEntry = z.infer<typeof resultEntrySchema>;

const itemSchema = z.object({ accountId: z.string(), action: z.string(), reason: z.string().optional() });
const resultSchema = z.object({
  accountId: z.string(),
  action: z.enum(['onboard', 'repair', 'offboard', 'none', 'skip']),
  reason: z.string(),
  outcome: z.string().min(1).max(64),
  error: z.string().optional(),
  cause: z.string().optional(),
});

/**
 * The nested execution's own error and cause, when `cause` is a `states:startExecution.sync:2` failure (its
 * DescribeExecution fields as JSON); else `error` and `cause` as they are.
 */
export function innermostFailure(error: string, cause: string): { error: string; cause: string } {
  try {
    const nested = JSON.parse(cause) as { Status?: unknown; Error?: unknown; Cause?: unknown };
    if (nested && typeof nested === 'object' && typeof nested.Error === 'string') {
      return innermostFailure(nested.Error, typeof nested.Cause === 'string' ? nested.Cause : '');
    }
  } catch {
    // Not JSON: a plain cause.
  }
  return { error, cause };
}

/**
 * The account results of a map run: a child that succeeded reports its own result (which may say `failed`: the
 * ItemProcessor catches the account's failure); a child that failed outright is a failed account, its input the plan item.
 *
 * @throws Error naming the entry when an entry is not what the ItemProcessor writes.
 */
export function accountResults(entries: ResultEntry[]): AccountResult[] {
  return entries.map((entry, index) => {
    if (entry.Status === 'SUCCEEDED') {
      const parsed = resultSchema.safeParse(JSON.parse(entry.Output ?? 'null'));
      if (!parsed.success) throw new Error(`map run result ${index}: the child's output is not an account result`);
      const result = parsed.data;
      const failure = result.error !== undefined ? innermostFailure(result.error, result.cause ?? '') : undefined;
      return { ...result, ...(failure ? { error: failure.error, cause: failure.cause } : {}) };
    }
    const item = itemSchema.safeParse(JSON.parse(entry.Input));
    if (!item.success) throw new Error(`map run result ${index}: the child's input is not a plan item`);
    const failure = innermostFailure(entry.Error ?? 'States.Runtime', entry.Cause ?? '');
    return {
      accountId: item.data.accountId,
      action: item.data.action as ReconcileAction,
      reason: item.data.reason ?? '',
      outcome: 'failed',
      ...failure,
    };
  });
}

/**
 * Counts the results.
 *
 * @example
 * ```ts
 * const report = reconciliationReport(accountResults([...succeeded, ...failed]), false);
 * report.counts.failed; // 0 when every account converged
 * ```
 */
export function reconciliationReport(results: AccountResult[], dryRun: boolean): ReconciliationReport {
  const counts: ReconciliationReport['counts'] = { onboard: 0, repair: 0, offboard: 0, none: 0, skip: 0, failed: 0 };
  const outcomes: ReconciliationReport['outcomes'] = {};
  const failedAccounts: ReconciliationReport['failedAccounts'] = [];
  for (const result of results) {
    counts[result.action] += 1;
    const perAction = (outcomes[result.action] ??= {});
    perAction[result.outcome] = (perAction[result.outcome] ?? 0) + 1;
    if (result.outcome === 'failed') {
      counts.failed += 1;
      failedAccounts.push({
        accountId: result.accountId,
        action: result.action,
        error: result.error ?? 'unknown',
        cause: result.cause ?? '',
      });
    }
  }
  return { dryRun, counts, outcomes, failedAccounts };
}
