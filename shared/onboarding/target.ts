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
  /**
   * The role the automation assumes in the member account first: the lifecycle event's hint (Control Tower or
   * Organizations), or the one a step already proved to work.
   */
  memberAccessRoleName: string;
  /**
   * The other configured member access role, tried when STS refuses the first (AccessDenied): an Organizations event
   * may be about an account Control Tower created, and the reverse. Absent when both parameters name one role.
   */
  alternateMemberAccessRoleName?: string;
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
 * Resolves an execution input against the deployment's defaults. Explicit input wins. The member access role to try
 * first is the input's `memberAccessRoleName`, else the trigger's hint (Control Tower's execution role,
 * `AWSControlTowerExecution` by default, for Control Tower events; the Organizations role otherwise); the other
 * configured role is the alternate.
 */
export function resolveTarget(input: ExecutionInput, defaults: TargetDefaults): OnboardingTarget {
  const partition = input.partition ?? defaults.partition;
  const datadogSite = input.datadogSite ?? defaults.datadogSite;
  const byControlTower = input.trigger?.source === 'aws.controltower';
  const first = input.memberAccessRoleName ?? (byControlTower ? defaults.controlTowerAccessRoleName : defaults.memberAccessRoleName);
  const alternate = first === defaults.memberAccessRoleName ? defaults.controlTowerAccessRoleName : defaults.memberAccessRoleName;
  return {
    accountId: input.accountId,
    partition,
    datadogSite,
    authType: authTypeFor(datadogSite, partition),
    roleName: input.roleName ?? defaults.roleName,
    policyName: defaults.policyName,
    memberAccessRoleName: first,
    ...(alternate !== first ? { alternateMemberAccessRoleName: alternate } : {}),
    attachSecurityAudit: defaults.attachSecurityAudit,
  };
}
