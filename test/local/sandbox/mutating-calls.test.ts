import { CreateRoleCommand, GetRoleCommand, ListAccountAliasesCommand, NoSuchEntityException, TagRoleCommand } from '@aws-sdk/client-iam';
import { DescribeAccountCommand } from '@aws-sdk/client-organizations';
import { CreateSecretCommand, DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { AwsSandbox } from '../../../local/sandbox';
import { DATADOG, MEMBER, trustPolicy, memberAdmin, sandboxPerTest } from './helpers';

describe('Class: AwsSandbox', () => {
  let sandbox: AwsSandbox;

  sandboxPerTest((installed) => (sandbox = installed));

  describe('mutatingCalls()', () => {
    it('counts calls that are not Get*, List*, Describe*, AssumeRole or GetCallerIdentity, failed ones included', async () => {
      // Prepare
      const member = await memberAdmin(sandbox);
      const create = new CreateRoleCommand({
        RoleName: 'R',
        AssumeRolePolicyDocument: JSON.stringify(trustPolicy(`arn:aws:iam::${DATADOG}:root`)),
      });

      // Act
      await member.sts.send(new GetCallerIdentityCommand({}));
      await member.iam.send(new ListAccountAliasesCommand({}));
      await member.iam.send(new GetRoleCommand({ RoleName: 'Missing' })).catch((e: unknown) => e);
      await member.iam.send(create);
      await member.iam.send(create).catch((e: unknown) => e);
      await member.iam.send(new TagRoleCommand({ RoleName: 'R', Tags: [{ Key: 'a', Value: 'b' }] }));
      await member.organizations.send(new DescribeAccountCommand({ AccountId: MEMBER })).catch((e: unknown) => e);
      await member.secrets.send(new CreateSecretCommand({ Name: 's', SecretString: 'v' }));
      await member.secrets.send(new DescribeSecretCommand({ SecretId: 's' }));

      // Assess
      expect(sandbox.mutatingCalls()).toEqual({ iam: 3, sts: 0, organizations: 0, secretsmanager: 1, s3: 0 });
    });

    it('starts again from zero after resetMutatingCalls()', async () => {
      // Prepare
      const member = await memberAdmin(sandbox);
      await member.iam.send(new TagRoleCommand({ RoleName: 'OrganizationAccountAccessRole', Tags: [{ Key: 'a', Value: 'b' }] }));

      // Act
      sandbox.resetMutatingCalls();
      const error = await member.iam.send(new GetRoleCommand({ RoleName: 'Missing' })).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(NoSuchEntityException);
      expect(sandbox.mutatingCalls()).toEqual({ iam: 0, sts: 0, organizations: 0, secretsmanager: 0, s3: 0 });
    });
  });
});
