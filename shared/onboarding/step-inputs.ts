/**
 * The inputs the state machine hands each step (see `statemachine/onboarding.asl.json`). Validated on entry so a
 * hand-edited redrive or a changed definition fails with the field named, before anything is changed.
 */
import { z } from 'zod';
import { iamName } from '../config';
import { DATADOG_SITES } from '../datadog-sites';
import { InvalidInputError } from '../errors';
import { PARTITIONS } from '../partitions';
import { describeFirstIssue } from '../validation';
import type { OnboardingTarget } from './target';

/** Schema of `$.target`. */
export const targetSchema: z.ZodType<OnboardingTarget> = z.object({
  accountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  partition: z.enum(PARTITIONS),
  datadogSite: z.enum(DATADOG_SITES),
  authType: z.enum(['role', 'access_keys']),
  roleName: iamName,
  policyName: iamName,
  memberAccessRoleName: iamName,
  alternateMemberAccessRoleName: iamName.optional(),
  attachSecurityAudit: z.boolean(),
});

/** A Datadog external ID: Datadog generates 32 hexadecimal characters; accept any plausible token. */
const externalId = z.string().regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be an external ID (STS ExternalId format)');

/** Input of ProvisionRole. */
export const provisionInputSchema = z.object({
  target: targetSchema,
  externalId,
  permissions: z.array(z.string().regex(/^[\w-]+:[\w*]+$/, 'must be an IAM action')).min(1),
  /** Where the permissions came from; `snapshot` leaves existing policies as they are. */
  permissionsSource: z.enum(['datadog', 'snapshot']).optional(),
});

/** Input of ValidateRole. */
export const validateInputSchema = z.object({
  target: targetSchema,
  roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\//, 'must be an IAM role ARN'),
  externalId,
  validation: z.object({ attempts: z.number().int().min(0), waitedSeconds: z.number().min(0), startedAt: z.iso.datetime().optional() }).loose(),
});

/** Input of RemoveValidatorTrust and RegisterAccount. */
export const externalIdInputSchema = z.object({ target: targetSchema, externalId });

/** Input of LookUpRegistration. */
export const targetInputSchema = z.object({ target: targetSchema });

/**
 * Validates a step input.
 *
 * @throws InvalidInputError naming the step and the first wrong field.
 */
export function parseStepInput<T>(schema: z.ZodType<T>, input: unknown, step: string): T {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new InvalidInputError(`input ${describeFirstIssue(result.error, 'input')}`, {
      step,
      remedy: 'The state machine definition and the functions are out of step; redeploy them together',
    });
  }
  return result.data;
}
