/**
 * The onboarding target: one member account with every setting resolved, carried through the state machine as
 * `$.target` so that each step, and an operator reading the execution, sees the same decisions. ResolveTarget
 * (`shared/steps/resolve-target.ts`) makes them.
 */
import type { AuthType, DatadogSite } from '../datadog-sites';
import type { Partition } from '../partitions';

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
