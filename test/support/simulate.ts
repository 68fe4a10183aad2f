/**
 * One request evaluated by `@cloud-copilot/iam-simulate` the way AWS evaluates it (IAM User Guide, "Policy evaluation
 * logic"): the caller's identity policies, the resource's policy (a role's trust policy) when there is one, and the
 * cross-account rule that both sides must allow.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';

/** Grants everything: stands for a caller whose own permissions are not under test (e.g. Datadog's principal). */
export const ALLOW_ALL_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } as const;

/** A request to evaluate: the caller (a role session, role, user or root ARN), its identity policies, the action. */
interface SimulatedRequest {
  principalArn: string;
  identityPolicies: { name: string; policy: object }[];
  action: string;
  /** A wildcard ARN is evaluated for every matching pattern. */
  resourceArn: string;
  /** Default the account in the resource ARN, else the caller's. */
  resourceAccountId?: string;
  /** The resource's policy, e.g. a role's trust policy. */
  resourcePolicy?: object;
  /** Request context keys, e.g. `sts:ExternalId`, `aws:ResourceTag/managed-by`. */
  context?: Record<string, string | string[]>;
  /** `aws:CurrentTime`; default now. */
  currentTime?: Date;
  /** `aws:PrincipalOrgID` and `aws:ResourceOrgID`: absent for an account in no organization. */
  principalOrgId?: string;
  resourceOrgId?: string;
}

/** The 12-digit account of an ARN (`arn:p:service:region:ACCOUNT:…`), if it has one. */
export function accountOfArn(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

/**
 * Evaluates a request.
 *
 * @throws Error when the simulator refuses the request (unknown action, a resource of the wrong type for the action,
 *   an invalid policy or context key): a typo in a test must not read as "denied".
 */
export async function simulateRequest(request: SimulatedRequest): Promise<'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied'> {
  const callerAccount = accountOfArn(request.principalArn);
  const result = await runSimulation(
    {
      request: {
        principal: request.principalArn,
        action: request.action,
        resource: {
          resource: request.resourceArn,
          accountId: request.resourceAccountId ?? accountOfArn(request.resourceArn) ?? callerAccount ?? '',
        },
        // AWS adds aws:CurrentTime to every request, and the organization keys only for accounts that belong to one
        // (IAM User Guide, "AWS global condition context keys").
        contextVariables: {
          'aws:CurrentTime': (request.currentTime ?? new Date()).toISOString(),
          ...(request.principalOrgId !== undefined ? { 'aws:PrincipalOrgID': request.principalOrgId } : {}),
          ...(request.resourceOrgId !== undefined ? { 'aws:ResourceOrgID': request.resourceOrgId } : {}),
          ...request.context,
        },
      },
      identityPolicies: request.identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(`iam-simulate refused ${request.action} on ${request.resourceArn}: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult;
}

/** Every action of a statement, as a list. */
export function statementActions(statement: { Action?: unknown }): string[] {
  return statement.Action === undefined ? [] : [statement.Action].flat().map(String);
}

/** Every resource of a statement, as a list (intrinsics kept as they are). */
export function statementResources(statement: { Resource?: unknown }): unknown[] {
  return statement.Resource === undefined ? [] : [statement.Resource].flat();
}
