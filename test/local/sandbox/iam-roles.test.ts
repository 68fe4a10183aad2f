import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DetachRolePolicyCommand,
  EntityAlreadyExistsException,
  GetRoleCommand,
  IAMClient,
  IAMServiceException,
  LimitExceededException,
  ListAttachedRolePoliciesCommand,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  TagRoleCommand,
} from '@aws-sdk/client-iam';
import { SandboxSetupError } from '../../../local/sandbox';
import { parseIamDocument } from '../../../shared/iam/policy-document';
import { DATADOG, LAMBDA, MANAGEMENT, MEMBER, allow, assume, clients, trustPolicy, memberIamPerTest } from './helpers';

const ROLE_NAME = 'DatadogIntegrationRole';
const DATADOG_TRUST = trustPolicy(`arn:aws:iam::${DATADOG}:root`, 'abcdef0123456789');

describe('Class: AwsSandbox', () => {
  const env = memberIamPerTest();

  const createRole = (document: object | string = DATADOG_TRUST, tags = [{ Key: 'managed-by', Value: 'test' }]) =>
    env.iam.send(
      new CreateRoleCommand({
        RoleName: ROLE_NAME,
        AssumeRolePolicyDocument: typeof document === 'string' ? document : JSON.stringify(document),
        Tags: tags,
      }),
    );

  describe('IAM roles', () => {
    it('refuses a permissions boundary, which it does not model, with SandboxSetupError', async () => {
      // Act
      const refused = await env.iam
        .send(
          new CreateRoleCommand({
            RoleName: ROLE_NAME,
            AssumeRolePolicyDocument: JSON.stringify(DATADOG_TRUST),
            PermissionsBoundary: `arn:aws:iam::${MEMBER}:policy/Boundary`,
          }),
        )
        .catch((error: unknown) => error);

      // Assess
      expect(refused).toBeInstanceOf(SandboxSetupError);
    });

    it('creates a role in the caller account and returns it like GetRole: tags, URL-encoded trust policy', async () => {
      // Act
      const created = await createRole();
      const { Role } = await env.iam.send(new GetRoleCommand({ RoleName: ROLE_NAME }));

      // Assess
      expect(created.Role?.Arn).toBe(`arn:aws:iam::${MEMBER}:role/${ROLE_NAME}`);
      expect(Role).toMatchObject({
        RoleName: ROLE_NAME,
        RoleId: expect.stringMatching(/^AROA[A-Z2-7]{17}$/),
        Path: '/',
        MaxSessionDuration: 3600,
        Tags: [{ Key: 'managed-by', Value: 'test' }],
        CreateDate: new Date(env.sandbox.clock.now()),
      });
      expect(Role?.AssumeRolePolicyDocument).toBe(encodeURIComponent(JSON.stringify(DATADOG_TRUST)));
      expect(parseIamDocument(Role!.AssumeRolePolicyDocument!)).toEqual(DATADOG_TRUST);
    });

    it('answers NoSuchEntityException for a missing role', async () => {
      // Act
      const error = await env.iam.send(new GetRoleCommand({ RoleName: 'Missing' })).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(NoSuchEntityException);
      expect(error).toMatchObject({
        name: 'NoSuchEntityException',
        Code: 'NoSuchEntity',
        message: 'The role with name Missing cannot be found.',
        $metadata: { httpStatusCode: 404 },
      });
    });

    it('refuses a duplicate role, whatever its case', async () => {
      // Prepare
      await createRole();

      // Act
      const error = await env.iam
        .send(new CreateRoleCommand({ RoleName: ROLE_NAME.toUpperCase(), AssumeRolePolicyDocument: JSON.stringify(DATADOG_TRUST) }))
        .catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(EntityAlreadyExistsException);
    });

    it.each([
      ['invalid JSON', '{"Version":', 'This policy contains invalid Json'],
      ['an identity policy as trust policy', JSON.stringify(allow('sts:AssumeRole')), 'Has prohibited field Resource'],
      [
        'a role of a sandbox account that does not exist',
        JSON.stringify(trustPolicy(`arn:aws:iam::${MANAGEMENT}:role/Nope`)),
        `Invalid principal in policy: "AWS":"arn:aws:iam::${MANAGEMENT}:role/Nope"`,
      ],
    ])('refuses %s with MalformedPolicyDocumentException', async (_case, document, message) => {
      // Act
      const error = await createRole(document).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(MalformedPolicyDocumentException);
      expect((error as Error).message).toBe(message);
    });

    it('refuses a trust policy over 2,048 characters (white space not counted) with LimitExceeded', async () => {
      // Prepare
      const principals = Array.from({ length: 60 }, (_, i) => `arn:aws:iam::${String(100000000000 + i)}:root`);
      const large = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principals }, Action: 'sts:AssumeRole' }] };

      // Act
      const error = await createRole(large).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(LimitExceededException);
      expect(error).toMatchObject({ message: 'Cannot exceed quota for ACLSizePerRole: 2048', $metadata: { httpStatusCode: 409 } });
    });

    it('tags a role, keeping its other tags', async () => {
      // Prepare
      await createRole();

      // Act
      await env.iam.send(new TagRoleCommand({ RoleName: ROLE_NAME, Tags: [{ Key: 'team', Value: 'platform' }] }));
      const { Role } = await env.iam.send(new GetRoleCommand({ RoleName: ROLE_NAME }));

      // Assess
      expect(Role?.Tags).toEqual([
        { Key: 'managed-by', Value: 'test' },
        { Key: 'team', Value: 'platform' },
      ]);
    });

    it('attaches managed policies, at most ten, and only existing ones', async () => {
      // Prepare
      await createRole();
      const arns = Array.from({ length: 10 }, (_, i) => env.sandbox.putPolicy(MEMBER, `P${i}`, allow('s3:ListBucket')));
      for (const arn of arns) await env.iam.send(new AttachRolePolicyCommand({ RoleName: ROLE_NAME, PolicyArn: arn }));

      // Act
      const again = await env.iam.send(new AttachRolePolicyCommand({ RoleName: ROLE_NAME, PolicyArn: arns[0] }));
      const eleventh = await env.iam
        .send(new AttachRolePolicyCommand({ RoleName: ROLE_NAME, PolicyArn: 'arn:aws:iam::aws:policy/SecurityAudit' }))
        .catch((e: unknown) => e);
      const missing = await env.iam
        .send(new AttachRolePolicyCommand({ RoleName: ROLE_NAME, PolicyArn: `arn:aws:iam::${MEMBER}:policy/Missing` }))
        .catch((e: unknown) => e);
      const { AttachedPolicies } = await env.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: ROLE_NAME, MaxItems: 3 }));

      // Assess
      expect(again.$metadata.httpStatusCode).toBe(200);
      expect(eleventh).toBeInstanceOf(LimitExceededException);
      expect((eleventh as Error).message).toBe('Cannot exceed quota for PoliciesPerRole: 10');
      expect(missing).toBeInstanceOf(NoSuchEntityException);
      expect(AttachedPolicies).toEqual([
        { PolicyName: 'P0', PolicyArn: arns[0] },
        { PolicyName: 'P1', PolicyArn: arns[1] },
        { PolicyName: 'P2', PolicyArn: arns[2] },
      ]);
    });

    it('detaches an attached policy, and answers NoSuchEntity for one not attached', async () => {
      // Prepare
      await createRole();
      await env.iam.send(new AttachRolePolicyCommand({ RoleName: ROLE_NAME, PolicyArn: 'arn:aws:iam::aws:policy/SecurityAudit' }));

      // Act
      await env.iam.send(new DetachRolePolicyCommand({ RoleName: ROLE_NAME, PolicyArn: 'arn:aws:iam::aws:policy/SecurityAudit' }));
      const again = await env.iam
        .send(new DetachRolePolicyCommand({ RoleName: ROLE_NAME, PolicyArn: 'arn:aws:iam::aws:policy/SecurityAudit' }))
        .catch((e: unknown) => e);
      const { AttachedPolicies } = await env.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: ROLE_NAME }));

      // Assess
      expect(again).toBeInstanceOf(NoSuchEntityException);
      expect(AttachedPolicies).toEqual([]);
    });

    it('authorises every IAM call against the caller policies: AccessDenied with IAM wording', async () => {
      // Prepare: a read-only session in the member account.
      env.sandbox.putRole(MEMBER, 'Auditor', {
        trustPolicy: trustPolicy(`arn:aws:iam::${MANAGEMENT}:root`),
        attachedPolicyArns: ['arn:aws:iam::aws:policy/SecurityAudit'],
      });
      const auditor = clients(await env.sandbox.asPrincipal(LAMBDA, () => assume(`arn:aws:iam::${MEMBER}:role/Auditor`))).iam;

      // Act
      const read = await auditor.send(new GetRoleCommand({ RoleName: 'OrganizationAccountAccessRole' }));
      const write = await auditor
        .send(new CreateRoleCommand({ RoleName: 'X', AssumeRolePolicyDocument: JSON.stringify(DATADOG_TRUST) }))
        .catch((e: unknown) => e);

      // Assess
      expect(read.Role?.RoleName).toBe('OrganizationAccountAccessRole');
      expect(write).toBeInstanceOf(IAMServiceException);
      expect(write).toMatchObject({ name: 'AccessDenied', Code: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } });
      expect((write as Error).message).toBe(
        `User: arn:aws:sts::${MEMBER}:assumed-role/Auditor/test is not authorized to perform: iam:CreateRole on resource: ` +
          `arn:aws:iam::${MEMBER}:role/X because no identity-based policy allows the iam:CreateRole action`,
      );
    });

    it('evaluates the policies of an asPrincipal identity that is a sandbox role, and allows one that is not', async () => {
      // Prepare
      env.sandbox.putRole(MANAGEMENT, 'Restricted', { trustPolicy: trustPolicy(`arn:aws:iam::${MANAGEMENT}:root`) });
      const iamAsCaller = new IAMClient({ region: 'us-east-1' });
      const getRole = () =>
        iamAsCaller.send(new GetRoleCommand({ RoleName: 'Restricted' })).then(
          () => 'allowed',
          (e: Error) => e.name,
        );

      // Act
      const restricted = await env.sandbox.asPrincipal(`arn:aws:sts::${MANAGEMENT}:assumed-role/Restricted/fn`, getRole);
      const outsider = await env.sandbox.asPrincipal(LAMBDA, getRole);

      // Assess
      expect(restricted).toBe('AccessDenied');
      expect(outsider).toBe('allowed');
    });
  });
});
