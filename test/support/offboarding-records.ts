/** Account records for the offboarding step tests, in a Map, with every update kept to assert on. */
import type { OffboardingRecord, OffboardingRecords } from '../../shared/onboarding/offboarding-records';

export class RecordsInMemory implements OffboardingRecords {
  readonly updates: { accountId: string; fields: Record<string, unknown>; releaseLeaseOf?: string }[] = [];
  private readonly records = new Map<string, OffboardingRecord & Record<string, unknown>>();

  constructor(...records: OffboardingRecord[]) {
    for (const record of records) this.records.set(record.accountId, { ...record });
  }

  async getAccountRecord(accountId: string): Promise<OffboardingRecord | undefined> {
    const record = this.records.get(accountId);
    return record && { ...record };
  }

  async updateAccountRecord(
    accountId: string,
    fields: { state: 'offboarding' | 'offboarded'; lastOffboardedAt?: string },
    options?: { releaseLeaseOf?: string },
  ): Promise<unknown> {
    this.updates.push({ accountId, fields, ...(options?.releaseLeaseOf ? { releaseLeaseOf: options.releaseLeaseOf } : {}) });
    const next = { ...(this.records.get(accountId) ?? { accountId }), ...fields };
    this.records.set(accountId, next);
    return next;
  }
}
