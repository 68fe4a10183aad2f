/**
 * RecordOnboarding and RecordFailure against a real DynamoDB API (dynalite): what the record says after an onboarding
 * and after a failure, the origin of the registration, the policy hash, and the lease released by its holder only.
 */
import { recordFailureStep } from '../../functions/record-failure/index';
import { recordOnboardingStep } from '../../functions/record-onboarding/index';
import { acquireLease, getAccountRecord, updateAccountRecord } from '../../shared/aws/account-records';
import { causeMessage } from '../../shared/steps/record-failure';
import { policyHashOf as policyHash } from '../../shared/reconciliation/policy-hash';
import type { RecordOnboardingInput } from '../../shared/onboarding/step-inputs';
import { aTarget } from '../helpers';
import { useAccountsTable } from '../support/dynamodb';

const EXECUTION = 'arn:aws:states:us-east-1:111122223333:execution:stack-onboarding:onboard';
const OTHER = 'arn:aws:states:us-east-1:111122223333:execution:stack-onboarding:replay';
const CONFIG_ID = '6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d';
const PERMISSIONS = ['s3:GetBucketTagging', 'ec2:Describe*', 'iam:ListAccountAliases'];
let accountSeq = 300000000000;
const newAccount = () => String((accountSeq += 1));

function onboarded(accountId: string, overrides: Partial<RecordOnboardingInput> = {}): RecordOnboardingInput {
  return {
    target: aTarget({ accountId }),
    executionArn: EXECUTION,
    registration: { accountConfigId: null, externalId: 'ext-1', permissions: PERMISSIONS },
    datadog: { accountConfigId: CONFIG_ID, roleName: 'DatadogIntegrationRole', externalId: 'ext-1', action: 'created' },
    keySecretArn: null,
    validation: { attempts: 2, waitedSeconds: 10 },
    ...overrides,
  };
}

describe('Functions: RecordOnboarding and RecordFailure', () => {
  useAccountsTable();

  it('hashes the sorted, de-duplicated permission list: same permissions, same hash', () => {
    expect(policyHash(PERMISSIONS)).toMatch(/^[0-9a-f]{64}$/);
    expect(policyHash([...PERMISSIONS].reverse().concat(PERMISSIONS[0]))).toBe(policyHash(PERMISSIONS));
    expect(policyHash(PERMISSIONS.slice(1))).not.toBe(policyHash(PERMISSIONS));
  });

  it('records a registration it created: state, origin, how Datadog reaches the account, policy hash, times; releases the lease', async () => {
    const accountId = newAccount();
    await acquireLease(accountId, EXECUTION, 600);
    const before = new Date().toISOString();

    await recordOnboardingStep(onboarded(accountId));

    const record = await getAccountRecord(accountId);
    expect(record).toEqual({
      accountId,
      partition: 'aws',
      authType: 'role',
      state: 'onboarded',
      origin: 'created',
      datadogAccountConfigId: CONFIG_ID,
      roleName: 'DatadogIntegrationRole',
      externalId: 'ext-1',
      policyHash: policyHash(PERMISSIONS),
      lastOnboardedAt: expect.any(String),
      lastValidatedAt: expect.any(String),
    });
    expect(record!.lastOnboardedAt! >= before).toBe(true);
    expect(record!.lastValidatedAt).toBe(record!.lastOnboardedAt);
  });

  it('says adopted for a registration Datadog already held, unless the record says this application created it', async () => {
    // LookUpRegistration found the registration: Datadog held it before this execution.
    const found = (accountId: string, accountConfigId: string, action: 'unchanged' | 'updated') =>
      onboarded(accountId, {
        registration: { ...onboarded(accountId).registration, accountConfigId },
        datadog: { ...onboarded(accountId).datadog, accountConfigId, action },
      });
    const adopted = newAccount();
    await recordOnboardingStep(found(adopted, CONFIG_ID, 'unchanged'));
    expect((await getAccountRecord(adopted))?.origin).toBe('adopted');

    const ours = newAccount();
    await recordOnboardingStep(onboarded(ours));
    await recordOnboardingStep(found(ours, CONFIG_ID, 'updated'));
    expect((await getAccountRecord(ours))?.origin).toBe('created');

    // Another registration than the one the record says this application created is someone else's.
    const replaced = newAccount();
    await recordOnboardingStep(onboarded(replaced));
    const foreign = '0f1e2d3c-4b5a-4968-8776-655443322110';
    await recordOnboardingStep(found(replaced, foreign, 'unchanged'));
    expect(await getAccountRecord(replaced)).toMatchObject({ origin: 'adopted', datadogAccountConfigId: foreign });
  });

  it('says created for a registration LookUpRegistration did not find, though RegisterAccount left it unchanged', async () => {
    // A RegisterAccount retried after its create went through (the function timed out) finds its own registration.
    const accountId = newAccount();

    await recordOnboardingStep(onboarded(accountId, { datadog: { ...onboarded(accountId).datadog, action: 'unchanged' } }));

    expect((await getAccountRecord(accountId))?.origin).toBe('created');
  });

  it('records the key secret for access keys, and keeps the last validation when none was needed', async () => {
    const accountId = newAccount();
    const keySecretArn = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:datadog-onboarding/datadog-access-keys/x-AbCdEf';
    await updateAccountRecord(accountId, { partition: 'aws-us-gov', state: 'onboarded', lastValidatedAt: '2026-01-01T00:00:00.000Z' });
    await recordOnboardingStep(
      onboarded(accountId, {
        target: aTarget({ accountId, partition: 'aws-us-gov', authType: 'access_keys' }),
        datadog: { accountConfigId: CONFIG_ID, roleName: null, externalId: null, action: 'created' },
        keySecretArn,
        validation: { attempts: 0, waitedSeconds: 0 },
      }),
    );
    const record = await getAccountRecord(accountId);
    expect(record).toMatchObject({
      authType: 'access_keys',
      accessKeySecretArn: keySecretArn,
      lastValidatedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(record).not.toHaveProperty('roleName');
    expect(record).not.toHaveProperty('externalId');
  });

  it("leaves another execution's lease when recording", async () => {
    const accountId = newAccount();
    await acquireLease(accountId, OTHER, 600);
    await recordOnboardingStep(onboarded(accountId));
    expect(await getAccountRecord(accountId)).toMatchObject({ state: 'onboarded', leaseHolder: OTHER });
  });

  it('records a failure with the error and the message of its cause, and releases the lease', async () => {
    const accountId = newAccount();
    await recordOnboardingStep(onboarded(accountId));
    await acquireLease(accountId, EXECUTION, 600);
    const cause = JSON.stringify({
      errorType: 'MemberAccountAccessError',
      errorMessage: 'account x: cannot assume',
      trace: ['at a', 'at b'],
    });

    await recordFailureStep({
      target: aTarget({ accountId }),
      executionArn: EXECUTION,
      error: { Error: 'MemberAccountAccessError', Cause: cause },
    });

    const record = await getAccountRecord(accountId);
    expect(record).toMatchObject({
      state: 'failed',
      origin: 'created',
      lastError: { error: 'MemberAccountAccessError', cause: 'account x: cannot assume' },
    });
    expect(record).not.toHaveProperty('leaseHolder');
  });

  it('keeps plain causes, cut to a bounded length', () => {
    expect(causeMessage('States.Timeout')).toBe('States.Timeout');
    expect(causeMessage(undefined)).toBe('');
    expect(causeMessage('x'.repeat(5000))).toHaveLength(2000);
  });

  it('refuses malformed input before writing anything, naming the field', async () => {
    const accountId = newAccount();
    const { handler } = await import('../../functions/record-failure/index');
    await expect(
      handler({ target: aTarget({ accountId }), executionArn: 'not-an-arn', error: { Error: 'E' } }, {} as never),
    ).rejects.toThrow('executionArn');
    await expect(getAccountRecord(accountId)).resolves.toBeUndefined();
  });
});
