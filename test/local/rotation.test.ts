/**
 * Rotating the access key Datadog uses (the Secrets Manager rotation function, run locally): Datadog gets the new
 * key before the old one is deleted, the user never keeps more than the key in use, and a replay afterwards changes
 * nothing.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rotateLocally } from '../../local/rotate';
import { deployLocally } from '../../local/deployment';
import { PARTITION_MANAGEMENT_ACCOUNT } from '../../local/organization';
import { localNames, newSandboxFor, runLocally } from '../../local/run';
import type { AwsSandbox } from '../../local/sandbox';
import { main } from '../../local/cli';
import { loadState, saveState } from '../../local/state-file';
import { accessKeySecretName } from '../../shared/onboarding/access-key-secret';
import { ROOT, runScript, sampleEvent, type CliRun } from '../helpers';

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

  it("keeps a failed rotation's pending key through an onboarding replay, which gives Datadog the current key back", async () => {
    // Prepare: a rotation that stopped after Datadog was given the new key (its testSecret failed).
    const sandbox = newSandboxFor(replay);
    const onboarded = await runLocally({ input: replay, sandbox, datadogSite: 'datadoghq.com' });
    let pendingKey: string | undefined;
    const failed = await rotateLocally({
      accountId: GOV,
      sandbox,
      datadogAccounts: onboarded.datadogAccounts,
      afterStep: (step, datadogKey) => {
        if (step !== 'setSecret') return;
        pendingKey = datadogKey;
        throw new Error('the new key was still not usable');
      },
    });
    expect(failed.outcome).toBe('failed');

    // Act
    const again = await runLocally({ input: replay, sandbox, datadogSite: 'datadoghq.com', datadogAccounts: failed.datadogAccounts });

    // Assess: Datadog holds the current key again, and the pending key is there for the rotation's next attempt.
    const currentKey = onboarded.datadog?.accessKeyId;
    expect(again).toMatchObject({ outcome: 'onboarded', datadog: { accessKeyId: currentKey } });
    const user = sandbox.dump().accounts[GOV].users.find((candidate) => candidate.userName === 'DatadogIntegrationUser');
    expect(user?.accessKeys.map((key) => key.accessKeyId).sort()).toEqual([currentKey, pendingKey].sort());
  });

  it('refuses to rotate, deleting no key, when the secret holds no readable current key', async () => {
    // Prepare: the secret's current value replaced by hand with something that is not a key.
    const sandbox = newSandboxFor(replay);
    const onboarded = await runLocally({ input: replay, sandbox, datadogSite: 'datadoghq.com' });
    sandbox.putSecret(accessKeySecretName(GOV), 'not a key', { region: 'us-east-1' });
    const userKeys = () =>
      sandbox.dump().accounts[GOV].users.find((candidate) => candidate.userName === 'DatadogIntegrationUser')?.accessKeys;
    const before = userKeys();

    // Act
    const rotated = await rotateLocally({ accountId: GOV, sandbox, datadogAccounts: onboarded.datadogAccounts });

    // Assess
    expect(rotated.outcome).toBe('failed');
    expect(rotated.reason).toMatch(/holds no readable AWSCURRENT key.*Replay the account's onboarding/);
    expect(userKeys()).toEqual(before);
  });

  it('does not apply, touching nothing, to an account that has no key secret', async () => {
    const sandbox = newSandboxFor(replay);
    const before = JSON.stringify(sandbox.toJSON().state);
    const summary = await rotateLocally({ accountId: '123456789012', sandbox, datadogAccounts: [] });
    expect(summary.outcome).toBe('not-applicable');
    expect(summary.reason).toMatch(/^account 123456789012 has no access-key secret/);
    expect(JSON.stringify(sandbox.toJSON().state)).toBe(before);
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

/** Runs `npm run rotate`'s command (`main` of local/cli.ts with `rotate`) in this process, from `cwd`. */
async function rotateHere(args: string[], cwd = ROOT): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: (text: string) => (stdout += text), stderr: (text: string) => (stderr += text), cwd, env: process.env };
  const code = await main(['rotate', ...args], io);
  return { code, stdout, stderr };
}

let onboarding: Promise<{ sandbox: AwsSandbox; onboarded: Awaited<ReturnType<typeof runLocally>> }> | undefined;

/**
 * The GovCloud account onboarded (an access key) in a new sandbox: one run for the tests below, whose inputs are the
 * same. They only save its sandbox (never change it): each rotates its own state file.
 */
function onboardedOnce(): NonNullable<typeof onboarding> {
  onboarding ??= (async () => {
    const sandbox = newSandboxFor(replay);
    return { sandbox, onboarded: await runLocally({ input: replay, sandbox, datadogSite: 'datadoghq.com' }) };
  })();
  return onboarding;
}

/** A new state file with the GovCloud account onboarded (an access key), as `npm start -- … --state F` leaves it. */
async function onboardedState(): Promise<{ stateFile: string; accessKeyId: string }> {
  const { sandbox, onboarded } = await onboardedOnce();
  const stateFile = path.join(mkdtempSync(path.join(tmpdir(), 'rotate-cli-')), 'state.json');
  saveState(stateFile, sandbox, onboarded.datadogAccounts);
  const accessKeyId = onboarded.datadog?.accessKeyId;
  if (!accessKeyId) throw new Error(`onboardedState: ${GOV} was onboarded without an access key (${onboarded.outcome})`);
  return { stateFile, accessKeyId };
}

describe('Command: npm run rotate', () => {
  it('rotates the key of a saved state, prints one JSON document with --json, and saves the state back', async () => {
    // Prepare: the state file given relative to where the user stands.
    const { stateFile, accessKeyId } = await onboardedState();

    // Act
    const { code, stdout, stderr } = await rotateHere([GOV, '--state', 'state.json', '--json'], path.dirname(stateFile));

    // Assess
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const summary = JSON.parse(stdout) as { outcome: string; previousAccessKeyId: string; accessKeyId: string };
    expect(summary).toMatchObject({ outcome: 'rotated', previousAccessKeyId: accessKeyId, accessKeyId: expect.stringMatching(/^AKIA/) });
    expect(summary).not.toHaveProperty('datadogAccounts');
    const user = loadState(stateFile)
      .sandbox?.dump()
      .accounts[GOV].users.find((candidate) => candidate.userName === 'DatadogIntegrationUser');
    expect(user?.accessKeys).toEqual([{ accessKeyId: summary.accessKeyId, status: 'Active' }]);
  });

  it("keeps the state's account records: a rotation does not touch the accounts table", async () => {
    // Prepare
    const { sandbox, onboarded } = await onboardedOnce();
    const stateFile = path.join(mkdtempSync(path.join(tmpdir(), 'rotate-cli-')), 'state.json');
    saveState(stateFile, sandbox, onboarded.datadogAccounts, onboarded.accountRecords);
    expect(onboarded.accountRecords).toHaveLength(1);

    // Act
    const { code } = await rotateHere([GOV, '--state', stateFile]);

    // Assess
    expect(code).toBe(0);
    expect(loadState(stateFile).accountRecords).toEqual(onboarded.accountRecords);
  });

  it('exits 2 with one line for an account the state holds no access-key secret of', async () => {
    const { stateFile } = await onboardedState();
    const { code, stdout, stderr } = await rotateHere(['123456789012', '--state', stateFile]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toBe(
      'npm run rotate: account 123456789012 has no access-key secret (datadog-onboarding/datadog-access-keys/123456789012) in this state: onboard it with an access key first\n',
    );
  });

  const USAGE_HINT = '(npm run rotate -- --help)';
  it.each([
    ['no account id', ['--state', 'x.json'], `ACCOUNT_ID must be one 12-digit account id ${USAGE_HINT}`],
    ['two account ids', [GOV, GOV, '--state', 'x.json'], `ACCOUNT_ID must be one 12-digit account id ${USAGE_HINT}`],
    ['no --state', [GOV], '--state FILE is required (the state of an earlier npm start)'],
    [
      'an unknown site',
      [GOV, '--state', 'x.json', '--datadog-site', 'datadog.example'],
      '--datadog-site datadog.example is not a Datadog site',
    ],
    // Node's own message of parseArgs, first line, then the hint.
    ['an unknown option', [GOV, '--colour'], /^Unknown option '--colour'.* \(npm run rotate -- --help lists the options\)$/],
  ])('exits 2 with exactly one line on stderr and nothing on stdout for %s', async (_, args, message) => {
    const { code, stdout, stderr } = await rotateHere(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.split('\n');
    expect(lines).toEqual([expect.stringMatching(/^npm run rotate: /), '']);
    const text = lines[0].slice('npm run rotate: '.length);
    if (typeof message === 'string') expect(text).toBe(message);
    else expect(text).toMatch(message);
  });

  it('exits 2 with one line for a state file that does not exist, and creates none', async () => {
    const stateFile = path.join(mkdtempSync(path.join(tmpdir(), 'rotate-cli-')), 'none.json');

    const { code, stdout, stderr } = await rotateHere([GOV, '--state', stateFile]);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `npm run rotate: ${stateFile} does not exist: onboard the account first with npm start -- … --state ${stateFile}\n`,
    );
    expect(() => readFileSync(stateFile)).toThrow(/ENOENT/);
  });

  it('--help prints the usage and exits 0', async () => {
    const { code, stdout, stderr } = await rotateHere(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: npm run rotate -- ACCOUNT_ID --state FILE/);
    for (const option of ['--state', '--datadog-site', '--json', '-h, --help']) expect(stdout).toContain(option);
    expect(stderr).toBe('');
  });

  // Spawned: what the process prints is the subject (the rotation function's logs go to the process's streams).
  it("prints its one summary line and nothing else: the rotation function's own logs stay silent", async () => {
    // Prepare: an onboarded GovCloud account saved in a state file, as `npm start -- … --state F` leaves it.
    const { stateFile, accessKeyId } = await onboardedState();

    // Act: as a user runs it (a child process: what it prints is the subject).
    const { code, stdout, stderr } = await runScript('local/cli.ts', ['rotate', GOV, '--state', stateFile], {
      POWERTOOLS_LOG_LEVEL: '', // as a user's shell has it: not the tests' SILENT
    });

    // Assess
    expect(stderr).toBe('');
    expect(stdout).toMatch(
      new RegExp(`^rotated: account ${GOV}, access key ${accessKeyId} → AKIA\\w+ \\(Datadog updated, old key deleted\\)\\n$`),
    );
    expect(code).toBe(0);
  });
});
