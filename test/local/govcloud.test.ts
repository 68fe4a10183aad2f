/**
 * GovCloud through the whole local flow: the CreateGovCloudAccount request, role delegation on the gov sites, a
 * stored access key on the commercial sites, idempotent replays and crashes, and no secret in the output.
 */
import { FaultPlan } from '../../local/faults';
import { LOCAL_REQUESTED_ACCOUNTS, newSandboxFor, runLocally } from '../../local/run';
import { AwsSandbox, type SandboxJson } from '../../local/sandbox';
import { sampleEvent } from '../helpers';

const GOV = LOCAL_REQUESTED_ACCOUNTS.govCloud;
const replay = sampleEvent('govcloud-console-replay.json');

describe('GovCloud: a CreateGovCloudAccount request', () => {
  it.each([
    ['datadoghq.com', 'access_keys'],
    ['ddog-gov.com', 'role'],
    ['us2.ddog-gov.com', 'role'],
  ] as const)('on %s onboards the commercial account by role and the GovCloud account by %s', async (site, govAuth) => {
    // Act
    const summary = await runLocally({ input: sampleEvent('organizations-create-govcloud-account.json'), datadogSite: site });

    // Assess
    expect(summary.outcome).toBe('onboarded');
    expect(summary.onboardings).toEqual([
      expect.objectContaining({ accountId: LOCAL_REQUESTED_ACCOUNTS.commercial, partition: 'aws', outcome: 'onboarded', authType: 'role' }),
      expect.objectContaining({ accountId: GOV, partition: 'aws-us-gov', outcome: 'onboarded', authType: govAuth }),
    ]);
    expect(summary.datadogAccounts.map((account) => account.attributes.aws_partition).sort()).toEqual(['aws', 'aws-us-gov']);
  });

  it('onboards both accounts of a CreateAccountResult that names a GovCloud twin', async () => {
    const event = sampleEvent('organizations-create-account-result.json') as {
      detail: { serviceEventDetails: { createAccountStatus: Record<string, unknown> } };
    };
    event.detail.serviceEventDetails.createAccountStatus.govCloudAccountId = GOV;
    const summary = await runLocally({ input: event });
    expect(summary.onboardings?.map((onboarding) => [onboarding.accountId, onboarding.outcome])).toEqual([
      ['444455556666', 'onboarded'],
      [GOV, 'onboarded'],
    ]);
  });
});

describe('GovCloud: access keys on a commercial Datadog site', () => {
  it('creates one user with one key, stores the key, registers it, and keeps its secret out of the summary', async () => {
    // Act
    const summary = await runLocally({ input: replay, datadogSite: 'datadoghq.com' });

    // Assess
    expect(summary).toMatchObject({ outcome: 'onboarded', authType: 'access_keys', partition: 'aws-us-gov' });
    const user = summary.sandbox.accounts[GOV].users.find((candidate) => candidate.userName === 'DatadogIntegrationUser');
    expect(user?.accessKeys).toEqual([{ accessKeyId: summary.datadog?.accessKeyId, status: 'Active' }]);
    expect(summary.datadogAccounts[0].attributes.auth_config).toEqual({ access_key_id: summary.datadog?.accessKeyId });
    expect(JSON.stringify(summary)).not.toMatch(/secret_?access_?key"?\s*:\s*"[^"]/i);
  });

  it('replays with the stored key: no write to IAM, Secrets Manager or Datadog', async () => {
    // Prepare
    const sandbox = newSandboxFor(replay);
    const first = await runLocally({ input: replay, sandbox, datadogSite: 'datadoghq.com' });

    // Act
    const again = await runLocally({ input: replay, sandbox, datadogSite: 'datadoghq.com', datadogAccounts: first.datadogAccounts });

    // Assess
    expect(again).toMatchObject({ outcome: 'onboarded', validationAttempts: 0, datadog: first.datadog });
    // In DynamoDB only the account's lease and its record.
    expect(again.calls.mutating).toEqual({ iam: 0, sts: 0, organizations: 0, secretsmanager: 0, s3: 0, datadog: 0, dynamodb: 2 });
  });

  it('converges to one key after a crash between creating the key and storing it', async () => {
    const summary = await runLocally({
      input: replay,
      datadogSite: 'datadoghq.com',
      faults: FaultPlan.parse(['crash-after:iam:CreateAccessKey']),
    });
    expect(summary.outcome).toBe('onboarded');
    const user = summary.sandbox.accounts[GOV].users.find((candidate) => candidate.userName === 'DatadogIntegrationUser');
    expect(user?.accessKeys).toEqual([{ accessKeyId: summary.datadog?.accessKeyId, status: 'Active' }]);
    expect(summary.datadogAccounts).toHaveLength(1);
  });
});

describe('GovCloud: the key secret after a crash', () => {
  /** The account's key secret in a saved sandbox state. */
  const keySecretOf = (state: SandboxJson['state']) =>
    Object.values(state.accounts)
      .flatMap((account) => account.secrets)
      .find((candidate) => candidate.name === `datadog-onboarding/datadog-access-keys/${GOV}`);

  /** Only the functions may read it (a Deny for every other principal), and its rotation is scheduled. */
  function expectProtected(sandbox: AwsSandbox): void {
    const secret = keySecretOf(sandbox.toJSON().state);
    expect(secret?.resourcePolicy).toMatch(/"Effect":"Deny"/);
    expect(secret?.rotation).toEqual({
      lambdaArn: expect.stringMatching(/:function:.*RotateAccessKey/),
      automaticallyAfterDays: expect.any(Number),
    });
  }

  it.each(['crash-after:secretsmanager:CreateSecret', 'crash-after:secretsmanager:PutSecretValue'])(
    '%s: converges to a secret only the functions may read, its rotation scheduled',
    async (fault) => {
      // Act
      const sandbox = newSandboxFor(replay);
      const summary = await runLocally({ input: replay, sandbox, datadogSite: 'datadoghq.com', faults: FaultPlan.parse([fault]) });

      // Assess
      expect(summary.outcome).toBe('onboarded');
      expectProtected(sandbox);
      expect(summary.datadogAccounts).toHaveLength(1);
    },
  );

  it('gives a secret holding a live key, with neither policy nor rotation (an earlier version crashed), both on replay', async () => {
    // Prepare: the key stored before the policy, then a crash, as the earlier order of writes could leave it.
    const sandbox = newSandboxFor(replay);
    const onboarded = await runLocally({ input: replay, sandbox, datadogSite: 'datadoghq.com' });
    const json = sandbox.toJSON();
    const secret = keySecretOf(json.state);
    delete secret?.resourcePolicy;
    delete secret?.rotation;
    const legacy = AwsSandbox.fromJSON(json);

    // Act
    const again = await runLocally({
      input: replay,
      sandbox: legacy,
      datadogSite: 'datadoghq.com',
      datadogAccounts: onboarded.datadogAccounts,
    });

    // Assess: the policy and the rotation written, nothing else in Secrets Manager; the same key.
    expect(again).toMatchObject({ outcome: 'onboarded', datadog: { accessKeyId: onboarded.datadog?.accessKeyId } });
    expect(again.calls.mutating.secretsmanager).toBe(2);
    expectProtected(legacy);
  });
});

describe('GovCloud: onboarding again after an offboarding', () => {
  it('fails in one clear line while the key secret is scheduled for deletion, naming how to restore it', async () => {
    // Prepare: onboarded, then offboarded (the key secret scheduled for deletion, 7 days).
    const sandbox = newSandboxFor(replay);
    const onboarded = await runLocally({ input: replay, sandbox, datadogSite: 'datadoghq.com' });
    const offboarded = await runLocally({
      input: { ...replay, action: 'offboard' },
      sandbox,
      datadogSite: 'datadoghq.com',
      datadogAccounts: onboarded.datadogAccounts,
    });
    expect(offboarded.outcome).toBe('offboarded');

    // Act
    const again = await runLocally({ input: replay, sandbox, datadogSite: 'datadoghq.com', datadogAccounts: offboarded.datadogAccounts });

    // Assess
    expect(again.outcome).toBe('failed');
    expect(again.reason).toMatch(
      new RegExp(
        `^OnboardingError: account ${GOV}, step ProvisionAccessKey: the key secret datadog-onboarding/datadog-access-keys/${GOV} is scheduled for deletion .*aws secretsmanager restore-secret --secret-id`,
      ),
    );
  });
});

describe('GovCloud: reaching the GovCloud side', () => {
  it('fails clearly, without hanging, when the GovCloud credentials do not work', async () => {
    const sandbox = newSandboxFor(replay);
    // The local run stores a working key; replace it with one GovCloud does not know.
    await runLocally({ input: replay, sandbox, datadogSite: 'ddog-gov.com' });
    sandbox.putSecret(
      'datadog-onboarding/aws-us-gov-credentials',
      JSON.stringify({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'not-a-valid-secret-key-0000' }),
      { region: 'us-east-1' },
    );

    const summary = await runLocally({ input: replay, sandbox, datadogSite: 'ddog-gov.com' });

    expect(summary.outcome).toBe('failed');
    expect(summary.reason).toMatch(
      /^PartitionCredentialsError: account 777788889999, step ProvisionRole: the access key in secret datadog-onboarding\/aws-us-gov-credentials is not valid in aws-us-gov \(InvalidClientTokenId\)/,
    );
    expect(summary.reason).not.toContain('not-a-valid-secret-key');
  });
});
