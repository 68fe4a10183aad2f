/**
 * ReportReconciliation: reads the Distributed Map's results, writes the report to the reconciliation bucket and
 * outputs the counts. The step's rules: `shared/steps/report-reconciliation.ts`.
 */
import { getObjectText, putJsonObject } from '../../shared/aws/reconciliation-bucket';
import { logger } from '../../shared/logger';
import { stepHandler } from '../../shared/middleware/onboarding-handler';
import { reportReconciliationInputSchema, type ReportReconciliationInput } from '../../shared/onboarding/step-inputs';
import { reportReconciliationStep as report, type ReportReconciliationResult } from '../../shared/steps/report-reconciliation';

/**
 * Reports one reconciliation.
 *
 * @throws Error when the map run's results are not what Step Functions writes; the SDK's S3 errors.
 * @example
 * ```ts
 * const out = await reportReconciliationStep({ plan, mapRun });
 * // { outcome: 'reconciled', dryRun: false, counts: { onboard: 3, …, failed: 0 }, failedAccounts: [], report: { bucket, key } }
 * ```
 */
export async function reportReconciliationStep(input: ReportReconciliationInput): Promise<ReportReconciliationResult> {
  const result = await report(input, { getObject: getObjectText, putObject: putJsonObject });
  logger.info('reconciliation reported', { outcome: result.outcome, counts: result.counts, report: result.report });
  return result;
}

/** Lambda entry point. */
export const handler = stepHandler('ReportReconciliation', reportReconciliationInputSchema, reportReconciliationStep);
