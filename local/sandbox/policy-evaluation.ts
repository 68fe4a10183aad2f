/**
 * Deciding whether a caller may do something, by evaluating the policies for real with
 * `@cloud-copilot/iam-simulate` (identity policies, resource or trust policy, session policy, cross-account
 * rules), the way AWS does (IAM User Guide, "Policy evaluation logic").
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Caller } from './identity';
import { effectiveIdentityPolicies, findAccount, findRole, findUser, isOrganizationMember } from './iam-entities';
import type { SandboxState } from './state';

/** Stands in for the permissions of identities outside the sandbox, which the sandbox does not judge. */
const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** One request to authorise. */
export interface AuthorizationRequest {
  /** The IAM action, e.g. `iam:GetRole`, `sts:AssumeRole`. */
  action: string;
  /** The resource ARN, or `*` for actions without a resource (e.g. `iam:ListAccountAliases`). */
  resourceArn: string;
  /** The account owning the resource; defaults to the caller's. */
  resourceAccountId?: string;
  /** A resource-based policy (a role's trust policy, a secret's resource policy), parsed. */
  resourcePolicy?: object;
  /** Request-specific condition keys, e.g. `sts:ExternalId`, `iam:PolicyARN`, `aws:RequestTag/<key>`. */
  context?: Record<string, string | string[]>;
}

/** The decision: `explicit` tells a Deny statement apart from no Allow (it changes AWS's message). */
export interface AuthorizationDecision {
  allowed: boolean;
  explicitDeny: boolean;
}

/**
 * The global condition keys AWS adds to every request from this caller (IAM User Guide,
 * "AWS global condition context keys").
 */
function globalContext(state: SandboxState, caller: Caller, nowMs: number): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = {
    'aws:PrincipalArn': caller.principalArn,
    'aws:PrincipalAccount': caller.accountId,
    'aws:PrincipalType': caller.principalType,
    'aws:userid': caller.userId,
    'aws:CurrentTime': new Date(nowMs).toISOString(),
    'aws:EpochTime': String(Math.floor(nowMs / 1000)),
    'aws:SecureTransport': 'true',
    'aws:PrincipalIsAWSService': 'false',
  };
  if (isOrganizationMember(state, caller.accountId)) context['aws:PrincipalOrgID'] = state.organizationId;
  const account = findAccount(state, caller.accountId);
  const tags = caller.role
    ? account && findRole(account, caller.role.roleName)?.tags
    : caller.user
      ? account && findUser(account, caller.user.userName)?.tags
      : undefined;
  for (const [key, value] of Object.entries(tags ?? {})) context[`aws:PrincipalTag/${key}`] = value;
  if (caller.user) context['aws:username'] = caller.user.userName;
  return context;
}

/** The global keys AWS adds for the resource's account: its organization, when it belongs to one (aws:ResourceOrgID). */
function resourceContext(state: SandboxState, accountId: string): Record<string, string> {
  return isOrganizationMember(state, accountId)
    ? { 'aws:ResourceAccount': accountId, 'aws:ResourceOrgID': state.organizationId }
    : { 'aws:ResourceAccount': accountId };
}

/** The caller's identity policies in effect at `nowMs` (attachments and default versions propagate first). */
export function callerIdentityPolicies(state: SandboxState, caller: Caller, nowMs: number): { name: string; policy: object }[] {
  if (!caller.evaluatePolicies) return [{ name: 'outside-the-sandbox', policy: ALLOW_ALL }];
  const owner = caller.role ?? caller.user;
  const account = owner && findAccount(state, owner.accountId);
  if (!account) return [];
  const entity = caller.role ? findRole(account, caller.role.roleName) : findUser(account, caller.user!.userName);
  // A deleted role or user keeps its sessions/keys' identity but no longer has any permission.
  return entity ? effectiveIdentityPolicies(account, entity.attachments, nowMs) : [];
}

/**
 * Evaluates one request.
 *
 * @param nowMs - the virtual time, epoch milliseconds (decides which attachments, versions and trust policies
 *   have propagated, and feeds `aws:CurrentTime`).
 * @returns whether AWS would allow it.
 * @throws Error when the simulator refuses the input (a sandbox bug: documents are validated when stored).
 */
export async function authorize(
  state: SandboxState,
  caller: Caller,
  request: AuthorizationRequest,
  nowMs: number,
): Promise<AuthorizationDecision> {
  const result = await runSimulation(
    {
      request: {
        principal: caller.arn,
        action: request.action,
        resource: { resource: request.resourceArn, accountId: request.resourceAccountId ?? caller.accountId },
        contextVariables: {
          ...globalContext(state, caller, nowMs),
          ...resourceContext(state, request.resourceAccountId ?? caller.accountId),
          ...request.context,
        },
      },
      identityPolicies: callerIdentityPolicies(state, caller, nowMs),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
      ...(caller.session?.sessionPolicy ? { sessionPolicy: JSON.parse(caller.session.sessionPolicy) as object } : {}),
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(`AwsSandbox: policy simulation failed for ${request.action}: ${result.errors.message}`);
  }
  return {
    allowed: result.overallResult === 'Allowed',
    explicitDeny: result.overallResult === 'ExplicitlyDenied',
  };
}

/**
 * AWS's "not authorized" message for a denied request (IAM User Guide, "Troubleshoot access denied error
 * messages"): `User: <caller> is not authorized to perform: <action> on resource: <resource> because …`.
 */
export function deniedMessage(caller: Caller, action: string, resourceArn: string, decision: AuthorizationDecision): string {
  const because = decision.explicitDeny
    ? `with an explicit deny in an identity-based policy`
    : `because no identity-based policy allows the ${action} action`;
  return `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${resourceArn} ${because}`;
}
