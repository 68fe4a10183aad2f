/**
 * The inputs the state machine hands each step (see `statemachine/onboarding.asl.json`, each Task's `Parameters`),
 * and the rotation function's event. Every function's handler validates its input against one of these schemas on
 * entry (Powertools Parser, see `shared/middleware/onboarding-handler.ts`), so a hand-edited redrive or a changed
 * definition fails with the field named, before anything is changed.
 */
import { z } from 'zod';
import { iamName } from '../config';
import { DATADOG_SITES } from '../datadog-sites';
import { PARTITIONS } from '../partitions';
import { accountSettingsSchema } from '../settings/schema';
import type { OnboardingTarget } from './target';

/** A 12-digit AWS account id. */
const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');

/** Schema of `$.target`. */
export const targetSchema: z.ZodType<OnboardingTarget> = z.object({
  accountId,
  partition: z.enum(PARTITIONS),
  datadogSite: z.enum(DATADOG_SITES),
  authType: z.enum(['role', 'access_keys']),
  roleName: iamName,
  policyName: iamName,
  memberAccessRoleName: iamName,
  alternateMemberAccessRoleName: iamName.optional(),
  attachSecurityAudit: z.boolean(),
});

/** A Datadog external ID: Datadog generates 32 hexadecimal characters; accept any plausible token (STS `ExternalId`). */
const externalId = z.string().regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be an external ID (STS ExternalId format)');

/** ARN of a key secret (Secrets Manager), as ProvisionAccessKey returns it. */
const keySecretArn = z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:/, 'must be a Secrets Manager secret ARN');

/** `$.validation`: the successful validation (attempts, seconds since provisioning, when provisioning ended), or `AlreadyValidated`'s zeros. */
const validationProgress = z
  .object({ attempts: z.number().int().min(0), waitedSeconds: z.number().min(0), startedAt: z.iso.datetime().optional() })
  .loose();

/** Input of DescribeAccountRequest: the `car-…` id of a CreateGovCloudAccount (or CreateAccount) request. */
export const describeAccountRequestInputSchema = z.object({
  createAccountRequestId: z.string().regex(/^car-[a-z0-9]{8,32}$/, 'must be a create-account request id (car-...)'),
});

/** Input of ResolveTarget: the execution input (validated by the step itself) and this execution's ARN. */
export const resolveTargetInputSchema = z.object({
  input: z.unknown(),
  executionArn: z.string().regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:\s]+:[^:\s]+$/, 'must be an execution ARN'),
});

/** Input of LookUpRegistration: the target and the account's settings (`$.settings`, from ResolveTarget). */
export const lookUpRegistrationInputSchema = z.object({ target: targetSchema, settings: accountSettingsSchema });

/** Input of ProvisionRole. */
export const provisionRoleInputSchema = z.object({
  target: targetSchema,
  externalId,
  permissions: z.array(z.string().regex(/^[\w-]+:[\w*]+$/, 'must be an IAM action')).min(1),
  /** Where the permissions came from; `snapshot` leaves existing policies as they are. */
  permissionsSource: z.enum(['datadog', 'snapshot']).optional(),
});

/** Input of ProvisionAccessKey: as ProvisionRole's, without an external ID (access keys need none). */
export const provisionAccessKeyInputSchema = provisionRoleInputSchema.omit({ externalId: true });

/** Input of ValidateRole. */
export const validateRoleInputSchema = z.object({
  target: targetSchema,
  roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\//, 'must be an IAM role ARN'),
  externalId,
  /** When ProvisionRole ended (ISO 8601): the start of the validation schedule and of its bound. */
  provisionedAt: z.iso.datetime(),
});

/** Input of ValidateAccessKey; `provisionedAt` from ProvisionAccessKey. */
export const validateAccessKeyInputSchema = z.object({ target: targetSchema, keySecretArn, provisionedAt: z.iso.datetime() });

/** Input of RemoveValidatorTrust. */
export const removeValidatorTrustInputSchema = z.object({ target: targetSchema, externalId });

/** Input of RegisterAccount: the external ID with role delegation, the key secret's ARN with access keys (the other `null`). */
export const registerAccountInputSchema = z.object({
  target: targetSchema,
  externalId: z
    .string()
    .regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be an external ID')
    .nullable(),
  keySecretArn: keySecretArn.nullable(),
  /** The account's Datadog settings from the document (`$.settings`, from ResolveTarget). */
  settings: accountSettingsSchema,
});

/** ARN of this execution (`$$.Execution.Id`), the holder of the account's lease. */
const executionArn = z.string().regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:\s]+:[^:\s]+$/, 'must be an execution ARN');

/**
 * The execution's own input (`$$.Execution.Input`), as far as the record steps report it: the lifecycle event's time
 * (`trigger.time`, for the time to onboard), the account's OU (`context`) and, from a reconciliation, its planned
 * action (`reconciliation.action`: a `repair` is reported as such). ResolveTarget validated it in full;
 * absent for steps invoked outside an execution.
 */
const executionInputFacts = z
  .object({
    trigger: z
      .object({ time: z.string().max(256) })
      .loose()
      .optional(),
    context: z
      .object({ organizationalUnitId: z.string().max(256).optional(), organizationalUnitName: z.string().max(256).optional() })
      .loose()
      .optional(),
    /** The reconciliation's plan for this account, when a reconciliation started the execution. */
    reconciliation: z
      .object({ action: z.string().max(32), reason: z.string().max(1024).optional() })
      .loose()
      .optional(),
  })
  .loose()
  .optional();

/** Input of RecordOnboarding: what the execution did, from its state (`$.registration`, `$.datadog`, `$.accessKey`, `$.validation`). */
export const recordOnboardingInputSchema = z.object({
  target: targetSchema,
  executionArn,
  registration: z
    .object({
      accountConfigId: z.string().nullable(),
      permissions: z.array(z.string().regex(/^[\w-]+:[\w*]+$/, 'must be an IAM action')).min(1),
    })
    .loose(),
  datadog: z
    .object({
      accountConfigId: z.string().min(1),
      roleName: z.string().nullable(),
      externalId: z.string().nullable(),
      action: z.enum(['created', 'updated', 'unchanged']),
    })
    .loose(),
  keySecretArn: keySecretArn.nullable(),
  validation: validationProgress,
  executionInput: executionInputFacts,
});

/** Input of RecordFailure: the error the execution caught (`$.error`, as Step Functions gives it: `{Error, Cause}`). */
export const recordFailureInputSchema = z.object({
  target: targetSchema,
  executionArn,
  error: z.object({ Error: z.string(), Cause: z.string().optional() }).loose(),
  executionInput: executionInputFacts,
});

/** `$.offboard`, from ResolveTarget: why the account is offboarded, and whether it is known to be unreachable. */
const offboardSchema = z.object({ reason: z.string().min(1).max(512), accountGone: z.boolean() });

/** Input of RemoveRegistration; `executionInput` (`$$.Execution.Input`) gives the offboarded event the account's OU. */
export const removeRegistrationInputSchema = z.object({
  target: targetSchema,
  offboard: offboardSchema,
  executionArn,
  executionInput: executionInputFacts,
});

/**
 * Input of RemoveMemberResources; `registration` (`$.removal.registration`, what RemoveRegistration did) and
 * `executionInput` are for the offboarded event this step sends when it ends the offboarding.
 */
export const removeMemberResourcesInputSchema = z.object({
  target: targetSchema,
  executionArn,
  registration: z
    .object({ action: z.enum(['deleted', 'kept', 'absent', 'skipped']), reason: z.string().max(512) })
    .loose()
    .optional(),
  executionInput: executionInputFacts,
});

/** The steps Secrets Manager calls a rotation function with, in order (AWS Secrets Manager user guide, "Rotation by Lambda function"). */
export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

/** The event Secrets Manager sends the rotation function (AWS Secrets Manager user guide, "Lambda rotation functions"). */
export const rotateAccessKeyInputSchema = z.object({
  SecretId: z.string().min(1).max(2048),
  ClientRequestToken: z.string().min(32).max(64),
  Step: z.enum(ROTATION_STEPS),
});

/** Input of PlanReconciliation: the reconciliation's execution input (`{}`, `{"dryRun": true}`, `{"accountIds": [...]}`). */
export const planReconciliationInputSchema = z.object({
  input: z.strictObject({
    /** The plan only: nothing is changed anywhere. */
    dryRun: z.boolean().optional(),
    /** Only these accounts. */
    accountIds: z.array(accountId).min(1).max(10_000).optional(),
  }),
  /** The reconciliation execution's name: names its plan, results and report in the bucket. */
  executionName: z.string().regex(/^[\w.-]{1,80}$/, 'must be an execution name'),
});

/** What DetectDrift expects of a converged account, from its record. */
export const expectedStateSchema = z.object({
  authType: z.enum(['role', 'access_keys']).optional(),
  roleName: iamName.optional(),
  externalId: externalId.optional(),
  accessKeyId: z
    .string()
    .regex(/^[A-Z0-9]{16,128}$/)
    .optional(),
});

/** Input of DetectDrift: one plan item (the Distributed Map's ItemSelector). */
export const detectDriftInputSchema = z.object({
  accountId,
  partition: z.enum(PARTITIONS),
  action: z.enum(['onboard', 'repair', 'offboard', 'none', 'skip']),
  reason: z.string().max(1024),
  expected: expectedStateSchema,
  dryRun: z.boolean(),
});

/** Input of ReportReconciliation: PlanReconciliation's output and the Distributed Map's ResultWriter details. */
export const reportReconciliationInputSchema = z.object({
  plan: z.object({ bucket: z.string().min(3).max(63), reportKey: z.string().min(1).max(1024), dryRun: z.boolean() }).loose(),
  mapRun: z.object({ MapRunArn: z.string(), ResultWriterDetails: z.object({ Bucket: z.string(), Key: z.string() }) }),
});

export type DescribeAccountRequestInput = z.output<typeof describeAccountRequestInputSchema>;
export type ResolveTargetInput = z.output<typeof resolveTargetInputSchema>;
export type LookUpRegistrationInput = z.output<typeof lookUpRegistrationInputSchema>;
export type ProvisionRoleInput = z.output<typeof provisionRoleInputSchema>;
export type ProvisionAccessKeyInput = z.output<typeof provisionAccessKeyInputSchema>;
export type ValidateRoleInput = z.output<typeof validateRoleInputSchema>;
export type ValidateAccessKeyInput = z.output<typeof validateAccessKeyInputSchema>;
export type RemoveValidatorTrustInput = z.output<typeof removeValidatorTrustInputSchema>;
export type RegisterAccountInput = z.output<typeof registerAccountInputSchema>;
export type RemoveRegistrationInput = z.output<typeof removeRegistrationInputSchema>;
export type RemoveMemberResourcesInput = z.output<typeof removeMemberResourcesInputSchema>;
export type RotateAccessKeyInput = z.output<typeof rotateAccessKeyInputSchema>;
export type RecordOnboardingInput = z.output<typeof recordOnboardingInputSchema>;
export type RecordFailureInput = z.output<typeof recordFailureInputSchema>;
export type PlanReconciliationInput = z.output<typeof planReconciliationInputSchema>;
export type DetectDriftInput = z.output<typeof detectDriftInputSchema>;
export type ReportReconciliationInput = z.output<typeof reportReconciliationInputSchema>;
