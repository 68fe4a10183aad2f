import { ListAccountAliasesCommand } from '@aws-sdk/client-iam';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSServiceException } from '@aws-sdk/client-sts';
import { AwsSandbox } from '../../../local/sandbox';
import { LAMBDA, MEMBER, assume, clients, memberAdmin, sandboxPerTest } from './helpers';

describe('Class: AwsSandbox', () => {
  let sandbox: AwsSandbox;

  sandboxPerTest((installed) => (sandbox = installed));

  describe('a suspended account', () => {
    it('refuses every call of a session in it with AccessDenied', async () => {
      // Prepare
      const member = await memberAdmin(sandbox);
      sandbox.setAccountState(MEMBER, 'SUSPENDED');

      // Act
      const results = await Promise.all([
        member.sts.send(new GetCallerIdentityCommand({})).catch((e: Error) => e),
        member.iam.send(new ListAccountAliasesCommand({})).catch((e: Error) => e),
        member.secrets.send(new GetSecretValueCommand({ SecretId: 'x' })).catch((e: Error) => e),
      ]);

      // Assess
      expect(results[0]).toBeInstanceOf(STSServiceException);
      expect(results.map((error) => (error as Error).name)).toEqual(['AccessDenied', 'AccessDenied', 'AccessDeniedException']);
    });

    it('cannot have its roles assumed', async () => {
      // Prepare
      sandbox.setAccountState(MEMBER, 'SUSPENDED');

      // Act
      const error = await sandbox
        .asPrincipal(LAMBDA, () => assume(`arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`))
        .catch((e: Error) => e);

      // Assess
      expect(error).toMatchObject({ name: 'AccessDenied' });
    });

    it.each(['PENDING_ACTIVATION', 'PENDING_CLOSURE', 'CLOSED'] as const)(
      'refuses AssumeRole into an account that is %s, and allows it once ACTIVE',
      async (state) => {
        // Prepare
        sandbox.setAccountState(MEMBER, state);
        const roleArn = `arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`;

        // Act
        const refused = await sandbox.asPrincipal(LAMBDA, () => assume(roleArn)).catch((e: Error) => e);
        sandbox.setAccountState(MEMBER, 'ACTIVE');
        const session = await sandbox.asPrincipal(LAMBDA, () => assume(roleArn));

        // Assess
        expect(refused).toBeInstanceOf(STSServiceException);
        expect(refused).toMatchObject({ name: 'AccessDenied' });
        expect(session.accessKeyId).toMatch(/^ASIA/);
      },
    );

    it('was added suspended when asked', async () => {
      // Prepare
      sandbox.addAccount('555555555555', { state: 'SUSPENDED' });

      // Act
      const error = await sandbox
        .asPrincipal('arn:aws:sts::555555555555:assumed-role/Any/s', () => clients().sts.send(new GetCallerIdentityCommand({})))
        .catch((e: Error) => e);

      // Assess
      expect(error).toMatchObject({ name: 'AccessDenied' });
    });
  });
});
