/**
 * A readable snapshot of what exists in each account, for assertions and for showing a local run's result: documents
 * parsed (not IAM's URL-encoded wire form), and never a secret value or secret access key, as it is printed and logged.
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

/** Builds the snapshot: roles with their newest trust policy and all attachments (propagated or not), policies' default version. */
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
