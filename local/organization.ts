/** The organization around a local deployment: member accounts and each other partition's management account. */
import type { LocalNames } from './functions';
import type { AwsSandbox } from './sandbox';
import type { Partition } from '../shared/partitions';

/** Where the stack is deployed, and its parameter values (a template default unless overridden). */
export interface StackContext {
  names: LocalNames;
  parameter(name: string): string;
}

/** Who created a member account: Organizations (`MemberAccessRoleName`), Control Tower (`ControlTowerAccessRoleName`), or both. */
export type MemberOrigin = 'organizations' | 'control-tower' | 'enrolled';

/** The origin a lifecycle event implies: Control Tower creates, Control Tower updates or enrols, or Organizations. */
export function originOf(trigger: { source: string; eventName: string } | undefined): MemberOrigin {
  if (trigger?.source !== 'aws.controltower') return 'organizations';
  return trigger.eventName === 'CreateManagedAccount' ? 'control-tower' : 'enrolled';
}

/** The names (not ARNs) of the access roles an account of that origin has, from the stack's parameters. */
export function accessRolesOf(stack: StackContext, origin: MemberOrigin): string[] {
  const member = stack.parameter('MemberAccessRoleName');
  const controlTower = stack.parameter('ControlTowerAccessRoleName');
  return { organizations: [member], 'control-tower': [controlTower], enrolled: [member, controlTower] }[origin];
}

/** A member account to seed, with its access roles (none: the automation cannot reach it). */
export interface MemberAccount {
  accountId: string;
  partition: Partition;
  accountName?: string;
  accessRoleNames: string[];
}

/** The management account of each other partition, whose IAM user `datadog-onboarding`'s access key the stack keeps. */
export const PARTITION_MANAGEMENT_ACCOUNT: Record<Partition, string> = {
  'aws-us-gov': '222233334444',
  aws: '222233335555',
  'aws-cn': '222233336666',
};
const PARTITION_USER_NAME = 'datadog-onboarding';

/**
 * Seeds once another partition's management account, its IAM user (roles are not assumed across partitions) and its key's
 * secret. @throws Error when the sandbox has that account but not the secret (a state file edited by hand).
 */
export function seedPartitionCredentials(
  sandbox: AwsSandbox,
  stack: StackContext,
  partition: Partition,
): { userArn: string; secretArn: string } {
  const accountId = PARTITION_MANAGEMENT_ACCOUNT[partition];
  const userArn = `arn:${partition}:iam::${accountId}:user/${PARTITION_USER_NAME}`;
  const secretName = `${stack.parameter('PartitionCredentialsSecretPrefix')}${partition}-credentials`;
  if (sandbox.hasAccount(accountId)) {
    const existing = sandbox.secretArn(stack.names.accountId, secretName, stack.names.region);
    if (existing) return { userArn, secretArn: existing };
    throw new Error(`the sandbox has ${partition}'s management account ${accountId} but not the secret ${secretName} of its user's key`);
  }
  sandbox.addAccount(accountId, { name: `${partition} management`, partition });
  const roles = ['MemberAccessRoleName', 'ControlTowerAccessRoleName', 'DatadogRoleName'].map(
    (name) => `arn:${partition}:iam::*:role/${stack.parameter(name)}`,
  );
  const policyArn = sandbox.putPolicy(accountId, 'AssumeMemberAccessAndDatadogRoles', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roles }],
  });
  sandbox.putUser(accountId, PARTITION_USER_NAME, { attachedPolicyArns: [policyArn] });
  const key = sandbox.putAccessKey(accountId, PARTITION_USER_NAME);
  const secretArn = sandbox.putSecret(secretName, JSON.stringify(key), { accountId: stack.names.accountId, region: stack.names.region });
  return { userArn, secretArn };
}

/** Seeds a new member account, its access roles trusting the stack's account (or its partition's); an existing one stays. */
export function seedMemberAccount(sandbox: AwsSandbox, stack: StackContext, member: MemberAccount): void {
  const { accountId, accountName: name, partition, accessRoleNames } = member;
  const foreign = partition !== stack.names.partition;
  if (foreign) seedPartitionCredentials(sandbox, stack, partition);
  if (sandbox.hasAccount(accountId)) return;
  const trustedAccountId = foreign ? PARTITION_MANAGEMENT_ACCOUNT[partition] : stack.names.accountId;
  sandbox.createMemberAccount(accountId, { name, partition, accessRoleNames, trustedAccountId });
}
