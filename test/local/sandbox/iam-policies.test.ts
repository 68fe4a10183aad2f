import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeleteConflictException,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DetachRolePolicyCommand,
  EntityAlreadyExistsException,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  LimitExceededException,
  ListPolicyVersionsCommand,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  TagPolicyCommand,
} from '@aws-sdk/client-iam';
import { parseIamDocument } from '../../../shared/iam/policy-document';
import { MEMBER, allow, memberIamPerTest } from './helpers';

const POLICY_ARN = `arn:aws:iam::${MEMBER}:policy/DatadogIntegrationPolicy`;

describe('Class: AwsSandbox', () => {
  const env = memberIamPerTest();

  const createPolicy = (document: object = allow('ec2:Describe*')) =>
    env.iam.send(
      new CreatePolicyCommand({
        PolicyName: 'DatadogIntegrationPolicy',
        PolicyDocument: JSON.stringify(document),
        Tags: [{ Key: 'managed-by', Value: 'test' }],
      }),
    );
  const newVersion = (action: string, setAsDefault = false) =>
    env.iam.send(
      new CreatePolicyVersionCommand({ PolicyArn: POLICY_ARN, PolicyDocument: JSON.stringify(allow(action)), SetAsDefault: setAsDefault }),
    );

  describe('IAM managed policies', () => {
    it('creates a policy and reports it with tags, default version and attachment count', async () => {
      // Prepare
      await createPolicy();
      await env.iam.send(new AttachRolePolicyCommand({ RoleName: 'OrganizationAccountAccessRole', PolicyArn: POLICY_ARN }));

      // Act
      const { Policy } = await env.iam.send(new GetPolicyCommand({ PolicyArn: POLICY_ARN }));

      // Assess
      expect(Policy).toMatchObject({
        PolicyName: 'DatadogIntegrationPolicy',
        Arn: POLICY_ARN,
        PolicyId: expect.stringMatching(/^ANPA/),
        DefaultVersionId: 'v1',
        AttachmentCount: 1,
        Tags: [{ Key: 'managed-by', Value: 'test' }],
      });
    });

    it('returns policy versions URL-encoded, like IAM', async () => {
      // Prepare
      const document = allow('ec2:Describe*', 'tag:GetResources');
      await createPolicy(document);

      // Act
      const { PolicyVersion } = await env.iam.send(new GetPolicyVersionCommand({ PolicyArn: POLICY_ARN, VersionId: 'v1' }));

      // Assess
      expect(PolicyVersion?.Document).toBe(encodeURIComponent(JSON.stringify(document)));
      expect(PolicyVersion?.Document).toMatch(/^%7B%22Version%22/);
      expect(parseIamDocument(PolicyVersion!.Document!)).toEqual(document);
      expect(PolicyVersion).toMatchObject({ VersionId: 'v1', IsDefaultVersion: true });
    });

    it('refuses a duplicate name with EntityAlreadyExistsException', async () => {
      // Prepare
      await createPolicy();

      // Act
      const error = await createPolicy().catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(EntityAlreadyExistsException);
      expect(error).toMatchObject({
        name: 'EntityAlreadyExistsException',
        Code: 'EntityAlreadyExists',
        $metadata: { httpStatusCode: 409 },
      });
    });

    it('refuses invalid JSON with MalformedPolicyDocumentException', async () => {
      // Act
      const error = await env.iam
        .send(new CreatePolicyCommand({ PolicyName: 'Bad', PolicyDocument: '{"Version": "2012-10-17", ' }))
        .catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(MalformedPolicyDocumentException);
      expect(error).toMatchObject({ Code: 'MalformedPolicyDocument', message: 'This policy contains invalid Json' });
    });

    it('counts the 6,144-character quota without white space, and answers LimitExceeded beyond it', async () => {
      // Prepare: about 6,100 characters of actions, then the same padded with white space, then too many.
      const actions = (count: number) => Array.from({ length: count }, (_, i) => `ec2:DescribeThing${String(i).padStart(4, '0')}`);
      const fits = allow(...actions(250));
      const fitsPadded = JSON.stringify(fits, null, 8);
      const tooLarge = allow(...actions(260));

      // Act
      const padded = await env.iam.send(new CreatePolicyCommand({ PolicyName: 'Padded', PolicyDocument: fitsPadded }));
      const error = await env.iam
        .send(new CreatePolicyCommand({ PolicyName: 'TooLarge', PolicyDocument: JSON.stringify(tooLarge) }))
        .catch((e: unknown) => e);

      // Assess
      expect(fitsPadded.length).toBeGreaterThan(6144);
      expect(padded.Policy?.DefaultVersionId).toBe('v1');
      expect(error).toBeInstanceOf(LimitExceededException);
      expect(error).toMatchObject({ message: 'Cannot exceed quota for PolicySize: 6144' });
    });

    it('keeps at most five versions', async () => {
      // Prepare
      await createPolicy();
      for (const action of ['s3:Get*', 's3:List*', 'sqs:List*', 'sns:List*']) await newVersion(action);

      // Act
      const error = await newVersion('lambda:List*').catch((e: unknown) => e);
      const { Versions } = await env.iam.send(new ListPolicyVersionsCommand({ PolicyArn: POLICY_ARN }));

      // Assess
      expect(error).toBeInstanceOf(LimitExceededException);
      expect((error as Error).message).toMatch(/up to 5 versions/);
      expect(Versions?.map((version) => [version.VersionId, version.IsDefaultVersion])).toEqual([
        ['v5', false],
        ['v4', false],
        ['v3', false],
        ['v2', false],
        ['v1', true],
      ]);
    });

    it('never reuses a version id, and makes a version the default with SetAsDefault', async () => {
      // Prepare
      await createPolicy();
      await newVersion('s3:Get*');
      await env.iam.send(new DeletePolicyVersionCommand({ PolicyArn: POLICY_ARN, VersionId: 'v2' }));

      // Act
      const { PolicyVersion } = await newVersion('s3:List*', true);
      const { Policy } = await env.iam.send(new GetPolicyCommand({ PolicyArn: POLICY_ARN }));

      // Assess
      expect(PolicyVersion).toMatchObject({ VersionId: 'v3', IsDefaultVersion: true });
      expect(Policy?.DefaultVersionId).toBe('v3');
      expect(env.sandbox.dump().accounts[MEMBER].policies).toEqual([
        { policyName: 'DatadogIntegrationPolicy', arn: POLICY_ARN, document: allow('s3:List*') },
      ]);
    });

    it('refuses to delete the default version', async () => {
      // Prepare
      await createPolicy();

      // Act
      const error = await env.iam.send(new DeletePolicyVersionCommand({ PolicyArn: POLICY_ARN, VersionId: 'v1' })).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(DeleteConflictException);
      expect(error).toMatchObject({ message: 'Cannot delete the default version of a policy.', $metadata: { httpStatusCode: 409 } });
    });

    it('refuses to delete a policy that is attached or has other versions, then deletes it', async () => {
      // Prepare
      await createPolicy();
      await newVersion('s3:Get*');
      await env.iam.send(new AttachRolePolicyCommand({ RoleName: 'OrganizationAccountAccessRole', PolicyArn: POLICY_ARN }));
      const deletePolicy = () =>
        env.iam.send(new DeletePolicyCommand({ PolicyArn: POLICY_ARN })).then(
          () => 'deleted',
          (e: Error) => e.message,
        );

      // Act
      const whileAttached = await deletePolicy();
      await env.iam.send(new DetachRolePolicyCommand({ RoleName: 'OrganizationAccountAccessRole', PolicyArn: POLICY_ARN }));
      const withVersions = await deletePolicy();
      await env.iam.send(new DeletePolicyVersionCommand({ PolicyArn: POLICY_ARN, VersionId: 'v2' }));
      const finally_ = await deletePolicy();
      const afterwards = await env.iam.send(new GetPolicyCommand({ PolicyArn: POLICY_ARN })).catch((e: unknown) => e);

      // Assess
      expect(whileAttached).toBe('Cannot delete a policy attached to entities.');
      expect(withVersions).toMatch(/^This policy has more than one version/);
      expect(finally_).toBe('deleted');
      expect(afterwards).toBeInstanceOf(NoSuchEntityException);
    });

    it('tags a policy and knows the AWS managed policies', async () => {
      // Prepare
      await createPolicy();

      // Act
      await env.iam.send(new TagPolicyCommand({ PolicyArn: POLICY_ARN, Tags: [{ Key: 'team', Value: 'platform' }] }));
      const { Policy } = await env.iam.send(new GetPolicyCommand({ PolicyArn: POLICY_ARN }));
      const audit = await env.iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/SecurityAudit' }));
      const govArnHere = await env.iam
        .send(new GetPolicyCommand({ PolicyArn: 'arn:aws-us-gov:iam::aws:policy/SecurityAudit' }))
        .catch((e: unknown) => e);

      // Assess
      expect(Policy?.Tags).toEqual([
        { Key: 'managed-by', Value: 'test' },
        { Key: 'team', Value: 'platform' },
      ]);
      expect(audit.Policy).toMatchObject({ PolicyName: 'SecurityAudit', DefaultVersionId: 'v1' });
      expect(govArnHere).toBeInstanceOf(NoSuchEntityException);
    });
  });
});
