/**
 * The accounts table as the functions use it, against a real DynamoDB API (dynalite on 127.0.0.1): records, and the
 * lease under concurrent executions.
 */
import {
  acquireLease,
  getAccountRecord,
  listAccountRecords,
  releaseLease,
  updateAccountRecord,
  type AccountRecord,
} from '../../../shared/aws/account-records';
import { useAccountsTable } from '../../support/dynamodb';

const EXECUTIONS = 'arn:aws:states:us-east-1:111122223333:execution:stack-onboarding';
const A = `${EXECUTIONS}:a`;
const B = `${EXECUTIONS}:b`;
let accountSeq = 200000000000;
const newAccount = () => String((accountSeq += 1));

describe('shared/aws/account-records', () => {
  const table = useAccountsTable();

  it('has no record of an account it never wrote', async () => {
    await expect(getAccountRecord(newAccount())).resolves.toBeUndefined();
  });

  it('writes fields, leaves the others as they are, and drops undefined ones', async () => {
    const accountId = newAccount();
    await updateAccountRecord(accountId, { partition: 'aws', state: 'onboarding', origin: 'created' });
    const record = await updateAccountRecord(accountId, { state: 'onboarded', roleName: undefined, lastError: { error: 'E', cause: 'c' } });
    expect(record).toEqual({ accountId, partition: 'aws', state: 'onboarded', origin: 'created', lastError: { error: 'E', cause: 'c' } });
    await expect(getAccountRecord(accountId)).resolves.toEqual(record);
  });

  it('creates the item when no field is given', async () => {
    const accountId = newAccount();
    await expect(updateAccountRecord(accountId, {})).resolves.toEqual({ accountId });
  });

  describe('the lease', () => {
    it('goes to exactly one of several executions racing for one account', async () => {
      const accountId = newAccount();
      const racers = Array.from({ length: 10 }, (_, index) => `${EXECUTIONS}:racer-${index}`);
      const outcomes = await Promise.all(racers.map((holder) => acquireLease(accountId, holder, 600)));
      const winners = racers.filter((_, index) => outcomes[index].acquired);
      expect(winners).toHaveLength(1);
      for (const outcome of outcomes.filter((candidate) => !candidate.acquired)) {
        expect(outcome).toEqual({ acquired: false, holder: winners[0], expiresAt: expect.any(Number) });
      }
      expect((await getAccountRecord(accountId))?.leaseHolder).toBe(winners[0]);
    });

    it('tells the holder and its expiry (epoch seconds) to another execution', async () => {
      const accountId = newAccount();
      const before = Math.floor(Date.now() / 1000);
      await acquireLease(accountId, A, 600);
      const outcome = await acquireLease(accountId, B, 600);
      expect(outcome).toMatchObject({ acquired: false, holder: A });
      const { expiresAt } = outcome as { expiresAt: number };
      expect(expiresAt).toBeGreaterThanOrEqual(before + 600);
      expect(expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 600);
    });

    it('lets the holder take it again, extending it', async () => {
      const accountId = newAccount();
      await acquireLease(accountId, A, 60);
      await expect(acquireLease(accountId, A, 6000)).resolves.toEqual({ acquired: true });
      expect((await getAccountRecord(accountId))?.leaseExpiresAt).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 5999);
    });

    it('is taken over once expired', async () => {
      const accountId = newAccount();
      await acquireLease(accountId, A, -1);
      await expect(acquireLease(accountId, B, 600)).resolves.toEqual({ acquired: true });
      expect((await getAccountRecord(accountId))?.leaseHolder).toBe(B);
    });

    it('keeps the record when taken, and the lease when the record is written', async () => {
      const accountId = newAccount();
      await updateAccountRecord(accountId, { partition: 'aws', state: 'onboarded', origin: 'adopted' });
      await acquireLease(accountId, A, 600);
      await updateAccountRecord(accountId, { lastValidatedAt: '2026-01-01T00:00:00.000Z' });
      expect(await getAccountRecord(accountId)).toMatchObject({ state: 'onboarded', origin: 'adopted', leaseHolder: A });
    });

    it('is released by its holder only: a release by another execution changes nothing', async () => {
      const accountId = newAccount();
      await acquireLease(accountId, A, 600);
      const held = await getAccountRecord(accountId);
      await releaseLease(accountId, B);
      await expect(getAccountRecord(accountId)).resolves.toEqual(held);
      await releaseLease(accountId, A);
      await expect(getAccountRecord(accountId)).resolves.toEqual({ accountId });
      await expect(acquireLease(accountId, B, 600)).resolves.toEqual({ acquired: true });
    });

    it('is released with the record by its holder, and kept when another execution holds it', async () => {
      const accountId = newAccount();
      await acquireLease(accountId, A, 600);
      await expect(updateAccountRecord(accountId, { partition: 'aws', state: 'failed' }, { releaseLeaseOf: B })).resolves.toMatchObject({
        state: 'failed',
        leaseHolder: A,
      });
      const released = await updateAccountRecord(accountId, { state: 'onboarded' }, { releaseLeaseOf: A });
      expect(released).toEqual({ accountId, partition: 'aws', state: 'onboarded' });
    });
  });

  it('lists every record, page after page', async () => {
    const ids = Array.from({ length: 5 }, newAccount);
    for (const accountId of ids) await updateAccountRecord(accountId, { partition: 'aws', state: 'onboarded' });
    const listed: AccountRecord[] = [];
    for await (const record of listAccountRecords()) listed.push(record);
    expect(listed.map((record) => record.accountId)).toEqual(expect.arrayContaining(ids));
    expect(listed).toHaveLength((await table.items()).length);
  });

  it('fails, naming the variable, when ACCOUNTS_TABLE_NAME is not set', async () => {
    const name = process.env.ACCOUNTS_TABLE_NAME;
    delete process.env.ACCOUNTS_TABLE_NAME;
    try {
      await expect(getAccountRecord(newAccount())).rejects.toThrow('environment variable ACCOUNTS_TABLE_NAME');
    } finally {
      process.env.ACCOUNTS_TABLE_NAME = name;
    }
  });
});
