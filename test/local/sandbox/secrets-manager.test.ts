import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  MalformedPolicyDocumentException,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { AwsSandbox, SandboxSetupError } from '../../../local/sandbox';
import { LAMBDA, MANAGEMENT, MEMBER, assume, clients, memberAdmin, sandboxPerTest } from './helpers';

const SECRET_VALUE = 'super-secret-value-0123456789';

describe('Class: AwsSandbox', () => {
  let sandbox: AwsSandbox;
  const secrets = new SecretsManagerClient({ region: 'us-east-1' });
  const asLambda = <T>(fn: () => Promise<T>) => sandbox.asPrincipal(LAMBDA, fn);

  sandboxPerTest((installed) => (sandbox = installed));

  describe('Secrets Manager', () => {
    it.each([
      ['GetSecretValue by VersionId', new GetSecretValueCommand({ SecretId: 'datadog/api-key', VersionId: 'v1' })],
      [
        'UpdateSecretVersionStage without MoveToVersionId',
        new UpdateSecretVersionStageCommand({ SecretId: 'datadog/api-key', VersionStage: 'AWSPENDING' }),
      ],
      [
        'DeleteSecret with ForceDeleteWithoutRecovery',
        new DeleteSecretCommand({ SecretId: 'datadog/api-key', ForceDeleteWithoutRecovery: true }),
      ],
    ])('refuses %s, which the product never sends, with SandboxSetupError', async (_what, command) => {
      // Prepare
      await asLambda(() => secrets.send(new CreateSecretCommand({ Name: 'datadog/api-key', SecretString: SECRET_VALUE })));

      // Act
      const refused = await asLambda(() => secrets.send(command as GetSecretValueCommand)).catch((error: unknown) => error);

      // Assess
      expect(refused).toBeInstanceOf(SandboxSetupError);
    });

    it('creates a secret with a Secrets Manager ARN and reads it back by name and by ARN', async () => {
      // Act
      const created = await asLambda(() =>
        secrets.send(
          new CreateSecretCommand({
            Name: 'datadog/api-key',
            SecretString: SECRET_VALUE,
            KmsKeyId: 'alias/custom',
            Tags: [{ Key: 'team', Value: 'platform' }],
          }),
        ),
      );
      const byName = await asLambda(() => secrets.send(new GetSecretValueCommand({ SecretId: 'datadog/api-key' })));
      const byArn = await asLambda(() => secrets.send(new GetSecretValueCommand({ SecretId: created.ARN })));
      const byPartialArn = await asLambda(() => secrets.send(new GetSecretValueCommand({ SecretId: created.ARN!.slice(0, -7) })));
      const described = await asLambda(() => secrets.send(new DescribeSecretCommand({ SecretId: 'datadog/api-key' })));

      // Assess
      expect(created.ARN).toMatch(new RegExp(`^arn:aws:secretsmanager:us-east-1:${MANAGEMENT}:secret:datadog/api-key-[A-Za-z0-9]{6}$`));
      for (const read of [byName, byArn, byPartialArn])
        expect(read).toMatchObject({ SecretString: SECRET_VALUE, VersionStages: ['AWSCURRENT'] });
      expect(described).toMatchObject({ KmsKeyId: 'alias/custom', Tags: [{ Key: 'team', Value: 'platform' }] });
      expect(JSON.stringify(described)).not.toContain(SECRET_VALUE);
    });

    it('keeps secrets per region and per account', async () => {
      // Prepare
      sandbox.putSecret('datadog/api-key', SECRET_VALUE, { region: 'eu-west-1' });
      const member = clients(await asLambda(() => assume(`arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`)), 'eu-west-1');

      // Act
      const otherRegion = await asLambda(() => secrets.send(new GetSecretValueCommand({ SecretId: 'datadog/api-key' }))).catch(
        (e: unknown) => e,
      );
      const otherAccount = await member.secrets.send(new GetSecretValueCommand({ SecretId: 'datadog/api-key' })).catch((e: unknown) => e);

      // Assess
      expect(otherRegion).toBeInstanceOf(ResourceNotFoundException);
      expect(otherRegion).toMatchObject({ message: "Secrets Manager can't find the specified secret." });
      expect(otherAccount).toBeInstanceOf(ResourceNotFoundException);
    });

    it('refuses a duplicate name and rotates the value with PutSecretValue', async () => {
      // Prepare
      sandbox.putSecret('datadog/api-key', SECRET_VALUE);

      // Act
      const duplicate = await asLambda(() => secrets.send(new CreateSecretCommand({ Name: 'datadog/api-key', SecretString: 'x' }))).catch(
        (e: unknown) => e,
      );
      await asLambda(() => secrets.send(new PutSecretValueCommand({ SecretId: 'datadog/api-key', SecretString: 'new-value' })));
      const current = await asLambda(() => secrets.send(new GetSecretValueCommand({ SecretId: 'datadog/api-key' })));
      const previous = await asLambda(() =>
        secrets.send(new GetSecretValueCommand({ SecretId: 'datadog/api-key', VersionStage: 'AWSPREVIOUS' })),
      );

      // Assess
      expect(duplicate).toBeInstanceOf(ResourceExistsException);
      expect((duplicate as Error).message).not.toContain(SECRET_VALUE);
      expect(current.SecretString).toBe('new-value');
      expect(previous.SecretString).toBe(SECRET_VALUE);
    });

    it('stores resource policies, refusing malformed ones', async () => {
      // Prepare
      sandbox.putSecret('datadog/api-key', SECRET_VALUE);
      const policy = {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MEMBER}:root` }, Action: 'secretsmanager:GetSecretValue', Resource: '*' },
        ],
      };

      // Act
      await asLambda(() =>
        secrets.send(new PutResourcePolicyCommand({ SecretId: 'datadog/api-key', ResourcePolicy: JSON.stringify(policy) })),
      );
      const malformed = await asLambda(() =>
        secrets.send(new PutResourcePolicyCommand({ SecretId: 'datadog/api-key', ResourcePolicy: '{' })),
      ).catch((e: unknown) => e);
      const stored = sandbox
        .toJSON()
        .state.accounts[MANAGEMENT].secrets.find((secret) => secret.name === 'datadog/api-key')?.resourcePolicy;

      // Assess
      expect(JSON.parse(stored ?? '{}')).toEqual(policy);
      expect(malformed).toBeInstanceOf(MalformedPolicyDocumentException);
    });

    it('seeds a secret at the ARN a sample names (its 6-character suffix), and refuses a malformed or conflicting suffix', async () => {
      // Act
      const arn = sandbox.putSecret('datadog-onboarding/datadog-keys', SECRET_VALUE, { suffix: 'AbCdEf' });
      const read = await asLambda(() => secrets.send(new GetSecretValueCommand({ SecretId: arn })));

      // Assess
      expect(arn).toBe(`arn:aws:secretsmanager:us-east-1:${MANAGEMENT}:secret:datadog-onboarding/datadog-keys-AbCdEf`);
      expect(read.SecretString).toBe(SECRET_VALUE);
      expect(sandbox.putSecret('datadog-onboarding/datadog-keys', 'new value', { suffix: 'AbCdEf' })).toBe(arn);
      expect(() => sandbox.putSecret('datadog-onboarding/datadog-keys', SECRET_VALUE, { suffix: 'XyZ123' })).toThrow(
        /exists as .*-AbCdEf, not with suffix XyZ123/,
      );
      expect(() => sandbox.putSecret('other', SECRET_VALUE, { suffix: 'short' })).toThrow(/suffix must be 6 letters or digits/);
    });

    it('lets another account read a secret by ARN only when the resource policy allows it', async () => {
      // Prepare
      const arn = sandbox.putSecret('shared', SECRET_VALUE);
      const member = await memberAdmin(sandbox);
      const read = () =>
        member.secrets.send(new GetSecretValueCommand({ SecretId: arn })).then(
          (o) => o.SecretString,
          (e: Error) => e.name,
        );

      // Act
      const without = await read();
      sandbox.putSecret('shared', SECRET_VALUE, {
        resourcePolicy: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MEMBER}:root` }, Action: 'secretsmanager:GetSecretValue', Resource: '*' },
          ],
        },
      });
      const withPolicy = await read();

      // Assess
      expect(without).toBe('AccessDeniedException');
      expect(withPolicy).toBe(SECRET_VALUE);
    });
  });
});
