/** Authorisation by evaluating the policies for real with `@cloud-copilot/iam-simulate` ("Policy evaluation logic"). */
import { runSimulation, type EvaluationResult, type SimulationErrors } from '@cloud-copilot/iam-simulate';
import { createHash } from 'node:crypto';
import type { Caller } from './identity';
import { effectiveIdentityPolicies, findAccount, findRole, findUser, isOrganizationMember } from './iam-entities';
import type { SandboxState } from './state';

/** Stands in for the permissions of identities outside the sandbox (no sandbox role or user), which it does not judge. */
export const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** One request to authorise; `resourceAccountId` defaults to the caller's. */
export interface AuthorizationRequest {
  action: string;
  resourceArn: string;
  resourceAccountId?: string;
  resourcePolicy?: object;
  context?: Record<string, string | string[]>;
}

/** The global condition keys of every request (IAM User Guide, "AWS global condition context keys"). */
function globalContext(
  state: SandboxState,
  caller: Caller,
  entityTags: Record<string, string>,
  resourceAccountId: string,
  nowMs: number,
): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = {
    'aws:PrincipalArn': caller.principalArn,
    'aws:PrincipalAccount': caller.accountId,
    'aws:PrincipalType': caller.principalType,
    'aws:userid': caller.userId,
    'aws:CurrentTime': new Date(nowMs).toISOString(),
    'aws:EpochTime': String(Math.floor(nowMs / 1000)),
    'aws:SecureTransport': 'true',
    'aws:PrincipalIsAWSService': 'false',
    'aws:ResourceAccount': resourceAccountId,
  };
  if (isOrganizationMember(state, caller.accountId)) context['aws:PrincipalOrgID'] = state.organizationId;
  if (isOrganizationMember(state, resourceAccountId)) context['aws:ResourceOrgID'] = state.organizationId;
  for (const [key, value] of Object.entries(entityTags)) context[`aws:PrincipalTag/${key}`] = value;
  if (caller.user) context['aws:username'] = caller.user.userName;
  return context;
}

/**
 * Evaluates one request at `nowMs` (epoch ms) as AWS would; `explicitDeny` tells a Deny apart from no Allow (AWS's message differs).
 * @throws Error when the simulator refuses the input (a sandbox bug: documents are validated when stored).
 */
export async function authorize(
  state: SandboxState,
  caller: Caller,
  request: AuthorizationRequest,
  nowMs: number,
): Promise<{ allowed: boolean; explicitDeny: boolean }> {
  const resourceAccountId = request.resourceAccountId ?? caller.accountId;
  const owner = caller.role ?? caller.user;
  const account = owner && findAccount(state, owner.accountId);
  // A deleted role or user keeps its sessions' and keys' identity but no longer has any permission or tag.
  const entity = account && (caller.role ? findRole(account, caller.role.roleName) : findUser(account, caller.user!.userName));
  const identityPolicies = !owner
    ? [{ name: 'outside-the-sandbox', policy: ALLOW_ALL }]
    : account && entity
      ? effectiveIdentityPolicies(account, entity.attachments, nowMs)
      : [];
  const context = { ...globalContext(state, caller, entity?.tags ?? {}, resourceAccountId, nowMs), ...request.context };
  const simulation = simulationOf(caller.arn, { ...request, resourceAccountId, context }, identityPolicies);
  const result = await simulateOnce(simulation);
  if ('errors' in result) throw new Error(`AwsSandbox: policy simulation failed for ${request.action}: ${result.errors.message}`);
  return { allowed: result.overallResult === 'Allowed', explicitDeny: result.overallResult === 'ExplicitlyDenied' };
}

type Simulation = Parameters<typeof runSimulation>[0];

/** The simulator's input for one request by `principal` (its whole context given), under no SCP or RCP. */
export function simulationOf(
  principal: string,
  request: AuthorizationRequest & { resourceAccountId: string },
  identityPolicies: Simulation['identityPolicies'],
): Simulation {
  return {
    request: {
      principal,
      action: request.action,
      resource: { resource: request.resourceArn, accountId: request.resourceAccountId },
      contextVariables: { ...request.context },
    },
    identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
  };
}
/** A decision, or why the simulator refused the input (an unknown action, a malformed document…). */
type Decision = { overallResult: EvaluationResult } | { errors: SimulationErrors };

/** Decisions evaluated, oldest first; at most 10,000, as a fleet's accounts have ARNs of their own. */
const decisions = new Map<string, Decision>();

/** `runSimulation` (most of a sandbox call's CPU), each decision kept by what it depends on ({@link decisionKey}). */
export async function simulateOnce(simulation: Simulation): Promise<Decision> {
  const key = decisionKey(simulation);
  let decision = decisions.get(key);
  if (decision) return decision;
  const result = await runSimulation(simulation, {});
  decision = result.resultType === 'error' ? { errors: result.errors } : { overallResult: result.overallResult };
  decisions.set(key, decision);
  if (decisions.size > 10_000) decisions.delete(decisions.keys().next().value as string);
  return decision;
}

/**
 * What a decision depends on: the whole simulation input, but of the context only the keys its policies name. A policy
 * reads a context key only by naming it (a Condition or a `${…}` variable, keys case-insensitive; the simulator ignores
 * the others), so keys nothing names (the current time, session ids…) do not take part: the same request is found again.
 */
function decisionKey({ request, ...rest }: Simulation): string {
  const input = JSON.stringify([{ ...request, contextVariables: undefined }, rest]);
  const text = input.toLowerCase();
  const named = Object.entries(request.contextVariables).filter(([name]) => text.includes(JSON.stringify(name.toLowerCase()).slice(1, -1)));
  return createHash('sha256').update(input).update(JSON.stringify(named)).digest('base64');
}
