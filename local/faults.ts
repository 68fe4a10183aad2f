/**
 * `--fault SERVICE:OPERATION:ERROR[:COUNT]` fails calls (ERROR an AWS error name, or an HTTP status for `datadog`;
 * COUNT default 1, or `always`); `--fault crash-after:SERVICE:OPERATION` kills the caller after the call succeeded.
 */
import type { DatadogFaultHooks } from './datadog/server';
import type { CallHooks } from './sandbox';
import { serviceException } from './sandbox/errors';
import { SERVICE_NAMES } from './sandbox/state';

/** The sandbox's services, whose faults are the SDK's own exceptions, and Datadog's (HTTP statuses). */
const SERVICES = [...SERVICE_NAMES, 'datadog'];

/** AWS error names the SDK marks as server faults (HTTP 5xx). */
const SERVER_ERRORS = /^(ServiceFailure|ServiceUnavailable(Exception)?|InternalFailure|InternalServiceError(Exception)?)$/;
const THROTTLING = /^(Throttling(Exception)?|TooManyRequestsException|RequestLimitExceeded)$/;

/** One `--fault`: a failure (`error` set) or a crash after the call. */
type Rule = ReturnType<typeof parseRule>;

/** @throws Error naming the first part of `spec` that is malformed. */
function parseRule(spec: string) {
  const crash = spec.startsWith('crash-after:');
  const parts = spec.split(':').slice(crash ? 1 : 0);
  const [service, operation, error, count = '1'] = parts;
  const aws = service !== 'datadog';
  const problems: [boolean, string][] = [
    [crash && parts.length !== 2, 'expected crash-after:SERVICE:OPERATION'],
    [!crash && (parts.length < 3 || parts.length > 4), 'expected SERVICE:OPERATION:ERROR[:COUNT]'],
    [!SERVICES.includes(service), `SERVICE must be one of ${SERVICES.join(', ')}`],
    [!/^(\*|[A-Z][A-Za-z0-9]{1,63})$/.test(operation), 'OPERATION must be a PascalCase operation name (CreateRole, CreateAWSAccount) or *'],
    [!crash && !aws && !/^[45]\d\d$/.test(error), 'ERROR must be an HTTP status 400-599 for datadog'],
    [!crash && aws && !/^[A-Z][A-Za-z0-9.]{1,63}$/.test(error), 'ERROR must be an AWS error name such as Throttling'],
    [count !== 'always' && !/^[1-9]\d{0,4}$/.test(count), 'COUNT must be a whole number from 1 to 99999, or always'],
  ];
  const problem = problems.find(([malformed]) => malformed);
  if (problem) throw new Error(`--fault ${spec.slice(0, 80)}: ${problem[1]}`);
  return {
    spec: crash ? spec : `${service}:${operation}:${error}`,
    service,
    operation,
    error: crash ? undefined : error,
    remaining: count === 'always' ? Infinity : Number(count),
    fired: false,
  };
}

/** Faults of one run, parsed from the `--fault` values. */
export class FaultPlan {
  private crashedAfter: string | undefined;

  private constructor(private readonly rules: Rule[]) {}

  /** @throws Error for the first malformed `--fault` value. */
  static parse(specs: string[]): FaultPlan {
    return new FaultPlan(specs.map(parseRule));
  }

  /** The first matching rule with calls left, now fired once more. */
  private fire(crash: boolean, service: string, operation: string): Rule | undefined {
    const rule = this.rules.find(
      (candidate) =>
        candidate.remaining > 0 &&
        (candidate.error === undefined) === crash &&
        candidate.service === service &&
        [operation, '*'].includes(candidate.operation),
    );
    if (!rule) return undefined;
    rule.remaining -= 1;
    rule.fired = true;
    if (crash) this.crashedAfter = `${service}:${operation}`;
    return rule;
  }

  /** Hooks for the AWS sandbox: a failure is the SDK's own exception; a crash throws right after the call. */
  sandboxHooks(): CallHooks {
    return {
      before: (service, operation) => {
        const name = this.fire(false, service, operation)?.error;
        if (name === undefined) return undefined;
        const server = SERVER_ERRORS.test(name);
        return new (serviceException(service))({
          name,
          $fault: server ? 'server' : 'client',
          message: `${name} (injected by --fault)`,
          $metadata: { httpStatusCode: server ? 500 : name.startsWith('AccessDenied') ? 403 : 400 },
          ...(THROTTLING.test(name) ? { $retryable: { throttling: true } } : {}),
        });
      },
      after: (service, operation) => {
        if (this.fire(true, service, operation)) throw new Error(`crash injected after ${service}:${operation}`);
      },
    };
  }

  /** Hooks for the local Datadog server (a failure is an HTTP status). */
  datadogHooks(): DatadogFaultHooks {
    return {
      before: (operation) => {
        const status = this.fire(false, 'datadog', operation)?.error;
        return status === undefined ? undefined : Number(status);
      },
      after: (operation) => void this.fire(true, 'datadog', operation),
    };
  }

  unfired(): string[] {
    return this.rules.filter((rule) => !rule.fired).map((rule) => rule.spec);
  }

  touchesDatadog(): boolean {
    return this.rules.some((rule) => rule.service === 'datadog');
  }

  /** Consumes the crash the function that just ran suffered, as Lambda reports it (`Sandbox.Timedout`). */
  takeCrash(): Error | undefined {
    const after = this.crashedAfter;
    this.crashedAfter = undefined;
    if (after === undefined) return undefined;
    return Object.assign(new Error(`Task timed out (crash injected right after ${after})`), { name: 'Sandbox.Timedout' });
  }
}
