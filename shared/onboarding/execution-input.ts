/**
 * The input of an onboarding execution: what the starter sends, and what an operator types in the Step Functions
 * console to replay an account (`{"accountId": "123456789012"}` plus optional overrides) or to offboard it
 * (`{"accountId": "123456789012", "action": "offboard"}`).
 */
import { z } from 'zod';
import { iamName } from '../config';
import { DATADOG_SITES } from '../datadog-sites';
import { InvalidInputError } from '../errors';
import { PARTITIONS } from '../partitions';
import { describeFirstIssue } from '../validation';

const shortText = z.string().max(256);

/** What an execution does to its account. */
export const EXECUTION_ACTIONS = ['onboard', 'offboard'] as const;
/** `onboard` or `offboard`. */
export type ExecutionAction = (typeof EXECUTION_ACTIONS)[number];

/** Schema of the execution input; unknown fields are refused so a typo in the console is not silently ignored. */
export const executionInputSchema = z.strictObject({
  /** The member account to onboard (or offboard). */
  accountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  /** `onboard` (default) or `offboard`: remove what this application put in place for the account (OffboardingMode). */
  action: z.enum(EXECUTION_ACTIONS).optional(),
  /** Why the account is offboarded, one line (set by the starter from the lifecycle event). */
  reason: shortText.optional(),
  /** Partition of the member account; default: the partition the automation runs in. */
  partition: z.enum(PARTITIONS).optional(),
  /** Datadog site; default: the stack's `DatadogSite`. */
  datadogSite: z.enum(DATADOG_SITES).optional(),
  /** Name of the Datadog role; default: the stack's `DatadogRoleName`. */
  roleName: iamName.optional(),
  /** Role to assume in the member account; default by trigger (Control Tower or Organizations). */
  memberAccessRoleName: iamName.optional(),
  /** The lifecycle event that started the execution (set by the starter). */
  trigger: z.strictObject({ source: shortText, eventName: shortText, eventId: shortText, region: shortText, time: shortText }).optional(),
  /** Where the account sits (set by the starter from the event). */
  context: z
    .strictObject({
      accountName: shortText.optional(),
      organizationalUnitId: shortText.optional(),
      organizationalUnitName: shortText.optional(),
    })
    .optional(),
  /**
   * Set by a reconciliation (statemachine/reconcile.asl.json) for the accounts it onboards, repairs or offboards: the
   * plan's action and reason, so the record step reports a repair as `repaired`, not as a new onboarding, and
   * ResolveTarget checks an offboarding for scope again.
   */
  reconciliation: z
    .strictObject({
      action: z.enum(['onboard', 'repair', 'offboard']),
      reason: z.string().max(1024),
    })
    .optional(),
});

/** A validated execution input. */
export type ExecutionInput = z.infer<typeof executionInputSchema>;

/**
 * Validates an execution input.
 *
 * @throws InvalidInputError with a one-line message naming the first wrong field.
 */
export function parseExecutionInput(input: unknown): ExecutionInput {
  const result = executionInputSchema.safeParse(input);
  if (!result.success) {
    throw new InvalidInputError(`execution input ${describeFirstIssue(result.error, '(top level)')}`, {
      step: 'ResolveTarget',
      remedy: 'Start the execution with {"accountId": "<12 digits>"} and only the documented overrides',
    });
  }
  return result.data;
}
