import { GetCallerIdentityCommand, STSClient, STSServiceException, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { AwsSandbox, SandboxSetupError } from '../../../local/sandbox';
import { DATADOG, DATADOG_SESSION, EXTERNAL_ID, LAMBDA, MANAGEMENT, MEMBER, assume, clients, trustPolicy, sandboxPerTest } from './helpers';

const ROLE = `arn:aws:iam::${MEMBER}:role/DatadogIntegrationRole`;

async function assumeError(fn: () => Promise<unknown>): Promise<STSServiceException> {
  try {
    await fn();
  } catch (error) {
    return error as STSServiceException;
  }
  throw new Error('expected a failure');
}

describe('Class: AwsSandbox', () => {
  let sandbox: AwsSandbox;

  sandboxPerTest((installed) => (sandbox = installed), {
    prepare: (fresh) =>
      fresh.putRole(MEMBER, 'DatadogIntegrationRole', { trustPolicy: trustPolicy(`arn:aws:iam::${DATADOG}:root`, EXTERNAL_ID) }),
  });

  describe('STS AssumeRole', () => {
    it('lets the trusted principal assume the role with the right external id', async () => {
      // Act
      const credentials = await sandbox.asPrincipal(DATADOG_SESSION, () => assume(ROLE, { externalId: EXTERNAL_ID }));
      const identity = await clients(credentials).sts.send(new GetCallerIdentityCommand({}));

      // Assess
      expect(credentials.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
      expect(credentials.secretAccessKey).toHaveLength(40);
      expect(identity).toMatchObject({
        Account: MEMBER,
        Arn: `arn:aws:sts::${MEMBER}:assumed-role/DatadogIntegrationRole/test`,
        UserId: expect.stringMatching(/^AROA[A-Z2-7]{17}:test$/),
      });
    });

    it('refuses a wrong external id with STS AccessDenied and its message', async () => {
      // Act
      const error = await assumeError(() => sandbox.asPrincipal(DATADOG_SESSION, () => assume(ROLE, { externalId: 'wrong-external-id' })));

      // Assess
      expect(error).toBeInstanceOf(STSServiceException);
      expect(error).toMatchObject({ name: 'AccessDenied', $fault: 'client', Code: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      expect(error.message).toBe(`User: ${DATADOG_SESSION} is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`);
    });

    it('refuses a missing external id', async () => {
      // Act
      const error = await assumeError(() => sandbox.asPrincipal(DATADOG_SESSION, () => assume(ROLE)));

      // Assess
      expect(error.name).toBe('AccessDenied');
    });

    it('refuses a principal the trust policy does not name', async () => {
      // Act
      const error = await assumeError(() =>
        sandbox.asPrincipal('arn:aws:sts::999999999999:assumed-role/Other/x', () => assume(ROLE, { externalId: EXTERNAL_ID })),
      );

      // Assess
      expect(error.name).toBe('AccessDenied');
    });

    it('refuses a caller of another partition, even one whose account the trust policy names', async () => {
      // Prepare
      const govSession = `arn:aws-us-gov:sts::${DATADOG}:assumed-role/DatadogAWSIntegrationRole/datadog`;

      // Act
      const error = await assumeError(() =>
        sandbox.asPrincipal(govSession, () => assume(ROLE, { externalId: EXTERNAL_ID, region: 'us-gov-west-1' })),
      );

      // Assess
      expect(error.name).toBe('AccessDenied');
    });

    it('refuses a role that does not exist, with the same AccessDenied', async () => {
      // Act
      const error = await assumeError(() => sandbox.asPrincipal(LAMBDA, () => assume(`arn:aws:iam::${MEMBER}:role/Missing`)));

      // Assess
      expect(error.message).toBe(
        `User: ${LAMBDA} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${MEMBER}:role/Missing`,
      );
    });

    it('checks the caller identity policies for cross-account access when the caller is a sandbox session', async () => {
      // Prepare: a session of OrganizationAccountAccessRole (AdministratorAccess) in the member can assume the
      // management's role; one of a role with no policies cannot.
      sandbox.putRole(MANAGEMENT, 'Target', { trustPolicy: trustPolicy(`arn:aws:iam::${MEMBER}:root`) });
      sandbox.putRole(MEMBER, 'NoPermissions', { trustPolicy: trustPolicy(`arn:aws:iam::${MANAGEMENT}:root`) });
      const admin = await sandbox.asPrincipal(LAMBDA, () => assume(`arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`));
      const bare = await sandbox.asPrincipal(LAMBDA, () => assume(`arn:aws:iam::${MEMBER}:role/NoPermissions`));
      const target = new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${MANAGEMENT}:role/Target`, RoleSessionName: 'chained' });

      // Act
      const allowed = await clients(admin).sts.send(target);
      const error = await assumeError(() => clients(bare).sts.send(target));

      // Assess
      expect(allowed.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${MANAGEMENT}:assumed-role/Target/chained`);
      expect(error.name).toBe('AccessDenied');
    });

    it.each([
      [899, /greater than or equal to 900/],
      [43201, /less than or equal to 43200/],
      [7200, /exceeds the MaxSessionDuration set for this role/],
    ])('refuses DurationSeconds %i with ValidationError', async (duration, message) => {
      // Prepare
      const sts = new STSClient({ region: 'us-east-1' });

      // Act
      const error = await assumeError(() =>
        sandbox.asPrincipal(`arn:aws:iam::${MANAGEMENT}:root`, () =>
          sts.send(
            new AssumeRoleCommand({
              RoleArn: `arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`,
              RoleSessionName: 's1',
              DurationSeconds: duration,
            }),
          ),
        ),
      );

      // Assess
      expect(error).toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
      expect(error.message).toMatch(message);
    });

    it('limits role chaining to one hour', async () => {
      // Prepare
      sandbox.putRole(MEMBER, 'Long', { trustPolicy: trustPolicy(`arn:aws:iam::${MANAGEMENT}:root`), maxSessionDurationSeconds: 43200 });
      const sts = new STSClient({ region: 'us-east-1' });
      const command = new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${MEMBER}:role/Long`, RoleSessionName: 's1', DurationSeconds: 7200 });

      // Act
      const chained = await assumeError(() => sandbox.asPrincipal(LAMBDA, () => sts.send(command)));
      const fromRoot = await sandbox.asPrincipal(`arn:aws:iam::${MANAGEMENT}:root`, () => sts.send(command));

      // Assess
      expect(chained.message).toBe('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
      expect(fromRoot.Credentials?.Expiration?.getTime()).toBe(sandbox.clock.now() + 7200 * 1000);
    });

    it('expires sessions on the virtual clock', async () => {
      // Prepare
      const credentials = await sandbox.asPrincipal(LAMBDA, () => assume(`arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`));
      sandbox.clock.advance(3600);

      // Act
      const error = await assumeError(() => clients(credentials).sts.send(new GetCallerIdentityCommand({})));

      // Assess
      expect(error).toMatchObject({ name: 'ExpiredToken' });
    });

    it('fails loudly when a call has no identity', async () => {
      // Act
      const error = await new STSClient({ region: 'us-east-1' }).send(new GetCallerIdentityCommand({})).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(SandboxSetupError);
    });
  });
});
