/**
 * The template's functions, run in this process as Lambda would run them: the real middy-wrapped handler, the
 * environment the template gives it, its execution role as the identity of its AWS calls in the sandbox, and the
 * sandbox's clock as the time it reads.
 *
 * An invocation's environment and time are scoped to its asynchronous context (`AsyncLocalStorage`), not swapped
 * globally: an invocation the local Step Functions gave up on (a Task time-out) keeps running beside its retry, and
 * with a global swap one would read the other's variables. So `process.env` becomes a view of the current
 * invocation's environment, `Date` reads its clock (so what a function computes from the time agrees with the
 * `aws:CurrentTime` the sandbox's policy evaluation sees), and the product's waits (`shared/wait.ts`, e.g. out a
 * Datadog rate limit) pass on that clock instead of a timer; outside any invocation, all three are the real ones.
 */
import type { Context } from 'aws-lambda';
import { AsyncLocalStorage } from 'node:async_hooks';
import path from 'node:path';
import { forgetSecrets } from '../shared/aws/json-secret';
import { setWaitImplementation } from '../shared/wait';
import { captureMetrics, type EmittedMetric } from './emf-capture';
import type { AwsSandbox } from './sandbox';
import { REPO_ROOT, resolveValue, templateFunctions, type LocalResolution, type Template, type TemplateFunction } from './template';

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** What an invocation reads as its process: its environment, its clock (epoch ms), and how its waits pass. */
interface Invocation {
  env: NodeJS.ProcessEnv;
  now: () => number;
  wait: (ms: number) => Promise<void>;
}

const current = new AsyncLocalStorage<Invocation>();
let installed = false;

/** Makes `process.env`, `Date` and the product's waits those of the current invocation, once per process. */
function install(): void {
  if (installed) return;
  installed = true;
  const own = process.env;
  const env = () => current.getStore()?.env ?? own;
  // The proxy's own target stays empty and extensible, so every answer below satisfies the Proxy invariants.
  process.env = new Proxy(
    {},
    {
      get: (_, key) => Reflect.get(env(), key) as string | undefined,
      set: (_, key, value) => Reflect.set(env(), key, String(value)),
      has: (_, key) => Reflect.has(env(), key),
      deleteProperty: (_, key) => Reflect.deleteProperty(env(), key),
      ownKeys: () => Reflect.ownKeys(env()),
      getOwnPropertyDescriptor: (_, key) => Reflect.getOwnPropertyDescriptor(env(), key),
      defineProperty: (_, key, descriptor) => Reflect.defineProperty(env(), key, descriptor),
    },
  );
  const RealDate = Date;
  const now = (): number => current.getStore()?.now() ?? RealDate.now();
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
  const real = setWaitImplementation((ms) => current.getStore()?.wait(ms) ?? real(ms));
}

/** One function, ready to invoke. */
interface LocalFunction {
  definition: TemplateFunction;
  functionName: string;
  functionArn: string;
  /** Session ARN of its execution role, the identity of its AWS calls. */
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

/** ARN the local run gives a function: `arn:<p>:lambda:<region>:<account>:function:<stack>-<LogicalId>`. */
export function localFunctionArn(names: LocalNames, logicalId: string): string {
  return `arn:${names.partition}:lambda:${names.region}:${names.accountId}:function:${names.stackName}-${logicalId}`;
}

/** ARN of the execution role of a function (implicit SAM role `<LogicalId>Role`, or the explicit `Role`). */
export function localRoleArn(names: LocalNames, roleLogicalId: string): string {
  return `arn:${names.partition}:iam::${names.accountId}:role/${names.stackName}-${roleLogicalId}`;
}

/** The local functions of a template. */
export class LocalFunctions {
  private readonly byArn = new Map<string, LocalFunction>();
  /** How the functions' waits pass (see {@link LocalFunctions.setWait}); default: the sandbox clock moves on at once. */
  private wait?: (ms: number) => Promise<void>;
  /** What the invocations emitted, in order (local/emf-capture.ts): CloudWatch would have it, the local run has it here. */
  private readonly emitted: EmittedMetric[] = [];

  constructor(
    template: Template,
    names: LocalNames,
    resolution: LocalResolution,
    private readonly sandbox: AwsSandbox,
    private readonly baseEnvironment: Record<string, string>,
    /** Reports an injected crash of the invocation that just ran (see `FaultPlan.takeCrash`). */
    private readonly crashOf?: () => Error | undefined,
    /** The environment of each function, when not the template's resolved with `resolution` (e.g. `sam local invoke --env-vars`). */
    environmentOf?: (definition: TemplateFunction) => Record<string, string>,
  ) {
    for (const definition of templateFunctions(template)) {
      const roleLogicalId = definition.roleLogicalId ?? `${definition.logicalId}Role`;
      const functionName = `${names.stackName}-${definition.logicalId}`;
      const environment =
        environmentOf?.(definition) ??
        Object.fromEntries(Object.entries(definition.environment).map(([key, value]) => [key, resolveValue(template, value, resolution)]));
      const roleName = localRoleArn(names, roleLogicalId).split('/').pop();
      this.byArn.set(localFunctionArn(names, definition.logicalId), {
        definition,
        functionName,
        functionArn: localFunctionArn(names, definition.logicalId),
        principalArn: `arn:${names.partition}:sts::${names.accountId}:assumed-role/${roleName}/${functionName}`,
        environment,
      });
    }
  }

  /**
   * Makes the functions' waits (a 429's `x-ratelimit-reset`) park their invocation on `wait`, e.g. an execution
   * scheduler's `sleepMs` when executions run concurrently; `undefined` puts back the default.
   */
  setWait(wait: ((ms: number) => Promise<void>) | undefined): void {
    this.wait = wait;
  }

  /** The metrics the invocations emitted so far (EMF, parsed), oldest first (copies). */
  metrics(): EmittedMetric[] {
    return this.emitted.map((metric) => ({ ...metric, dimensions: { ...metric.dimensions } }));
  }

  /** ARN of the function with that logical id. */
  arnOf(logicalId: string): string {
    const found = [...this.byArn.values()].find((fn) => fn.definition.logicalId === logicalId);
    if (!found) throw new Error(`template.yaml has no function ${logicalId}`);
    return found.functionArn;
  }

  /** Runs code as the function would run it (e.g. a handler's plain function with local stand-ins); see {@link LocalFunctions.invoke}. */
  within<T>(logicalId: string, fn: () => Promise<T>): Promise<T> {
    return this.run(this.byArn.get(this.arnOf(logicalId)) as LocalFunction, fn);
  }

  /**
   * Invokes a function by ARN with its own environment (the process's, the run's, then its own from the template),
   * the sandbox's time, and its execution role as the identity of its AWS calls; errors propagate as the Lambda
   * runtime reports them (the error's `name` is the error type).
   */
  async invoke(functionArn: string, event: unknown): Promise<unknown> {
    const fn = this.byArn.get(functionArn);
    if (!fn) throw new Error(`no local function ${functionArn}`);
    return this.run(fn, async () => {
      // Loaded on first use inside the function's environment, like a Lambda cold start.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const module = require(path.join(REPO_ROOT, fn.definition.entryPoint)) as Record<string, LambdaHandler>;
      const handler = module[fn.definition.handler.split('.').pop() ?? 'handler'];
      let result: unknown;
      try {
        result = await handler(event, lambdaContext(fn));
      } catch (error) {
        // A function that died reports its death, whatever it was doing.
        throw this.crashOf?.() ?? error;
      }
      const crash = this.crashOf?.();
      if (crash) throw crash;
      return result;
    });
  }

  /** Runs `fn` as an invocation of `local`, for as long as it runs (even past a Task time-out, when a retry runs beside it). */
  private run<T>(local: LocalFunction, fn: () => Promise<T>): Promise<T> {
    // In Lambda each function has its own process and cache; here they share one, so none keeps what another read.
    forgetSecrets();
    install();
    const invocation: Invocation = {
      env: { ...process.env, ...this.baseEnvironment, ...local.environment, AWS_LAMBDA_FUNCTION_NAME: local.functionName },
      now: () => this.sandbox.clock.now(),
      wait: this.wait ?? this.sandbox.clock.sleepMs,
    };
    return current.run(invocation, () => captureMetrics(this.emitted, () => this.sandbox.asPrincipal(local.principalArn, fn)));
  }
}

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
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
