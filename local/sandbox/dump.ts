/**
 * A readable snapshot of what exists in each account, for assertions and for showing a local run's result.
 *
 * Documents are parsed JSON objects (not IAM's URL-encoded wire form). Secret values and secret access keys are
 * never included: the dump is meant to be printed and logged.
 */
import { currentPolicyDocument, currentTrustPolicy, policyArnOf } from './iam-entities';
import type { SandboxState } from './state';

/** The snapshot returned by `AwsSandbox.dump()`. */
export interface SandboxDump {
  accounts: Record<
    string,
    {
      roles: { roleName: string; assumeRolePolicyDocument: object; attachedPolicyArns: string[] }[];
      policies: { policyName: string; arn: string; document: object }[];
      users: { userName: string; accessKeys: { accessKeyId: string; status: 'Active' | 'Inactive' }[] }[];
    }
  >;
}

/**
 * Builds the snapshot.
 *
 * Roles show their newest trust policy and all current attachments (propagated or not); policies show their
 * default version's document.
 */
export function dumpState(state: SandboxState): SandboxDump {
  const accounts: SandboxDump['accounts'] = {};
  for (const account of Object.values(state.accounts)) {
    accounts[account.accountId] = {
      roles: Object.values(account.roles).map((role) => ({
        roleName: role.roleName,
        assumeRolePolicyDocument: JSON.parse(currentTrustPolicy(role)) as object,
        attachedPolicyArns: role.attachments.map((attachment) => attachment.policyArn),
      })),
      policies: Object.values(account.policies).map((policy) => ({
        policyName: policy.policyName,
        arn: policyArnOf(account.partition, account.accountId, policy),
        document: currentPolicyDocument(policy),
      })),
      users: Object.values(account.users).map((user) => ({
        userName: user.userName,
        accessKeys: user.accessKeys.map((key) => ({ accessKeyId: key.accessKeyId, status: key.status })),
      })),
    };
  }
  return { accounts };
}
