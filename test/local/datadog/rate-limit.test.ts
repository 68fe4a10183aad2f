/**
 * The local Datadog's rate limits: per endpoint group, fixed windows on the clock it is given, Datadog's headers on
 * every answer, and 429 `{"errors": ["Too many requests"]}` beyond the limit, changing nothing.
 */
import type { LocalDatadogServer } from '../../../local/datadog/server';
import { serversPerTest } from './helpers';
import { DEFAULT_DATADOG_RATE_LIMIT, RateLimiter } from '../../../local/datadog/server';

const API_KEY = 'rate-limit-test-api-key';
const APP_KEY = 'rate-limit-test-app-key';
const BASE = '/api/v2/integration/aws';
// A window boundary: 10-s windows are aligned on the epoch.
const T0 = 1_800_000_000_000;

const start = serversPerTest({ apiKey: API_KEY, appKey: APP_KEY });

function call(server: LocalDatadogServer, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${server.url}${BASE}${path}`, {
    method,
    headers: { 'DD-API-KEY': API_KEY, 'DD-APPLICATION-KEY': APP_KEY, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function rateLimitHeaders(response: Response): Record<string, string | null> {
  return Object.fromEntries(
    ['limit', 'period', 'remaining', 'reset', 'name'].map((field) => [field, response.headers.get(`x-ratelimit-${field}`)]),
  );
}

const createBody = {
  data: {
    type: 'account',
    attributes: { aws_account_id: '123456789012', aws_partition: 'aws', auth_config: { role_name: 'DatadogIntegrationRole' } },
  },
};

describe('Function: startLocalDatadog rate limits', () => {
  it('sends the five x-ratelimit headers on every answer, counting down the window', async () => {
    // Prepare
    let now = T0 + 3_000;
    const server = await start({ now: () => now, rateLimit: { requests: 3, seconds: 10 } });

    // Act
    const first = await call(server, 'GET', '/accounts');
    now += 2_500;
    const second = await call(server, 'GET', '/accounts');

    // Assess
    expect(first.status).toBe(200);
    expect(rateLimitHeaders(first)).toEqual({ limit: '3', period: '10', remaining: '2', reset: '7', name: 'aws_accounts_read' });
    expect(rateLimitHeaders(second)).toEqual({ limit: '3', period: '10', remaining: '1', reset: '5', name: 'aws_accounts_read' });
  });

  it('answers 429 with Datadog’s body beyond the limit, changes nothing, and allows again in the next window', async () => {
    // Prepare
    let now = T0;
    const server = await start({ now: () => now, rateLimit: { requests: 1, seconds: 10 } });
    const external = await call(server, 'POST', '/generate_new_external_id');

    // Act
    const refused = await call(server, 'POST', '/accounts', createBody);
    const refusedBody = await refused.json();
    const heldWhileRefused = server.accounts().length;
    now += 10_000;
    const allowed = await call(server, 'POST', '/accounts', createBody);

    // Assess
    expect(external.status).toBe(200);
    expect(refused.status).toBe(429);
    expect(refusedBody).toEqual({ errors: ['Too many requests'] });
    expect(rateLimitHeaders(refused)).toEqual({ limit: '1', period: '10', remaining: '0', reset: '10', name: 'aws_accounts_write' });
    expect(heldWhileRefused).toBe(0);
    expect(allowed.status).toBe(200);
    expect(server.accounts()).toHaveLength(1);
    expect(server.requests().map((request) => request.status)).toEqual([200, 429, 200]);
  });

  it('keeps a window per endpoint group: the permission list is not throttled by the account endpoints', async () => {
    // Prepare
    const server = await start({ now: () => T0, rateLimit: { requests: 1, seconds: 60 } });
    await call(server, 'GET', '/accounts');

    // Act
    const reads = await call(server, 'GET', '/accounts');
    const permissions = await fetch(`${server.url}${BASE}/iam_permissions/standard`);
    const writes = await call(server, 'POST', '/generate_new_external_id');

    // Assess
    expect(reads.status).toBe(429);
    expect(permissions.status).toBe(200);
    expect(permissions.headers.get('x-ratelimit-name')).toBe('aws_iam_permissions');
    expect(writes.status).toBe(200);
  });

  it('defaults to 60 requests per 10 s per group', async () => {
    // Prepare
    const server = await start({ now: () => T0 });

    // Act
    const statuses: number[] = [];
    for (let index = 0; index < 61; index += 1) statuses.push((await call(server, 'GET', '/accounts')).status);

    // Assess
    expect(DEFAULT_DATADOG_RATE_LIMIT).toEqual({ requests: 60, seconds: 10 });
    expect(statuses.filter((status) => status === 200)).toHaveLength(60);
    expect(statuses[60]).toBe(429);
  });

  it.each([
    [{ requests: 0, seconds: 10 }, 'rate limit: requests must be a whole number from 1, got 0'],
    [{ requests: 5, seconds: 1.5 }, 'rate limit: seconds must be a whole number from 1, got 1.5'],
  ])('refuses the bad limit %j', async (rateLimit, message) => {
    // Act
    const starting = start({ rateLimit });

    // Assess
    await expect(starting).rejects.toThrow(message);
  });
});

describe('Class: RateLimiter', () => {
  it('counts a reset of at least 1 s, and does not count refused requests against the window', () => {
    // Prepare
    let now = T0 + 9_999;
    const limiter = new RateLimiter(() => now, { requests: 1, seconds: 10 });

    // Act
    const allowed = limiter.take('aws_accounts_write');
    const refused = limiter.take('aws_accounts_write');
    now = T0 + 10_000;
    const next = limiter.take('aws_accounts_write');

    // Assess
    expect(allowed.allowed).toBe(true);
    expect(refused).toEqual({
      allowed: false,
      headers: expect.objectContaining({ 'x-ratelimit-reset': '1', 'x-ratelimit-remaining': '0' }),
    });
    expect(next.allowed).toBe(true);
    expect(next.headers['x-ratelimit-remaining']).toBe('0');
  });
});
