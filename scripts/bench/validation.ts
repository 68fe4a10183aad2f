/**
 * The validation bench section: IAM propagation delays from 1 s to 900 s, each through the real local run (template,
 * state machine, handlers, AWS sandbox on a virtual clock), for role delegation and for access keys. Per delay it
 * prints the attempts, when the validation succeeded after provisioning, the overshoot, the state transitions and
 * Lambda invocations of the onboarding, and what it costs at list prices; then the goals of the schedule.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { newSandboxFor, runLocally } from '../../local/run';
import type { ProgressEvent } from '../../local/step-functions';
import { REPO_ROOT, eventTarget, loadTemplate, templateStateMachine, type Template } from '../../local/template';
import { median, medianOvershootUpTo, onboardingCost, overshoot, worstOvershoot, type BilledInvocation } from './onboarding-cost';
import type { BenchSection } from './section';

/** The propagation delays swept, seconds: dense where IAM usually lands (a few seconds to a minute), up to the bound. */
export const PROPAGATION_DELAYS = [1, 2, 3, 5, 8, 10, 15, 16, 20, 25, 30, 45, 60, 76, 90, 120, 180, 300, 600, 900] as const;

/**
 * Billed duration assumed for every invocation, milliseconds. The local run is in-process (no network), so its
 * durations say nothing of AWS's; a warm step makes one to four AWS or Datadog API calls of 100-300 ms, and a cold
 * start's init (billed since August 2025) adds about as much again: 1 s is a round, pessimistic figure.
 */
export const ASSUMED_BILLED_MS = 1000;

/** Goals of the validation schedule (issue 9). */
export const GOALS = {
  /** For delays up to 30 s, the median overshoot at most 3 s. */
  medianOvershootUpTo30s: 3,
  /** For delays up to 120 s, the worst overshoot at most 20 s. */
  worstOvershootUpTo120s: 20,
  /** At most 30 attempts within MaxValidationSeconds 900. */
  maxAttempts: 30,
  /** Cost per onboarded account at most $0.001. */
  maxCostUsd: 0.001,
} as const;

/** One measured onboarding. */
export interface ValidationRow {
  auth: 'role' | 'access_keys';
  delaySeconds: number;
  attempts: number;
  validatedAtSeconds: number;
  overshootSeconds: number;
  overshootPercent: number;
  transitions: number;
  invocations: number;
  costUsd: number;
  /** When each attempt was made, seconds after provisioning. */
  attemptSeconds: number[];
}

const SAMPLES = {
  role: 'events/control-tower-create-managed-account.json',
  access_keys: 'events/govcloud-console-replay.json',
} as const;

/** MemorySize of each function, MB: its own, else the Globals' (Lambda's default 128 without either). */
function memoryOf(template: Template, logicalId: string): number {
  const own = (template.Resources[logicalId]?.Properties as { MemorySize?: number } | undefined)?.MemorySize;
  const globals = (template as { Globals?: { Function?: { MemorySize?: number } } }).Globals?.Function?.MemorySize;
  return own ?? globals ?? 128;
}

/** The function each Task state invokes (`${XFunctionArn}` substituted by `!GetAtt XFunction.Arn`), by state name. */
function taskFunctions(template: Template): Map<string, string> {
  const machine = templateStateMachine(template);
  const definition = JSON.parse(readFileSync(path.join(REPO_ROOT, machine.definitionUri), 'utf8')) as {
    States: Record<string, { Type: string; Resource?: string }>;
  };
  const functions = new Map<string, string>();
  for (const [name, state] of Object.entries(definition.States)) {
    const placeholder = /^\$\{(\w+)\}$/.exec(state.Resource ?? '')?.[1];
    const getAtt = placeholder && (machine.substitutions[placeholder] as { 'Fn::GetAtt'?: string[] | string } | undefined)?.['Fn::GetAtt'];
    const logicalId = Array.isArray(getAtt) ? getAtt[0] : typeof getAtt === 'string' ? getAtt.split('.')[0] : undefined;
    if (state.Type === 'Task' && logicalId) functions.set(name, logicalId);
  }
  return functions;
}

/**
 * Onboards one account through the local run with IAM taking `delaySeconds` to propagate, and measures it.
 *
 * @throws Error when the onboarding does not end `onboarded`.
 */
export async function measureOnboarding(
  auth: ValidationRow['auth'],
  delaySeconds: number,
  template = loadTemplate(),
): Promise<ValidationRow> {
  const input = JSON.parse(readFileSync(path.join(REPO_ROOT, SAMPLES[auth]), 'utf8')) as unknown;
  const events: ProgressEvent[] = [];
  const summary = await runLocally({
    input,
    sandbox: newSandboxFor(input, delaySeconds),
    onProgress: (event) => events.push(event),
  });
  if (summary.outcome !== 'onboarded' || summary.validatedAfterSeconds === undefined) {
    throw new Error(`${auth} with a ${delaySeconds} s delay ended ${summary.outcome}: ${summary.reason ?? 'no successful validation'}`);
  }
  const functions = taskFunctions(template);
  // Each Task entered or retried is one invocation; an EventBridge event is first delivered to the starter.
  const starter = eventTarget(template, input)?.logicalId;
  const invoked = [
    ...(starter ? [starter] : []),
    ...events.flatMap((event) =>
      (event.type === 'StateEntered' || event.type === 'StateRetried') && functions.has(event.state ?? '')
        ? [functions.get(event.state ?? '') as string]
        : [],
    ),
  ];
  const billed: BilledInvocation[] = invoked.map((logicalId) => ({ memoryMb: memoryOf(template, logicalId), billedMs: ASSUMED_BILLED_MS }));
  // Step Functions bills each state entered, and each retry by a Task's Retry, as one state transition
  // (aws.amazon.com/step-functions/pricing: "each retry will be charged as an additional state transition").
  const transitions = events.filter((event) => event.type === 'StateEntered' || event.type === 'StateRetried').length;
  const provisioned = events.filter((event) => event.type === 'StateExited' && /^Provision(Role|AccessKey)$/.test(event.state ?? '')).pop();
  // The first attempt when the validation state is entered; each retry's after its backoff.
  const attemptSeconds = events
    .filter(
      (event) => (event.type === 'StateEntered' || event.type === 'StateRetried') && /^Validate(Role|AccessKey)$/.test(event.state ?? ''),
    )
    .map((event) => ((event.clockMs ?? 0) + (event.retryWaitSeconds ?? 0) * 1000 - (provisioned?.clockMs ?? 0)) / 1000);
  const late = overshoot(summary.validatedAfterSeconds, delaySeconds);
  return {
    auth,
    delaySeconds,
    attempts: summary.validationAttempts,
    validatedAtSeconds: summary.validatedAfterSeconds,
    overshootSeconds: late.seconds,
    overshootPercent: late.percent,
    transitions,
    invocations: invoked.length,
    costUsd: onboardingCost(transitions, billed).total,
    attemptSeconds,
  };
}

/** One printed row. */
export function formatRow(row: ValidationRow): string {
  return [
    row.auth.padEnd(11),
    String(row.delaySeconds).padStart(5),
    String(row.attempts).padStart(8),
    String(row.validatedAtSeconds).padStart(12),
    String(row.overshootSeconds).padStart(9),
    `${row.overshootPercent.toFixed(0)} %`.padStart(7),
    String(row.transitions).padStart(11),
    String(row.invocations).padStart(11),
    `$${row.costUsd.toFixed(6)}`.padStart(10),
  ].join(' ');
}

export const HEADER =
  'auth        delay attempts validated-at overshoot       % transitions invocations   cost/acct\n' +
  '              (s)                   (s)       (s)';

/** The goals against the measured rows of one authentication type, one line each, saying met or by how much not. */
export function goalLines(rows: readonly ValidationRow[]): string[] {
  const upTo = (seconds: number) => rows.filter((row) => row.delaySeconds <= seconds);
  const longest = rows.reduce((last, row) => (row.delaySeconds > last.delaySeconds ? row : last), rows[0]);
  const fewest = rows.reduce((first, row) => (row.attempts < first.attempts ? row : first), rows[0]);
  const medianSwept30 = median(upTo(30).map((row) => row.overshootSeconds));
  const medianAny30 = medianOvershootUpTo(longest.attemptSeconds, 30);
  const worstSwept120 = Math.max(...upTo(120).map((row) => row.overshootSeconds));
  const worstAny120 = worstOvershoot(longest.attemptSeconds, 120);
  const maxAttempts = Math.max(...rows.map((row) => row.attempts));
  const withinCost = rows.filter((row) => row.costUsd <= GOALS.maxCostUsd);
  const costliest = rows.reduce((top, row) => (row.costUsd > top.costUsd ? row : top), rows[0]);
  // Cost is linear in the attempts: a fixed part plus one transition (the Task's retry) and one invocation each.
  const perAttempt = (longest.costUsd - fewest.costUsd) / Math.max(1, longest.attempts - fewest.attempts);
  const oneAttempt = fewest.costUsd - (fewest.attempts - 1) * perAttempt;
  const affordable = perAttempt > 0 ? 1 + Math.floor((GOALS.maxCostUsd - oneAttempt) / perAttempt + 1e-9) : Infinity;
  const verdict = (met: boolean) => (met ? 'met' : 'NOT met');
  return [
    `median overshoot, delays <= 30 s: ${medianSwept30} s swept, ${medianAny30} s for any delay (delays 0.1 s apart) ` +
      `(goal <= ${GOALS.medianOvershootUpTo30s} s): ${verdict(Math.max(medianSwept30, medianAny30) <= GOALS.medianOvershootUpTo30s)}`,
    `worst overshoot, delays <= 120 s: ${worstSwept120} s swept, ${worstAny120} s for any delay (the longest gap between attempts) ` +
      `(goal <= ${GOALS.worstOvershootUpTo120s} s): ${verdict(worstAny120 <= GOALS.worstOvershootUpTo120s)}`,
    `attempts within ${longest.delaySeconds} s: ${maxAttempts} (goal <= ${GOALS.maxAttempts}): ${verdict(maxAttempts <= GOALS.maxAttempts)}`,
    `cost per onboarded account: <= $${GOALS.maxCostUsd} for ${withinCost.length} of ${rows.length} delays ` +
      `(up to ${Math.max(0, ...withinCost.map((row) => row.delaySeconds))} s); at most $${costliest.costUsd.toFixed(6)} (${costliest.delaySeconds} s): ` +
      `${verdict(withinCost.length === rows.length)}`,
    `  $${oneAttempt.toFixed(6)} with one attempt, $${perAttempt.toFixed(7)} per further attempt: $${GOALS.maxCostUsd} pays for ${affordable} attempts`,
  ];
}

/** The section: the sweep for both authentication types, then the goals. */
export const validationSection: BenchSection = {
  description: 'validation schedule: IAM propagation delays 1-900 s through the local run (attempts, overshoot, cost)',
  async run(print) {
    const template = loadTemplate();
    print(
      `Validation schedule (local run, virtual clock; Lambda billed ${ASSUMED_BILLED_MS} ms per invocation at the template's MemorySize)`,
    );
    for (const auth of ['role', 'access_keys'] as const) {
      print(HEADER);
      const rows: ValidationRow[] = [];
      for (const delay of PROPAGATION_DELAYS) {
        const row = await measureOnboarding(auth, delay, template);
        rows.push(row);
        print(formatRow(row));
      }
      for (const line of goalLines(rows)) print(`  ${line}`);
      print(`  attempts at (s after provisioning): ${rows[rows.length - 1].attemptSeconds.join(', ')}`);
    }
  },
};
