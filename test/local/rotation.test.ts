/**
 * Rotating the access key Datadog uses (the Secrets Manager rotation function, run locally): Datadog gets the new
 * key before the old one is deleted, the user never keeps more than the key in use, and a replay afterwards changes
 * nothing.
 */
import { rotateLocally } from '../../local/rotate';
import { LOCAL_FOREIGN_MANAGEMENT_ACCOUNT, newSandboxFor, runLocally } from '../../local/run';
import { sampleEvent } from '../helpers';

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
      (sandbox.dump().accounts[GOV].users.find((candidate) => candidate.userName === 'DatadogIntegrationUser')?.accessKeys ?? []).map((key) => key.accessKeyId);
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
    expect(again.calls.mutating).toEqual({ iam: 0, sts: 0, organizations: 0, secretsmanager: 0, datadog: 0 });
  });

  it('reaches an access-key account through Control Tower’s role when it has no Organizations role', async () => {
    // Prepare: a GovCloud account with AWSControlTowerExecution only, trusting the GovCloud side's management account.
    const sandbox = newSandboxFor(replay);
    sandbox.createMemberAccount(GOV, { partition: 'aws-us-gov', accessRoleNames: ['AWSControlTowerExecution'], trustedAccountId: LOCAL_FOREIGN_MANAGEMENT_ACCOUNT });
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
});
