/** The stack of `template.yaml` deployed locally, as `npm start`, `npm run rotate`, reconciliation and the tests use it. */
import { randomBytes, randomUUID } from 'node:crypto';
import { createLocalAccountsTable, dynamoDbCallsSoFar, tableItems } from './dynamodb';
import { startLocalDatadog, type DatadogAccountRecord, type RateLimit } from './datadog/server';
import type { FaultPlan } from './faults';
import { LocalFunctions, localFunctionArn, localRoleArn, type LocalNames } from './functions';
import type { AwsSandbox, ServiceName } from './sandbox';
import { LocalExecutions, runExecution, type ExecutionOptions, type LocalExecution } from './step-functions';
import { loadDefinition, loadTemplate, templateFunctions, type LocalResolution, type Template, type TemplateFunction } from './template';
import { loadExecutionRolePolicies } from './template-policies';
import { iamRegion } from '../shared/aws/regions';
import type { DatadogSite } from '../shared/datadog-sites';
// From step-inputs: rotate-access-key loads the functions' logger, which must first load inside a function's environment.
import { ROTATION_STEPS } from '../shared/onboarding/step-inputs';
import type { SettingsDocument } from '../shared/settings/schema';

/** The stack name of every local deployment. */
export const LOCAL_STACK_NAME = 'datadog-onboarding-local';

/** Names of the local stack in the sandbox's management account, in `region` (default its partition's IAM region). */
export function sandboxNames(sandbox: AwsSandbox, region = iamRegion(sandbox.partition)): LocalNames {
  return { partition: sandbox.partition, region, accountId: sandbox.managementAccountId, stackName: LOCAL_STACK_NAME };
}

/** Name of the Datadog keys secret (`DatadogKeysSecretArn`). */
export const LOCAL_KEYS_SECRET_NAME = 'datadog-onboarding/datadog-keys';
/** Random, never printed, one per process: a warm function keeps the keys it read for five minutes (as in Lambda). */
const LOCAL_DATADOG_KEYS = { apiKey: randomBytes(16).toString('hex'), appKey: randomBytes(20).toString('hex') };
const LAMBDA_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

/** How the stack's references resolve: pseudo parameters, each resource's `Ref` and `Arn` (`<stack>-<LogicalId>`), parameters. */
export function stackResolution(
  template: Template,
  names: LocalNames,
  parameters: Record<string, string> = {},
  accountsTableName = `${names.stackName}-AccountsTable`,
): LocalResolution {
  const { partition, region, accountId, stackName } = names;
  const resources: Record<string, string> = {
    OnboardingStateMachine: `arn:${partition}:states:${region}:${accountId}:stateMachine:${stackName}-onboarding`,
    ReconcileOrganizationStateMachine: `arn:${partition}:states:${region}:${accountId}:stateMachine:${stackName}-reconcile`,
    // Bucket names are global: the local one carries the account id, as a generated name would be unique.
    ReconciliationBucket: `${stackName}-reconciliation-${accountId}`,
    'ReconciliationBucket.Arn': `arn:${partition}:s3:::${stackName}-reconciliation-${accountId}`,
    'LifecycleEventsDeadLetterQueue.Arn': `arn:${partition}:sqs:${region}:${accountId}:${stackName}-LifecycleEventsDeadLetterQueue`,
    AccountsTable: accountsTableName,
    'AccountsTable.Arn': `arn:${partition}:dynamodb:${region}:${accountId}:table/${accountsTableName}`,
  };
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::IAM::Role') resources[`${logicalId}.Arn`] = localRoleArn(names, logicalId);
  }
  for (const fn of templateFunctions(template)) {
    resources[`${fn.logicalId}.Arn`] = localFunctionArn(names, fn.logicalId);
    resources[fn.logicalId] = `${stackName}-${fn.logicalId}`;
    if (fn.roleLogicalId === undefined) resources[`${fn.logicalId}Role.Arn`] = localRoleArn(names, `${fn.logicalId}Role`);
  }
  return {
    pseudo: { 'AWS::Partition': partition, 'AWS::Region': region, 'AWS::AccountId': accountId, 'AWS::StackName': stackName },
    resources,
    parameters,
  };
}

/** The stack's parameter values: `name` → the override, else the template's default. */
export function stackParameters(template: Template, overrides: Record<string, string> = {}): (name: string) => string {
  return (name) => overrides[name] ?? String(template.Parameters[name]?.Default ?? '');
}

/**
 * Checks parameter overrides as CloudFormation would: a parameter of the template, and `AllowedValues`, `AllowedPattern`
 * (each item of a `CommaDelimitedList`), `MinValue`/`MaxValue`.
 * @throws Error with a one-line message naming the first parameter refused.
 */
export function checkStackParameters(template: Template, overrides: Record<string, string>): void {
  for (const [name, value] of Object.entries(overrides)) {
    const parameter = Object.hasOwn(template.Parameters, name) ? template.Parameters[name] : undefined;
    if (!parameter) throw new Error(`${name} is not a parameter of template.yaml`);
    if (name === 'DatadogKeysSecretArn') throw new Error(`${name} is set by the local deployment (its Datadog keys secret)`);
    const { AllowedValues: allowed, AllowedPattern: pattern, MinValue: min, MaxValue: max, Type: type } = parameter;
    const items = type === 'CommaDelimitedList' ? value.split(',').map((item) => item.trim()) : [value];
    const refused = pattern === undefined ? undefined : items.find((item) => !new RegExp(pattern).test(item));
    const number = type === 'Number' && value.trim() !== '' ? Number(value) : Number.NaN;
    const problem = [
      allowed && !allowed.map(String).includes(value) && `not one of ${allowed.join(', ')}`,
      refused !== undefined && `${refused === value ? 'the value' : `"${refused}"`} does not match ${pattern}`,
      type === 'Number' && !Number.isFinite(number) && 'not a number',
      min !== undefined && number < min && `below ${min}`,
      max !== undefined && number > max && `above ${max}`,
    ].find(Boolean);
    if (problem) throw new Error(`${name}=${value.length > 64 ? `${value.slice(0, 64)}…` : value}: ${problem}`);
  }
}

/** Options of {@link deployLocally}. */
export interface LocalDeploymentOptions {
  sandbox: AwsSandbox;
  names: LocalNames;
  template?: Template;
  parameters?: Record<string, string>;
  /** Default: the `DatadogSite` parameter. */
  datadogSite?: DatadogSite;
  /** A Datadog server to call instead of the embedded one, and its keys. */
  datadogUrl?: string;
  datadogKeys?: { apiKey: string; appKey: string };
  /** The 6 characters ending the keys secret's ARN; default random. */
  keysSecretSuffix?: string;
  datadogAccounts?: DatadogAccountRecord[];
  faults?: FaultPlan;
  /** Level of the functions' own logs; default `SILENT`. */
  logLevel?: 'SILENT' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Bound on each Datadog request, seconds; default the functions' own (10 s). */
  datadogTimeoutSeconds?: number;
  datadogRateLimit?: RateLimit;
  settingsDocument?: SettingsDocument;
  /** Give SAM's implicit execution roles the template's policies too; default: explicit roles only. */
  enforceFunctionPolicies?: boolean;
  /** Each function's environment when not the template's (`sam local invoke --env-vars`). */
  environmentOf?: (definition: TemplateFunction) => Record<string, string>;
  accountRecords?: Record<string, unknown>[];
}

type RotationStep = (typeof ROTATION_STEPS)[number];

/** The stack deployed in a sandbox, from {@link deployLocally}. */
export type LocalDeployment = Awaited<ReturnType<typeof deployLocally>>;

/**
 * Deploys the template into a sandbox: the Datadog keys secret, the embedded Datadog, the accounts table, the execution roles.
 * @throws Error when the template uses something the policy loader does not model (template-policies.ts).
 */
export async function deployLocally(options: LocalDeploymentOptions) {
  const { sandbox, names } = options;
  const template = options.template ?? loadTemplate();
  const keys = options.datadogKeys ?? LOCAL_DATADOG_KEYS;
  // Other keys get another secret: a warm function would otherwise reuse the keys it read from the first one.
  const secretName = options.datadogKeys ? `${LOCAL_KEYS_SECRET_NAME}-external` : LOCAL_KEYS_SECRET_NAME;
  const secretArn = sandbox.putSecret(secretName, JSON.stringify(keys), {
    accountId: names.accountId,
    region: names.region,
    suffix: options.keysSecretSuffix,
  });
  const site = options.datadogSite ?? (stackParameters(template, options.parameters)('DatadogSite') as DatadogSite);
  const datadog = options.datadogUrl
    ? undefined
    : await startLocalDatadog({
        ...keys,
        site,
        accounts: options.datadogAccounts,
        faults: options.faults?.datadogHooks(),
        // Datadog's time is the sandbox's: rate-limit windows pass as the functions wait on the virtual clock.
        now: () => sandbox.clock.now(),
        rateLimit: options.datadogRateLimit,
      });
  const accountsTableName = await createLocalAccountsTable(template, names.stackName, options.accountRecords);
  const parameters = { LogLevel: options.logLevel ?? 'SILENT', ...options.parameters, DatadogKeysSecretArn: secretArn, DatadogSite: site };
  const resolution = stackResolution(template, names, parameters, accountsTableName);
  // AWS managed policies are left out (they grant CloudWatch Logs, which the sandbox does not serve), and SAM's
  // implicit roles unless enforced: a role not in the sandbox is allowed every call.
  const seeded = new Set<string>();
  for (const role of loadExecutionRolePolicies(template, resolution)) {
    const explicit = template.Resources[role.roleLogicalId]?.Type === 'AWS::IAM::Role';
    if (role.kind !== 'function' || seeded.has(role.roleLogicalId) || !(explicit || options.enforceFunctionPolicies)) continue;
    seeded.add(role.roleLogicalId);
    const roleName = `${names.stackName}-${role.roleLogicalId}`;
    const policyArns = role.policies
      .filter((loaded) => loaded.source !== 'aws-managed-policy')
      .map((loaded) => sandbox.putPolicy(names.accountId, `${roleName}-${loaded.name.replace(/[^\w+=,.@-]/g, '-')}`, loaded.policy));
    sandbox.putRole(names.accountId, roleName, { trustPolicy: LAMBDA_TRUST, attachedPolicyArns: policyArns });
  }
  sandbox.putBucket(resolution.resources.ReconciliationBucket, { accountId: names.accountId, region: names.region });
  const { environmentOf } = options;
  const functions = new LocalFunctions(
    template,
    names,
    resolution,
    sandbox,
    {
      AWS_REGION: names.region,
      AWS_DEFAULT_REGION: names.region,
      // Not credentials: the sandbox identifies calls signed with them as the invoked function's execution role.
      AWS_ACCESS_KEY_ID: 'AKIALOCALFUNCTIONROLE',
      AWS_SECRET_ACCESS_KEY: 'local-sandbox-placeholder',
      DATADOG_API_URL: options.datadogUrl ?? datadog?.url ?? '',
      // Powertools Metrics prints EMF on the global console in dev mode (captured by local/functions.ts), and
      // disables itself there unless told otherwise.
      POWERTOOLS_DEV: 'true',
      POWERTOOLS_METRICS_DISABLED: 'false',
      ...(options.datadogTimeoutSeconds !== undefined ? { DATADOG_TIMEOUT_SECONDS: String(options.datadogTimeoutSeconds) } : {}),
      ...(options.settingsDocument ? { DATADOG_SETTINGS_DOCUMENT: JSON.stringify(options.settingsDocument) } : {}),
    },
    () => options.faults?.takeCrash(),
    // Every local deployment has a table of its own, whatever the given environment names.
    environmentOf &&
      ((definition) => {
        const environment = environmentOf(definition);
        return 'ACCOUNTS_TABLE_NAME' in environment ? { ...environment, ACCOUNTS_TABLE_NAME: accountsTableName } : environment;
      }),
  );
  // Through the plain step function with a sleep on the sandbox's clock (the handler's own would wait in real time).
  const rotationStep = (event: { SecretId: string; ClientRequestToken: string; Step: RotationStep }): Promise<void> =>
    functions.within('RotateAccessKeyFunction', async () => {
      // Loaded inside the function's environment, like a cold start (its logger reads the log level then).
      const { rotateAccessKeyStep } = await import('../functions/rotate-access-key/index');
      await rotateAccessKeyStep(event, (seconds) => Promise.resolve(sandbox.clock.advance(seconds)));
    });
  return {
    template,
    names,
    sandbox,
    resolution,
    functions,
    datadog,
    parameter: stackParameters(template, resolution.parameters),
    datadogAccounts: () => (datadog ? datadog.accounts() : (options.datadogAccounts ?? [])),
    accountsTableName,
    /** The items of the accounts table now, sorted by account. */
    accountRecords: () => tableItems(accountsTableName),
    rotationStep,
    /** Rotates a key secret as Secrets Manager does (four steps, one token, each through `around`); returns the error, if any. */
    async rotate(secretId: string, around = (_step: RotationStep, run: () => Promise<void>) => run()) {
      const event = { SecretId: secretId, ClientRequestToken: randomUUID() };
      const steps: RotationStep[] = [];
      for (const Step of ROTATION_STEPS) {
        try {
          await around(Step, () => rotationStep({ ...event, Step }));
        } catch (error) {
          return { steps, error: error as Error };
        }
        steps.push(Step);
      }
      return { steps };
    },
    close: async () => datadog?.close(),
    faults: options.faults,
  };
}

/** What {@link runStateMachines} gives its body. */
export interface StateMachineRun {
  onboarding: LocalExecutions;
  definition(logicalId?: string): Record<string, unknown>;
  execute(
    execution: LocalExecution,
    options?: Partial<Omit<ExecutionOptions, 'clock' | 'onProgress' | 'onIntegration'>> & { definition?: Record<string, unknown> },
  ): Promise<LocalExecution>;
}

/** Runs `body` with the sandbox (and faults) answering the SDK and the onboarding executions StartExecution; then closes all. */
export async function runStateMachines<T>(
  deployment: LocalDeployment,
  body: (run: StateMachineRun) => Promise<T>,
  options: Pick<ExecutionOptions, 'onProgress' | 'onIntegration'> = {},
): Promise<T> {
  const { sandbox, functions, template, resolution } = deployment;
  const onboarding = new LocalExecutions(String(resolution.resources.OnboardingStateMachine));
  const definitions = new Map<string, Record<string, unknown>>();
  const definition = (logicalId = 'OnboardingStateMachine') => {
    if (!definitions.has(logicalId)) definitions.set(logicalId, loadDefinition(template, resolution, logicalId));
    return definitions.get(logicalId) as Record<string, unknown>;
  };
  // Hooks a caller set (a benchmark counting calls) stay unless faults are injected.
  const faults = deployment.faults;
  if (faults) sandbox.setCallHooks(faults.sandboxHooks());
  sandbox.install();
  onboarding.install();
  try {
    return await body({
      onboarding,
      definition,
      execute: (execution, executionOptions = {}) =>
        runExecution(executionOptions.definition ?? definition(), execution, {
          invoke: (arn, input) => functions.invoke(arn, input),
          onProgress: options.onProgress,
          onIntegration: options.onIntegration,
          executions: onboarding,
          ...executionOptions,
          clock: sandbox.clock,
        }),
    });
  } finally {
    onboarding.restore();
    sandbox.restore();
    if (faults) sandbox.setCallHooks(undefined);
    await deployment.close();
  }
}

/**
 * What a run did: mutating calls (not Get/List/Describe, attempts included, Datadog's non-GETs), reads, the embedded
 * Datadog's requests (how many 429, per OpenAPI operation), the functions' EMF metrics, Datadog's events.
 */
export type RunUsage = ReturnType<ReturnType<typeof meterRun>>;

/** Starts counting calls; the function returned tells what happened since (Datadog's `CreateEvent` only if `countEvents`). */
export function meterRun(sandbox: AwsSandbox, countEvents: boolean) {
  const before = sandbox.mutatingCalls();
  const dynamoDbBefore = dynamoDbCallsSoFar();
  return (deployment: LocalDeployment | undefined) => {
    const after = sandbox.mutatingCalls();
    const dynamoDbAfter = dynamoDbCallsSoFar();
    const requests = (deployment?.datadog?.requests() ?? []).filter((request) => countEvents || request.operation !== 'CreateEvent');
    const counted = (some: typeof requests) => ({ total: some.length, throttled: some.filter((request) => request.status === 429).length });
    const operations = [...new Set(requests.map((request) => request.operation))];
    const gets = requests.filter((request) => request.method === 'GET').length;
    const services = Object.keys(after) as ServiceName[];
    return {
      mutating: {
        ...(Object.fromEntries(services.map((service) => [service, after[service] - before[service]])) as Record<ServiceName, number>),
        datadog: requests.length - gets,
        dynamodb: dynamoDbAfter.mutating - dynamoDbBefore.mutating,
      },
      reads: { dynamodb: dynamoDbAfter.reads - dynamoDbBefore.reads, datadog: gets },
      datadogRequests: {
        ...counted(requests),
        byOperation: Object.fromEntries(
          operations.map((name) => [name, counted(requests.filter((request) => request.operation === name))]),
        ),
      },
      metrics: deployment?.functions.metrics() ?? [],
      datadogEvents: deployment?.datadog?.events() ?? [],
    };
  };
}
