/**
 * The local functions run as Lambda runs them, each in its own environment: an invocation still running after its
 * Task timed out never sees the retry's environment, nor the retry its own, and a Datadog endpoint that never answers
 * ends in a transient failure naming the URL, not in another function's variables.
 */
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { deployLocally } from '../../local/deployment';
import { localNames, newSandboxFor, runLocally } from '../../local/run';
import { sampleEvent } from '../helpers';

describe('Class: LocalFunctions', () => {
  it('keeps each invocation in its own environment, however the invocations overlap', async () => {
    // Prepare: the first invocation is still running (its Task timed out) when the second starts.
    const input = sampleEvent('console-replay.json');
    const sandbox = newSandboxFor(input);
    const deployment = await deployLocally({ sandbox, names: localNames(input, sandbox) });
    sandbox.install();
    let finishLate: () => void = () => undefined;
    const lateMayFinish = new Promise<void>((resolve) => (finishLate = resolve));
    const seen = (read: () => Promise<void> | void) => async () => {
      await read();
      return { name: process.env.AWS_LAMBDA_FUNCTION_NAME, keysSecret: process.env.DATADOG_KEYS_SECRET_ARN };
    };

    try {
      // Act
      const late = deployment.functions.within(
        'LookUpRegistrationFunction',
        seen(() => lateMayFinish),
      );
      const retry = deployment.functions.within(
        'ResolveTargetFunction',
        seen(() => undefined),
      );
      setImmediate(finishLate);
      const [lateSaw, retrySaw] = await Promise.all([late, retry]);

      // Assess
      expect(lateSaw).toEqual({
        name: 'datadog-onboarding-local-LookUpRegistrationFunction',
        keysSecret: expect.stringMatching(/^arn:aws:secretsmanager:/),
      });
      expect(retrySaw).toEqual({ name: 'datadog-onboarding-local-ResolveTargetFunction', keysSecret: undefined });
      expect(process.env.AWS_LAMBDA_FUNCTION_NAME).toBeUndefined();
    } finally {
      sandbox.restore();
      await deployment.close();
    }
  });
});

describe('Function: runLocally with a Datadog endpoint that never answers', () => {
  it('fails as a transient failure naming the URL and the time-out, after the retries', async () => {
    // Prepare
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket.on('data', () => undefined)));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;

    try {
      // Act
      const summary = await runLocally({
        input: sampleEvent('console-replay.json'),
        datadogUrl: url,
        datadogKeys: { apiKey: 'silent-endpoint-api-key', appKey: 'silent-endpoint-app-key' },
        datadogTimeoutSeconds: 0.1,
      });

      // Assess
      expect(summary.outcome).toBe('failed');
      expect(summary.reason).toMatch(
        new RegExp(
          `^TransientError: account 444455556666, step LookUpRegistration: Datadog listAWSAccounts got no answer: GET ${url}/api/v2/integration/aws/accounts\\?aws_account_id=444455556666: timed out \\(no answer within 0.1 s\\)`,
        ),
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
