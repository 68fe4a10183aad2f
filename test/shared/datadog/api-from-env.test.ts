/**
 * The Datadog client a function builds from its environment: each request bounded by `DATADOG_TIMEOUT_SECONDS` when
 * set (a local run's), else by the bound the caller asks for (PlanReconciliation's fleet-wide list), else 10 s.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { datadogApiFor } from '../../../shared/datadog/api-from-env';
import { datadogFailure } from '../../../shared/datadog/api-errors';

const secrets = mockClient(SecretsManagerClient);
const KEYS = { apiKey: 'api-from-env-test-api-key', appKey: 'api-from-env-test-app-key' };

describe('Function: datadogApiFor', () => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => sockets.add(socket.on('data', () => undefined)));
  let url: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    secrets.reset();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(KEYS) });
    process.env.DATADOG_KEYS_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:datadog-keys-AbCdEf';
    process.env.DATADOG_API_URL = url;
    delete process.env.DATADOG_TIMEOUT_SECONDS;
  });

  afterAll(async () => {
    process.env = saved;
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  /** The reason a request to the endpoint that never answers fails with. */
  async function failureOf(options?: { timeoutSeconds?: number }): Promise<string> {
    const api = await datadogApiFor('datadoghq.com', { step: 'PlanReconciliation' }, options);
    const error = await api.listAWSAccounts().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    return datadogFailure(error, 'listAWSAccounts', { step: 'PlanReconciliation' }).message;
  }

  it("bounds each request by the caller's time-out", async () => {
    expect(await failureOf({ timeoutSeconds: 0.2 })).toContain('timed out (no answer within 0.2 s)');
  });

  it("bounds each request by DATADOG_TIMEOUT_SECONDS when set, over the caller's", async () => {
    process.env.DATADOG_TIMEOUT_SECONDS = '0.1';
    expect(await failureOf({ timeoutSeconds: 120 })).toContain('timed out (no answer within 0.1 s)');
  });
});
