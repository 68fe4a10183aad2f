import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { AwsSandbox, SandboxSetupError } from '../../../local/sandbox';
import { LAMBDA, MANAGEMENT, sandboxPerTest } from './helpers';

const NAME = 'datadog/api-key';
const OLD_VALUE = 'old-secret-value-0123456789';
const NEW_VALUE = 'new-secret-value-9876543210';
const TOKEN = 'a1b2c3d4-0000-4000-8000-000000000001';
const ROTATION_LAMBDA = `arn:aws:lambda:us-east-1:${MANAGEMENT}:function:rotate-datadog-key`;

describe('Class: AwsSandbox', () => {
  let sandbox: AwsSandbox;
  const secrets = new SecretsManagerClient({ region: 'us-east-1' });
  const asLambda = <T>(fn: () => Promise<T>) => sandbox.asPrincipal(LAMBDA, fn);
  const fail = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (e: unknown) => e,
    );
  const stagesOf = async () => (await asLambda(() => secrets.send(new DescribeSecretCommand({ SecretId: NAME })))).VersionIdsToStages ?? {};
  const currentVersionId = async () => (await asLambda(() => secrets.send(new GetSecretValueCommand({ SecretId: NAME })))).VersionId!;

  sandboxPerTest((installed) => (sandbox = installed), { prepare: (fresh) => fresh.putSecret(NAME, OLD_VALUE) });

  describe('Secrets Manager rotation', () => {
    it('runs the four rotation steps: pending version, test, then AWSCURRENT moves and the old version becomes AWSPREVIOUS', async () => {
      // Prepare
      const oldId = await currentVersionId();

      // Act
      // createSecret
      const put = await asLambda(() =>
        secrets.send(
          new PutSecretValueCommand({ SecretId: NAME, ClientRequestToken: TOKEN, SecretString: NEW_VALUE, VersionStages: ['AWSPENDING'] }),
        ),
      );
      const currentDuringRotation = await asLambda(() => secrets.send(new GetSecretValueCommand({ SecretId: NAME })));
      // setSecret / testSecret
      const pendingByStage = await asLambda(() => secrets.send(new GetSecretValueCommand({ SecretId: NAME, VersionStage: 'AWSPENDING' })));
      const stagesBefore = await stagesOf();
      // finishSecret
      await asLambda(() =>
        secrets.send(
          new UpdateSecretVersionStageCommand({
            SecretId: NAME,
            VersionStage: 'AWSCURRENT',
            MoveToVersionId: TOKEN,
            RemoveFromVersionId: oldId,
          }),
        ),
      );
      const current = await asLambda(() => secrets.send(new GetSecretValueCommand({ SecretId: NAME })));
      const previous = await asLambda(() => secrets.send(new GetSecretValueCommand({ SecretId: NAME, VersionStage: 'AWSPREVIOUS' })));

      // Assess
      expect(put).toMatchObject({ VersionId: TOKEN, VersionStages: ['AWSPENDING'] });
      expect(currentDuringRotation).toMatchObject({ VersionId: oldId, SecretString: OLD_VALUE, VersionStages: ['AWSCURRENT'] });
      expect(pendingByStage).toMatchObject({ VersionId: TOKEN, SecretString: NEW_VALUE });
      expect(stagesBefore).toEqual({ [oldId]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] });
      expect(current).toMatchObject({ VersionId: TOKEN, SecretString: NEW_VALUE });
      expect(current.VersionStages).toEqual(expect.arrayContaining(['AWSCURRENT', 'AWSPENDING']));
      expect(previous).toMatchObject({ VersionId: oldId, SecretString: OLD_VALUE, VersionStages: ['AWSPREVIOUS'] });
      expect(JSON.stringify(sandbox.dump())).not.toContain(OLD_VALUE);
      expect(JSON.stringify(sandbox.dump())).not.toContain(NEW_VALUE);
    });

    it('keeps PutSecretValue idempotent per token and defaults VersionStages to AWSCURRENT', async () => {
      // Prepare
      const oldId = await currentVersionId();
      const pending = { SecretId: NAME, ClientRequestToken: TOKEN, SecretString: NEW_VALUE, VersionStages: ['AWSPENDING'] };

      // Act
      await asLambda(() => secrets.send(new PutSecretValueCommand(pending)));
      const retried = await asLambda(() => secrets.send(new PutSecretValueCommand(pending)));
      const conflict = await fail(asLambda(() => secrets.send(new PutSecretValueCommand({ ...pending, SecretString: 'other-value' }))));
      const plain = await asLambda(() => secrets.send(new PutSecretValueCommand({ SecretId: NAME, SecretString: 'third-value' })));
      const stages = await stagesOf();

      // Assess
      expect(retried).toMatchObject({ VersionId: TOKEN, VersionStages: ['AWSPENDING'] });
      expect(conflict).toBeInstanceOf(ResourceExistsException);
      expect((conflict as Error).message).not.toContain('other-value');
      expect(plain.VersionStages).toEqual(['AWSCURRENT']);
      expect(stages).toEqual({ [oldId]: ['AWSPREVIOUS'], [TOKEN]: ['AWSPENDING'], [plain.VersionId!]: ['AWSCURRENT'] });
    });

    it('moves a label from the version that had it, and drops versions left with no label', async () => {
      // Prepare
      const oldId = await currentVersionId();
      await asLambda(() =>
        secrets.send(
          new PutSecretValueCommand({ SecretId: NAME, ClientRequestToken: TOKEN, SecretString: NEW_VALUE, VersionStages: ['AWSPENDING'] }),
        ),
      );

      // Act
      const second = await asLambda(() =>
        secrets.send(new PutSecretValueCommand({ SecretId: NAME, SecretString: 'another-value', VersionStages: ['AWSPENDING', 'custom'] })),
      );
      const afterPut = await stagesOf();
      await asLambda(() =>
        secrets.send(
          new UpdateSecretVersionStageCommand({
            SecretId: NAME,
            VersionStage: 'custom',
            MoveToVersionId: oldId,
            RemoveFromVersionId: second.VersionId,
          }),
        ),
      );
      const afterMove = await stagesOf();

      // Assess
      expect(afterPut).toEqual({ [oldId]: ['AWSCURRENT'], [second.VersionId!]: ['AWSPENDING', 'custom'] });
      expect(afterMove).toEqual({ [oldId]: ['AWSCURRENT', 'custom'], [second.VersionId!]: ['AWSPENDING'] });
    });

    it('refuses label moves AWS refuses', async () => {
      // Prepare
      const oldId = await currentVersionId();
      await asLambda(() =>
        secrets.send(
          new PutSecretValueCommand({ SecretId: NAME, ClientRequestToken: TOKEN, SecretString: NEW_VALUE, VersionStages: ['AWSPENDING'] }),
        ),
      );
      const update = (input: Omit<ConstructorParameters<typeof UpdateSecretVersionStageCommand>[0], 'SecretId'>) =>
        fail(asLambda(() => secrets.send(new UpdateSecretVersionStageCommand({ SecretId: NAME, ...input }))));

      // Act
      const withoutRemove = await update({ VersionStage: 'AWSCURRENT', MoveToVersionId: TOKEN });
      const wrongRemove = await update({ VersionStage: 'AWSCURRENT', MoveToVersionId: oldId, RemoveFromVersionId: TOKEN });
      const unknownVersion = await update({ VersionStage: 'AWSPENDING', MoveToVersionId: 'no-such-version', RemoveFromVersionId: TOKEN });
      const unknownSecret = await fail(
        asLambda(() =>
          secrets.send(new UpdateSecretVersionStageCommand({ SecretId: 'nope', VersionStage: 'AWSCURRENT', MoveToVersionId: TOKEN })),
        ),
      );

      // Assess
      for (const error of [withoutRemove, wrongRemove]) expect(error).toBeInstanceOf(InvalidParameterException);
      expect(unknownVersion).toBeInstanceOf(ResourceNotFoundException);
      expect(unknownSecret).toBeInstanceOf(ResourceNotFoundException);
      expect(await stagesOf()).toEqual({ [oldId]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] });
    });

    it('stores the rotation configuration of RotateSecret without invoking anything, and counts it as mutating', async () => {
      // Prepare
      const before = await asLambda(() => secrets.send(new DescribeSecretCommand({ SecretId: NAME })));
      sandbox.resetMutatingCalls();

      // Act
      const rotated = await asLambda(() =>
        secrets.send(
          new RotateSecretCommand({
            SecretId: NAME,
            RotationLambdaARN: ROTATION_LAMBDA,
            RotationRules: { AutomaticallyAfterDays: 30 },
            RotateImmediately: false,
          }),
        ),
      );
      const described = await asLambda(() => secrets.send(new DescribeSecretCommand({ SecretId: NAME })));
      await asLambda(() =>
        secrets.send(new RotateSecretCommand({ SecretId: NAME, RotationRules: { AutomaticallyAfterDays: 10 }, RotateImmediately: false })),
      );
      const rescheduled = await asLambda(() => secrets.send(new DescribeSecretCommand({ SecretId: NAME })));
      const saved = JSON.parse(JSON.stringify(sandbox.toJSON())) as unknown;

      // Assess
      expect(before.RotationEnabled).toBeUndefined();
      expect(before.RotationLambdaARN).toBeUndefined();
      expect(rotated).toMatchObject({ ARN: described.ARN, Name: NAME });
      expect(rotated.VersionId).toBeUndefined();
      expect(described).toMatchObject({
        RotationEnabled: true,
        RotationLambdaARN: ROTATION_LAMBDA,
        RotationRules: { AutomaticallyAfterDays: 30 },
      });
      expect(Object.keys(described.VersionIdsToStages ?? {})).toHaveLength(1);
      expect(rescheduled).toMatchObject({
        RotationEnabled: true,
        RotationLambdaARN: ROTATION_LAMBDA,
        RotationRules: { AutomaticallyAfterDays: 10 },
      });
      expect(sandbox.mutatingCalls().secretsmanager).toBe(2);
      expect(AwsSandbox.fromJSON(saved).toJSON()).toEqual(saved);
    });

    it('refuses invalid RotateSecret requests', async () => {
      // Prepare
      const rotate = (input: Omit<ConstructorParameters<typeof RotateSecretCommand>[0], 'SecretId'>) =>
        fail(asLambda(() => secrets.send(new RotateSecretCommand({ SecretId: NAME, RotateImmediately: false, ...input }))));

      // Act
      const noLambda = await rotate({ RotationRules: { AutomaticallyAfterDays: 30 } });
      const tooLong = await rotate({ RotationLambdaARN: ROTATION_LAMBDA, RotationRules: { AutomaticallyAfterDays: 1001 } });
      const badArn = await rotate({ RotationLambdaARN: 'rotate-datadog-key', RotationRules: { AutomaticallyAfterDays: 30 } });
      const immediately = await rotate({ RotationLambdaARN: ROTATION_LAMBDA, RotateImmediately: true });
      const unknownSecret = await fail(
        asLambda(() => secrets.send(new RotateSecretCommand({ SecretId: 'nope', RotationLambdaARN: ROTATION_LAMBDA }))),
      );
      const described = await asLambda(() => secrets.send(new DescribeSecretCommand({ SecretId: NAME })));

      // Assess
      expect(noLambda).toBeInstanceOf(InvalidRequestException);
      for (const error of [tooLong, badArn]) expect(error).toBeInstanceOf(InvalidParameterException);
      expect(immediately).toBeInstanceOf(SandboxSetupError);
      expect(unknownSecret).toBeInstanceOf(ResourceNotFoundException);
      expect(described.RotationEnabled).toBeUndefined();
    });
  });
});
