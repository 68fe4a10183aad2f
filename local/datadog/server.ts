/** A stand-in for the Datadog AWS integration API (v2) and v1 events: bodies checked against the client's models, rules, rate limits. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { DATADOG_SITES, type DatadogSite } from '../../shared/datadog-sites';
import { RESOURCE_COLLECTION_PERMISSIONS_SNAPSHOT, STANDARD_PERMISSIONS_SNAPSHOT } from '../../shared/datadog/permissions';
import { AccountStore, DATADOG_ERRORS, DatadogHttpError, JSON_API, invalidParameter, isConfigId, jsonApiError } from './store';
import type { CreateAttributes, DatadogAccountRecord, UpdateAttributes } from './store';
import { checkRequestBody, type RequestModel } from './validation';

export type { DatadogAccountRecord } from './store';

/**
 * Datadog's rate limits: `requests` per fixed window of `seconds` per endpoint group, 429 beyond, and the `X-RateLimit-Limit`,
 * `-Period` (s), `-Remaining`, `-Reset` (s) and `-Name` headers on every answer (docs.datadoghq.com/api/latest/rate-limits).
 */
export interface RateLimit {
  requests: number;
  seconds: number;
}

/** The group (`x-ratelimit-name`) of each served operation, by OpenAPI `operationId`. */
export const RATE_LIMIT_GROUP_OF = {
  ListAWSAccounts: 'aws_accounts_read',
  CreateAWSAccount: 'aws_accounts_write',
  UpdateAWSAccount: 'aws_accounts_write',
  DeleteAWSAccount: 'aws_accounts_write',
  CreateNewAWSExternalID: 'aws_accounts_write',
  GetAWSIntegrationIAMPermissionsStandard: 'aws_iam_permissions',
  GetAWSIntegrationIAMPermissionsResourceCollection: 'aws_iam_permissions',
  CreateEvent: 'events',
} as const;

/** A group of endpoints that share a limit. */
export type RateLimitGroup = (typeof RATE_LIMIT_GROUP_OF)[keyof typeof RATE_LIMIT_GROUP_OF];

/**
 * Default limit of every group: 60 per 10 s. Datadog publishes none for these endpoints, only 12,000 per minute per IP
 * (DataDog/documentation PR 10660); this is far tighter, so a fleet run meets it while one onboarding never does.
 */
export const DEFAULT_DATADOG_RATE_LIMIT: RateLimit = Object.freeze({ requests: 60, seconds: 10 });

/** Fixed windows per group, aligned on the epoch, on the caller's clock; requests refused with 429 do not count. */
export class RateLimiter {
  private readonly windows = new Map<RateLimitGroup, { start: number; used: number }>();

  /** @throws TypeError naming the field of a limit that is not whole numbers from 1. `now` gives epoch milliseconds. */
  constructor(
    private readonly now: () => number,
    private readonly limit: RateLimit = DEFAULT_DATADOG_RATE_LIMIT,
  ) {
    for (const field of ['requests', 'seconds'] as const) {
      const value: unknown = limit[field];
      if (!Number.isInteger(value) || (value as number) < 1) {
        throw new TypeError(`rate limit: ${field} must be a whole number from 1, got ${String(value)}`);
      }
    }
  }

  /** Counts one request of `group`; whether it is allowed, with the `x-ratelimit-*` headers. */
  take(group: RateLimitGroup): { allowed: boolean; headers: Record<string, string> } {
    const { requests, seconds } = this.limit;
    const periodMs = seconds * 1000;
    const now = this.now();
    const start = Math.floor(now / periodMs) * periodMs;
    const window = this.windows.get(group);
    const current = window !== undefined && window.start === start ? window : { start, used: 0 };
    this.windows.set(group, current);
    const allowed = current.used < requests;
    if (allowed) current.used += 1;
    // Whole seconds, as Datadog sends it; at least 1 while the window lasts, so a waiting caller lands in the next one.
    const reset = Math.max(1, Math.ceil((start + periodMs - now) / 1000));
    return {
      allowed,
      headers: {
        'x-ratelimit-limit': String(requests),
        'x-ratelimit-period': String(seconds),
        'x-ratelimit-remaining': String(requests - current.used),
        'x-ratelimit-reset': String(reset),
        'x-ratelimit-name': group,
      },
    };
  }
}

/** OpenAPI operation ids of the endpoints the stand-in serves. */
export type DatadogOperation = keyof typeof RATE_LIMIT_GROUP_OF;

const EVENT_OPTIONAL_FIELDS = ['alert_type', 'priority', 'aggregation_key', 'source_type_name'] as const;

/** An accepted event (`POST /api/v1/events`), as Datadog's `EventCreateResponse.event` returns it. */
export type DatadogEventRecord = Partial<Record<(typeof EVENT_OPTIONAL_FIELDS)[number], string>> & {
  id: number;
  title: string;
  text: string;
  tags: string[];
  /** POSIX seconds: the body's `date_happened`, else the time of receipt. */
  date_happened: number;
};

/** One answered request, its path without the query: no headers, query or body, so no secret. */
interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  operation: DatadogOperation | 'Unknown';
}

/** Options of {@link startLocalDatadog}; `apiKey` and `appKey` are the only `DD-API-KEY` and `DD-APPLICATION-KEY` accepted. */
export interface LocalDatadogOptions {
  apiKey: string;
  appKey: string;
  /** Initial registrations (copied). */
  accounts?: DatadogAccountRecord[];
  /** Site impersonated (which partitions accept role delegation); default `datadoghq.com`. */
  site?: DatadogSite;
  /** Clock, epoch milliseconds; default `Date.now`. */
  now?: () => number;
  faults?: DatadogFaultHooks;
  /** Limit of every endpoint group; default `DEFAULT_DATADOG_RATE_LIMIT`. */
  rateLimit?: RateLimit;
}

/**
 * Fault injection after the rate limit: `before` may return an HTTP status to answer instead (an injected 429 or 5xx
 * carries `x-ratelimit-reset: 0`, so the client retries at once); `after` runs once the operation succeeded.
 */
export interface DatadogFaultHooks {
  before?(operation: DatadogOperation): number | undefined;
  after?(operation: DatadogOperation): void;
}

/** A running stand-in; accessors return copies, oldest first, without secrets. */
export type LocalDatadogServer = Awaited<ReturnType<typeof startLocalDatadog>>;

const BASE = '/api/v2/integration/aws';
/** Datadog's limit on an event's `text` (API reference, "Post an event": "Limited to 4000 characters"). */
const MAX_EVENT_TEXT = 4000;
// Far above any registration body; stops a runaway client from filling memory.
const MAX_BODY_BYTES = 1024 * 1024;

interface Reply {
  status: number;
  body?: unknown;
  contentType?: string;
}

interface RequestContext {
  /** The path's config id; 400 unless a UUID. */
  configId: () => string;
  query: URLSearchParams;
  /** The body; 400 unless it matches the client model. */
  body: (model: RequestModel) => unknown;
}

interface Route {
  /** Method and path; `{id}` stands for the config id. */
  route: string;
  /** Keys needed: both (default), the API key only (the client's EventsApi sends only it), none (permission lists). */
  auth?: 'api' | 'none';
  handle(context: RequestContext): Reply;
}

const ok = (data: unknown): Reply => ({ status: 200, body: { data } });

/** Records an event; 202 `{status: "ok", event}` (client model EventCreateResponse). */
function createEvent(request: Record<string, unknown>, events: DatadogEventRecord[], now: () => number): Reply {
  const text = request.text as string;
  if (text.length > MAX_EVENT_TEXT) throw invalidParameter(`field "text" must be at most ${MAX_EVENT_TEXT} characters, got ${text.length}`);
  const event: DatadogEventRecord = {
    id: events.length + 1,
    title: request.title as string,
    text,
    tags: [...((request.tags as string[] | undefined) ?? [])],
    ...Object.fromEntries(EVENT_OPTIONAL_FIELDS.filter((name) => request[name] !== undefined).map((name) => [name, request[name]])),
    date_happened: typeof request.date_happened === 'number' ? request.date_happened : Math.floor(now() / 1000),
  };
  events.push(event);
  return { status: 202, body: { status: 'ok', event: { ...event, url: `/event/event?id=${event.id}` } } };
}

function routes(store: AccountStore, events: DatadogEventRecord[], now: () => number): Record<DatadogOperation, Route> {
  // Shape of the client model AWSIntegrationIamPermissionsResponse; id and type "permissions" per Datadog's API docs.
  const permissions = (kind: string, list: readonly string[]): Route => ({
    route: `GET ${BASE}/iam_permissions/${kind}`,
    auth: 'none',
    handle: () => ok({ id: 'permissions', type: 'permissions', attributes: { permissions: list } }),
  });
  return {
    ListAWSAccounts: {
      route: `GET ${BASE}/accounts`,
      handle: ({ query }) => {
        const awsAccountId = query.get('aws_account_id') ?? undefined;
        // Not recorded from Datadog; a malformed filter is a caller bug worth failing on rather than an empty list.
        if (awsAccountId !== undefined && !/^\d{12}$/.test(awsAccountId)) {
          throw invalidParameter(`invalid parameter "aws_account_id" in "query"; expected 12 digits, got "${awsAccountId}"`);
        }
        return ok(store.list(awsAccountId));
      },
    },
    // 200, not 201: Datadog's recorded create responses.
    CreateAWSAccount: {
      route: `POST ${BASE}/accounts`,
      handle: ({ body }) => ok(store.write(attributesOf<CreateAttributes>(body('AWSAccountCreateRequest')))),
    },
    UpdateAWSAccount: {
      route: `PATCH ${BASE}/accounts/{id}`,
      handle: ({ configId, body }) => ok(store.write(attributesOf<UpdateAttributes>(body('AWSAccountUpdateRequest')), configId())),
    },
    // 204 without a body, as Datadog's v2 API answers DeleteAWSAccount.
    DeleteAWSAccount: {
      route: `DELETE ${BASE}/accounts/{id}`,
      handle: ({ configId }) => {
        store.remove(configId());
        return { status: 204 };
      },
    },
    // Datadog's recorded answer repeats the external ID as `id` (cassette "Generate-new-external-ID-returns-…").
    CreateNewAWSExternalID: {
      route: `POST ${BASE}/generate_new_external_id`,
      handle: () => {
        const externalId = store.newExternalId();
        return ok({ id: externalId, type: 'external_id', attributes: { external_id: externalId } });
      },
    },
    // The product's own snapshots, imported (not copied): the stand-in serves what the product would fall back to.
    GetAWSIntegrationIAMPermissionsStandard: permissions('standard', STANDARD_PERMISSIONS_SNAPSHOT),
    GetAWSIntegrationIAMPermissionsResourceCollection: permissions('resource_collection', RESOURCE_COLLECTION_PERMISSIONS_SNAPSHOT),
    CreateEvent: {
      route: 'POST /api/v1/events',
      auth: 'api',
      handle: ({ body }) => createEvent(body('EventCreateRequest') as Record<string, unknown>, events, now),
    },
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Oversized bodies are drained, then refused, so the client still reads a proper answer.
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks);
}

function parseBody(raw: Buffer | undefined, model: RequestModel): unknown {
  if (raw === undefined) throw DATADOG_ERRORS.malformedBody(`request body larger than ${MAX_BODY_BYTES} bytes`);
  if (raw.length === 0) throw DATADOG_ERRORS.malformedBody('request body is empty; expected a JSON object');
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw DATADOG_ERRORS.malformedBody(`request body is not valid JSON: ${(error as Error).message}`);
  }
  const problem = checkRequestBody(body, model);
  if (problem !== undefined) throw invalidParameter(problem);
  return body;
}

const attributesOf = <T>(body: unknown) => (body as { data: { attributes: T } }).data.attributes;

function authorised(request: IncomingMessage, options: LocalDatadogOptions, needs: Route['auth']): boolean {
  // Headers only: Datadog's API takes keys in DD-API-KEY / DD-APPLICATION-KEY, never in the URL.
  const apiKey = request.headers['dd-api-key'] === options.apiKey;
  if (needs !== undefined) return needs === 'none' || apiKey;
  return apiKey && request.headers['dd-application-key'] === options.appKey;
}

function send(response: ServerResponse, reply: Reply, headers: Record<string, string> = {}): void {
  if (reply.body === undefined) response.writeHead(reply.status, headers).end();
  else response.writeHead(reply.status, { 'content-type': reply.contentType ?? JSON_API, ...headers }).end(JSON.stringify(reply.body));
}

/** Starts on a free port of 127.0.0.1; never answers with a key or secret. @throws TypeError for an empty key, bad site or rate limit. */
export async function startLocalDatadog(options: LocalDatadogOptions) {
  for (const key of ['apiKey', 'appKey'] as const) {
    if (typeof options[key] !== 'string' || options[key] === '') throw new TypeError(`${key} must be a non-empty string`);
  }
  if (options.site !== undefined && !DATADOG_SITES.includes(options.site)) {
    throw new TypeError(`site must be one of ${DATADOG_SITES.join(', ')}`);
  }
  const now = options.now ?? Date.now;
  const store = new AccountStore(options.site ?? 'datadoghq.com', now, options.accounts ?? []);
  const events: DatadogEventRecord[] = [];
  const table = Object.entries(routes(store, events, now)).map(([operation, route]) => ({
    ...route,
    operation: operation as DatadogOperation,
    pattern: new RegExp(`^${route.route.replace('{id}', '([^/]+)')}$`),
  }));
  const recorded: RecordedRequest[] = [];
  const limiter = new RateLimiter(now, options.rateLimit);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(request);
    let operation: RecordedRequest['operation'] = 'Unknown';
    let reply: Reply;
    let headers: Record<string, string> = {};
    try {
      const route = table.find((candidate) => candidate.pattern.test(`${method} ${url.pathname}`));
      if (route === undefined) throw DATADOG_ERRORS.routeNotFound(method, url.pathname);
      operation = route.operation;
      // The limit is Datadog's edge: counted before anything else, refused requests change nothing.
      const verdict = limiter.take(RATE_LIMIT_GROUP_OF[operation]);
      headers = verdict.headers;
      if (!verdict.allowed) throw DATADOG_ERRORS.tooManyRequests();
      const injected = options.faults?.before?.(operation);
      if (injected !== undefined) {
        // Injected failures say "retry now", so fault runs do not wait (the client honours the header).
        if (injected === 429 || injected >= 500) headers = { ...headers, 'x-ratelimit-reset': '0' };
        throw jsonApiError(injected, injected === 429 ? 'Too Many Requests' : 'Injected fault');
      }
      if (!authorised(request, options, route.auth)) throw DATADOG_ERRORS.forbidden();
      reply = route.handle({
        configId: () => {
          // Config ids are UUIDs, which the client's path encoding leaves as they are.
          const id = route.pattern.exec(`${method} ${url.pathname}`)?.[1];
          if (id === undefined || !isConfigId(id)) throw DATADOG_ERRORS.invalidConfigId();
          return id;
        },
        query: url.searchParams,
        body: (model) => parseBody(raw, model),
      });
      options.faults?.after?.(operation);
    } catch (error) {
      // Anything else is a bug in the stand-in, not in the caller: say so loudly.
      if (!(error instanceof DatadogHttpError)) console.error('local Datadog: internal error', error);
      reply = error instanceof DatadogHttpError ? error : DATADOG_ERRORS.internal();
    }
    recorded.push({ method, path: url.pathname, status: reply.status, operation });
    send(response, reply, headers);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      console.error('local Datadog: request failed', error);
      if (!response.headersSent) send(response, DATADOG_ERRORS.internal());
    });
  });
  await once(server.listen(0, '127.0.0.1'), 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accounts: () => store.list(),
    requests: () => recorded.map((entry) => ({ ...entry })),
    events: () => events.map((event) => ({ ...event, tags: [...event.tags] })),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets would hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}
