import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AwsSandbox, SandboxSetupError, VirtualClock } from '../../../local/sandbox';
import { LAMBDA, MANAGEMENT, START_MS, aSandbox } from './helpers';

describe('Class: AwsSandbox', () => {
  let sandbox: AwsSandbox;
  const sts = new STSClient({ region: 'us-east-1' });
  const whoAmI = () => sts.send(new GetCallerIdentityCommand({}));

  afterEach(() => sandbox.restore());

  describe('asPrincipal()', () => {
    beforeEach(() => {
      sandbox = aSandbox();
      sandbox.install();
    });

    it('identifies calls with ambient credentials as the given principal', async () => {
      // Act
      const identity = await sandbox.asPrincipal(LAMBDA, whoAmI);

      // Assess
      expect(identity).toMatchObject({ Account: MANAGEMENT, Arn: LAMBDA, UserId: expect.stringMatching(/^AROA[A-Z2-7]{17}:onboard$/) });
    });

    it('treats a role ARN as a session of that role', async () => {
      // Act
      const identity = await sandbox.asPrincipal(`arn:aws:iam::${MANAGEMENT}:role/service-role/Fn`, whoAmI);

      // Assess
      expect(identity.Arn).toBe(`arn:aws:sts::${MANAGEMENT}:assumed-role/Fn/AwsSandbox`);
    });

    it('runs concurrent asPrincipal calls side by side, each with its own principal, and a nested one with the inner principal', async () => {
      // Prepare: a waits for b to have run (as an invocation parked on a 429 waits for others): queued calls would never end.
      const events: string[] = [];
      let bDone!: () => void;
      const bHasRun = new Promise<void>((resolve) => (bDone = resolve));
      const run = (name: string, arn: string) =>
        sandbox.asPrincipal(arn, async () => {
          events.push(`${name} start`);
          const outer = await whoAmI();
          if (name === 'a') await bHasRun;
          const inner = name === 'a' ? await sandbox.asPrincipal(`arn:aws:iam::${MANAGEMENT}:root`, whoAmI) : undefined;
          const again = await whoAmI();
          events.push(`${name} end`);
          if (name === 'b') bDone();
          return [outer.Arn, inner?.Arn, again.Arn];
        });

      // Act
      const [a, b] = await Promise.all([run('a', LAMBDA), run('b', `arn:aws:sts::${MANAGEMENT}:assumed-role/Other/x`)]);

      // Assess
      expect(events).toEqual(['a start', 'b start', 'b end', 'a end']);
      expect(a).toEqual([LAMBDA, `arn:aws:iam::${MANAGEMENT}:root`, LAMBDA]);
      expect(b).toEqual([`arn:aws:sts::${MANAGEMENT}:assumed-role/Other/x`, undefined, `arn:aws:sts::${MANAGEMENT}:assumed-role/Other/x`]);
    });

    it('keeps running later calls after one fails', async () => {
      // Act
      const failed = await sandbox.asPrincipal(LAMBDA, () => Promise.reject(new Error('boom'))).catch((e: Error) => e.message);
      const next = await sandbox.asPrincipal(LAMBDA, whoAmI);

      // Assess
      expect(failed).toBe('boom');
      expect(next.Arn).toBe(LAMBDA);
    });

    it('refuses a principal ARN it cannot interpret', () => {
      // Act
      const start = () => sandbox.asPrincipal('arn:aws:s3:::bucket', whoAmI);

      // Assess
      expect(start).toThrow(SandboxSetupError);
    });
  });

  describe('defaultPrincipalArn', () => {
    it('identifies calls made outside asPrincipal', async () => {
      // Prepare
      sandbox = new AwsSandbox({ managementAccountId: MANAGEMENT, clock: new VirtualClock(START_MS), defaultPrincipalArn: LAMBDA });
      sandbox.install();

      // Act
      const identity = await whoAmI();

      // Assess
      expect(identity.Arn).toBe(LAMBDA);
    });
  });

  describe('install() / restore()', () => {
    it('provides ambient credentials while installed and puts the environment back', () => {
      // Prepare
      const before = { key: process.env.AWS_ACCESS_KEY_ID, profile: process.env.AWS_PROFILE };
      process.env.AWS_PROFILE = 'someone';
      sandbox = aSandbox();

      // Act
      sandbox.install();
      const during = { key: process.env.AWS_ACCESS_KEY_ID, profile: process.env.AWS_PROFILE };
      sandbox.restore();
      const after = { profile: process.env.AWS_PROFILE };
      if (before.profile === undefined) delete process.env.AWS_PROFILE;
      else process.env.AWS_PROFILE = before.profile;

      // Assess
      expect(during).toEqual({ key: before.key ?? 'AKIAIOSFODNN7EXAMPLE', profile: undefined });
      expect(after.profile).toBe('someone');
    });
  });
});
