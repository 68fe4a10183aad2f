/**
 * Fault injection for local runs: `--fault SERVICE:OPERATION:ERROR[:COUNT]` makes calls fail, and
 * `--fault crash-after:SERVICE:OPERATION` makes the calling function die right after that call succeeded, as a Lambda
 * time-out would.
 *
 * - SERVICE: `iam`, `sts`, `organizations`, `secretsmanager` or `datadog`.
 * - OPERATION: the SDK command name without `Command` (`CreateRole`), the Datadog client method in PascalCase
 *   (`CreateAWSAccount`), or `*`.
 * - ERROR: an AWS error name (`Throttling`, `ServiceFailure`, `AccessDenied`) or, for `datadog`, an HTTP status.
 * - COUNT: how many matching calls fail, default 1, or `always`.
 */
import { S3ServiceException } from '@aws-sdk/client-s3';
import { IAMServiceException } from '@aws-sdk/client-iam';
import { OrganizationsServiceException } from '@aws-sdk/client-organizations';
import { SecretsManagerServiceException } from '@aws-sdk/client-secrets-manager';
import { STSServiceException } from '@aws-sdk/client-sts';
import type { DatadogFaultHooks } from './datadog/types';
import type { CallHooks } from './sandbox';

const AWS_SERVICES = ['iam', 'sts', 'organizations', 'secretsmanager', 's3'] as const;
type AwsService = (typeof AWS_SERVICES)[number];
type FaultService = AwsService | 'datadog';

/** A malformed `--fault` value; the message is one line naming what was wrong. */
export class FaultSpecError extends Error {
  constructor(spec: string, problem: string) {
    super(`--fault ${spec.slice(0, 80)}: ${problem}`);
    this.name = 'FaultSpecError';
  }
}

interface FailRule {
  service: FaultService;
  operation: string;
  error: string;
  remaining: number;
  fired?: boolean;
}

interface CrashRule {
  service: FaultService;
  operation: string;
  fired: boolean;
}

/** AWS error names whose fault is on AWS's side (HTTP 5xx), as the SDK marks them. */
const SERVER_ERRORS = new Set([
  'ServiceFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServiceError',
  'InternalServiceErrorException',
]);
const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded']);

const EXCEPTION_CLASSES = {
  iam: IAMServiceException,
  sts: STSServiceException,
  organizations: OrganizationsServiceException,
  secretsmanager: SecretsManagerServiceException,
  s3: S3ServiceException,
} as const;

/** Builds the error an AWS service answers with that name (the SDK's own service exception class). */
export function awsError(service: AwsService, name: string): Error {
  const server = SERVER_ERRORS.has(name);
  const status = server ? 500 : name.startsWith('AccessDenied') ? 403 : 400;
  return new EXCEPTION_CLASSES[service]({
    name,
    $fault: server ? 'server' : 'client',
    message: `${name} (injected by --fault)`,
    $metadata: { httpStatusCode: status },
    ...(THROTTLING.has(name) ? { $retryable: { throttling: true } } : {}),
  });
}

const OPERATION = /^(\*|[A-Z][A-Za-z0-9]{1,63})$/;

function parseService(spec: string, value: string | undefined): FaultService {
  if (value === 'datadog' || (AWS_SERVICES as readonly string[]).includes(value ?? '')) return value as FaultService;
  throw new FaultSpecError(spec, `SERVICE must be one of ${[...AWS_SERVICES, 'datadog'].join(', ')}`);
}

function parseOperation(spec: string, value: string | undefined): string {
  if (value !== undefined && OPERATION.test(value)) return value;
  throw new FaultSpecError(spec, 'OPERATION must be a PascalCase operation name (CreateRole, CreateAWSAccount) or *');
}

/** Faults of one run, parsed from the `--fault` values. */
export class FaultPlan {
  private readonly failures: FailRule[] = [];
  private readonly crashes: CrashRule[] = [];
  private crashedAfter: string | undefined;

  /**
   * Parses the `--fault` values.
   *
   * @throws FaultSpecError for the first malformed value.
   */
  static parse(specs: string[]): FaultPlan {
    const plan = new FaultPlan();
    for (const spec of specs) {
      const parts = spec.split(':');
      if (parts[0] === 'crash-after') {
        if (parts.length !== 3) throw new FaultSpecError(spec, 'expected crash-after:SERVICE:OPERATION');
        plan.crashes.push({ service: parseService(spec, parts[1]), operation: parseOperation(spec, parts[2]), fired: false });
        continue;
      }
      if (parts.length < 3 || parts.length > 4) throw new FaultSpecError(spec, 'expected SERVICE:OPERATION:ERROR[:COUNT]');
      const service = parseService(spec, parts[0]);
      const operation = parseOperation(spec, parts[1]);
      const error = parts[2];
      if (service === 'datadog' ? !/^[45]\d\d$/.test(error) : !/^[A-Z][A-Za-z0-9.]{1,63}$/.test(error)) {
        throw new FaultSpecError(
          spec,
          service === 'datadog' ? 'ERROR must be an HTTP status 400-599 for datadog' : 'ERROR must be an AWS error name such as Throttling',
        );
      }
      const count = parts[3] ?? '1';
      if (count !== 'always' && !/^[1-9]\d{0,4}$/.test(count))
        throw new FaultSpecError(spec, 'COUNT must be a whole number from 1 to 99999, or always');
      plan.failures.push({ service, operation, error, remaining: count === 'always' ? Infinity : Number(count) });
    }
    return plan;
  }

  private failure(service: FaultService, operation: string): string | undefined {
    const rule = this.failures.find(
      (candidate) =>
        candidate.remaining > 0 && candidate.service === service && (candidate.operation === '*' || candidate.operation === operation),
    );
    if (!rule) return undefined;
    rule.remaining -= 1;
    rule.fired = true;
    return rule.error;
  }

  private crashAfter(service: FaultService, operation: string): boolean {
    const rule = this.crashes.find(
      (candidate) =>
        !candidate.fired && candidate.service === service && (candidate.operation === '*' || candidate.operation === operation),
    );
    if (!rule) return false;
    rule.fired = true;
    this.crashedAfter = `${service}:${operation}`;
    return true;
  }

  /** Hooks for the AWS sandbox. A crash throws at once, so the function stops right after the call. */
  sandboxHooks(): CallHooks {
    return {
      before: (service, operation) => {
        const error = this.failure(service, operation);
        return error === undefined ? undefined : awsError(service, error);
      },
      after: (service, operation) => {
        if (this.crashAfter(service, operation)) throw new Error(`crash injected after ${service}:${operation}`);
      },
    };
  }

  /** Hooks for the local Datadog server. */
  datadogHooks(): DatadogFaultHooks {
    return {
      before: (operation) => {
        const status = this.failure('datadog', operation);
        return status === undefined ? undefined : Number(status);
      },
      after: (operation) => {
        this.crashAfter('datadog', operation);
      },
    };
  }

  /** The specs that never matched a call (a misspelt operation, or a call this flow does not make). */
  unfired(): string[] {
    return [
      ...this.failures.filter((rule) => !rule.fired).map((rule) => `${rule.service}:${rule.operation}:${rule.error}`),
      ...this.crashes.filter((rule) => !rule.fired).map((rule) => `crash-after:${rule.service}:${rule.operation}`),
    ];
  }

  /** Whether any spec injects into Datadog calls. */
  touchesDatadog(): boolean {
    return [...this.failures, ...this.crashes].some((rule) => rule.service === 'datadog');
  }

  /**
   * After a function ran: the crash it suffered, as Lambda reports a function that died (error type
   * `Sandbox.Timedout`), or `undefined`. Consumes it.
   */
  takeCrash(): Error | undefined {
    if (this.crashedAfter === undefined) return undefined;
    const crash = new Error(`Task timed out (crash injected right after ${this.crashedAfter})`);
    crash.name = 'Sandbox.Timedout';
    this.crashedAfter = undefined;
    return crash;
  }
}
