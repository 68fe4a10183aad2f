/**
 * The onboarding target: one member account with every setting resolved, carried through the state machine as
 * `$.target` so that each step, and an operator reading the execution, sees the same decisions.
 */
import { authTypeFor, type AuthType, type DatadogSite } from '../datadog-sites';
import type { Partition } from '../partitions';
import type { ExecutionInput } from './execution-input';

/** Everything the steps need to know about the account being onboarded. */
export interface OnboardingTarget {
  /** The member account (12 digits). */
  accountId: string;
  partition: Partition;
  datadogSite: DatadogSite;
  /** `role` (role delegation) or `access_keys`, from the site and partition. */
  authType: AuthType;
  /** The role Datadog assumes. */
  roleName: string;
  /** Name of the (first) integration policy. */
  policyName: string;
  /** The role the automation assumes in the member account. */
  memberAccessRoleName: string;
  /** Whether `SecurityAudit` is attached to the Datadog role. */
  attachSecurityAudit: boolean;
}

/** The deployment's defaults, from the stack parameters. */
export interface TargetDefaults {
  partition: Partition;
  datadogSite: DatadogSite;
  roleName: string;
  policyName: string;
  memberAccessRoleName: string;
  controlTowerAccessRoleName: string;
  attachSecurityAudit: boolean;
}

/**
 * Resolves an execution input against the deployment's defaults. Explicit input wins; accounts created by Control
 * Tower are reached through its execution role (`AWSControlTowerExecution` by default).
 */
export function resolveTarget(input: ExecutionInput, defaults: TargetDefaults): OnboardingTarget {
  const partition = input.partition ?? defaults.partition;
  const datadogSite = input.datadogSite ?? defaults.datadogSite;
  const byControlTower = input.trigger?.source === 'aws.controltower';
  return {
    accountId: input.accountId,
    partition,
    datadogSite,
    authType: authTypeFor(datadogSite, partition),
    roleName: input.roleName ?? defaults.roleName,
    policyName: defaults.policyName,
    memberAccessRoleName:
      input.memberAccessRoleName ??
      (byControlTower ? defaults.controlTowerAccessRoleName : defaults.memberAccessRoleName),
    attachSecurityAudit: defaults.attachSecurityAudit,
  };
}
