/** What the command lines print: each execution's progress, step by step, and the summary of a run. */
import type { LocalReconcileSummary } from './reconcile';
import type { LocalRotationSummary } from './rotate';
import type { LocalRunSummary } from './run';
import { isNotYetErrorName } from '../shared/onboarding/validation-schedule';
import type { ProgressListener } from './step-functions';

type ValidationOutput = { validation?: { assumable?: boolean; attempts?: number } };

/** What a validation state proves, in the words of its check. */
const VALIDATIONS: Record<string, { proven: string; notYet: string }> = {
  ValidateRole: { proven: 'role assumable', notYet: 'role not assumable yet' },
  ValidateAccessKey: { proven: 'access key usable', notYet: 'access key not usable yet' },
};

/** Prints each execution's steps as they run: `→` started, `✓` ended, `↻` retried, `✗` failed, `…` a validation's "not yet". */
export function progressPrinter(write: (line: string) => void): ProgressListener {
  // A caught failure still exits its state: not then shown as done, nor its input's earlier validation result as new.
  const failed = new Set<string>();
  // States whose last attempt was a "not yet": their retry is the next attempt, already announced.
  const notYet = new Set<string>();
  return ({ type, state = '', stateType, error, ...event }) => {
    if (type === 'ExecutionStarted') {
      const { accountId, partition } = (event.input ?? {}) as { accountId?: unknown; partition?: unknown };
      const where = typeof partition === 'string' ? ` (${partition})` : '';
      write(`execution ${event.execution}${typeof accountId === 'string' ? `: account ${accountId}${where}` : ''}`);
    } else if (type === 'StateEntered') {
      failed.delete(state);
      if (stateType === 'Task') write(`  → ${state}`);
    } else if (type === 'StateFailed' && isNotYetErrorName(error ?? '')) {
      // The function's own words: "(attempt N, S s after provisioning, <refusal>); next attempt in I s".
      write(`    … ${VALIDATIONS[state]?.notYet ?? state} ${/\(attempt .*$/.exec(event.cause ?? '')?.[0] ?? `(${error})`}`);
      notYet.add(state);
    } else if (type === 'StateFailed') {
      failed.add(state);
      write(`    ✗ ${state}: ${error}`);
    } else if (type === 'StateExited' && stateType === 'Task' && !failed.has(state)) {
      const result = (event.output as ValidationOutput | undefined)?.validation;
      const proven = VALIDATIONS[state] && result?.assumable ? `${VALIDATIONS[state].proven} (attempt ${result.attempts})` : undefined;
      write(`    ✓ ${proven ?? state}`);
    } else if (type === 'StateRetried') {
      // The retry may succeed: the state is no longer failed.
      failed.delete(state);
      if (!notYet.delete(state)) write(`    ↻ ${state} retried`);
    }
  };
}

function mutatingCallsLine(mutating: Record<string, number>): string {
  const writes = Object.entries(mutating).filter(([, count]) => count > 0);
  return `mutating calls: ${writes.length === 0 ? 'none' : writes.map(([service, count]) => `${service} ${count}`).join(', ')}`;
}

function usageLines(summary: LocalRunSummary): string[] {
  const { total, throttled } = summary.datadogRequests;
  const metrics = summary.metrics.map((metric) => {
    const extra = Object.entries(metric.dimensions).filter(([name]) => name !== 'service');
    const where = extra.length > 0 ? ` (${extra.map(([name, value]) => `${name} ${value}`).join(', ')})` : '';
    return `${metric.name}${where} ${metric.value}${metric.unit === 'Seconds' ? ' s' : ''}`;
  });
  const outcomes = summary.datadogEvents.map((event) => event.tags.find((tag) => tag.startsWith('outcome:'))?.slice('outcome:'.length));
  return [
    `Datadog registrations held: ${summary.datadogAccounts.length}`,
    mutatingCallsLine(summary.calls.mutating),
    ...(throttled > 0 ? [`Datadog requests: ${total}, ${throttled} answered 429 (rate limited) and retried`] : []),
    ...(metrics.length > 0 ? [`metrics: ${metrics.join(', ')}`] : []),
    ...(outcomes.length > 0 ? [`Datadog events: ${outcomes.join(', ')}`] : []),
  ];
}

function accountLines(summary: LocalRunSummary): string[] {
  const lines = [`outcome: ${summary.outcome}`];
  if (summary.accountId) lines.push(`account: ${summary.accountId} (${summary.partition ?? 'aws'})`);
  if (summary.reason) lines.push(`reason: ${summary.reason}`);
  if (summary.outcome === 'onboarded' || summary.outcome === 'failed') lines.push(`validation attempts: ${summary.validationAttempts}`);
  const { datadog } = summary;
  const account = summary.accountId ? summary.sandbox.accounts[summary.accountId] : undefined;
  if (summary.outcome === 'onboarded' && summary.authType === 'access_keys') {
    const user = account?.users.find((candidate) => candidate.accessKeys.some((key) => key.accessKeyId === datadog?.accessKeyId));
    lines.push(`Datadog: config ${datadog?.accountConfigId}, access key ${datadog?.accessKeyId} (the secret stays in Secrets Manager)`);
    if (user) lines.push(`IAM: user ${user.userName} with ${user.accessKeys.length} access key`);
  } else if (summary.outcome === 'onboarded') {
    const role = account?.roles.find((candidate) => candidate.roleName === datadog?.roleName);
    lines.push(`Datadog: config ${datadog?.accountConfigId}, role ${datadog?.roleName}, external ID ${datadog?.externalId}`);
    if (role) lines.push(`IAM: role ${role.roleName} with ${role.attachedPolicyArns.join(', ')}`);
  }
  if (summary.outcome === 'offboarded' && summary.offboarding) {
    const { registration, keySecret, memberResources } = summary.offboarding as Record<string, { action?: string; reason?: string }>;
    const why = (part?: { reason?: string }) => (part?.reason ? ` (${part.reason})` : '');
    lines.push(`Datadog registration: ${registration?.action}${why(registration)}`, `access-key secret: ${keySecret?.action}`);
    lines.push(`member account resources: ${memberResources?.action}${why(memberResources)}`);
  }
  return lines;
}

/** The summary of an `npm start` run, in lines for a person (the `--json` document says the same for a program). */
export function describeSummary(summary: LocalRunSummary): string {
  const onboardings = summary.onboardings?.map((onboarding) => {
    const detail = onboarding.reason ? ` — ${onboarding.reason}` : `, Datadog config ${onboarding.datadog?.accountConfigId}`;
    return `  ${onboarding.accountId} (${onboarding.partition}): ${onboarding.outcome}, ${onboarding.authType ?? 'unknown'}, validation attempts ${onboarding.validationAttempts}${detail}`;
  });
  const lines = onboardings ? [`outcome: ${summary.outcome} (${onboardings.length} accounts)`, ...onboardings] : accountLines(summary);
  return [...lines, ...usageLines(summary)].join('\n');
}

/** The summary of a reconciliation, in lines for a person. */
export function describeReconciliation(summary: LocalReconcileSummary): string {
  const { counts, datadogRequests } = summary;
  const dryRun = summary.dryRun ? ' (dry run: nothing changed in the accounts, Datadog or the records; s3 holds its plan and report)' : '';
  return [
    `outcome: ${summary.outcome}${dryRun}${summary.reason ? ` — ${summary.reason}` : ''}`,
    `accounts: onboard ${counts.onboard}, repair ${counts.repair}, offboard ${counts.offboard}, none ${counts.none}, skip ${counts.skip}, failed ${counts.failed}`,
    ...summary.accounts
      .filter((account) => account.action !== 'none')
      .map((account) => `  ${account.accountId}: ${account.action} → ${account.outcome} (${account.reason})`),
    // Converged accounts are the bulk of a fleet: counted, not listed.
    ...(counts.none > 0
      ? [`  (${counts.none} converged account${counts.none === 1 ? '' : 's'} not listed; --json lists every account)`]
      : []),
    mutatingCallsLine(summary.calls.mutating),
    `Datadog requests: ${datadogRequests.total} (${datadogRequests.throttled} throttled); virtual time ${summary.virtualSeconds} s`,
  ].join('\n');
}

/** The outcome of a rotation, in one line. */
export function describeRotation(summary: LocalRotationSummary): string {
  return summary.outcome === 'rotated'
    ? `rotated: account ${summary.accountId}, access key ${summary.previousAccessKeyId} → ${summary.accessKeyId} (Datadog updated, old key deleted)`
    : `failed: account ${summary.accountId}: ${summary.reason}`;
}
