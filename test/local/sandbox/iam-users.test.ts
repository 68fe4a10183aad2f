import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DetachUserPolicyCommand,
  GetUserCommand,
  LimitExceededException,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  NoSuchEntityException,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { GOVCLOUD, MEMBER, clients, memberIamPerTest } from './helpers';

const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';

describe('Class: AwsSandbox', () => {
  const env = memberIamPerTest({ propagationSeconds: 0 });
  beforeEach(() => env.iam.send(new CreateUserCommand({ UserName: 'datadog', Tags: [{ Key: 'managed-by', Value: 'test' }] })));

  const newKey = async () => {
    const { AccessKey } = await env.iam.send(new CreateAccessKeyCommand({ UserName: 'datadog' }));
    return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  };
  const whoAmI = (credentials: { accessKeyId: string; secretAccessKey: string }, region = 'us-east-1') =>
    clients(credentials, region)
      .sts.send(new GetCallerIdentityCommand({}))
      .then(
        (output) => output.Arn,
        (error: Error) => error.name,
      );

  describe('IAM users and access keys', () => {
    it('creates a user with tags and returns it from GetUser', async () => {
      // Act
      await env.iam.send(new TagUserCommand({ UserName: 'datadog', Tags: [{ Key: 'team', Value: 'platform' }] }));
      const { User } = await env.iam.send(new GetUserCommand({ UserName: 'datadog' }));

      // Assess
      expect(User).toMatchObject({
        UserName: 'datadog',
        Arn: `arn:aws:iam::${MEMBER}:user/datadog`,
        UserId: expect.stringMatching(/^AIDA/),
        Tags: [
          { Key: 'managed-by', Value: 'test' },
          { Key: 'team', Value: 'platform' },
        ],
      });
    });

    it('signs calls as the user with its access key, and GetUser without a name returns that user', async () => {
      // Prepare
      const key = await newKey();
      await env.iam.send(new AttachUserPolicyCommand({ UserName: 'datadog', PolicyArn: ADMIN_POLICY }));

      // Act
      const arn = await whoAmI(key);
      const { User } = await clients(key).iam.send(new GetUserCommand({}));

      // Assess
      expect(arn).toBe(`arn:aws:iam::${MEMBER}:user/datadog`);
      expect(User?.UserName).toBe('datadog');
    });

    it('evaluates the user attached policies', async () => {
      // Prepare
      const key = await newKey();
      const listKeys = () =>
        clients(key)
          .iam.send(new ListAccessKeysCommand({}))
          .then(
            () => 'allowed',
            (e: Error) => e.name,
          );

      // Act
      const without = await listKeys();
      await env.iam.send(new AttachUserPolicyCommand({ UserName: 'datadog', PolicyArn: ADMIN_POLICY }));
      const withPolicy = await listKeys();
      const { AttachedPolicies } = await env.iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'datadog' }));

      // Assess
      expect([without, withPolicy]).toEqual(['AccessDenied', 'allowed']);
      expect(AttachedPolicies).toEqual([{ PolicyName: 'AdministratorAccess', PolicyArn: ADMIN_POLICY }]);
    });

    it('allows at most two access keys per user', async () => {
      // Prepare
      await newKey();
      await newKey();

      // Act
      const error = await newKey().catch((e: unknown) => e);
      const { AccessKeyMetadata } = await env.iam.send(new ListAccessKeysCommand({ UserName: 'datadog' }));

      // Assess
      expect(error).toBeInstanceOf(LimitExceededException);
      expect((error as Error).message).toBe('Cannot exceed quota for AccessKeysPerUser: 2');
      expect(AccessKeyMetadata?.map((key) => key.Status)).toEqual(['Active', 'Active']);
    });

    it('refuses deleted and mis-signed keys like AWS', async () => {
      // Prepare
      const kept = await newKey();
      const deleted = await newKey();
      await env.iam.send(new DeleteAccessKeyCommand({ UserName: 'datadog', AccessKeyId: deleted.accessKeyId }));

      // Act
      const results = [await whoAmI(deleted), await whoAmI({ accessKeyId: kept.accessKeyId, secretAccessKey: 'wrong' })];

      // Assess
      expect(results).toEqual(['InvalidClientTokenId', 'SignatureDoesNotMatch']);
      expect(env.sandbox.dump().accounts[MEMBER].users).toEqual([
        { userName: 'datadog', accessKeys: [{ accessKeyId: kept.accessKeyId, status: 'Active' }] },
      ]);
    });

    it('detaches an attached policy, and answers NoSuchEntity for one not attached', async () => {
      // Prepare
      await env.iam.send(new AttachUserPolicyCommand({ UserName: 'datadog', PolicyArn: ADMIN_POLICY }));

      // Act
      await env.iam.send(new DetachUserPolicyCommand({ UserName: 'datadog', PolicyArn: ADMIN_POLICY }));
      const again = await env.iam
        .send(new DetachUserPolicyCommand({ UserName: 'datadog', PolicyArn: ADMIN_POLICY }))
        .catch((e: unknown) => e);
      const { AttachedPolicies } = await env.iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'datadog' }));

      // Assess
      expect(again).toBeInstanceOf(NoSuchEntityException);
      expect(AttachedPolicies).toEqual([]);
    });

    it('accepts a GovCloud user key only at GovCloud endpoints', async () => {
      // Prepare
      env.sandbox.addAccount(GOVCLOUD, { partition: 'aws-us-gov' });
      env.sandbox.putUser(GOVCLOUD, 'datadog-integration', { attachedPolicyArns: ['arn:aws-us-gov:iam::aws:policy/AdministratorAccess'] });
      const key = env.sandbox.putAccessKey(GOVCLOUD, 'datadog-integration');

      // Act
      const atGov = await whoAmI(key, 'us-gov-west-1');
      const atCommercial = await whoAmI(key, 'us-east-1');

      // Assess
      expect(atGov).toBe(`arn:aws-us-gov:iam::${GOVCLOUD}:user/datadog-integration`);
      expect(atCommercial).toBe('InvalidClientTokenId');
    });
  });
});
