/**
 * One request evaluated by `@cloud-copilot/iam-simulate` as AWS does (IAM User Guide, "Policy evaluation logic"):
 * identity policies, the resource's policy (e.g. a trust policy), and cross-account requests need both sides to allow.
 */
import { simulateOnce, simulationOf, type AuthorizationRequest } from '../../local/sandbox/policy-evaluation';

/** A request (context: e.g. `sts:ExternalId`); `resourceAccountId` defaults to the resource ARN's account, else the caller's. */
interface SimulatedRequest extends AuthorizationRequest {
  principalArn: string;
  identityPolicies: { name: string; policy: object }[];
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

/** Evaluates a request. @throws Error when the simulator refuses it (unknown action, bad resource type, policy or key): a typo is not "denied". */
export async function simulateRequest(request: SimulatedRequest): Promise<'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied'> {
  const resourceAccountId = request.resourceAccountId ?? accountOfArn(request.resourceArn) ?? accountOfArn(request.principalArn) ?? '';
  // AWS adds aws:CurrentTime to every request, and the organization keys only for accounts that belong to one
  // (IAM User Guide, "AWS global condition context keys").
  const context = {
    'aws:CurrentTime': (request.currentTime ?? new Date()).toISOString(),
    ...(request.principalOrgId !== undefined ? { 'aws:PrincipalOrgID': request.principalOrgId } : {}),
    ...(request.resourceOrgId !== undefined ? { 'aws:ResourceOrgID': request.resourceOrgId } : {}),
    ...request.context,
  };
  const result = await simulateOnce(
    simulationOf(request.principalArn, { ...request, resourceAccountId, context }, request.identityPolicies),
  );
  if ('errors' in result) {
    throw new Error(`iam-simulate refused ${request.action} on ${request.resourceArn}: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult;
}

/** Every action of a statement, as a list (`Action` may be one string or a list; no `NotAction`). */
export function statementActions(statement: { Action?: unknown }): string[] {
  return statement.Action === undefined ? [] : [statement.Action].flat().map(String);
}

/** Every resource of a statement, as a list (intrinsics kept as they are). */
export function statementResources(statement: { Resource?: unknown }): unknown[] {
  return statement.Resource === undefined ? [] : [statement.Resource].flat();
}
