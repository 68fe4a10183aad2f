/**
 * The template's functions, run in this process as Lambda would: the real handler, the template's environment, the
 * execution role as the identity of its sandbox calls, the sandbox's clock as its time, and its metrics captured.
 */
import type { Context } from 'aws-lambda';
import { AsyncLocalStorage } from 'node:async_hooks';
import path from 'node:path';
import { forgetSecrets } from '../shared/aws/json-secret';
import { setWaitImplementation } from '../shared/wait';
import type { AwsSandbox } from './sandbox';
import { REPO_ROOT, resolveValue, templateFunctions, type LocalResolution, type Template, type TemplateFunction } from './template';

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** One metric data point the functions emitted (CloudWatch embedded metric format). */
export interface EmittedMetric {
  namespace: string;
  name: string;
  value: number;
  /** CloudWatch unit: `Count`, `Seconds`… */
  unit: string;
  dimensions: Record<string, string>;
}

type EmfDocument = Record<string, unknown> & {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit?: string }[] }[] };
};

/** The metrics of one EMF document (CloudWatch user guide, "Specification: Embedded metric format"), if `line` is one. */
function parseEmf(line: string): EmittedMetric[] | undefined {
  if (!line.startsWith('{"_aws"')) return undefined;
  try {
    const document = JSON.parse(line) as EmfDocument;
    return document._aws.CloudWatchMetrics.flatMap(({ Namespace: namespace, Dimensions, Metrics }) => {
      const dimensions = Object.fromEntries([...new Set(Dimensions.flat())].map((name) => [name, String(document[name])]));
      return Metrics.flatMap(({ Name: name, Unit: unit = 'None' }) =>
        [document[name]].flat().flatMap((value) => (typeof value === 'number' ? [{ namespace, name, value, unit, dimensions }] : [])),
      );
    });
  } catch {
    return undefined;
  }
}

/** What an invocation reads as its process; `now` in epoch ms. */
interface Invocation {
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  wait?: (ms: number) => Promise<void>;
  metrics: EmittedMetric[];
}

const current = new AsyncLocalStorage<Invocation>();
type Forwarded = (...args: unknown[]) => unknown;
let installed = false;

/**
 * Makes `process.env`, `Date`, the product's waits and `console.log` those of the current invocation (`AsyncLocalStorage`,
 * not a global swap: an invocation a Task time-out gave up on runs on beside its retry). `Date` then agrees with the
 * sandbox's `aws:CurrentTime`. Powertools Metrics prints EMF through the global `console.log` (Metrics.js `setConsole`),
 * with no option for the output, so an invocation's EMF lines are parsed into its metrics instead.
 */
function install(): void {
  if (installed) return;
  installed = true;
  const own = process.env;
  const env = () => current.getStore()?.env ?? own;
  // Traps forward to the invocation's environment; the proxy's target stays empty and extensible, so no Proxy invariant breaks.
  const traps = ['get', 'has', 'deleteProperty', 'ownKeys', 'getOwnPropertyDescriptor', 'defineProperty'] as const;
  const forward = (trap: (typeof traps)[number]) => [trap, (_: object, ...args: unknown[]) => (Reflect[trap] as Forwarded)(env(), ...args)];
  const handler = Object.fromEntries(traps.map(forward)) as ProxyHandler<object>;
  process.env = new Proxy({}, { ...handler, set: (_, key, value) => Reflect.set(env(), key, String(value)) });
  const RealDate = Date;
  const now = (): number => current.getStore()?.now?.() ?? RealDate.now();
  class InvocationDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(now());
      else super(...(args as [string | number | Date]));
    }

    static override now(): number {
      return now();
    }
  }
  globalThis.Date = InvocationDate as DateConstructor;
  const real = setWaitImplementation((ms) => current.getStore()?.wait?.(ms) ?? real(ms));
  const log = console.log.bind(console);
  // On the global console object itself: Powertools keeps a reference to it, so its `log` is what it calls.
  console.log = (...args: unknown[]) => {
    const metrics = args.length === 1 && typeof args[0] === 'string' ? parseEmf(args[0]) : undefined;
    const captured = current.getStore()?.metrics;
    if (metrics && captured) captured.push(...metrics);
    else log(...args);
  };
}

/** Runs `fn` with the metrics it (and all it starts) emits appended to `into` instead of printed. */
export function captureMetrics<T>(into: EmittedMetric[], fn: () => Promise<T>): Promise<T> {
  install();
  return current.run({ ...current.getStore(), metrics: into }, fn);
}

interface LocalFunction {
  definition: TemplateFunction;
  functionName: string;
  functionArn: string;
  /** Session ARN of its execution role. */
  principalArn: string;
  environment: Record<string, string>;
}

/** Names and ARNs the local run gives the template's resources. */
export interface LocalNames {
  partition: string;
  region: string;
  accountId: string;
  stackName: string;
}

/** ARN of a function: `…:function:<stack>-<LogicalId>`. */
export function localFunctionArn(names: LocalNames, logicalId: string): string {
  return `arn:${names.partition}:lambda:${names.region}:${names.accountId}:function:${names.stackName}-${logicalId}`;
}

/** ARN of a function's execution role (SAM's implicit `<LogicalId>Role`, or its `Role`). */
export function localRoleArn(names: LocalNames, roleLogicalId: string): string {
  return `arn:${names.partition}:iam::${names.accountId}:role/${names.stackName}-${roleLogicalId}`;
}

/** The template's functions in one deployment, by ARN: each invoked in this process as its Lambda would run it. */
export class LocalFunctions {
  private readonly byArn = new Map<string, LocalFunction>();
  /** What the functions' waits (a 429's `x-ratelimit-reset`, ms) pass through; unset: the sandbox clock moves on at once. */
  wait?: (ms: number) => Promise<void>;
  private readonly emitted: EmittedMetric[] = [];

  constructor(
    template: Template,
    names: LocalNames,
    resolution: LocalResolution,
    private readonly sandbox: AwsSandbox,
    private readonly baseEnvironment: Record<string, string>,
    /** Reports an injected crash of the invocation that just ran (see `FaultPlan.takeCrash`). */
    private readonly crashOf?: () => Error | undefined,
    /** Each function's environment, when not the template's (e.g. `sam local invoke --env-vars`). */
    environmentOf?: (definition: TemplateFunction) => Record<string, string>,
  ) {
    for (const definition of templateFunctions(template)) {
      const functionName = `${names.stackName}-${definition.logicalId}`;
      const functionArn = localFunctionArn(names, definition.logicalId);
      const roleName = `${names.stackName}-${definition.roleLogicalId ?? `${definition.logicalId}Role`}`;
      const principalArn = `arn:${names.partition}:sts::${names.accountId}:assumed-role/${roleName}/${functionName}`;
      const environment =
        environmentOf?.(definition) ??
        Object.fromEntries(Object.entries(definition.environment).map(([key, value]) => [key, resolveValue(template, value, resolution)]));
      this.byArn.set(functionArn, { definition, functionName, functionArn, principalArn, environment });
    }
  }

  /** Copies of the metrics emitted so far, oldest first. */
  metrics(): EmittedMetric[] {
    return this.emitted.map((metric) => ({ ...metric, dimensions: { ...metric.dimensions } }));
  }

  /** @throws Error when the template has no function `logicalId`. */
  arnOf(logicalId: string): string {
    const found = [...this.byArn.values()].find((fn) => fn.definition.logicalId === logicalId);
    if (!found) throw new Error(`template.yaml has no function ${logicalId}`);
    return found.functionArn;
  }

  /** Runs code as the function would run it (environment, clock, role). */
  within<T>(logicalId: string, fn: () => Promise<T>): Promise<T> {
    return this.run(this.byArn.get(this.arnOf(logicalId)) as LocalFunction, fn);
  }

  /** Invokes a function by ARN; errors propagate as the Lambda runtime reports them (`name` is the error type). */
  async invoke(functionArn: string, event: unknown): Promise<unknown> {
    const fn = this.byArn.get(functionArn);
    if (!fn) throw new Error(`no local function ${functionArn}`);
    return this.run(fn, async () => {
      // Loaded on first use inside the function's environment, like a Lambda cold start.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const module = require(path.join(REPO_ROOT, fn.definition.entryPoint)) as Record<string, LambdaHandler>;
      const handler = module[fn.definition.handler.split('.').pop() ?? 'handler'];
      // A function that died reports its death, whatever it was doing.
      const result = await handler(event, lambdaContext(fn)).catch((error: unknown) => {
        throw this.crashOf?.() ?? error;
      });
      const crash = this.crashOf?.();
      if (crash) throw crash;
      return result;
    });
  }

  private run<T>(local: LocalFunction, fn: () => Promise<T>): Promise<T> {
    // In Lambda each function has its own process and cache; here they share one, so none keeps what another read.
    forgetSecrets();
    install();
    const invocation: Invocation = {
      env: { ...process.env, ...this.baseEnvironment, ...local.environment, AWS_LAMBDA_FUNCTION_NAME: local.functionName },
      now: () => this.sandbox.clock.now(),
      wait: this.wait ?? ((ms) => Promise.resolve(this.sandbox.clock.advance(ms / 1000))),
      metrics: this.emitted,
    };
    return current.run(invocation, () => this.sandbox.asPrincipal(local.principalArn, fn));
  }
}

/** Lambda's context, less the deprecated `done`/`fail`/`succeed` callbacks. */
function lambdaContext(fn: LocalFunction): Context {
  const deadline = Date.now() + 60_000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.functionArn,
    memoryLimitInMB: '256',
    awsRequestId: `local-${Math.random().toString(16).slice(2, 10)}`,
    logGroupName: `/aws/lambda/${fn.functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  } as Context;
}
