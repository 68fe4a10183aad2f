/**
 * What offboarding reads from and writes to this application's record of an account (the accounts table, issue 8
 * §4, `shared/aws/account-records.ts`): the part of that module's interface the offboarding steps use, so that the
 * steps take it as an argument and tests can hand them a table of their own.
 */
import type { DatadogSite } from '../datadog-sites';
import { sendLifecycleEvent, type EventDelivery, type LifecycleEventFacts } from '../observability/datadog-events';
import { emitOffboarded } from '../observability/metrics';
import type { OnboardingTarget } from './target';

/** The fields of an account's record offboarding trusts. */
export interface OffboardingRecord {
  accountId: string;
  state?: string;
  /** `created`: this application created the Datadog registration; `adopted`: Datadog held it already. */
  origin?: 'created' | 'adopted';
  /** The Datadog registration this application created or adopted. */
  datadogAccountConfigId?: string;
  accessKeySecretArn?: string;
}

/** Reading and updating records (as `shared/aws/account-records.ts` exports them). */
export interface OffboardingRecords {
  getAccountRecord(accountId: string): Promise<OffboardingRecord | undefined>;
  updateAccountRecord(
    accountId: string,
    fields: { state: 'offboarding' | 'offboarded'; lastOffboardedAt?: string },
    options?: { releaseLeaseOf?: string },
  ): Promise<unknown>;
}

/** What the offboarded event tells, beyond the outcome: the account, where it sat, and what was removed. */
export interface OffboardedReport {
  target: Pick<OnboardingTarget, 'accountId' | 'partition' | 'datadogSite'>;
  /** The account's OU, from the execution input's `context` (absent for a console offboarding). */
  where?: { organizationalUnitId?: string; organizationalUnitName?: string };
  /** One line: what the offboarding removed or kept, e.g. `Datadog registration deleted (this application created it)`. */
  detail: string;
  /** Posts the event; default `sendLifecycleEvent` (best effort, never throws). Tests pass their own. */
  sendEvent?: (facts: LifecycleEventFacts, site: DatadogSite) => Promise<EventDelivery>;
}

/**
 * Records the end of an offboarding: state `offboarded`, when (ISO 8601), and the execution's lease released; then
 * reports it, like RecordOnboarding and RecordFailure do for theirs: the AccountsOffboarded metric and, when
 * `DatadogEvents` is on, an `offboarded` Datadog event. Called by the step that ends the offboarding (RemoveRegistration,
 * or RemoveMemberResources when it runs), so each offboarding is told once, after everything it removes is removed.
 *
 * @param executionArn - this execution, the lease's holder.
 * @throws the records' errors (then nothing is reported: the failure path records the failure).
 */
export async function recordOffboarded(
  records: OffboardingRecords,
  executionArn: string,
  now: Date,
  report: OffboardedReport,
): Promise<void> {
  const { accountId, partition, datadogSite } = report.target;
  await records.updateAccountRecord(
    accountId,
    { state: 'offboarded', lastOffboardedAt: now.toISOString() },
    { releaseLeaseOf: executionArn },
  );
  emitOffboarded();
  await (report.sendEvent ?? sendLifecycleEvent)(
    {
      outcome: 'offboarded',
      accountId,
      partition,
      organizationalUnitId: report.where?.organizationalUnitId,
      organizationalUnitName: report.where?.organizationalUnitName,
      detail: report.detail,
    },
    datadogSite,
  );
}
