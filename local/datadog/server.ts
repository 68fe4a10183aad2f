/**
 * A local stand-in for the Datadog AWS integration API (v2), used by `npm start` and by tests in place of Datadog.
 *
 * It serves exactly the paths, methods and query parameters that `AWSIntegrationApi` of `@datadog/datadog-api-client`
 * calls (dist/packages/datadog-api-client-v2/apis/AWSIntegrationApi.js), checks every body against the client's own
 * models, applies Datadog's published rules, and answers in the shapes of the client's response models.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RESOURCE_COLLECTION_PERMISSIONS_SNAPSHOT, STANDARD_PERMISSIONS_SNAPSHOT } from '../../shared/datadog/permissions';
import {
  DatadogHttpError,
  JSON_API,
  PLAIN_JSON,
  forbidden,
  invalidConfigId,
  invalidParameter,
  malformedBody,
  routeNotFound,
  tooManyRequests,
} from './responses';
import { RATE_LIMIT_GROUP_OF, RateLimiter } from './rate-limit';
import { DATADOG_SITES } from './rules';
import { AccountStore, isConfigId, type CreateAttributes, type UpdateAttributes } from './store';
import type { DatadogEventRecord, DatadogOperation, LocalDatadogOptions, LocalDatadogServer, RecordedRequest } from './types';
import { checkRequestBody } from './validation';

export type {
  DatadogAccountAttributes,
  DatadogAccountRecord,
  DatadogEventRecord,
  DatadogOperation,
  KeysAuthConfig,
  LocalDatadogOptions,
  LocalDatadogServer,
  RecordedRequest,
  RoleAuthConfig,
} from './types';
export { DEFAULT_DATADOG_RATE_LIMIT, RATE_LIMIT_GROUPS, type RateLimit, type RateLimitGroup } from './rate-limit';

const BASE = '/api/v2/integration/aws';
/** Datadog's limit on an event's `text` (API reference, "Post an event": "Limited to 4000 characters"). */
const MAX_EVENT_TEXT = 4000;
// Far above any registration body; stops a runaway client from filling memory.
const MAX_BODY_BYTES = 1024 * 1024;

interface Reply {
  status: number;
  body?: unknown;
}

interface RequestContext {
  params: string[];
  query: URLSearchParams;
  /** The body parsed as JSON; throws a 400 when absent or malformed. */
  json(): unknown;
}

interface Route {
  method: string;
  pattern: RegExp;
  operation: DatadogOperation;
  /**
   * Keys the route needs: both (the v2 integration API), the API key only (v1 events), or none (the permission
   * lists, which Datadog serves without keys: its CloudFormation fetches them).
   */
  auth: 'api-and-app' | 'api' | false;
  handle(context: RequestContext): Reply;
}

function configId(context: RequestContext): string {
  const id = context.params[0];
  if (!isConfigId(id)) throw invalidConfigId();
  return id;
}

function validBody<T>(context: RequestContext, model: 'AWSAccountCreateRequest' | 'AWSAccountUpdateRequest'): T {
  const body = context.json();
  const problem = checkRequestBody(body, model);
  if (problem !== undefined) throw invalidParameter(problem);
  return (body as { data: { attributes: T } }).data.attributes;
}

function permissions(list: readonly string[]): Reply {
  // Shape of the client model AWSIntegrationIamPermissionsResponse; id and type "permissions" per Datadog's API docs.
  return { status: 200, body: { data: { id: 'permissions', type: 'permissions', attributes: { permissions: list } } } };
}

/** Accepts an event: checked against the client's `EventCreateRequest`, and Datadog's length limit on `text`. */
function createEvent(context: RequestContext, events: DatadogEventRecord[], now: () => number): Reply {
  const body = context.json();
  const problem = checkRequestBody(body, 'EventCreateRequest');
  if (problem !== undefined) throw invalidParameter(problem);
  const request = body as Record<string, unknown>;
  const text = request.text as string;
  if (text.length > MAX_EVENT_TEXT) throw invalidParameter(`field "text" must be at most ${MAX_EVENT_TEXT} characters, got ${text.length}`);
  const optional = (name: string) => (typeof request[name] === 'string' ? { [name]: request[name] } : {});
  const event: DatadogEventRecord = {
    id: events.length + 1,
    title: request.title as string,
    text,
    tags: [...((request.tags as string[] | undefined) ?? [])],
    ...optional('alert_type'),
    ...optional('priority'),
    ...optional('aggregation_key'),
    ...optional('source_type_name'),
    date_happened: typeof request.date_happened === 'number' ? request.date_happened : Math.floor(now() / 1000),
  };
  events.push(event);
  // 202 and `{status: "ok", event}`: Datadog's answer (client model EventCreateResponse; API reference "Post an event").
  return { status: 202, body: { status: 'ok', event: { ...event, url: `/event/event?id=${event.id}` } } };
}

function routes(store: AccountStore, events: DatadogEventRecord[], now: () => number): Route[] {
  const accounts = new RegExp(`^${BASE}/accounts$`);
  const account = new RegExp(`^${BASE}/accounts/([^/]+)$`);
  return [
    {
      method: 'GET',
      pattern: accounts,
      operation: 'ListAWSAccounts',
      auth: 'api-and-app',
      handle: ({ query }) => {
        const awsAccountId = query.get('aws_account_id') ?? undefined;
        // Not recorded from Datadog; a malformed filter is a caller bug worth failing on rather than an empty list.
        if (awsAccountId !== undefined && !/^\d{12}$/.test(awsAccountId)) {
          throw invalidParameter(`invalid parameter "aws_account_id" in "query"; expected 12 digits, got "${awsAccountId}"`);
        }
        return { status: 200, body: { data: store.list(awsAccountId) } };
      },
    },
    {
      method: 'POST',
      pattern: accounts,
      operation: 'CreateAWSAccount',
      auth: 'api-and-app',
      // 200, not 201: Datadog's recorded create responses.
      handle: (context) => ({ status: 200, body: { data: store.create(validBody<CreateAttributes>(context, 'AWSAccountCreateRequest')) } }),
    },
    {
      method: 'PATCH',
      pattern: account,
      operation: 'UpdateAWSAccount',
      auth: 'api-and-app',
      handle: (context) => {
        const id = configId(context);
        return { status: 200, body: { data: store.update(id, validBody<UpdateAttributes>(context, 'AWSAccountUpdateRequest')) } };
      },
    },
    {
      method: 'DELETE',
      pattern: account,
      operation: 'DeleteAWSAccount',
      auth: 'api-and-app',
      // 204 without a body, as Datadog's v2 API answers DeleteAWSAccount.
      handle: (context) => {
        store.remove(configId(context));
        return { status: 204, body: undefined };
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^${BASE}/generate_new_external_id$`),
      operation: 'CreateNewAWSExternalID',
      auth: 'api-and-app',
      handle: () => {
        const externalId = store.newExternalId();
        // Datadog's recorded answer repeats the external ID as `id` (cassette "Generate-new-external-ID-returns-…").
        return { status: 200, body: { data: { id: externalId, type: 'external_id', attributes: { external_id: externalId } } } };
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^${BASE}/iam_permissions/standard$`),
      operation: 'GetAWSIntegrationIAMPermissionsStandard',
      auth: false,
      handle: () => permissions(STANDARD_PERMISSIONS_SNAPSHOT),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^${BASE}/iam_permissions/resource_collection$`),
      operation: 'GetAWSIntegrationIAMPermissionsResourceCollection',
      auth: false,
      // The product's own snapshot, imported (not copied): the stand-in serves what the product would fall back to.
      handle: () => permissions(RESOURCE_COLLECTION_PERMISSIONS_SNAPSHOT),
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/events$/,
      operation: 'CreateEvent',
      // v1 events take the API key alone (the client's EventsApi authenticates with `apiKeyAuth` only).
      auth: 'api',
      handle: (context) => createEvent(context, events, now),
    },
  ];
}

function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    // Oversized bodies are drained, then refused, so the client still reads a proper answer.
    request.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function parseJson(raw: Buffer | undefined): unknown {
  if (raw === undefined) throw malformedBody(`request body larger than ${MAX_BODY_BYTES} bytes`);
  if (raw.length === 0) throw malformedBody('request body is empty; expected a JSON object');
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw malformedBody(`request body is not valid JSON: ${(error as Error).message}`);
  }
}

function authorised(request: IncomingMessage, options: LocalDatadogOptions, needs: Route['auth']): boolean {
  // Headers only: Datadog's API takes keys in DD-API-KEY / DD-APPLICATION-KEY, never in the URL.
  if (needs === false) return true;
  const apiKey = request.headers['dd-api-key'] === options.apiKey;
  return needs === 'api' ? apiKey : apiKey && request.headers['dd-application-key'] === options.appKey;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // malformed escapes fail the UUID check with a 400, as any bad id does
  }
}

function redactedQuery(query: URLSearchParams): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const [name, value] of query) {
    if (!(name in copy)) copy[name] = /key|secret|token/i.test(name) ? '[redacted]' : value;
  }
  return copy;
}

/** An injected failure, shaped like Datadog's error bodies. */
function injectedFault(status: number): DatadogHttpError {
  return new DatadogHttpError(status, {
    errors: [{ status: String(status), title: status === 429 ? 'Too Many Requests' : 'Injected fault' }],
  });
}

function send(response: ServerResponse, status: number, body: unknown, contentType: string, headers: Record<string, string> = {}): void {
  if (status === 204 || body === undefined) {
    response.writeHead(status, headers).end();
    return;
  }
  response.writeHead(status, { 'content-type': contentType, ...headers }).end(JSON.stringify(body));
}

function validateOptions(options: LocalDatadogOptions): void {
  if (typeof options.apiKey !== 'string' || options.apiKey === '') throw new TypeError('apiKey must be a non-empty string');
  if (typeof options.appKey !== 'string' || options.appKey === '') throw new TypeError('appKey must be a non-empty string');
  if (options.site !== undefined && !DATADOG_SITES.includes(options.site)) {
    throw new TypeError(`site must be one of ${DATADOG_SITES.join(', ')}`);
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError('port must be an integer from 0 to 65535');
}

/**
 * Starts the local Datadog AWS integration API on 127.0.0.1.
 *
 * Served (paths and methods of the client's `AWSIntegrationApi`, operation ids of Datadog's v2 spec):
 * `GET /api/v2/integration/aws/accounts[?aws_account_id=]` (ListAWSAccounts), `POST …/accounts` (CreateAWSAccount), `DELETE …/accounts/{id}` (DeleteAWSAccount),
 * `PATCH …/accounts/{aws_account_config_id}` (UpdateAWSAccount), `POST …/generate_new_external_id`
 * (CreateNewAWSExternalID), without keys `GET …/iam_permissions/standard` and `GET …/iam_permissions/resource_collection`
 * (the product's snapshots of Datadog's lists), and with the API key alone v1 `POST /api/v1/events` (CreateEvent: body
 * checked against the client's `EventCreateRequest`, `text` at most 4000 characters, answered 202 and recorded, see
 * `events()`): the operations the product calls.
 *
 * Answers: 403 without the right `DD-API-KEY` and `DD-APPLICATION-KEY`; 400 "Invalid Parameter" for a body the
 * client's models or Datadog's rules reject (detail names the field path), for a config id that is not a UUID, or
 * for malformed JSON; 400 "invalid External ID" for an external ID this server did not issue, already used on another
 * registration, or issued 48 h or more ago; 409 "Account already exists"; 404 "Account not found"; 404 for unknown
 * routes. Never returns `secret_access_key` or a key value.
 *
 * Rate limits (rate-limit.ts): each group of endpoints (`aws_accounts_read`, `aws_accounts_write`,
 * `aws_iam_permissions`) allows `rateLimit` requests per fixed window on the server's clock (default 60 per 10 s);
 * every answer of a served route carries `x-ratelimit-limit`, `-period`, `-remaining`, `-reset` (seconds) and `-name`,
 * and a request beyond the limit is answered 429 `{"errors": ["Too many requests"]}` and changes nothing.
 *
 * @param options - Keys to accept, port (default random), initial registrations, site (default `datadoghq.com`),
 *   clock (default `Date.now`; also the rate-limit windows'), rate limits (default {@link DEFAULT_DATADOG_RATE_LIMIT}).
 * @returns The running server: its URL, snapshots of registrations and requests, and `close()`.
 * @throws TypeError for empty keys, an unknown site, a bad port, a bad rate limit or bad initial registrations; the listen error
 *   (e.g. EADDRINUSE) when the port is taken.
 *
 * @example
 * ```ts
 * const datadog = await startLocalDatadog({ apiKey: 'api', appKey: 'app' });
 * const configuration = createConfiguration({
 *   authMethods: { apiKeyAuth: 'api', appKeyAuth: 'app' },
 *   baseServer: new BaseServerConfiguration(datadog.url, {}),
 * });
 * // … new AWSIntegrationApi(configuration) …
 * await datadog.close();
 * ```
 */
export async function startLocalDatadog(options: LocalDatadogOptions): Promise<LocalDatadogServer> {
  validateOptions(options);
  const now = options.now ?? Date.now;
  const store = new AccountStore(options.site ?? 'datadoghq.com', now, options.accounts ?? []);
  const events: DatadogEventRecord[] = [];
  const table = routes(store, events, now);
  const recorded: RecordedRequest[] = [];
  const limiter = new RateLimiter(now, options.rateLimit, options.rateLimitByGroup);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(request);
    let operation: RecordedRequest['operation'] = 'Unknown';
    let status: number;
    let body: unknown;
    let contentType = JSON_API;
    let headers: Record<string, string> = {};
    try {
      const match = table
        .map((route) => ({ route, found: route.method === method ? route.pattern.exec(url.pathname) : null }))
        .find(({ found }) => found !== null);
      if (match === undefined || match.found === null) throw routeNotFound(method, url.pathname);
      operation = match.route.operation;
      // The limit is Datadog's edge: counted before anything else, refused requests change nothing.
      const verdict = limiter.take(RATE_LIMIT_GROUP_OF[operation]);
      headers = verdict.headers;
      if (!verdict.allowed) throw tooManyRequests();
      const injected = options.faults?.before?.(operation);
      if (injected !== undefined) {
        // Injected failures say "retry now", so fault runs do not wait (the client honours the header).
        if (injected === 429 || injected >= 500) headers = { ...headers, 'x-ratelimit-reset': '0' };
        throw injectedFault(injected);
      }
      if (!authorised(request, options, match.route.auth)) throw forbidden();
      const reply = match.route.handle({
        params: match.found.slice(1).map(decodeSegment),
        query: url.searchParams,
        json: () => parseJson(raw),
      });
      ({ status, body } = reply);
      options.faults?.after?.(operation);
    } catch (error) {
      if (!(error instanceof DatadogHttpError)) {
        // A bug in the stand-in, not in the caller: say so loudly.
        console.error('local Datadog: internal error', error);
      }
      const failure =
        error instanceof DatadogHttpError ? error : new DatadogHttpError(500, { errors: ['Internal Server Error'] }, PLAIN_JSON);
      ({ status, body, contentType } = failure);
    }
    recorded.push({ method, path: url.pathname, query: redactedQuery(url.searchParams), status, operation });
    send(response, status, body, contentType, headers);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      console.error('local Datadog: request failed', error);
      if (!response.headersSent) send(response, 500, { errors: ['Internal Server Error'] }, PLAIN_JSON);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accounts: () => store.list(),
    requests: () => recorded.map((entry) => ({ ...entry, query: { ...entry.query } })),
    events: () => events.map((event) => ({ ...event, tags: [...event.tags] })),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets would hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}
