import {
  AttachRolePolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  ListAccountAliasesCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { AwsSandbox } from '../../../local/sandbox';
import {
  DATADOG,
  DATADOG_SESSION,
  EXTERNAL_ID,
  LAMBDA,
  MANAGEMENT,
  MEMBER,
  allow,
  assume,
  clients,
  trustPolicy,
  sandboxPerTest,
} from './helpers';

const MEMBER_ADMIN = `arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`;
const ROLE = `arn:aws:iam::${MEMBER}:role/DatadogIntegrationRole`;

describe('Class: AwsSandbox', () => {
  let sandbox: AwsSandbox;

  sandboxPerTest((installed) => (sandbox = installed), { propagationSeconds: 10 });

  /** Creates the integration role from a session in the member account, as the tool would. */
  async function createRole(document: object): Promise<void> {
    const admin = await sandbox.asPrincipal(LAMBDA, () => assume(MEMBER_ADMIN));
    await clients(admin).iam.send(
      new CreateRoleCommand({ RoleName: 'DatadogIntegrationRole', AssumeRolePolicyDocument: JSON.stringify(document) }),
    );
  }

  const datadogAssumes = (externalId = EXTERNAL_ID) =>
    sandbox
      .asPrincipal(DATADOG_SESSION, () => assume(ROLE, { externalId }))
      .then(
        () => 'assumed',
        (error: Error) => error.name,
      );

  describe('IAM propagation delay', () => {
    it('makes a new role assumable only once propagationSeconds have passed', async () => {
      // Prepare
      await createRole(trustPolicy(`arn:aws:iam::${DATADOG}:root`, EXTERNAL_ID));

      // Act
      const atOnce = await datadogAssumes();
      sandbox.clock.advance(9);
      const after9s = await datadogAssumes();
      sandbox.clock.advance(1);
      const after10s = await datadogAssumes();

      // Assess
      expect([atOnce, after9s, after10s]).toEqual(['AccessDenied', 'AccessDenied', 'assumed']);
    });

    it('keeps the previous trust policy in force until a change has propagated', async () => {
      // Prepare
      await createRole(trustPolicy(`arn:aws:iam::${DATADOG}:root`, 'old-external-id'));
      sandbox.clock.advance(10);
      const admin = await sandbox.asPrincipal(LAMBDA, () => assume(MEMBER_ADMIN));
      await clients(admin).iam.send(
        new UpdateAssumeRolePolicyCommand({
          RoleName: 'DatadogIntegrationRole',
          PolicyDocument: JSON.stringify(trustPolicy(`arn:aws:iam::${DATADOG}:root`, EXTERNAL_ID)),
        }),
      );

      // Act
      const meanwhile = [await datadogAssumes('old-external-id'), await datadogAssumes(EXTERNAL_ID)];
      sandbox.clock.advance(10);
      const afterwards = [await datadogAssumes('old-external-id'), await datadogAssumes(EXTERNAL_ID)];

      // Assess
      expect(meanwhile).toEqual(['assumed', 'AccessDenied']);
      expect(afterwards).toEqual(['AccessDenied', 'assumed']);
      expect(sandbox.dump().accounts[MEMBER].roles.find((role) => role.roleName === 'DatadogIntegrationRole')).toMatchObject({
        assumeRolePolicyDocument: trustPolicy(`arn:aws:iam::${DATADOG}:root`, EXTERNAL_ID),
      });
    });

    it('lets an assumed session call ListAccountAliases only when an attached policy grants it, after propagation', async () => {
      // Prepare: a role without permissions; its session; an admin session to grant it a policy.
      sandbox.putRole(MEMBER, 'Reader', { trustPolicy: trustPolicy(`arn:aws:iam::${MANAGEMENT}:root`) });
      const admin = clients(await sandbox.asPrincipal(LAMBDA, () => assume(MEMBER_ADMIN)));
      const reader = clients(await sandbox.asPrincipal(LAMBDA, () => assume(`arn:aws:iam::${MEMBER}:role/Reader`)));
      const listAliases = () =>
        reader.iam.send(new ListAccountAliasesCommand({})).then(
          (output) => output.AccountAliases,
          (error: Error) => error.name,
        );

      // Act
      const withoutPolicy = await listAliases();
      const { Policy } = await admin.iam.send(
        new CreatePolicyCommand({ PolicyName: 'ListAliases', PolicyDocument: JSON.stringify(allow('iam:ListAccountAliases')) }),
      );
      await admin.iam.send(new AttachRolePolicyCommand({ RoleName: 'Reader', PolicyArn: Policy!.Arn }));
      const beforePropagation = await listAliases();
      sandbox.clock.advance(10);
      const afterPropagation = await listAliases();

      // Assess
      expect(withoutPolicy).toBe('AccessDenied');
      expect(beforePropagation).toBe('AccessDenied');
      expect(afterPropagation).toEqual(['member-alias']);
    });

    it('uses a new default policy version only after propagation', async () => {
      // Prepare
      const admin = clients(await sandbox.asPrincipal(LAMBDA, () => assume(MEMBER_ADMIN)));
      const { Policy } = await admin.iam.send(
        new CreatePolicyCommand({ PolicyName: 'Grants', PolicyDocument: JSON.stringify(allow('iam:GetRole')) }),
      );
      sandbox.putRole(MEMBER, 'Reader', {
        trustPolicy: trustPolicy(`arn:aws:iam::${MANAGEMENT}:root`),
        attachedPolicyArns: [Policy!.Arn!],
      });
      const reader = clients(await sandbox.asPrincipal(LAMBDA, () => assume(`arn:aws:iam::${MEMBER}:role/Reader`)));
      const list = () =>
        reader.iam.send(new ListAccountAliasesCommand({})).then(
          () => 'allowed',
          (error: Error) => error.name,
        );

      // Act
      await admin.iam.send(
        new CreatePolicyVersionCommand({
          PolicyArn: Policy!.Arn,
          PolicyDocument: JSON.stringify(allow('iam:ListAccountAliases')),
          SetAsDefault: true,
        }),
      );
      const before = await list();
      sandbox.clock.advance(10);
      const after = await list();

      // Assess
      expect([before, after]).toEqual(['AccessDenied', 'allowed']);
    });

    it('accepts a new access key only after propagation (InvalidClientTokenId meanwhile)', async () => {
      // Prepare
      const admin = clients(await sandbox.asPrincipal(LAMBDA, () => assume(MEMBER_ADMIN)));
      await admin.iam.send(new CreateUserCommand({ UserName: 'datadog' }));
      const { AccessKey } = await admin.iam.send(new CreateAccessKeyCommand({ UserName: 'datadog' }));
      const user = clients({ accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! });
      const whoAmI = () =>
        user.sts.send(new GetCallerIdentityCommand({})).then(
          (output) => output.Arn,
          (error: Error) => error.name,
        );

      // Act
      const before = await whoAmI();
      sandbox.clock.advance(10);
      const after = await whoAmI();

      // Assess
      expect(AccessKey!.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
      expect(before).toBe('InvalidClientTokenId');
      expect(after).toBe(`arn:aws:iam::${MEMBER}:user/datadog`);
    });
  });
});
