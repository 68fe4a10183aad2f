/**
 * Rotating the access key Datadog uses (the Secrets Manager rotation function, run locally): Datadog gets the new
 * key before the old one is deleted, the user never keeps more than the key in use, and a replay afterwards changes
 * nothing.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rotateLocally } from '../../local/rotate';
import { deployLocally } from '../../local/deployment';
import { PARTITION_MANAGEMENT_ACCOUNT } from '../../local/organization';
import { localNames, newSandboxFor, runLocally } from '../../local/run';
import type { AwsSandbox } from '../../local/sandbox';
import { saveState } from '../../local/state-file';
import { accessKeySecretName } from '../../shared/onboarding/access-key-secret';
import { runScript, sampleEvent } from '../helpers';

const GOV = '777788889999';
const replay = sampleEvent('govcloud-console-replay.json');

describe('Function: rotateLocally', () => {
  it('gives Datadog a new working key, then deletes the old one', async () => {
    // Prepare
    const sandbox = newSandboxFor(replay);
    const onboarded = await runLocally({ input: replay, sandbox, datadogSite: 'datadoghq.com' });
    const oldKey = onboarded.datadog?.accessKeyId;

    // Act
    const rotated = await rotateLocally({ accountId: GOV, sandbox, datadogAccounts: onboarded.datadogAccounts });

    // Assess
    expect(rotated).toMatchObject({ outcome: 'rotated', previousAccessKeyId: oldKey });
    expect(rotated.accessKeyId).toMatch(/^AKIA/);
    expect(rotated.accessKeyId).not.toBe(oldKey);
    const user = sandbox.dump().accounts[GOV].users.find((candidate) => candidate.userName === 'DatadogIntegrationUser');
    expect(user?.accessKeys).toEqual([{ accessKeyId: rotated.accessKeyId, status: 'Active' }]);
    expect(rotated.datadogAccounts).toHaveLength(1);
    expect(JSON.stringify(rotated)).not.toMatch(/secret_access_key|secretAccessKey/);
  });

  it('never lets Datadog hold a key IAM no longer has: the old key goes only after Datadog holds the new one', async () => {
    // Prepare
    const sandbox = newSandboxFor(replay);
    const onboarded = await runLocally({ input: replay, sandbox, datadogSite: 'datadoghq.com' });
    const userKeys = () =>
      (sandbox.dump().accounts[GOV].users.find((candidate) => candidate.userName === 'DatadogIntegrationUser')?.accessKeys ?? []).map(
        (key) => key.accessKeyId,
      );
    const seen: { step: string; datadogKey?: string; iamKeys: string[] }[] = [];

    // Act
    const rotated = await rotateLocally({
      accountId: GOV,
      sandbox,
      datadogAccounts: onboarded.datadogAccounts,
      afterStep: (step, datadogKey) => seen.push({ step, datadogKey, iamKeys: userKeys() }),
    });

    // Assess
    const oldKey = onboarded.datadog?.accessKeyId as string;
    const newKey = rotated.accessKeyId as string;
    expect(seen).toEqual([
      { step: 'createSecret', datadogKey: oldKey, iamKeys: [oldKey, newKey] },
      { step: 'setSecret', datadogKey: newKey, iamKeys: [oldKey, newKey] },
      { step: 'testSecret', datadogKey: newKey, iamKeys: [oldKey, newKey] },
      { step: 'finishSecret', datadogKey: newKey, iamKeys: [newKey] },
    ]);
    for (const { datadogKey, iamKeys } of seen) expect(iamKeys).toContain(datadogKey);
  });

  it('leaves a state a replay finds converged: it reuses the rotated key', async () => {
    const sandbox = newSandboxFor(replay);
    const onboarded = await runLocally({ input: replay, sandbox, datadogSite: 'datadoghq.com' });
    const rotated = await rotateLocally({ accountId: GOV, sandbox, datadogAccounts: onboarded.datadogAccounts });

    const again = await runLocally({ input: replay, sandbox, datadogSite: 'datadoghq.com', datadogAccounts: rotated.datadogAccounts });

    expect(again).toMatchObject({ outcome: 'onboarded', datadog: { accessKeyId: rotated.accessKeyId } });
    // In DynamoDB only the account's lease and its record.
    expect(again.calls.mutating).toEqual({ iam: 0, sts: 0, organizations: 0, secretsmanager: 0, s3: 0, datadog: 0, dynamodb: 2 });
  });

  it('reaches an access-key account through Control Tower’s role when it has no Organizations role', async () => {
    // Prepare: a GovCloud account with AWSControlTowerExecution only, trusting the GovCloud side's management account.
    const sandbox = newSandboxFor(replay);
    sandbox.createMemberAccount(GOV, {
      partition: 'aws-us-gov',
      accessRoleNames: ['AWSControlTowerExecution'],
      trustedAccountId: PARTITION_MANAGEMENT_ACCOUNT['aws-us-gov'],
    });
    const onboarded = await runLocally({ input: replay, sandbox, datadogSite: 'datadoghq.com' });

    // Act
    const rotated = await rotateLocally({ accountId: GOV, sandbox, datadogAccounts: onboarded.datadogAccounts });

    // Assess
    expect(onboarded).toMatchObject({ outcome: 'onboarded', memberAccessRoleName: 'AWSControlTowerExecution' });
    expect(rotated.reason).toBeUndefined();
    expect(rotated.outcome).toBe('rotated');
    expect(rotated.accessKeyId).not.toBe(onboarded.datadog?.accessKeyId);
  });

  it('fails without touching anything for an account that has no key secret', async () => {
    const sandbox = newSandboxFor(replay);
    const summary = await rotateLocally({ accountId: '123456789012', sandbox, datadogAccounts: [] });
    expect(summary.outcome).toBe('failed');
    expect(summary.reason).toMatch(/ResourceNotFoundException|not an access-key secret/);
  });

  it('says in one line that an account with role delegation has no key to rotate, and changes nothing', async () => {
    // Prepare
    const sandbox = newSandboxFor(sampleEvent('console-replay.json'));
    const onboarded = await runLocally({ input: sampleEvent('console-replay.json'), sandbox });
    const before = JSON.stringify(sandbox.toJSON().state);

    // Act
    const summary = await rotateLocally({ accountId: '444455556666', sandbox, datadogAccounts: onboarded.datadogAccounts });

    // Assess
    expect(summary).toMatchObject({
      outcome: 'not-applicable',
      reason:
        'account 444455556666 uses role delegation (role DatadogIntegrationRole): Datadog holds no access key of it, so rotation does not apply',
      datadogAccounts: onboarded.datadogAccounts,
    });
    expect(JSON.stringify(sandbox.toJSON().state)).toBe(before);
  });
});

describe('Function: the rotation function on an account Datadog reaches with role delegation', () => {
  const userKeys = (sandbox: AwsSandbox) =>
    sandbox
      .dump()
      .accounts[GOV].users.find((candidate) => candidate.userName === 'DatadogIntegrationUser')
      ?.accessKeys.map((key) => key.accessKeyId);

  it('never creates a key for it, nor switches its registration back to access keys', async () => {
    // Prepare: an account onboarded with an access key, whose registration has since moved to role delegation.
    const sandbox = newSandboxFor(replay);
    const onboarded = await runLocally({ input: replay, sandbox, datadogSite: 'datadoghq.com' });
    const roleAuth = { role_name: 'DatadogIntegrationRole', external_id: '0123456789abcdef0123456789abcdef' };
    const switched = onboarded.datadogAccounts.map((account) => ({
      ...account,
      attributes: { ...account.attributes, auth_config: roleAuth },
    }));
    const deployment = await deployLocally({
      sandbox,
      names: localNames({}, sandbox),
      datadogAccounts: switched,
      datadogSite: 'datadoghq.com',
    });
    const keysBefore = userKeys(sandbox);
    const token = randomUUID();
    sandbox.install();
    try {
      // Act: Secrets Manager runs the steps that would create a key and give it to Datadog.
      const failures: unknown[] = [];
      for (const Step of ['createSecret', 'setSecret'] as const) {
        await deployment
          .rotationStep({ SecretId: accessKeySecretName(GOV), ClientRequestToken: token, Step })
          .catch((error: unknown) => failures.push(error));
      }

      // Assess
      expect(failures.map((error) => [(error as Error).name, (error as Error).message])).toEqual([
        [
          'RotationNotApplicableError',
          expect.stringMatching(
            /^account 777788889999, step RotateAccessKey: Datadog reaches the account with role delegation \(role DatadogIntegrationRole\): Datadog holds no access key of the account, so rotation does not apply/,
          ),
        ],
        ['RotationNotApplicableError', expect.stringContaining('so rotation does not apply')],
      ]);
      expect(deployment.datadogAccounts().map((account) => account.attributes.auth_config)).toEqual([roleAuth]);
      expect(userKeys(sandbox)).toEqual(keysBefore);
    } finally {
      sandbox.restore();
      await deployment.close();
    }
  });
});

describe('Command: npm run rotate', () => {
  it("prints its one summary line and nothing else: the rotation function's own logs stay silent", async () => {
    // Prepare: an onboarded GovCloud account saved in a state file, as `npm start -- … --state F` leaves it.
    const sandbox = newSandboxFor(replay);
    const onboarded = await runLocally({ input: replay, sandbox, datadogSite: 'datadoghq.com' });
    const stateFile = path.join(mkdtempSync(path.join(tmpdir(), 'rotate-cli-')), 'state.json');
    saveState(stateFile, sandbox, onboarded.datadogAccounts);

    // Act: as a user runs it (a child process: what it prints is the subject).
    const { code, stdout, stderr } = await runScript('local/rotate-cli.ts', [GOV, '--state', stateFile], {
      POWERTOOLS_LOG_LEVEL: '', // as a user's shell has it: not the tests' SILENT
    });

    // Assess
    expect(stderr).toBe('');
    expect(stdout).toMatch(
      new RegExp(
        `^rotated: account ${GOV}, access key ${onboarded.datadog?.accessKeyId} → AKIA\\w+ \\(Datadog updated, old key deleted\\)\\n$`,
      ),
    );
    expect(code).toBe(0);
  });
});
