/**
 * The ReportReconciliation step: reads the Distributed Map's results (its ResultWriter manifest and files), writes
 * the report to `reports/<execution name>.json` and outputs the counts and failed accounts (the state machine fails
 * the execution, and so raises the alarm, when an account failed).
 */
import { emitReconciliation } from '../observability/metrics';
import { z } from 'zod';
import type { ReportReconciliationInput } from '../onboarding/step-inputs';
import {
  accountResults,
  reconciliationReport,
  resultFileSchema,
  type AccountResult,
  type ReconciliationReport,
} from '../reconciliation/report';
import { cut } from '../text';

/** S3 reads and writes of the step, injected by the function's glue (and by tests). */
export interface ReportReconciliationDependencies {
  /** The text of an object of the bucket. */
  getObject(bucket: string, key: string): Promise<string>;
  putObject(bucket: string, key: string, body: string): Promise<void>;
}

/** ResultWriter's manifest (Step Functions developer guide, "ResultWriter (Map)"). */
const manifestSchema = z.object({
  ResultFiles: z.object({
    SUCCEEDED: z.array(z.object({ Key: z.string() })).default([]),
    FAILED: z.array(z.object({ Key: z.string() })).default([]),
    PENDING: z.array(z.object({ Key: z.string() })).default([]),
  }),
});

/** Output: the report without the per-account list (kept in S3, it can hold 10,000 accounts). */
export type ReportReconciliationResult = ReconciliationReport & {
  outcome: 'reconciled' | 'failed';
  report: { bucket: string; key: string };
};

/** At most this many failed accounts in the execution output (Step Functions' payload limit is 256 KiB); all are in the report. */
const FAILED_IN_OUTPUT = 50;
/**
 * At most this many characters of each one's cause in the output, whole in the report: a cause can reach Step
 * Functions' 32,768 (a Lambda crash's stack trace), and 50 of those would not fit in the output.
 */
const CAUSE_IN_OUTPUT = 1000;

/**
 * Reads the results and writes the report.
 *
 * @throws Error when the manifest or a result file is not what Step Functions writes.
 * @example
 * ```ts
 * const out = await reportReconciliationStep({ plan, mapRun }, dependencies);
 * out.counts.failed; // 0
 * ```
 */
export async function reportReconciliationStep(
  input: ReportReconciliationInput,
  dependencies: ReportReconciliationDependencies,
): Promise<ReportReconciliationResult> {
  const { Bucket, Key } = input.mapRun.ResultWriterDetails;
  const manifest = manifestSchema.parse(JSON.parse(await dependencies.getObject(Bucket, Key)));
  const files = [...manifest.ResultFiles.SUCCEEDED, ...manifest.ResultFiles.FAILED, ...manifest.ResultFiles.PENDING];
  const results: AccountResult[] = [];
  for (const file of files) {
    results.push(...accountResults(resultFileSchema.parse(JSON.parse(await dependencies.getObject(Bucket, file.Key)))));
  }
  results.sort((a, b) => a.accountId.localeCompare(b.accountId));
  const report = reconciliationReport(results, input.plan.dryRun);
  if (!report.dryRun) {
    // The fleet's reconciliation on the dashboard: accounts per action. Each repaired account is counted (and its
    // event sent) by its own onboarding execution's RecordOnboarding, not here: one source, no double count.
    emitReconciliation(report.counts);
  }
  const location = { bucket: input.plan.bucket, key: input.plan.reportKey };
  await dependencies.putObject(
    location.bucket,
    location.key,
    JSON.stringify({ ...report, mapRunArn: input.mapRun.MapRunArn, accounts: results }),
  );
  return {
    outcome: report.counts.failed > 0 ? 'failed' : 'reconciled',
    ...report,
    failedAccounts: report.failedAccounts.slice(0, FAILED_IN_OUTPUT).map((failed) => ({
      ...failed,
      cause: cut(failed.cause, CAUSE_IN_OUTPUT),
    })),
    report: location,
  };
}
