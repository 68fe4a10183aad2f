/**
 * The whole onboarding flow, locally, with no AWS and no Docker: the template's EventBridge patterns decide whether
 * an event fires; the starter runs; the template's state machine runs on `aws-local-stepfunctions` with the real
 * handlers, against the AWS sandbox and a Datadog API server on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { startLocalDatadog, type DatadogAccountRecord, type LocalDatadogServer } from './datadog/server';
import { LocalFunctions, localFunctionArn, type LocalNames } from './functions';
import { AwsSandbox, type SandboxDump } from './sandbox';
import { runExecution, LocalExecutions, type ProgressListener } from './step-functions';
import { loadDefinition, loadTemplate, templateFunctions, templateRoles, type LocalResolution } from './template';
import { matchesEventPattern } from './event-pattern';
import type { DatadogSite } from '../shared/datadog-sites';
import { decideLifecycleEvent } from '../shared/events/lifecycle-event';
import { executionInputSchema } from '../shared/onboarding/execution-input';
import { partitionOfRegion, type Partition } from '../shared/partitions';
import { describeFirstIssue } from '../shared/validation';

/** Options of a local run. */
export interface LocalRunOptions {
  /** An EventBridge event, or a console replay input `{"accountId": "…", …}`. */
  input: unknown;
  /** Datadog site (the template's `DatadogSite`); default the template's default. */
  datadogSite?: DatadogSite;
  /** Send Datadog calls to this server instead of the embedded one. */
  datadogUrl?: string;
  /** Keys for that server (stored in the sandbox's keys secret); default random keys the embedded server accepts. */
  datadogKeys?: { apiKey: string; appKey: string };
  /** Registrations the embedded Datadog holds before the run (API field names). */
  datadogAccounts?: DatadogAccountRecord[];
  /** Seconds IAM changes take to propagate in the sandbox; default 10. */
  propagationSeconds?: number;
  /** A prepared sandbox (tests seed partial states); default: one modelling the organization the input implies. */
  sandbox?: AwsSandbox;
  /** Called for each step-level event of the execution. */
  onProgress?: ProgressListener;
  /** Template parameter values overriding the defaults, e.g. `{ MaxValidationSeconds: '60' }`. */
  parameters?: Record<string, string>;
  /** Level of the functions' own logs; default `SILENT` (the summary tells what happened). */
  logLevel?: 'SILENT' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/** The result of a local run: the `--json` document of `npm start`. */
export interface LocalRunSummary {
  outcome: 'onboarded' | 'ignored' | 'rejected' | 'failed';
  accountId?: string;
  partition?: Partition;
  reason?: string;
  validationAttempts: number;
  datadog?: { accountConfigId: string; roleName: string; externalId: string };
  executionName?: string;
  sandbox: SandboxDump;
  datadogAccounts: DatadogAccountRecord[];
}

const STACK_NAME = 'datadog-onboarding-local';
/**
 * The local Datadog keys: random, never printed, and the same for every run of this process, because a warm function
 * keeps the keys it read for five minutes (as in Lambda).
 */
const LOCAL_DATADOG_KEYS = { apiKey: randomBytes(16).toString('hex'), appKey: randomBytes(20).toString('hex') };
const DEFAULT_MANAGEMENT_ACCOUNT = '111122223333';

function isEventBridgeEvent(input: unknown): boolean {
  return input !== null && typeof input === 'object' && ('detail-type' in input || 'source' in input);
}

/** Runs the input through the real pieces; never throws for bad input (it ends `rejected`). */
export async function runLocally(options: LocalRunOptions): Promise<LocalRunSummary> {
  const template = loadTemplate();
  const event = options.input as { region?: string; account?: string };
  const region = isEventBridgeEvent(options.input) && typeof event.region === 'string' ? event.region : 'us-east-1';
  const names: LocalNames = {
    partition: partitionOfRegion(region),
    region,
    accountId: isEventBridgeEvent(options.input) && /^\d{12}$/.test(String(event.account)) ? String(event.account) : DEFAULT_MANAGEMENT_ACCOUNT,
    stackName: STACK_NAME,
  };
  const sandbox =
    options.sandbox ??
    new AwsSandbox({ managementAccountId: names.accountId, partition: names.partition as Partition, propagationSeconds: options.propagationSeconds ?? 10 });
  const ignoredOrRejected = (outcome: 'ignored' | 'rejected', reason: string, accountId?: string): LocalRunSummary => ({
    outcome,
    reason,
    accountId,
    validationAttempts: 0,
    sandbox: sandbox.dump(),
    datadogAccounts: options.datadogAccounts ?? [],
  });

  // 1. Does it fire? The template's EventBridge patterns decide, as EventBridge would.
  let executionInput: unknown;
  const starter = templateFunctions(template).find((fn) => Object.keys(fn.eventPatterns).length > 0);
  if (isEventBridgeEvent(options.input)) {
    const fires = Object.values(starter?.eventPatterns ?? {}).some((pattern) => matchesEventPattern(pattern as Record<string, unknown>, options.input));
    if (!fires) {
      const decision = decideLifecycleEvent(options.input);
      const why = decision.action === 'onboard' ? 'not matched' : decision.reason;
      return ignoredOrRejected('ignored', `no EventBridge rule of template.yaml matches this event (${why})`);
    }
  } else {
    const parsed = executionInputSchema.safeParse(options.input);
    if (!parsed.success) return ignoredOrRejected('rejected', `execution input ${describeFirstIssue(parsed.error, 'input')}`);
    executionInput = parsed.data;
  }

  // 2. The world the input implies: the organization with its member account, the keys secret, Datadog.
  const decision = isEventBridgeEvent(options.input) ? decideLifecycleEvent(options.input) : undefined;
  const memberAccountId = decision?.action === 'onboard' ? decision.accountId : (executionInput as { accountId?: string } | undefined)?.accountId;
  const byControlTower = decision?.action === 'onboard' && decision.trigger.source === 'aws.controltower';
  const site = options.datadogSite ?? (String(template.Parameters.DatadogSite.Default) as DatadogSite);
  if (!options.sandbox && memberAccountId) {
    sandbox.addAccount(memberAccountId, { name: decision?.action === 'onboard' ? decision.context.accountName : undefined });
    const accessRole = byControlTower ? String(template.Parameters.ControlTowerAccessRoleName.Default) : String(template.Parameters.MemberAccessRoleName.Default);
    sandbox.putRole(memberAccountId, accessRole, {
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:${names.partition}:iam::${names.accountId}:root` }, Action: 'sts:AssumeRole' }],
      },
      attachedPolicyArns: [`arn:${names.partition}:iam::aws:policy/AdministratorAccess`],
    });
  }
  const keys = options.datadogKeys ?? LOCAL_DATADOG_KEYS;
  // Other keys get another secret: a warm function would otherwise reuse the keys it read from the first one.
  const secretName = options.datadogKeys ? 'datadog-onboarding/datadog-keys-external' : 'datadog-onboarding/datadog-keys';
  const secretArn = sandbox.putSecret(secretName, JSON.stringify(keys), { accountId: names.accountId, region });
  let datadog: LocalDatadogServer | undefined;
  if (!options.datadogUrl) {
    datadog = await startLocalDatadog({ ...keys, site, accounts: options.datadogAccounts });
  }

  const stateMachineArn = `arn:${names.partition}:states:${region}:${names.accountId}:stateMachine:${STACK_NAME}-onboarding`;
  const resources: Record<string, string> = { OnboardingStateMachine: stateMachineArn };
  for (const fn of templateFunctions(template)) {
    resources[`${fn.logicalId}.Arn`] = localFunctionArn(names, fn.logicalId);
    resources[fn.logicalId] = `${STACK_NAME}-${fn.logicalId}`;
  }
  resources['ValidatorRole.Arn'] = `arn:${names.partition}:iam::${names.accountId}:role/${STACK_NAME}-ValidatorRole`;
  const resolution: LocalResolution = {
    pseudo: { 'AWS::Partition': names.partition, 'AWS::Region': region, 'AWS::AccountId': names.accountId, 'AWS::StackName': STACK_NAME },
    resources,
    parameters: { LogLevel: options.logLevel ?? 'SILENT', ...options.parameters, DatadogKeysSecretArn: secretArn, DatadogSite: site },
  };
  const functions = new LocalFunctions(template, names, resolution, sandbox, {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    // Not credentials: the sandbox identifies calls signed with them as the invoked function's execution role.
    AWS_ACCESS_KEY_ID: 'AKIALOCALFUNCTIONROLE',
    AWS_SECRET_ACCESS_KEY: 'local-sandbox-placeholder',
    DATADOG_API_URL: options.datadogUrl ?? datadog?.url ?? '',
  });
  // Roles the template defines explicitly carry their real policies, so the sandbox evaluates them (the validator may
  // assume only roles tagged as this tool's). Functions' implicit SAM roles are not modelled: their calls are allowed.
  for (const role of templateRoles(template, resolution)) {
    const roleName = `${STACK_NAME}-${role.logicalId}`;
    const policyArns = Object.entries(role.policies).map(([policyName, document]) =>
      sandbox.putPolicy(names.accountId, `${roleName}-${policyName}`, document),
    );
    sandbox.putRole(names.accountId, roleName, {
      trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
      attachedPolicyArns: policyArns,
    });
  }

  const executions = new LocalExecutions(stateMachineArn);
  sandbox.install();
  executions.install();
  const onProgress = options.onProgress ?? (() => undefined);
  try {
    // 3. Start: the starter for events, the console for replay inputs.
    if (isEventBridgeEvent(options.input)) {
      const started = (await functions.invoke(functions.arnOf(starter?.logicalId ?? 'StartOnboardingFunction'), options.input)) as {
        outcome: string;
        reason?: string;
        accountId?: string;
      };
      if (started.outcome === 'ignored' || started.outcome === 'rejected') {
        return { ...ignoredOrRejected(started.outcome as 'ignored' | 'rejected', started.reason ?? ''), datadogAccounts: datadog?.accounts() ?? [] };
      }
    } else {
      executions.start(`replay-${memberAccountId}-${Date.now()}`, executionInput);
    }

    // 4. Run what was started.
    const definition = loadDefinition(template, resolution);
    let summary: LocalRunSummary | undefined;
    for (const execution of executions.pending()) {
      const done = await runExecution(definition, execution, (arn, input) => functions.invoke(arn, input), sandbox.clock, onProgress);
      const output = done.output as { accountId?: string; partition?: Partition; validationAttempts?: number; datadog?: LocalRunSummary['datadog'] } | undefined;
      summary = {
        outcome: done.status === 'SUCCEEDED' ? 'onboarded' : 'failed',
        accountId: output?.accountId ?? memberAccountId,
        partition: output?.partition ?? (done.input as { partition?: Partition }).partition ?? (names.partition as Partition),
        reason: done.status === 'FAILED' ? `${done.error}: ${causeMessage(done.cause)}` : undefined,
        validationAttempts: output?.validationAttempts ?? 0,
        datadog: output?.datadog && {
          accountConfigId: output.datadog.accountConfigId,
          roleName: output.datadog.roleName,
          externalId: output.datadog.externalId,
        },
        executionName: done.name,
        sandbox: sandbox.dump(),
        datadogAccounts: datadog?.accounts() ?? [],
      };
    }
    return (
      summary ?? {
        ...ignoredOrRejected('ignored', 'an onboarding of this account is already running or this event was handled before', memberAccountId),
        datadogAccounts: datadog?.accounts() ?? [],
      }
    );
  } finally {
    executions.restore();
    sandbox.restore();
    await datadog?.close();
  }
}

/** A Lambda error cause is JSON `{"errorType","errorMessage",…}` on AWS and the plain message locally. */
function causeMessage(cause: string | undefined): string {
  if (!cause) return 'no cause';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    return parsed.errorMessage ?? cause;
  } catch {
    return cause;
  }
}
