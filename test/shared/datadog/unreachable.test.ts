/**
 * A Datadog endpoint that never answers, or refuses connections: each request is bounded in time, and the failure is a
 * transient one naming the URL and the cause, with no stack trace printed by the client.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { datadogFailure as DatadogFailure } from '../../../shared/datadog/api-errors';
import type { awsIntegrationApi as AwsIntegrationApi } from '../../../shared/datadog/client';

const KEYS = { apiKey: 'unreachable-test-api-key', appKey: 'unreachable-test-app-key' };

/** A TCP server that accepts connections and never answers. */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on: one a server just released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('Function: awsIntegrationApi against an unreachable Datadog', () => {
  let awsIntegrationApi: typeof AwsIntegrationApi;
  let datadogFailure: typeof DatadogFailure;
  let printed: jest.SpyInstance;

  beforeEach(() => {
    // The client's logger binds the console when it loads: load it afresh, with the console watched.
    printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    jest.isolateModules(() => {
      ({ awsIntegrationApi } = jest.requireActual<typeof import('../../../shared/datadog/client')>('../../../shared/datadog/client'));
      ({ datadogFailure } = jest.requireActual<typeof import('../../../shared/datadog/api-errors')>('../../../shared/datadog/api-errors'));
    });
  });

  afterEach(() => printed.mockRestore());

  it('gives up on an endpoint that accepts and never answers, naming the URL and the time-out', async () => {
    // Prepare
    const silent = await silentServer();
    const api = awsIntegrationApi({ site: 'datadoghq.com', keys: KEYS, apiUrl: silent.url, timeoutSeconds: 0.3 });

    // Act
    const started = Date.now();
    const error = await api.listAWSAccounts({ awsAccountId: '444455556666' }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    const elapsedMs = Date.now() - started;
    await silent.close();

    // Assess
    expect(elapsedMs).toBeLessThan(5_000);
    const classified = datadogFailure(error, 'listAWSAccounts', { accountId: '444455556666', step: 'LookUpRegistration' });
    expect(classified.name).toBe('TransientError');
    expect(classified.message).toContain(
      `GET ${silent.url}/api/v2/integration/aws/accounts?aws_account_id=444455556666: timed out (no answer within 0.3 s)`,
    );
    expect(classified.message).not.toContain(KEYS.apiKey);
    expect(printed).not.toHaveBeenCalled();
  });

  it('names the refused connection (ECONNREFUSED) as a transient failure', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const api = awsIntegrationApi({ site: 'datadoghq.com', keys: KEYS, apiUrl: url, timeoutSeconds: 5 });

    const error = await api.createNewAWSExternalID().then(
      () => undefined,
      (failure: unknown) => failure,
    );

    const classified = datadogFailure(error, 'createNewAWSExternalID', { accountId: '444455556666', step: 'LookUpRegistration' });
    expect(classified.name).toBe('TransientError');
    expect(classified.message).toMatch(
      new RegExp(
        `^account 444455556666, step LookUpRegistration: Datadog createNewAWSExternalID got no answer: POST ${url}/api/v2/integration/aws/generate_new_external_id: connection failed \\(ECONNREFUSED\\)`,
      ),
    );
    expect(printed).not.toHaveBeenCalled();
  });

  it("says an answer that is not the API's JSON is one the client could not read, with the remedy", async () => {
    // Prepare: an endpoint that answers 200 with text (a proxy's page, another service).
    const server = createHttpServer((_request, response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end('not json'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const api = awsIntegrationApi({ site: 'datadoghq.com', keys: KEYS, apiUrl: url, timeoutSeconds: 5 });

    // Act
    const error = await api.listAWSAccounts({ awsAccountId: '444455556666' }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    await new Promise((resolve) => server.close(resolve));

    // Assess
    const classified = datadogFailure(error, 'listAWSAccounts', { accountId: '444455556666', step: 'LookUpRegistration' });
    expect(classified.name).toBe('OnboardingError');
    expect(classified.message).toMatch(
      /^account 444455556666, step LookUpRegistration: Datadog listAWSAccounts failed without an HTTP status \(the client could not send the request or read the answer\): .+\. Check that DatadogSite/,
    );
  });
});
