/**
 * DynamoDB on 127.0.0.1 (`dynalite`, in memory), one server per process, reached through the SDK's
 * `AWS_ENDPOINT_URL_DYNAMODB` ("Service-specific endpoints", AWS SDKs and Tools reference guide), which only this sets.
 */
import type { CreateTableCommand, CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BatchWriteCommand, DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Template } from './template';

/** Operations that change items or tables (DynamoDB API reference); every other one reads. */
const MUTATING_OPERATION = /^(Put|Update|Delete|Create|BatchWrite|TransactWrite|Execute|BatchExecute)/;
/** Marks the harness's own calls, left out of the counts. */
const HARNESS_USER_AGENT = 'local-harness';
// dynalite keeps one set of tables whatever the region.
const HARNESS_REGION = 'us-east-1';

/** The server and the harness's clients, with the SDK's pieces they use (loaded with them, on first use). */
interface Running {
  server: Server;
  client: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  sdk: { CreateTableCommand: typeof CreateTableCommand; BatchWriteCommand: typeof BatchWriteCommand; paginateScan: typeof paginateScan };
}

let running: Promise<Running> | undefined;
const calls = { mutating: 0, reads: 0 };

/** Counts a call of the product by its `X-Amz-Target` (`DynamoDB_20120810.<Operation>`). */
function countCall(request: IncomingMessage): void {
  const target = request.headers['x-amz-target'];
  const userAgent = [request.headers['user-agent'], request.headers['x-amz-user-agent']].flat().join(' ');
  if (typeof target !== 'string' || userAgent.includes(HARNESS_USER_AGENT)) return;
  calls[MUTATING_OPERATION.test(target.split('.').pop() ?? target) ? 'mutating' : 'reads'] += 1;
}

async function start(): Promise<Running> {
  // Loaded on first use only (the SDK's modules too): runs that never deploy pay nothing. dynalite ships no types.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;
  const [{ DynamoDBClient, CreateTableCommand }, { DynamoDBDocumentClient, BatchWriteCommand, paginateScan }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/lib-dynamodb'),
  ]);
  // Tables are ACTIVE at once (dynalite's default keeps them CREATING for 500 ms).
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.on('request', countCall);
  await once(server.listen(0, '127.0.0.1'), 'listening');
  // The CLI's process ends when its own work does, without waiting for it or its kept-alive connections (a test file
  // closes it: stopLocalDynamoDb).
  server.unref();
  server.on('connection', (socket: Socket) => socket.unref());
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
  const client = new DynamoDBClient({
    endpoint,
    region: HARNESS_REGION,
    // Not credentials: dynalite checks no signature.
    credentials: { accessKeyId: 'AKIALOCALDYNAMODB', secretAccessKey: 'local-dynamodb-placeholder' },
    customUserAgent: HARNESS_USER_AGENT,
  });
  return { server, client, documents: DynamoDBDocumentClient.from(client), sdk: { CreateTableCommand, BatchWriteCommand, paginateScan } };
}

/**
 * Closes this process's server, if it started one. The CLI's process ends without this; a jest test file must call it,
 * as a listening server keeps that file's whole module registry in memory for the rest of the run.
 */
export async function stopLocalDynamoDb(): Promise<void> {
  const started = running;
  running = undefined;
  if (!started) return;
  const { server, client } = await started;
  delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
  client.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/** The product's call counts so far; subtract two for a run's. */
export function dynamoDbCallsSoFar(): typeof calls {
  return { ...calls };
}

/** Creates a uniquely named table of the template's `AccountsTable` definition, filled with `items`; returns its name. */
export async function createLocalAccountsTable(template: Template, prefix: string, items: Record<string, unknown>[] = []): Promise<string> {
  const { client, documents, sdk } = await (running ??= start());
  const { CreateTableCommand, BatchWriteCommand } = sdk;
  const table = template.Resources.AccountsTable;
  if (table?.Type !== 'AWS::DynamoDB::Table') throw new Error('template.yaml has no DynamoDB table AccountsTable');
  const { KeySchema, AttributeDefinitions, BillingMode } = table.Properties as Partial<CreateTableCommandInput>;
  const tableName = `${prefix}-AccountsTable-${randomBytes(6).toString('hex')}`;
  await client.send(new CreateTableCommand({ KeySchema, AttributeDefinitions, BillingMode, TableName: tableName }));
  // 25 items per BatchWriteItem (its limit), unprocessed ones again.
  for (let index = 0; index < items.length; index += 25) {
    let requests: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> | undefined = {
      [tableName]: items.slice(index, index + 25).map((Item) => ({ PutRequest: { Item } })),
    };
    while (requests && Object.keys(requests).length > 0) {
      const result = await documents.send(new BatchWriteCommand({ RequestItems: requests }));
      requests = result.UnprocessedItems as typeof requests;
    }
  }
  return tableName;
}

/** Every item of a table, sorted by `accountId`. */
export async function tableItems(tableName: string): Promise<Record<string, unknown>[]> {
  const { documents, sdk } = await (running ??= start());
  const items: Record<string, unknown>[] = [];
  for await (const page of sdk.paginateScan({ client: documents }, { TableName: tableName, ConsistentRead: true }))
    items.push(...(page.Items ?? []));
  return items.sort((a, b) => String(a.accountId).localeCompare(String(b.accountId)));
}
