/**
 * The product against Datadog's rate limit: a 429 is waited out for the `x-ratelimit-reset` seconds it names (or with
 * jittered exponential backoff when it names none), through the injectable wait, and retried; when the wait would pass
 * the bound, `DatadogRateLimitedError` (retryable by the state machine) names the limit and its reset, never a key.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { awsIntegrationApi } from '../../../shared/datadog/client';
import { datadogFailure } from '../../../shared/datadog/api-errors';
import { boundedFetch, MAX_RATE_LIMIT_RETRIES, MAX_RATE_LIMIT_WAIT_SECONDS } from '../../../shared/datadog/http';
import { DatadogRateLimitedError } from '../../../shared/errors';
import { realWait, setWaitImplementation, wait } from '../../../shared/wait';

const KEYS = { apiKey: 'rate-limited-test-api-key-secret', appKey: 'rate-limited-test-app-key-secret' };
const LIST = { data: [] };

type Answer = { status: number; headers?: Record<string, string> };

/** A server answering each request with the next scripted answer (then 200 with an empty list). */
async function scripted(answers: Answer[]): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server = createServer((_request: IncomingMessage, response: ServerResponse) => {
    const answer = answers[hits] ?? { status: 200 };
    hits += 1;
    const body = answer.status === 429 ? { errors: ['Too many requests'] } : LIST;
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const limited = (reset?: string): Answer => ({
  status: 429,
  headers: {
    'x-ratelimit-limit': '60',
    'x-ratelimit-period': '10',
    'x-ratelimit-remaining': '0',
    'x-ratelimit-name': 'aws_accounts_read',
    ...(reset === undefined ? {} : { 'x-ratelimit-reset': reset }),
  },
});

describe('Function: boundedFetch on 429', () => {
  const waits: number[] = [];
  const recordWait = (ms: number) => {
    waits.push(ms);
    return Promise.resolve();
  };
  beforeEach(() => waits.splice(0));

  it('waits the x-ratelimit-reset seconds (stretched by at most 20 %), then retries and returns the answer', async () => {
    // Prepare
    const server = await scripted([limited('7'), limited('3')]);
    const fetchWithLimit = boundedFetch(5, { wait: recordWait, random: () => 0.5 });

    // Act
    const response = await fetchWithLimit(`${server.url}/api/v2/integration/aws/accounts`).finally(() => server.close());

    // Assess
    expect(response.status).toBe(200);
    expect(server.hits()).toBe(3);
    expect(waits).toEqual([7_700, 3_300]);
  });

  it('backs off exponentially with jitter when the 429 names no reset', async () => {
    // Prepare
    const server = await scripted([limited(), limited(), limited()]);
    const fetchWithLimit = boundedFetch(5, { wait: recordWait, random: () => 0 });

    // Act
    const response = await fetchWithLimit(`${server.url}/x`).finally(() => server.close());

    // Assess: equal jitter at its least, half of 1, 2, 4 s.
    expect(response.status).toBe(200);
    expect(waits).toEqual([500, 1_000, 2_000]);
  });

  it('throws DatadogRateLimitedError, naming the limit and its reset, when the reset is beyond the bound', async () => {
    // Prepare
    const server = await scripted([limited('5'), limited('16')]);
    const fetchWithLimit = boundedFetch(5, { wait: recordWait, random: () => 0, maxWaitSeconds: 20 });

    // Act
    const failing = fetchWithLimit(`${server.url}/api/v2/integration/aws/accounts?aws_account_id=123456789012`, { method: 'get' });

    // Assess: 5 s waited; 16 more would pass 20.
    await expect(failing).rejects.toThrow(
      new DatadogRateLimitedError(
        'GET http://127.0.0.1:' +
          new URL(server.url).port +
          '/api/v2/integration/aws/accounts?aws_account_id=123456789012: rate limit "aws_accounts_read" (60 requests per 10 s) still exhausted after waiting 5 s in this invocation; it resets in 16 s',
      ),
    );
    await server.close();
    expect(waits).toEqual([5_000]);
  });

  it('shares the bound between the requests of one client (one invocation)', async () => {
    // Prepare
    const server = await scripted([limited('15'), { status: 200 }, limited('15')]);
    const fetchWithLimit = boundedFetch(5, { wait: recordWait, random: () => 0 });

    // Act
    const first = await fetchWithLimit(`${server.url}/a`);
    const second = fetchWithLimit(`${server.url}/b`);

    // Assess
    expect(first.status).toBe(200);
    await expect(second).rejects.toBeInstanceOf(DatadogRateLimitedError);
    await server.close();
    expect(waits).toEqual([15_000]);
    expect(MAX_RATE_LIMIT_WAIT_SECONDS).toBe(20);
  });

  it(`stops after ${MAX_RATE_LIMIT_RETRIES} retries of a 429 that says "retry now"`, async () => {
    // Prepare
    const server = await scripted(Array.from({ length: 50 }, () => limited('0')));
    const fetchWithLimit = boundedFetch(5, { wait: recordWait });

    // Act
    const failing = fetchWithLimit(`${server.url}/a`);

    // Assess
    await expect(failing).rejects.toThrow('still exhausted after waiting 0 s in this invocation; it resets in 0 s');
    await server.close();
    expect(server.hits()).toBe(MAX_RATE_LIMIT_RETRIES + 1);
  });
});

describe('Function: awsIntegrationApi on 429', () => {
  it('waits through the host’s wait (shared/wait.ts), never on a real timer of its own, and succeeds', async () => {
    // Prepare
    const server = await scripted([limited('9')]);
    const waited: number[] = [];
    const previous = setWaitImplementation((ms) => {
      waited.push(ms);
      return Promise.resolve();
    });
    const timers = jest.spyOn(global, 'setTimeout');
    const api = awsIntegrationApi({ site: 'datadoghq.com', keys: KEYS, apiUrl: server.url, timeoutSeconds: 5 });

    // Act
    const listed = await api.listAWSAccounts({}).finally(() => {
      setWaitImplementation(previous);
      timers.mockRestore();
    });

    // Assess
    await server.close();
    expect(listed.data).toEqual([]);
    expect(waited).toHaveLength(1);
    expect(waited[0]).toBeGreaterThanOrEqual(9_000);
    expect(waited[0]).toBeLessThan(10_800);
    expect(timers.mock.calls.filter(([, delay]) => (delay ?? 0) >= 1_000)).toEqual([]);
  });

  it('becomes DatadogRateLimitedError with the account and step, without a key, past the bound', async () => {
    // Prepare
    const server = await scripted([limited('60')]);
    const previous = setWaitImplementation(() => Promise.resolve());
    const api = awsIntegrationApi({ site: 'datadoghq.com', keys: KEYS, apiUrl: server.url, timeoutSeconds: 5 });

    // Act
    const error = await api
      .listAWSAccounts({})
      .then(
        () => undefined,
        (failure: unknown) => datadogFailure(failure, 'listAWSAccounts', { accountId: '444455556666', step: 'LookUpRegistration' }),
      )
      .finally(() => setWaitImplementation(previous));

    // Assess
    await server.close();
    expect(error).toBeInstanceOf(DatadogRateLimitedError);
    expect(error?.name).toBe('DatadogRateLimitedError');
    expect(error?.message).toMatch(
      /^account 444455556666, step LookUpRegistration: Datadog listAWSAccounts: GET .*: rate limit "aws_accounts_read" \(60 requests per 10 s\) still exhausted after waiting 0 s in this invocation; it resets in 60 s\. The state machine retries it later/,
    );
    expect(error?.message).not.toContain(KEYS.apiKey);
    expect(error?.message).not.toContain(KEYS.appKey);
  });
});

describe('Function: wait', () => {
  it('waits on a real timer by default, and on the installed wait once a host installs one', async () => {
    // Prepare
    const installed: number[] = [];

    // Act
    const previous = setWaitImplementation((ms) => {
      installed.push(ms);
      return Promise.resolve();
    });
    await wait(1_234);
    await wait(-5);
    const restored = setWaitImplementation(previous);

    // Assess
    expect(previous).toBe(realWait);
    expect(installed).toEqual([1_234, 0]);
    expect(restored).not.toBe(realWait);
  });
});
