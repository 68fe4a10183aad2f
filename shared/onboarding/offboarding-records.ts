/**
 * What offboarding reads from and writes to this application's record of an account (the accounts table, issue 8
 * §4, `shared/aws/account-records.ts`): the part of that module's interface the offboarding steps use, so that the
 * steps take it as an argument and tests can hand them a table of their own.
 */
import { emitOffboarded } from '../observability/metrics';

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

/**
 * Records the end of an offboarding: state `offboarded`, when (ISO 8601), and the execution's lease released.
 *
 * @param executionArn - this execution, the lease's holder.
 */
export async function recordOffboarded(records: OffboardingRecords, accountId: string, executionArn: string, now: Date): Promise<void> {
  await records.updateAccountRecord(
    accountId,
    { state: 'offboarded', lastOffboardedAt: now.toISOString() },
    { releaseLeaseOf: executionArn },
  );
  emitOffboarded();
}
