import { CreateAccessKeyCommand, CreateUserCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { AwsSandbox, VirtualClock } from '../../../local/sandbox';
import { ADMIN, LAMBDA, MANAGEMENT, MEMBER, assume, clients, trustPolicy, memberAdmin, sandboxPerTest } from './helpers';

const SECRET_VALUE = 'super-secret-value-0123456789';

describe('Class: AwsSandbox', () => {
  let sandbox: AwsSandbox;

  sandboxPerTest((installed) => (sandbox = installed), {
    propagationSeconds: 0,
    prepare: (fresh) => fresh.putSecret('datadog/api-key', SECRET_VALUE),
  });

  /** Creates an IAM user with an access key in the member account; returns the key. */
  async function userWithKey() {
    const admin = await memberAdmin(sandbox);
    await admin.iam.send(new CreateUserCommand({ UserName: 'datadog' }));
    const { AccessKey } = await admin.iam.send(new CreateAccessKeyCommand({ UserName: 'datadog' }));
    return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  }

  describe('dump()', () => {
    it('shows roles, policies and users with parsed documents, and never a secret', async () => {
      // Prepare
      const key = await userWithKey();
      const policyArn = sandbox.putPolicy(MEMBER, 'Extra', {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:List*', Resource: '*' }],
      });

      // Act
      const dump = sandbox.dump();

      // Assess
      expect(dump.accounts[MEMBER]).toEqual({
        roles: [
          {
            roleName: 'OrganizationAccountAccessRole',
            assumeRolePolicyDocument: trustPolicy(`arn:aws:iam::${MANAGEMENT}:root`),
            attachedPolicyArns: [ADMIN],
          },
        ],
        policies: [
          {
            policyName: 'Extra',
            arn: policyArn,
            document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:List*', Resource: '*' }] },
          },
        ],
        users: [{ userName: 'datadog', accessKeys: [{ accessKeyId: key.accessKeyId, status: 'Active' }] }],
      });
      expect(dump.accounts[MANAGEMENT]).toEqual({ roles: [], policies: [], users: [] });
      const text = JSON.stringify(dump);
      expect(text).not.toContain(SECRET_VALUE);
      expect(text).not.toContain(key.secretAccessKey);
    });
  });

  describe('toJSON() / fromJSON()', () => {
    it('saves the whole state, secrets included, and resumes it: sessions, keys, secrets and the clock', async () => {
      // Prepare
      const key = await userWithKey();
      const session = await sandbox.asPrincipal(LAMBDA, () => assume(`arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`));
      sandbox.clock.advance(60);
      const saved = JSON.stringify(sandbox);
      sandbox.restore();

      // Act
      const resumed = AwsSandbox.fromJSON(JSON.parse(saved));
      resumed.install();
      try {
        const sessionIdentity = await clients(session).sts.send(new GetCallerIdentityCommand({}));
        const userIdentity = await clients(key).sts.send(new GetCallerIdentityCommand({}));
        const role = await clients(session).iam.send(new GetRoleCommand({ RoleName: 'OrganizationAccountAccessRole' }));
        const secret = await resumed.asPrincipal(LAMBDA, () =>
          new SecretsManagerClient({ region: 'us-east-1' }).send(new GetSecretValueCommand({ SecretId: 'datadog/api-key' })),
        );

        // Assess
        expect(saved).toContain(SECRET_VALUE);
        expect(resumed.clock.now()).toBe(sandbox.clock.now());
        expect(resumed.dump()).toEqual(sandbox.dump());
        expect(resumed.toJSON()).toEqual(JSON.parse(saved));
        expect(sessionIdentity.Arn).toBe(`arn:aws:sts::${MEMBER}:assumed-role/OrganizationAccountAccessRole/test`);
        expect(userIdentity.Arn).toBe(`arn:aws:iam::${MEMBER}:user/datadog`);
        expect(role.Role?.RoleName).toBe('OrganizationAccountAccessRole');
        expect(secret.SecretString).toBe(SECRET_VALUE);
      } finally {
        resumed.restore();
      }
    });

    it('uses the clock it is given', () => {
      // Prepare
      const clock = new VirtualClock(0);

      // Act
      const resumed = AwsSandbox.fromJSON(sandbox.toJSON(), { clock });

      // Assess
      expect(resumed.clock).toBe(clock);
    });

    it('refuses a document that is not a saved sandbox, naming the field', () => {
      // Act
      const load = () => AwsSandbox.fromJSON({ formatVersion: 1, clockMs: 0, state: { managementAccountId: 'x' } });

      // Assess
      expect(load).toThrow(/not a saved sandbox \(state\.managementAccountId/);
    });
  });
});
