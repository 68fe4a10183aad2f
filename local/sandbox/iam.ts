/**
 * The simulated IAM API: every IAM operation the sandbox answers, for the mock wiring to register.
 *
 * IAM is global per partition, so the client's region only selects the partition; each call works on the
 * caller's own account.
 */
import { policyOperations } from './iam-policies';
import { roleOperations } from './iam-roles';
import { userOperations } from './iam-users';
import type { Operation } from './operations';

/** All IAM operations the sandbox simulates. */
export const iamOperations: Operation[] = [...roleOperations, ...policyOperations, ...userOperations];
