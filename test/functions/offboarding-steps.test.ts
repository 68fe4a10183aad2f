/**
 * The offboarding steps against the AWS sandbox (IAM, STS, Organizations, Secrets Manager) and the local Datadog:
 * they remove only what this application's record and tags say is its own, never assume into an account that is
 * closed or gone, follow OffboardingMode, and a replay changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { startLocalDatadog, type DatadogAccountRecord, type LocalDatadogServer } from '../../local/datadog/server';
import { AwsSandbox } from '../../local/sandbox';
import { awsIntegrationApi } from '../../shared/datadog/client';
import { MANAGED_BY_TAG_KEY, MANAGED_BY_TAG_VALUE } from '../../shared/iam/ownership';
import { ACCOUNT_TAG_KEY, PARTITION_TAG_KEY, accessKeySecretName } from '../../shared/onboarding/access-key-secret';
import type { LifecycleEventFacts } from '../../shared/observability/datadog-events';
import type { OffboardingRecord, OffboardingRecords } from '../../shared/onboarding/offboarding-records';
import { removeMemberResources } from '../../shared/steps/remove-member-resources';
import { removeRegistration, type OffboardingMode } from '../../shared/steps/remove-registration';
import { aTarget } from '../helpers';

/** Account records in a Map, with every update kept to assert on. */
class RecordsInMemory implements OffboardingRecords {
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

const MANAGEMENT = '111122223333';
const MEMBER = '444455556666';
const FUNCTION = `arn:aws:sts::${MANAGEMENT}:assumed-role/OffboardingFunctionRole/offboard`;
const EXECUTION = `arn:aws:states:us-east-1:${MANAGEMENT}:execution:datadog-onboarding-onboarding:offboard-${MEMBER}`;
const KEYS = { apiKey: 'test-api-key-0123456789abcdef', appKey: 'test-app-key-0123456789abcdef0123456789' };
const OURS = { [MANAGED_BY_TAG_KEY]: MANAGED_BY_TAG_VALUE };
const NOW = new Date('2026-12-02T10:00:00Z');
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const SECURITY_AUDIT = 'arn:aws:iam::aws:policy/SecurityAudit';

let sandbox: AwsSandbox;
let datadog: LocalDatadogServer;
let registration: DatadogAccountRecord;
/** The offboarded events the steps sent (their facts and site), through the injected sender. */
let events: { facts: LifecycleEventFacts; site: string }[];
const sendEvent = async (facts: LifecycleEventFacts, site: string) => (events.push({ facts, site }), 'sent' as const);

function aRegistration(): DatadogAccountRecord {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    type: 'account',
    attributes: {
      aws_account_id: MEMBER,
      aws_partition: 'aws',
      auth_config: { role_name: 'DatadogIntegrationRole', external_id: '0123456789abcdef0123456789abcdef' },
      created_at: now,
      modified_at: now,
    },
  };
}

beforeEach(async () => {
  events = [];
  process.env.AWS_REGION = 'us-east-1';
  delete process.env.ACCESS_KEY_SECRET_PREFIX;
  sandbox = new AwsSandbox({ managementAccountId: MANAGEMENT, partition: 'aws' });
  sandbox.addAccount(MEMBER, { name: 'member' });
  sandbox.putRole(MEMBER, 'OrganizationAccountAccessRole', {
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MANAGEMENT}:root` }, Action: 'sts:AssumeRole' }],
    },
    attachedPolicyArns: [ADMIN],
  });
  sandbox.putSecret(accessKeySecretName(MEMBER), JSON.stringify({ accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x'.repeat(40) }), {
    tags: { ...OURS, [ACCOUNT_TAG_KEY]: MEMBER, [PARTITION_TAG_KEY]: 'aws' },
  });
  registration = aRegistration();
  datadog = await startLocalDatadog({ ...KEYS, accounts: [registration] });
  sandbox.install();
});

afterEach(async () => {
  sandbox.restore();
  await datadog.close();
});

const datadogApi = async () => awsIntegrationApi({ site: 'datadoghq.com', keys: KEYS, apiUrl: datadog.url });
const deletes = () => datadog.requests().filter((request) => request.method === 'DELETE');
const secretState = () => sandbox.toJSON().state.accounts[MANAGEMENT].secrets.find((secret) => secret.name === accessKeySecretName(MEMBER));

async function offboardRegistration(
  records: RecordsInMemory,
  options: { mode?: OffboardingMode; offboardAdopted?: boolean; accountGone?: boolean } = {},
) {
  return sandbox.asPrincipal(FUNCTION, () =>
    removeRegistration(
      {
        target: aTarget(),
        offboard: { reason: 'account 444455556666 was closed', accountGone: options.accountGone ?? false },
        executionArn: EXECUTION,
        executionInput: { context: { organizationalUnitId: 'ou-ab12-cd34ef56', organizationalUnitName: 'Workloads' } },
      },
      {
        mode: options.mode ?? 'registration',
        offboardAdopted: options.offboardAdopted ?? false,
        records,
        datadogApi,
        now: () => NOW,
        sendEvent,
      },
    ),
  );
}

const recordOf = (fields: Partial<OffboardingRecord>): OffboardingRecord => ({ accountId: MEMBER, state: 'onboarded', ...fields });

describe('Step: RemoveRegistration', () => {
  it('deletes the registration this application created and schedules the key secret for deletion (with recovery)', async () => {
    const records = new RecordsInMemory(recordOf({ origin: 'created', datadogAccountConfigId: registration.id }));

    const result = await offboardRegistration(records);

    expect(result).toEqual({
      registration: { action: 'deleted', accountConfigId: registration.id, reason: 'this application created it' },
      keySecret: { action: 'deleted', arn: expect.stringContaining(`secret:${accessKeySecretName(MEMBER)}-`) },
      memberCleanupRequired: false,
      memberCleanupReason: 'OffboardingMode is registration',
    });
    expect(datadog.accounts()).toEqual([]);
    expect(secretState()?.deletion).toBeDefined();
    expect(records.updates).toEqual([
      { accountId: MEMBER, fields: { state: 'offboarded', lastOffboardedAt: NOW.toISOString() }, releaseLeaseOf: EXECUTION },
    ]);
    // It ends the offboarding: one offboarded event, with the OU and what was removed.
    expect(events).toEqual([
      {
        facts: {
          outcome: 'offboarded',
          accountId: MEMBER,
          partition: 'aws',
          organizationalUnitId: 'ou-ab12-cd34ef56',
          organizationalUnitName: 'Workloads',
          detail:
            'Datadog registration deleted (this application created it); key secret deleted; member resources not removed (OffboardingMode is registration)',
        },
        site: 'datadoghq.com',
      },
    ]);
  });

  it.each([
    [false, 'kept', 'this application adopted it and OffboardAdoptedRegistrations is false'],
    [true, 'deleted', 'this application adopted it and OffboardAdoptedRegistrations is true'],
  ])('an adopted registration with OffboardAdoptedRegistrations %s is %s', async (offboardAdopted, action, reason) => {
    const records = new RecordsInMemory(recordOf({ origin: 'adopted', datadogAccountConfigId: registration.id }));

    const result = await offboardRegistration(records, { offboardAdopted });

    expect(result.registration).toEqual({ action, accountConfigId: registration.id, reason });
    expect(datadog.accounts()).toHaveLength(action === 'kept' ? 1 : 0);
  });

  it.each([
    ['no record of the account', undefined],
    [
      'a record of another registration (re-created by someone else since)',
      recordOf({ origin: 'created', datadogAccountConfigId: randomUUID() }),
    ],
    ['a record without an origin', recordOf({ datadogAccountConfigId: 'x' })],
  ])('never deletes a foreign registration: %s', async (_, record) => {
    const records = record ? new RecordsInMemory(record) : new RecordsInMemory();

    const result = await offboardRegistration(records, { offboardAdopted: true });

    expect(result.registration.action).toBe('kept');
    expect(deletes()).toEqual([]);
    expect(datadog.accounts()).toEqual([registration]);
  });

  it('keeps a secret of that name that is not this application’s', async () => {
    sandbox.restore();
    const other = new AwsSandbox({ managementAccountId: MANAGEMENT, partition: 'aws' });
    other.putSecret(accessKeySecretName(MEMBER), '{}', { tags: { team: 'someone-else' } });
    sandbox = other;
    sandbox.install();

    const result = await offboardRegistration(new RecordsInMemory());

    expect(result.keySecret.action).toBe('foreign');
    expect(secretState()?.deletion).toBeUndefined();
  });

  it('OffboardingMode none removes nothing, and records the account offboarded', async () => {
    const records = new RecordsInMemory(recordOf({ origin: 'created', datadogAccountConfigId: registration.id }));

    const result = await offboardRegistration(records, { mode: 'none' });

    expect(result).toMatchObject({ registration: { action: 'skipped' }, keySecret: { action: 'skipped' }, memberCleanupRequired: false });
    expect(datadog.requests()).toEqual([]);
    expect(sandbox.mutatingCalls().secretsmanager).toBe(0);
    expect(records.updates).toEqual([expect.objectContaining({ fields: expect.objectContaining({ state: 'offboarded' }) })]);
    // The account is offboarded for this application, its registration stays: the event says nothing was removed.
    expect(events.map((event) => [event.facts.outcome, event.facts.detail])).toEqual([
      ['offboarded', "nothing removed: OffboardingMode is none (the Datadog registration and the member account's resources are kept)"],
    ]);
  });

  it('OffboardingMode everything asks for the member resources, recording the account offboarding meanwhile', async () => {
    const records = new RecordsInMemory(recordOf({ origin: 'created', datadogAccountConfigId: registration.id }));

    const result = await offboardRegistration(records, { mode: 'everything' });

    expect(result).toMatchObject({ memberCleanupRequired: true, memberCleanupReason: 'OffboardingMode is everything' });
    expect(records.updates).toEqual([{ accountId: MEMBER, fields: { state: 'offboarding' } }]);
    // Not the end of the offboarding yet: RemoveMemberResources sends the event.
    expect(events).toEqual([]);
  });

  it('OffboardingMode everything does not ask for the member resources of an account closed or gone', async () => {
    const result = await offboardRegistration(new RecordsInMemory(), { mode: 'everything', accountGone: true });
    expect(result).toMatchObject({
      memberCleanupRequired: false,
      memberCleanupReason: expect.stringMatching(/cannot be reached, and is not tried/),
    });
  });

  it('a replay changes nothing: the registration and the secret are gone already', async () => {
    const records = new RecordsInMemory(recordOf({ origin: 'created', datadogAccountConfigId: registration.id }));
    await offboardRegistration(records);
    const mutatingBefore = sandbox.mutatingCalls().secretsmanager;
    const deletesBefore = deletes().length;

    const replay = await offboardRegistration(records);

    expect(replay.registration).toMatchObject({ action: 'absent', accountConfigId: null });
    expect(replay.keySecret.action).toBe('absent');
    expect(deletes()).toHaveLength(deletesBefore);
    expect(sandbox.mutatingCalls().secretsmanager).toBe(mutatingBefore);
  });
});

describe('Step: RemoveMemberResources', () => {
  const userName = 'DatadogIntegrationUser';
  const remove = (records = new RecordsInMemory()) =>
    sandbox.asPrincipal(FUNCTION, () =>
      removeMemberResources(
        {
          target: aTarget(),
          executionArn: EXECUTION,
          registration: { action: 'deleted', reason: 'this application created it' },
        },
        { userName, records, now: () => NOW, sendEvent },
      ),
    );
  const member = () => sandbox.dump().accounts[MEMBER];
  const document = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['cloudwatch:Get*'], Resource: '*' }] };

  function seedOurs(): { ourPolicy: string; theirPolicy: string } {
    const ourPolicy = sandbox.putPolicy(MEMBER, 'DatadogIntegrationPolicy', document, { tags: OURS });
    const theirPolicy = sandbox.putPolicy(MEMBER, 'TeamPolicy', document);
    sandbox.putRole(MEMBER, 'DatadogIntegrationRole', {
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::464622532012:root' }, Action: 'sts:AssumeRole' }],
      },
      attachedPolicyArns: [ourPolicy, SECURITY_AUDIT, theirPolicy],
      tags: OURS,
    });
    sandbox.putUser(MEMBER, userName, { attachedPolicyArns: [ourPolicy], tags: OURS });
    sandbox.putAccessKey(MEMBER, userName);
    return { ourPolicy, theirPolicy };
  }

  it('deletes the role, user, keys and policies tagged as this application’s; detaches and keeps the others', async () => {
    const { ourPolicy, theirPolicy } = seedOurs();
    const records = new RecordsInMemory();

    const result = await remove(records);

    expect(result).toMatchObject({
      action: 'removed',
      memberAccessRoleName: 'OrganizationAccountAccessRole',
      role: { action: 'deleted', deletedPolicyArns: [ourPolicy], detachedPolicyArns: [SECURITY_AUDIT, theirPolicy] },
      user: { action: 'deleted', deletedAccessKeyIds: [expect.stringMatching(/^AKIA/)] },
    });
    expect(member().roles.map((role) => role.roleName)).toEqual(['OrganizationAccountAccessRole']);
    expect(member().users).toEqual([]);
    expect(member().policies.map((policy) => policy.policyName)).toEqual(['TeamPolicy']);
    expect(records.updates).toEqual([
      { accountId: MEMBER, fields: { state: 'offboarded', lastOffboardedAt: NOW.toISOString() }, releaseLeaseOf: EXECUTION },
    ]);
    expect(events).toEqual([
      {
        facts: expect.objectContaining({
          outcome: 'offboarded',
          accountId: MEMBER,
          detail: 'Datadog registration deleted (this application created it); member resources removed (role deleted, user deleted)',
        }),
        site: 'datadoghq.com',
      },
    ]);
  });

  it('keeps an untagged role and user of the same names', async () => {
    sandbox.putRole(MEMBER, 'DatadogIntegrationRole', {
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::464622532012:root' }, Action: 'sts:AssumeRole' }],
      },
      attachedPolicyArns: [SECURITY_AUDIT],
    });
    sandbox.putUser(MEMBER, userName);

    const result = await remove();

    expect(result).toMatchObject({ action: 'removed', role: { action: 'foreign' }, user: { action: 'foreign' } });
    expect(
      member()
        .roles.map((role) => role.roleName)
        .sort(),
    ).toEqual(['DatadogIntegrationRole', 'OrganizationAccountAccessRole']);
    expect(member().users).toHaveLength(1);
    expect(sandbox.mutatingCalls().iam).toBe(0);
  });

  it.each(['CLOSED', 'SUSPENDED', 'PENDING_CLOSURE'] as const)('never assumes into a %s account, and does not fail', async (state) => {
    seedOurs();
    sandbox.setAccountState(MEMBER, state);
    const operations: string[] = [];
    sandbox.setCallHooks({ before: (service, operation) => void operations.push(`${service}:${operation}`) });

    const result = await remove();

    expect(result).toEqual({ action: 'skipped', reason: `the account is ${state} in AWS Organizations: it is not assumed into` });
    expect(operations).toEqual(['organizations:DescribeAccount']);
    expect(member().roles).toHaveLength(2);
    expect(events.map((event) => event.facts.detail)).toEqual([
      `Datadog registration deleted (this application created it); member resources not removed (the account is ${state} in AWS Organizations: it is not assumed into)`,
    ]);
  });

  it('a replay finds nothing left and changes nothing', async () => {
    seedOurs();
    await remove();
    sandbox.resetMutatingCalls();

    const replay = await remove();

    expect(replay).toMatchObject({ action: 'removed', role: { action: 'absent' }, user: { action: 'absent' } });
    expect(sandbox.mutatingCalls().iam).toBe(0);
  });
});
