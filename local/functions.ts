/**
 * The template's functions, run in this process as Lambda would run them: the real middy-wrapped handler, the
 * environment the template gives it, its execution role as the identity of its AWS calls in the sandbox, and the
 * sandbox's clock as the time it reads.
 */
import type { Context } from 'aws-lambda';
import path from 'node:path';
import { forgetSecrets } from '../shared/aws/json-secret';
import { captureMetrics, type EmittedMetric } from './emf-capture';
import { withClock } from './invocation-clock';
import { withEnvironment } from './invocation-environment';
import type { AwsSandbox } from './sandbox';
import { REPO_ROOT, resolveValue, templateFunctions, type LocalResolution, type Template, type TemplateFunction } from './template';

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

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

/**
 * Runs `fn` with the sandbox's virtual time as "now", its waits advancing that time (see `invocation-clock.ts`), or
 * parking on `wait` when given (concurrent executions share one clock: see `execution-scheduler.ts`).
 */
function atSandboxTime<T>(sandbox: AwsSandbox, fn: () => Promise<T>, wait?: (ms: number) => Promise<void>): Promise<T> {
  return withClock(() => sandbox.clock.now(), fn, wait ?? ((ms) => sandbox.clock.advance(ms / 1000)));
}

/** The local functions of a template. */
export class LocalFunctions {
  private readonly byArn = new Map<string, LocalFunction>();
  /** How the functions' waits pass (see {@link LocalFunctions.setWait}); default: the sandbox clock moves on at once. */
  private wait?: (ms: number) => Promise<void>;

  /**
   * Makes the functions' waits (a 429's `x-ratelimit-reset`) park their invocation on `wait`, e.g. an execution
   * scheduler's `sleepMs` when executions run concurrently; `undefined` puts back the default.
   */
  setWait(wait: ((ms: number) => Promise<void>) | undefined): void {
    this.wait = wait;
  }
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
    /**
     * The environment of each function, when not the template's resolved with `resolution` (e.g. what
     * `sam local invoke --env-vars` gives it, see `samLocalEnvironment`).
     */
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

  /**
   * Runs code as the function would run it: its environment, its execution role as the identity of its AWS calls.
   * For calling a handler's plain function with local stand-ins (e.g. a virtual-clock sleep).
   */
  async within<T>(logicalId: string, fn: () => Promise<T>): Promise<T> {
    const local = this.byArn.get(this.arnOf(logicalId));
    if (!local) throw new Error(`no local function ${logicalId}`);
    forgetSecrets();
    return withEnvironment(this.environmentOf(local), () =>
      captureMetrics(this.emitted, () => atSandboxTime(this.sandbox, () => this.sandbox.asPrincipal(local.principalArn, fn), this.wait)),
    );
  }

  /** The environment a function runs with: the process's, the run's, then its own from the template. */
  private environmentOf(fn: LocalFunction): Record<string, string | undefined> {
    return { ...process.env, ...this.baseEnvironment, ...fn.environment, AWS_LAMBDA_FUNCTION_NAME: fn.functionName };
  }

  /**
   * Invokes a function by ARN with its own environment and identity; errors propagate as the Lambda runtime reports
   * them (the error's `name` is the error type).
   */
  async invoke(functionArn: string, event: unknown): Promise<unknown> {
    const fn = this.byArn.get(functionArn);
    if (!fn) throw new Error(`no local function ${functionArn}`);
    // In Lambda each function has its own process and cache; here they share one, so none keeps what another read.
    forgetSecrets();
    // Its own environment for as long as it runs, even past a Task time-out, when a retry runs beside it.
    return withEnvironment(this.environmentOf(fn), async () => {
      // Loaded on first use inside the function's environment, like a Lambda cold start.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const module = require(path.join(REPO_ROOT, fn.definition.entryPoint)) as Record<string, LambdaHandler>;
      const handler = module[fn.definition.handler.split('.').pop() ?? 'handler'];
      let result: unknown;
      try {
        result = await captureMetrics(this.emitted, () =>
          atSandboxTime(this.sandbox, () => this.sandbox.asPrincipal(fn.principalArn, () => handler(event, lambdaContext(fn))), this.wait),
        );
      } catch (error) {
        // A function that died reports its death, whatever it was doing.
        throw this.crashOf?.() ?? error;
      }
      const crash = this.crashOf?.();
      if (crash) throw crash;
      return result;
    });
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
