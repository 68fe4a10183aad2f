/**
 * The whole flow locally (`npm start`'s engine): template patterns, starter, state machine, real handlers, the AWS
 * sandbox and the local Datadog server.
 */
import { FaultPlan } from '../../local/faults';
import { newSandboxFor, runLocally, validatedAfterSecondsIn } from '../../local/run';
import { AwsSandbox } from '../../local/sandbox';
import type { DatadogAccountRecord } from '../../local/datadog/server';
import { datadogTrustStatement, sampleEvent } from '../helpers';

const MEMBER = '444455556666';
/** Settings without resource collection: the role holds Datadog's standard permissions only, in one policy. */
const STANDARD_ONLY = { defaults: { resources_config: { extended_collection: false } } };

function datadogRole(summary: Awaited<ReturnType<typeof runLocally>>) {
  return summary.sandbox.accounts[MEMBER]?.roles.find((role) => role.roleName === 'DatadogIntegrationRole');
}

describe('Function: runLocally', () => {
  it('onboards the Control Tower sample: role proven assumable, then registered with the same external ID', async () => {
    // Act
    const summary = await runLocally({ input: sampleEvent('control-tower-create-managed-account.json') });

    // Assess
    expect(summary).toMatchObject({ outcome: 'onboarded', accountId: MEMBER, partition: 'aws', executionName: 'onboard-444455556666' });
    // Propagation takes 10 s in the sandbox: the first attempts are refused, the loop waits, then succeeds.
    expect(summary.validationAttempts).toBeGreaterThan(1);
    expect(summary.datadogAccounts).toHaveLength(1);
    const [registration] = summary.datadogAccounts;
    expect(registration.attributes).toMatchObject({
      aws_account_id: MEMBER,
      aws_partition: 'aws',
      auth_config: { role_name: 'DatadogIntegrationRole', external_id: summary.datadog?.externalId },
    });
    expect(summary.datadog).toEqual({
      accountConfigId: registration.id,
      roleName: 'DatadogIntegrationRole',
      externalId: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    const role = datadogRole(summary);
    // The validator's statement is gone: Datadog's principal alone, with the registered external ID.
    expect(role?.assumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [datadogTrustStatement(summary.datadog?.externalId)],
    });
    // The shipped settings collect resources: the standard and resource-collection permissions, in 5 parts.
    const parts = ['DatadogIntegrationPolicy', ...[2, 3, 4, 5].map((part) => `DatadogIntegrationPolicy-${part}`)];
    expect(role?.attachedPolicyArns.sort()).toEqual([
      ...parts.map((name) => `arn:aws:iam::444455556666:policy/${name}`),
      'arn:aws:iam::aws:policy/SecurityAudit',
    ]);
    expect(summary.sandbox.accounts[MEMBER].policies.map((policy) => policy.policyName).sort()).toEqual(parts);
  });

  it.each([
    ['the Organizations sample', 'organizations-create-account-result.json'],
    ['a console replay input', 'console-replay.json'],
    ['a Control Tower UpdateManagedAccount', 'control-tower-update-managed-account.json'],
  ])('onboards %s', async (_, file) => {
    const summary = await runLocally({ input: sampleEvent(file) });
    expect(summary.outcome).toBe('onboarded');
    expect(summary.datadogAccounts).toHaveLength(1);
  });

  it.each([
    [
      'a FAILED lifecycle event',
      'control-tower-create-managed-account-failed.json',
      'CreateManagedAccount for account 444455556666 is in state FAILED',
    ],
    [
      'a FAILED CreateAccountResult',
      'organizations-create-account-result-failed.json',
      'CreateAccountResult is in state FAILED (EMAIL_ALREADY_EXISTS)',
    ],
    ['an unrelated CloudTrail event', 'unrelated-cloudtrail-event.json', 'no EventBridge rule of template.yaml matches this event'],
  ])('ignores %s with a reason and changes nothing', async (_, file, reason) => {
    const summary = await runLocally({ input: sampleEvent(file) });
    expect(summary.outcome).toBe('ignored');
    expect(summary.reason).toContain(reason);
    expect(summary.datadogAccounts).toEqual([]);
    expect(
      Object.values(summary.sandbox.accounts)
        .flatMap((account) => account.roles)
        .map((role) => role.roleName),
    ).not.toContain('DatadogIntegrationRole');
  });

  it('rejects a console input with a bad account id in one line', async () => {
    const summary = await runLocally({ input: { accountId: '12345' } });
    expect(summary).toMatchObject({ outcome: 'rejected', reason: 'execution input accountId: must be a 12-digit AWS account id' });
  });

  it('adopts a registration Datadog already holds: its external ID in the trust policy, a PATCH, no second registration', async () => {
    // Prepare
    const existing: DatadogAccountRecord = {
      id: '11111111-2222-4333-8444-555555555555',
      type: 'account',
      attributes: {
        aws_account_id: MEMBER,
        aws_partition: 'aws',
        auth_config: { role_name: 'LegacyDatadogRole', external_id: 'feedfacefeedfacefeedfacefeedface' },
        account_tags: [],
        created_at: '2026-01-01T00:00:00Z',
        modified_at: '2026-01-01T00:00:00Z',
      },
    };

    // Act
    const summary = await runLocally({ input: sampleEvent('control-tower-create-managed-account.json'), datadogAccounts: [existing] });

    // Assess
    expect(summary.outcome).toBe('onboarded');
    expect(summary.datadog).toEqual({
      accountConfigId: existing.id,
      roleName: 'DatadogIntegrationRole',
      externalId: 'feedfacefeedfacefeedfacefeedface',
    });
    expect(summary.datadogAccounts).toHaveLength(1);
    expect(summary.datadogAccounts[0].attributes.auth_config).toMatchObject({
      role_name: 'DatadogIntegrationRole',
      external_id: 'feedfacefeedfacefeedfacefeedface',
    });
    const trust = datadogRole(summary)?.assumeRolePolicyDocument as { Statement: { Condition: unknown }[] };
    expect(trust.Statement[0].Condition).toEqual({ StringEquals: { 'sts:ExternalId': 'feedfacefeedfacefeedfacefeedface' } });
  });

  it('replays an onboarded account with no IAM write and no new registration', async () => {
    // Prepare
    const sandbox = new AwsSandbox({ managementAccountId: '111122223333', propagationSeconds: 10 });
    sandbox.createMemberAccount(MEMBER);
    const first = await runLocally({ input: sampleEvent('console-replay.json'), sandbox });
    sandbox.clock.advance(3600);
    sandbox.resetMutatingCalls();

    // Act
    const replay = await runLocally({ input: sampleEvent('console-replay.json'), sandbox, datadogAccounts: first.datadogAccounts });

    // Assess
    expect(replay.reason).toBeUndefined();
    expect(replay).toMatchObject({ outcome: 'onboarded', validationAttempts: 0, datadog: first.datadog });
    expect(replay.validatedAfterSeconds).toBeUndefined();
    expect(sandbox.mutatingCalls().iam).toBe(0);
    // In DynamoDB only the account's lease and its record (this run's own table, seeded with none: the record says adopted).
    expect(replay.calls.mutating).toEqual({ iam: 0, sts: 0, organizations: 0, secretsmanager: 0, s3: 0, datadog: 0, dynamodb: 2 });
    expect(replay.datadogAccounts).toEqual(first.datadogAccounts);
  });

  it('fails with the member access role named when the account lacks it', async () => {
    // Prepare: an account without OrganizationAccountAccessRole (e.g. invited, not created).
    const sandbox = new AwsSandbox({ managementAccountId: '111122223333' });
    sandbox.addAccount(MEMBER);

    // Act
    const summary = await runLocally({ input: sampleEvent('console-replay.json'), sandbox });

    // Assess
    expect(summary.outcome).toBe('failed');
    expect(summary.reason).toMatch(
      /^MemberAccountAccessError: account 444455556666, step ProvisionRole: cannot assume arn:aws:iam::444455556666:role\/OrganizationAccountAccessRole or arn:aws:iam::444455556666:role\/AWSControlTowerExecution \(AccessDenied\)/,
    );
    expect(summary.datadogAccounts).toEqual([]);
  });
});

describe('Function: runLocally keeps a record of each account (the accounts table, in a local DynamoDB)', () => {
  it('records an onboarded account: origin created, how Datadog reaches it, the policy hash, when; the lease released', async () => {
    const summary = await runLocally({ input: sampleEvent('control-tower-create-managed-account.json') });

    expect(summary.outcome).toBe('onboarded');
    expect(summary.accountRecords).toEqual([
      {
        accountId: MEMBER,
        partition: 'aws',
        authType: 'role',
        state: 'onboarded',
        origin: 'created',
        datadogAccountConfigId: summary.datadog?.accountConfigId,
        roleName: 'DatadogIntegrationRole',
        externalId: summary.datadog?.externalId,
        policyHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        lastOnboardedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        lastValidatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ]);
    // The lease (UpdateItem), the record with its release (UpdateItem, after one GetItem).
    expect(summary.calls.mutating.dynamodb).toBe(2);
    expect(summary.calls.reads.dynamodb).toBe(1);
  });

  it('records a registration Datadog already held as adopted', async () => {
    const first = await runLocally({ input: sampleEvent('console-replay.json') });
    const again = await runLocally({ input: sampleEvent('console-replay.json'), datadogAccounts: first.datadogAccounts });
    expect(again.accountRecords).toEqual([expect.objectContaining({ state: 'onboarded', origin: 'adopted' })]);
  });

  it('records a failed onboarding with the execution’s error and cause, and releases the lease', async () => {
    const sandbox = new AwsSandbox({ managementAccountId: '111122223333' });
    sandbox.addAccount(MEMBER);

    const summary = await runLocally({ input: sampleEvent('console-replay.json'), sandbox });

    expect(summary.outcome).toBe('failed');
    expect(summary.accountRecords).toEqual([
      {
        accountId: MEMBER,
        partition: 'aws',
        authType: 'role',
        state: 'failed',
        lastError: {
          error: 'MemberAccountAccessError',
          cause: expect.stringMatching(/^account 444455556666, step ProvisionRole: cannot assume/),
        },
      },
    ]);
  });

  it('lets the execution holding the lease onboard; a replay arriving meanwhile changes nothing, not even the record', async () => {
    const summary = await runLocally({
      input: sampleEvent('control-tower-create-managed-account.json'),
      concurrentInput: sampleEvent('console-replay.json'),
    });

    expect(summary.onboardings?.map((onboarding) => onboarding.outcome)).toEqual(['onboarded', 'ignored']);
    expect(summary.accountRecords).toEqual([expect.objectContaining({ state: 'onboarded', origin: 'created' })]);
    expect(summary.accountRecords?.[0]).not.toHaveProperty('leaseHolder');
  });
});

describe('Summary: validatedAfterSeconds', () => {
  it('is the virtual seconds from the end of provisioning to the attempt that succeeded, for a role and for a key', async () => {
    // Act: attempts at 0, 4, 8, 12, 16 … s after provisioning (VALIDATION_SCHEDULE).
    const input = sampleEvent('control-tower-create-managed-account.json');
    const role = await runLocally({ input, sandbox: newSandboxFor(input, 10) });
    const keyInput = { accountId: '777788889999', partition: 'aws-us-gov' };
    const key = await runLocally({ input: keyInput, sandbox: newSandboxFor(keyInput, 16) });

    // Assess: IAM propagated after 10 s (role) and 16 s (key); the next attempts were at 12 s and 16 s.
    expect(role).toMatchObject({ outcome: 'onboarded', authType: 'role', validationAttempts: 4, validatedAfterSeconds: 12 });
    expect(key).toMatchObject({ outcome: 'onboarded', authType: 'access_keys', validationAttempts: 5, validatedAfterSeconds: 16 });
  });

  it('is absent when no attempt succeeded after a provisioning (a replay that needed none: see "replays an onboarded account…")', () => {
    // Act
    const neverValidated = validatedAfterSecondsIn([
      { type: 'StateExited', state: 'ProvisionRole', clockMs: 1000 },
      { type: 'StateExited', state: 'ValidateRole', clockMs: 5000, output: { validation: { assumable: false } } },
    ]);

    // Assess
    expect(neverValidated).toBeUndefined();
    expect(
      validatedAfterSecondsIn([{ type: 'StateExited', state: 'ValidateRole', clockMs: 5000, output: { validation: { assumable: true } } }]),
    ).toBeUndefined();
    expect(
      validatedAfterSecondsIn([
        { type: 'StateExited', state: 'ProvisionRole', clockMs: 1000 },
        { type: 'StateExited', state: 'ValidateRole', clockMs: 5000, output: { validation: { assumable: true } } },
      ]),
    ).toBe(4);
  });
});

describe('Function: runLocally with Control Tower and Organizations accounts', () => {
  const CONTROL_TOWER_ROLE = 'AWSControlTowerExecution';
  const ORGANIZATIONS_ROLE = 'OrganizationAccountAccessRole';
  /** A sandbox holding the member account as Control Tower (or Organizations) created it. */
  const accountWith = (accessRoleNames: string[]) => {
    const sandbox = newSandboxFor(sampleEvent('console-replay.json'));
    sandbox.createMemberAccount(MEMBER, { accessRoleNames });
    return sandbox;
  };
  /** UpdateManagedAccount of the member account, now in another OU. */
  const movedToAnotherOu = () => {
    const event = sampleEvent('control-tower-update-managed-account.json') as {
      id: string;
      detail: { serviceEventDetails: { updateManagedAccountStatus: Record<string, unknown> } };
    };
    event.id = 'aaaabbbb-cccc-4ddd-8eee-ffff00001111';
    event.detail.serviceEventDetails.updateManagedAccountStatus.account = { accountName: 'LifeCycle1', accountId: MEMBER };
    event.detail.serviceEventDetails.updateManagedAccountStatus.organizationalUnit = {
      organizationalUnitName: 'Workloads',
      organizationalUnitId: 'ou-XXXX-w0rk10ad',
    };
    return event;
  };

  it.each([
    ['a console replay', [CONTROL_TOWER_ROLE], 'console-replay.json', CONTROL_TOWER_ROLE],
    ['an Organizations CreateAccountResult', [CONTROL_TOWER_ROLE], 'organizations-create-account-result.json', CONTROL_TOWER_ROLE],
    ['a Control Tower CreateManagedAccount', [ORGANIZATIONS_ROLE], 'control-tower-create-managed-account.json', ORGANIZATIONS_ROLE],
  ])('onboards %s of an account that has only %j, with no override, through the other role', async (_, roles, file, reachedThrough) => {
    // Act
    const summary = await runLocally({ input: sampleEvent(file), sandbox: accountWith(roles) });

    // Assess
    expect(summary.reason).toBeUndefined();
    expect(summary).toMatchObject({ outcome: 'onboarded', accountId: MEMBER, memberAccessRoleName: reachedThrough });
    expect(summary.datadogAccounts).toHaveLength(1);
  });

  it('seeds the account each lifecycle event implies: Control Tower creates AWSControlTowerExecution only, an enrolled account has both', async () => {
    const created = await runLocally({ input: sampleEvent('control-tower-create-managed-account.json') });
    const enrolled = await runLocally({ input: sampleEvent('control-tower-update-managed-account.json') });
    const byOrganizations = await runLocally({ input: sampleEvent('organizations-create-account-result.json') });

    const accessRoles = (summary: typeof created, accountId: string) =>
      summary.sandbox.accounts[accountId].roles
        .map((role) => role.roleName)
        .filter((name) => name !== 'DatadogIntegrationRole')
        .sort();
    expect(accessRoles(created, MEMBER)).toEqual([CONTROL_TOWER_ROLE]);
    expect(accessRoles(enrolled, '555566667777')).toEqual([CONTROL_TOWER_ROLE, ORGANIZATIONS_ROLE]);
    expect(accessRoles(byOrganizations, MEMBER)).toEqual([ORGANIZATIONS_ROLE]);
    expect([created, enrolled, byOrganizations].map((summary) => summary.outcome)).toEqual(['onboarded', 'onboarded', 'onboarded']);
  });

  it('converges with no change when the CreateAccountResult of a Control Tower account arrives after its CreateManagedAccount', async () => {
    // Prepare
    const sandbox = newSandboxFor(sampleEvent('control-tower-create-managed-account.json'));
    const first = await runLocally({ input: sampleEvent('control-tower-create-managed-account.json'), sandbox });
    sandbox.clock.advance(3600);

    // Act
    const late = await runLocally({
      input: sampleEvent('organizations-create-account-result.json'),
      sandbox,
      datadogAccounts: first.datadogAccounts,
    });

    // Assess
    expect(late.reason).toBeUndefined();
    expect(late).toMatchObject({ outcome: 'onboarded', memberAccessRoleName: CONTROL_TOWER_ROLE, datadog: first.datadog });
    expect(late.calls.mutating.iam).toBe(0);
    expect(late.datadogAccounts).toHaveLength(1);
  });

  it.each([
    [
      'a CreateManagedAccount arriving while the CreateAccountResult’s onboarding runs',
      'organizations-create-account-result.json',
      'control-tower-create-managed-account.json',
    ],
    [
      'a CreateAccountResult arriving while the CreateManagedAccount’s onboarding runs',
      'control-tower-create-managed-account.json',
      'organizations-create-account-result.json',
    ],
  ])('ends in one onboarding, with no failed execution, for %s', async (_, first, second) => {
    // Act: Control Tower created the account (AWSControlTowerExecution only); both events are delivered.
    const summary = await runLocally({ input: sampleEvent(first), concurrentInput: sampleEvent(second) });

    // Assess
    expect(summary.reason).toBeUndefined();
    expect(summary).toMatchObject({
      outcome: 'onboarded',
      executionName: 'onboard-444455556666',
      memberAccessRoleName: CONTROL_TOWER_ROLE,
    });
    expect(summary.concurrentDelivery).toMatchObject({ outcome: 'already-running' });
    expect(summary.onboardings).toBeUndefined();
    expect(summary.datadogAccounts).toHaveLength(1);
  });

  it('converges with no change and no failure on an UpdateManagedAccount for an account moved to another OU', async () => {
    // Prepare: onboarded when Control Tower created it.
    const sandbox = newSandboxFor(sampleEvent('control-tower-create-managed-account.json'));
    const first = await runLocally({ input: sampleEvent('control-tower-create-managed-account.json'), sandbox });
    sandbox.clock.advance(3600);

    // Act
    const moved = await runLocally({ input: movedToAnotherOu(), sandbox, datadogAccounts: first.datadogAccounts });

    // Assess
    expect(moved.reason).toBeUndefined();
    expect(moved).toMatchObject({ outcome: 'onboarded', datadog: first.datadog, validationAttempts: 0 });
    expect(moved.calls.mutating.iam).toBe(0);
    expect(moved.datadogAccounts).toHaveLength(1);
  });

  it('ends in one onboarding when an UpdateManagedAccount for an OU move arrives while the CreateAccountResult’s onboarding runs', async () => {
    const summary = await runLocally({
      input: sampleEvent('organizations-create-account-result.json'),
      concurrentInput: movedToAnotherOu(),
      sandbox: accountWith([CONTROL_TOWER_ROLE]),
    });

    expect(summary.reason).toBeUndefined();
    expect(summary).toMatchObject({ outcome: 'onboarded', concurrentDelivery: { outcome: 'already-running' } });
    expect(summary.datadogAccounts).toHaveLength(1);
  });

  it('lets a console replay started while the account’s onboarding runs succeed without changes, saying another execution onboards it', async () => {
    // Act
    const summary = await runLocally({
      input: sampleEvent('control-tower-create-managed-account.json'),
      concurrentInput: sampleEvent('console-replay.json'),
    });

    // Assess
    expect(summary.outcome).toBe('onboarded');
    expect(summary.concurrentDelivery).toMatchObject({ outcome: 'started' });
    expect(summary.onboardings?.map((onboarding) => onboarding.outcome)).toEqual(['onboarded', 'ignored']);
    expect(summary.onboardings?.[1].reason).toMatch(
      /^another execution of this account is running and onboards it; this one changed nothing: arn:aws:states:.*:execution:.*:onboard-444455556666$/,
    );
    expect(summary.datadogAccounts).toHaveLength(1);
  });

  it('waits for an account still PENDING_ACTIVATION, then onboards it', async () => {
    // Prepare: Organizations activates the account while ProvisionRole is retried.
    const sandbox = newSandboxFor(sampleEvent('console-replay.json'));
    sandbox.createMemberAccount(MEMBER);
    sandbox.setAccountState(MEMBER, 'PENDING_ACTIVATION');
    const retried: string[] = [];
    const onProgress = (event: { type: string; state?: string }) => {
      if (event.type !== 'StateRetried' || !event.state) return;
      retried.push(event.state);
      sandbox.setAccountState(MEMBER, 'ACTIVE');
    };

    // Act
    const summary = await runLocally({ input: sampleEvent('console-replay.json'), sandbox, onProgress });

    // Assess
    expect(summary.reason).toBeUndefined();
    expect(summary.outcome).toBe('onboarded');
    // (ValidateRole's retries are its "not yet" while IAM propagates, 10 s here.)
    expect(retried.filter((state) => state !== 'ValidateRole')).toEqual(['ProvisionRole']);
  });
});

describe('Function: runLocally with --datadog-url', () => {
  it('sends every Datadog call to the given server with the given keys', async () => {
    // Prepare
    const { startLocalDatadog } = await import('../../local/datadog/server');
    const keys = { apiKey: 'external-api-key-0123456789', appKey: 'external-app-key-0123456789abcdef' };
    const external = await startLocalDatadog(keys);

    try {
      // Act
      const summary = await runLocally({ input: sampleEvent('console-replay.json'), datadogUrl: external.url, datadogKeys: keys });

      // Assess
      expect(summary.outcome).toBe('onboarded');
      expect(external.accounts()).toHaveLength(1);
      expect(external.accounts()[0].id).toBe(summary.datadog?.accountConfigId);
      expect(JSON.stringify(summary)).not.toContain(keys.apiKey);
    } finally {
      await external.close();
    }
  });
});

describe('Function: runLocally with accounts that are not active', () => {
  it('fails at once, saying so, for a suspended account', async () => {
    const sandbox = newSandboxFor(sampleEvent('console-replay.json'));
    sandbox.addAccount(MEMBER, { state: 'SUSPENDED' });

    const summary = await runLocally({ input: sampleEvent('console-replay.json'), sandbox });

    expect(summary.outcome).toBe('failed');
    expect(summary.reason).toBe(
      'AccountNotActiveError: account 444455556666, step ProvisionRole: the account is SUSPENDED in AWS Organizations, so it cannot be onboarded. Nothing to fix unless the account is reopened; then replay it',
    );
  });

  it('stops validating, saying so, when the account is suspended mid-flight', async () => {
    // Prepare: suspend the account as soon as validation starts.
    const sandbox = newSandboxFor(sampleEvent('console-replay.json'));
    const onProgress = (event: { type: string; state?: string }) => {
      if (event.type === 'StateEntered' && event.state === 'ValidateRole') sandbox.setAccountState(MEMBER, 'SUSPENDED');
    };

    // Act
    const summary = await runLocally({ input: sampleEvent('console-replay.json'), sandbox, onProgress });

    // Assess
    expect(summary.outcome).toBe('failed');
    expect(summary.reason).toMatch(/^AccountNotActiveError: account 444455556666, step ValidateRole: the account became SUSPENDED/);
    expect(summary.datadogAccounts).toEqual([]);
  });
});

describe('Function: runLocally on partial and foreign state', () => {
  const OURS = { 'managed-by': 'datadog-aws-account-onboarding' };
  const trustWith = (externalId: string) => ({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::464622532012:root' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': externalId } },
      },
    ],
  });
  const sandboxWithAccount = () => {
    const sandbox = newSandboxFor(sampleEvent('console-replay.json'));
    sandbox.createMemberAccount(MEMBER);
    return sandbox;
  };

  it('corrects a role with a wrong external ID and a stale policy, adopting the external ID Datadog holds', async () => {
    // Prepare: our role trusts an old external ID; our policy grants one stale action; Datadog holds a rotated ID.
    const sandbox = sandboxWithAccount();
    const stale = sandbox.putPolicy(
      MEMBER,
      'DatadogIntegrationPolicy',
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:DescribeInstances', Resource: '*' }] },
      { tags: OURS },
    );
    sandbox.putRole(MEMBER, 'DatadogIntegrationRole', {
      trustPolicy: trustWith('0000aaaa0000aaaa0000aaaa0000aaaa'),
      attachedPolicyArns: [stale],
      tags: OURS,
    });
    const registration = {
      id: '11111111-2222-4333-8444-555555555555',
      type: 'account',
      attributes: {
        aws_account_id: MEMBER,
        aws_partition: 'aws',
        auth_config: { role_name: 'DatadogIntegrationRole', external_id: 'bbbb1111bbbb1111bbbb1111bbbb1111' },
      },
    } as DatadogAccountRecord;

    // Act
    const summary = await runLocally({
      input: sampleEvent('console-replay.json'),
      sandbox,
      datadogAccounts: [registration],
      settingsDocument: STANDARD_ONLY,
    });

    // Assess
    expect(summary.outcome).toBe('onboarded');
    expect(summary.datadog?.externalId).toBe('bbbb1111bbbb1111bbbb1111bbbb1111');
    expect(datadogRole(summary)?.assumeRolePolicyDocument).toMatchObject(trustWith('bbbb1111bbbb1111bbbb1111bbbb1111'));
    const policy = summary.sandbox.accounts[MEMBER].policies.find((candidate) => candidate.policyName === 'DatadogIntegrationPolicy');
    expect((policy?.document as { Statement: { Action: string[] }[] }).Statement[0].Action).toContain('iam:ListAccountAliases');
    expect(summary.validationAttempts).toBeGreaterThan(0);
  });

  it('deletes a part of the integration policy left unattached by a crash, and keeps a newer policy when Datadog’s list is unreachable', async () => {
    // Prepare: an onboarded account, plus an orphaned second part; then a policy written from a newer Datadog list.
    const sandbox = sandboxWithAccount();
    const first = await runLocally({ input: sampleEvent('console-replay.json'), sandbox, settingsDocument: STANDARD_ONLY });
    sandbox.putPolicy(
      MEMBER,
      'DatadogIntegrationPolicy-2',
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:DescribeVpcs', Resource: '*' }] },
      { tags: OURS },
    );

    // Act
    const cleaned = await runLocally({
      input: sampleEvent('console-replay.json'),
      sandbox,
      datadogAccounts: first.datadogAccounts,
      settingsDocument: STANDARD_ONLY,
    });
    const current = cleaned.sandbox.accounts[MEMBER].policies.find((policy) => policy.policyName === 'DatadogIntegrationPolicy')
      ?.document as { Statement: { Action: string[] }[] };
    const newer = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: [...current.Statement[0].Action, 'newservice:GetThing'], Resource: '*' }],
    };
    sandbox.putPolicy(MEMBER, 'DatadogIntegrationPolicy', newer, { tags: OURS });
    const offline = await runLocally({
      input: sampleEvent('console-replay.json'),
      sandbox,
      datadogAccounts: cleaned.datadogAccounts,
      faults: FaultPlan.parse(['datadog:GetAWSIntegrationIAMPermissionsStandard:500:always']),
      settingsDocument: STANDARD_ONLY,
    });

    // Assess
    expect(cleaned.outcome).toBe('onboarded');
    expect(cleaned.sandbox.accounts[MEMBER].policies.map((policy) => policy.policyName)).toEqual(['DatadogIntegrationPolicy']);
    expect(offline.outcome).toBe('onboarded');
    expect(offline.calls.mutating.iam).toBe(0);
    const kept = offline.sandbox.accounts[MEMBER].policies.find((policy) => policy.policyName === 'DatadogIntegrationPolicy')?.document as {
      Statement: { Action: string[] }[];
    };
    expect(kept.Statement[0].Action).toContain('newservice:GetThing');
  });

  it('leaves a same-named role it did not create alone, unless takeover is allowed', async () => {
    // Prepare
    const foreign = () => {
      const sandbox = sandboxWithAccount();
      sandbox.putRole(MEMBER, 'DatadogIntegrationRole', { trustPolicy: trustWith('cccc2222cccc2222cccc2222cccc2222') });
      return sandbox;
    };

    // Act
    const refused = await runLocally({ input: sampleEvent('console-replay.json'), sandbox: foreign() });
    const takenOver = await runLocally({
      input: sampleEvent('console-replay.json'),
      sandbox: foreign(),
      parameters: { AllowRoleTakeover: 'true' },
    });

    // Assess
    expect(refused.outcome).toBe('failed');
    expect(refused.reason).toMatch(
      /^ForeignResourceError: account 444455556666, step ProvisionRole: role arn:aws:iam::444455556666:role\/DatadogIntegrationRole exists but was not created by this tool/,
    );
    expect(datadogRole(refused)?.assumeRolePolicyDocument).toEqual(trustWith('cccc2222cccc2222cccc2222cccc2222'));
    expect(refused.datadogAccounts).toEqual([]);
    expect(takenOver.outcome).toBe('onboarded');
  });
});
