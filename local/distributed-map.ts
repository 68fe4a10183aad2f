/**
 * A Distributed Map state, locally (`aws-local-stepfunctions` runs inline Map states only).
 *
 * As in Step Functions (developer guide, "Using Map state in Distributed mode"): the items come from `ItemReader`
 * (an S3 JSON array, `arn:<p>:states:::s3:getObject` with `ReaderConfig.InputType` `JSON`) or from `ItemsPath`;
 * each item, through `ItemSelector`, is the input of its own child execution of the `ItemProcessor`, at most
 * `MaxConcurrency` (or `MaxConcurrencyPath`) at a time; a failed child is counted and the others go on until the
 * failures exceed `ToleratedFailurePercentage` / `ToleratedFailureCount` (then `States.ExceedToleratedFailureThreshold`).
 * With `ResultWriter` (`arn:<p>:states:::s3:putObject`) the children's results are written as `SUCCEEDED_0.json`
 * and `FAILED_0.json` beside a `manifest.json`, under `<Prefix>/<map run id>/`, and the state's result is
 * `{MapRunArn, ResultWriterDetails: {Bucket, Key}}` (developer guide, "ResultWriter (Map)").
 */
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ExecutionScheduler } from './execution-scheduler';
import { payloadTemplate } from './payload-template';

/** The fields of a Distributed Map state this module runs. */
export interface DistributedMapDefinition {
  ItemProcessor: { ProcessorConfig?: { Mode?: string; ExecutionType?: string }; StartAt: string; States: Record<string, unknown> };
  ItemReader?: { Resource: string; ReaderConfig?: { InputType?: string; MaxItems?: number }; Parameters?: Record<string, unknown> };
  ItemsPath?: string;
  ItemSelector?: Record<string, unknown>;
  /** The older name of `ItemSelector`. */
  Parameters?: Record<string, unknown>;
  ItemBatcher?: unknown;
  MaxConcurrency?: number;
  MaxConcurrencyPath?: string;
  ToleratedFailurePercentage?: number;
  ToleratedFailurePercentagePath?: string;
  ToleratedFailureCount?: number;
  ToleratedFailureCountPath?: string;
  ResultWriter?: { Resource: string; Parameters?: Record<string, unknown> };
  Label?: string;
}

/** One child execution as the map run records it (the entries of the ResultWriter files). */
export interface ChildExecutionResult {
  ExecutionArn: string;
  Name: string;
  StateMachineArn: string;
  Status: 'SUCCEEDED' | 'FAILED';
  /** JSON text, as Step Functions writes it. */
  Input: string;
  InputDetails: { Included: true };
  Output?: string;
  OutputDetails?: { Included: true };
  Error?: string;
  Cause?: string;
  RedriveCount: 0;
  RedriveStatus: 'NOT_REDRIVABLE' | 'REDRIVABLE_BY_MAP_RUN';
  StartDate: string;
  StopDate: string;
}

/** What the map needs from the execution running it. */
export interface DistributedMapContext {
  /** The parent state machine's ARN (`arn:<p>:states:<region>:<account>:stateMachine:<name>`). */
  stateMachineArn: string;
  scheduler: ExecutionScheduler;
  /**
   * Runs one child execution of the ItemProcessor to its end.
   *
   * @returns its status and output, or error and cause.
   */
  runChild(
    definition: Record<string, unknown>,
    child: { name: string; executionArn: string; stateMachineArn: string; input: unknown },
  ): Promise<{ status: 'SUCCEEDED' | 'FAILED'; output?: unknown; error?: string; cause?: string }>;
  /** Runs the map's own S3 calls as the state machine's execution role. Default: as the ambient identity. */
  asStateMachineRole?: <T>(call: () => Promise<T>) => Promise<T>;
}

/** An error of the Map state itself, with a Step Functions error name (`States.ItemReaderFailed`…). */
export class MapStateError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Step Functions runs up to 10,000 child executions at once when MaxConcurrency is 0 or absent (developer guide, "MaxConcurrency"). */
const UNLIMITED_CONCURRENCY = 10_000;

function pathValue(document: unknown, jsonPath: string): unknown {
  return jsonPath
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], document);
}

function numberField(
  state: DistributedMapDefinition,
  input: unknown,
  field: 'MaxConcurrency' | 'ToleratedFailurePercentage' | 'ToleratedFailureCount',
): number | undefined {
  const path = state[`${field}Path`];
  const value = path === undefined ? state[field] : pathValue(input, path);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new MapStateError(
      'States.Runtime',
      `${field}${path === undefined ? '' : `Path ${path}`} must be a non-negative number, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function regionAndAccount(stateMachineArn: string): { partition: string; region: string; account: string; name: string } {
  const [, partition, , region, account, , name] = stateMachineArn.split(':');
  return { partition, region, account, name };
}

function s3Client(stateMachineArn: string): S3Client {
  return new S3Client({ region: regionAndAccount(stateMachineArn).region });
}

async function readItems(state: DistributedMapDefinition, input: unknown, context: DistributedMapContext): Promise<unknown[]> {
  const reader = state.ItemReader;
  if (!reader) {
    const items = pathValue(input, state.ItemsPath ?? '$');
    if (!Array.isArray(items)) throw new MapStateError('States.Runtime', `ItemsPath ${state.ItemsPath ?? '$'} is not an array`);
    return items as unknown[];
  }
  if (!/^arn:[\w-]+:states:::s3:getObject$/.test(reader.Resource) || (reader.ReaderConfig?.InputType ?? 'JSON') !== 'JSON') {
    throw new MapStateError(
      'States.Runtime',
      `ItemReader: only ${'arn:<partition>:states:::s3:getObject'} with ReaderConfig.InputType JSON is run locally`,
    );
  }
  const { Bucket, Key } = (await payloadTemplate(reader.Parameters ?? {}).evaluate(input, {})) as { Bucket?: string; Key?: string };
  const run = context.asStateMachineRole ?? ((call) => call());
  let text: string;
  try {
    const object = await run(() => s3Client(context.stateMachineArn).send(new GetObjectCommand({ Bucket, Key })));
    text = (await object.Body?.transformToString()) ?? '';
  } catch (error) {
    throw new MapStateError(
      'States.ItemReaderFailed',
      `Unable to read s3://${Bucket}/${Key}: ${(error as Error).name}: ${(error as Error).message}`,
    );
  }
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch {
    throw new MapStateError('States.ItemReaderFailed', `s3://${Bucket}/${Key} is not valid JSON`);
  }
  if (!Array.isArray(items)) throw new MapStateError('States.ItemReaderFailed', `s3://${Bucket}/${Key} does not hold a JSON array`);
  const max = reader.ReaderConfig?.MaxItems;
  const all = items as unknown[];
  return max !== undefined && max > 0 ? all.slice(0, max) : all;
}

async function writeResults(
  state: DistributedMapDefinition,
  input: unknown,
  context: DistributedMapContext,
  mapRun: { arn: string; id: string },
  results: ChildExecutionResult[],
): Promise<{ Bucket: string; Key: string }> {
  const writer = state.ResultWriter as NonNullable<DistributedMapDefinition['ResultWriter']>;
  if (!/^arn:[\w-]+:states:::s3:putObject$/.test(writer.Resource)) {
    throw new MapStateError('States.Runtime', 'ResultWriter: only arn:<partition>:states:::s3:putObject is run locally');
  }
  const { Bucket, Prefix } = (await payloadTemplate(writer.Parameters ?? {}).evaluate(input, {})) as { Bucket: string; Prefix?: string };
  const base = Prefix ? `${Prefix.replace(/\/+$/, '')}/${mapRun.id}` : mapRun.id;
  const run = context.asStateMachineRole ?? ((call) => call());
  const client = s3Client(context.stateMachineArn);
  const put = async (Key: string, body: string) => {
    try {
      await run(() => client.send(new PutObjectCommand({ Bucket, Key, Body: body, ContentType: 'application/json' })));
    } catch (error) {
      throw new MapStateError(
        'States.ResultWriterFailed',
        `Unable to write s3://${Bucket}/${Key}: ${(error as Error).name}: ${(error as Error).message}`,
      );
    }
    return { Key, Size: Buffer.byteLength(body, 'utf8') };
  };
  const files: Record<'SUCCEEDED' | 'FAILED' | 'PENDING', { Key: string; Size: number }[]> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  for (const status of ['SUCCEEDED', 'FAILED'] as const) {
    const entries = results.filter((result) => result.Status === status);
    if (entries.length > 0) files[status].push(await put(`${base}/${status}_0.json`, JSON.stringify(entries)));
  }
  const manifestKey = `${base}/manifest.json`;
  await put(manifestKey, JSON.stringify({ DestinationBucket: Bucket, MapRunArn: mapRun.arn, ResultFiles: files }));
  return { Bucket, Key: manifestKey };
}

/**
 * Runs a Distributed Map state on its effective input (after `InputPath`).
 *
 * @param stateName - the state's name (its `Label` defaults to it; child execution ARNs carry it).
 * @returns the state's result: `{MapRunArn, ResultWriterDetails}` with a ResultWriter, else the children's outputs
 *   in item order (a failed child's as `{Error, Cause}`).
 * @throws MapStateError `States.ItemReaderFailed`, `States.ResultWriterFailed`, `States.ExceedToleratedFailureThreshold`
 *   or `States.Runtime`, as Step Functions fails the state.
 */
export async function runDistributedMap(
  stateName: string,
  state: DistributedMapDefinition,
  input: unknown,
  context: DistributedMapContext,
): Promise<unknown> {
  if (state.ItemBatcher !== undefined) throw new MapStateError('States.Runtime', 'ItemBatcher is not run locally');
  const items = await readItems(state, input, context);
  const maxConcurrency = numberField(state, input, 'MaxConcurrency') || UNLIMITED_CONCURRENCY;
  const toleratedPercentage = numberField(state, input, 'ToleratedFailurePercentage') ?? 0;
  const toleratedCount = numberField(state, input, 'ToleratedFailureCount') ?? 0;
  const selector = state.ItemSelector ?? state.Parameters;
  const select = selector ? payloadTemplate(selector) : undefined;
  const { partition, region, account, name } = regionAndAccount(context.stateMachineArn);
  const label = state.Label ?? stateName;
  const mapRunId = randomUUID();
  const mapRun = { id: mapRunId, arn: `arn:${partition}:states:${region}:${account}:mapRun:${name}/${label}:${mapRunId}` };
  const childMachineArn = `arn:${partition}:states:${region}:${account}:stateMachine:${name}/${label}`;
  const processor = { StartAt: state.ItemProcessor.StartAt, States: state.ItemProcessor.States };

  const results = new Array<ChildExecutionResult>(items.length);
  let failed = 0;
  let next = 0;
  let exceeded = false;
  // Step Functions compares failures with the threshold over all items (developer guide, "Tolerated failure threshold").
  const overThreshold = () =>
    (state.ToleratedFailureCount !== undefined || state.ToleratedFailureCountPath !== undefined ? failed > toleratedCount : false) ||
    (failed / Math.max(items.length, 1)) * 100 > toleratedPercentage;

  const runItem = async (index: number): Promise<void> => {
    const value = items[index];
    const childName = randomUUID();
    const executionArn = `arn:${partition}:states:${region}:${account}:execution:${name}/${label}:${childName}`;
    const startDate = new Date(context.scheduler.clock.now()).toISOString();
    let childInput: unknown = value;
    let outcome: Awaited<ReturnType<DistributedMapContext['runChild']>>;
    try {
      if (select) childInput = await select.evaluate(input, { Map: { Item: { Index: index, Value: value } } });
      // The child runs on its own; this worker does not count as running while it waits for it.
      outcome = await context.scheduler.awaitOthers(
        context.runChild(processor, { name: childName, executionArn, stateMachineArn: childMachineArn, input: childInput }),
      );
    } catch (error) {
      outcome = { status: 'FAILED', error: (error as Error).name, cause: (error as Error).message };
    }
    const stopDate = new Date(context.scheduler.clock.now()).toISOString();
    results[index] = {
      ExecutionArn: executionArn,
      Name: childName,
      StateMachineArn: childMachineArn,
      Status: outcome.status,
      Input: JSON.stringify(childInput),
      InputDetails: { Included: true },
      ...(outcome.status === 'SUCCEEDED'
        ? { Output: JSON.stringify(outcome.output ?? null), OutputDetails: { Included: true as const } }
        : { Error: outcome.error, Cause: outcome.cause }),
      RedriveCount: 0,
      RedriveStatus: outcome.status === 'SUCCEEDED' ? 'NOT_REDRIVABLE' : 'REDRIVABLE_BY_MAP_RUN',
      StartDate: startDate,
      StopDate: stopDate,
    };
    if (outcome.status === 'FAILED') {
      failed += 1;
      if (overThreshold()) exceeded = true;
    }
  };

  // Each worker takes the next item when its child ends. Workers count as running except while they wait for their
  // child, and are started before the map waits on them, so the scheduler never sees an idle gap between children.
  const worker = async (): Promise<void> => {
    while (!exceeded && next < items.length) await runItem(next++);
  };
  const workers = Array.from({ length: Math.min(maxConcurrency, items.length) }, () => context.scheduler.run(worker));
  await context.scheduler.awaitOthers(Promise.all(workers));

  const done = results.filter(Boolean);
  const details = state.ResultWriter ? await writeResults(state, input, context, mapRun, done) : undefined;
  if (exceeded) {
    throw new MapStateError(
      'States.ExceedToleratedFailureThreshold',
      `The specified tolerated failure threshold was exceeded: ${failed} of ${items.length} child executions failed (map run ${mapRun.arn})`,
    );
  }
  if (details) return { MapRunArn: mapRun.arn, ResultWriterDetails: details };
  return done.map((result) =>
    result.Status === 'SUCCEEDED' ? (JSON.parse(result.Output ?? 'null') as unknown) : { Error: result.Error, Cause: result.Cause },
  );
}
