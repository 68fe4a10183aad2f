/**
 * Configuration from environment variables, set by `template.yaml` from the stack parameters (and `AWS_REGION` by
 * the Lambda runtime).
 *
 * The one place that reads the environment: each function reads only the variables it needs, by passing the matching
 * part of {@link ENV} to {@link readEnv}. A default is declared here and, identically, as the stack parameter's
 * `Default` in template.yaml (test/template/environment.test.ts checks both), never at a call site.
 */
import { z } from 'zod';
import { DATADOG_SITES } from './datadog-sites';
import { InvalidInputError } from './errors';
import { describeFirstIssue } from './validation';

/** IAM role and policy names: 1–64 characters of `[\w+=,.@-]` (IAM API reference, CreateRole `RoleName`). */
export const iamName = z.string().regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM name (1-64 of letters, digits, +=,.@_-)');

/**
 * Largest `MaxValidationSeconds`: the state machine's execution time-out (`TimeoutSeconds`, 17700: long enough for
 * the Datadog steps to wait out a sustained rate limit) less the worst case
 * of every other step of the onboarding, so that validation ends, and the validator's trust statement expires,
 * before the execution times out. `test/statemachine/execution-budget.test.ts` derives it from the definition and
 * checks it against template.yaml.
 */
export const MAX_VALIDATION_SECONDS_BOUND = 3_600;

const booleanFlag = z.enum(['true', 'false']).transform((value) => value === 'true');

/** A comma-separated list (a `CommaDelimitedList` parameter joined with `,`), each item matching `pattern`; empty: none. */
function idList(pattern: RegExp, what: string) {
  return z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(pattern, `must list ${what}, comma-separated`)));
}

/** An OU id or a root id (Organizations API reference, `ParentId` pattern). */
const PARENT_ID = /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/;

/** Every environment variable the functions read, with its meaning. */
export const ENV = {
  /** The function's own region, set by the Lambda runtime ("Defined runtime environment variables", AWS Lambda developer guide). */
  AWS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region code'),
  /** Datadog site the accounts are registered with (parameter `DatadogSite`). */
  DATADOG_SITE: z.enum(DATADOG_SITES),
  /** ARN of the Secrets Manager secret holding `{"apiKey": "...", "appKey": "..."}` (parameter `DatadogKeysSecretArn`). */
  DATADOG_KEYS_SECRET_ARN: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:/, 'must be a Secrets Manager secret ARN'),
  /** Base URL of a Datadog-compatible API to use instead of the site's (local runs only; empty in deployments). */
  DATADOG_API_URL: z.union([z.literal(''), z.url()]).optional(),
  /**
   * Bound on each Datadog request, seconds (default 10, far below the functions' time-outs). Not a stack parameter:
   * local runs and tests shorten it.
   */
  DATADOG_TIMEOUT_SECONDS: z.coerce.number().positive().max(30).optional(),
  /**
   * A settings document as JSON text, instead of the bundled settings/datadog-settings.json (local runs only:
   * `npm start -- --settings FILE`; deployments use the bundled document, versioned with the code).
   */
  DATADOG_SETTINGS_DOCUMENT: z.string().max(1_000_000).optional(),
  /** Name of the role Datadog assumes in each member account (parameter `DatadogRoleName`). */
  DATADOG_ROLE_NAME: iamName,
  /** Name of the integration policy; further parts get `-2`, `-3`… (parameter `DatadogPolicyName`). */
  DATADOG_POLICY_NAME: iamName,
  /** Role the automation assumes in member accounts created by Organizations (parameter `MemberAccessRoleName`). */
  MEMBER_ACCESS_ROLE_NAME: iamName,
  /** Role the automation assumes in accounts created by Control Tower (parameter `ControlTowerAccessRoleName`). */
  CONTROL_TOWER_ACCESS_ROLE_NAME: iamName,
  /** Whether the role also gets AWS's `SecurityAudit` managed policy (parameter `AttachSecurityAudit`). */
  ATTACH_SECURITY_AUDIT: booleanFlag,
  /** OUs (or the root) whose accounts, at any depth, are onboarded; empty: every OU (parameter `IncludeOrganizationalUnits`). */
  INCLUDE_ORGANIZATIONAL_UNITS: idList(PARENT_ID, 'OU ids (ou-...) or the root id (r-...)'),
  /** OUs (or the root) whose accounts, at any depth, are never onboarded (parameter `ExcludeOrganizationalUnits`). */
  EXCLUDE_ORGANIZATIONAL_UNITS: idList(PARENT_ID, 'OU ids (ou-...) or the root id (r-...)'),
  /** Accounts never onboarded, 12-digit ids (parameter `ExcludeAccounts`). */
  EXCLUDE_ACCOUNTS: idList(/^\d{12}$/, '12-digit account ids'),
  /** Whether the management account is onboarded, with the functions' own credentials (parameter `OnboardManagementAccount`). */
  ONBOARD_MANAGEMENT_ACCOUNT: booleanFlag,
  /** The organization's management account, where the stack runs (`AWS::AccountId`). */
  MANAGEMENT_ACCOUNT_ID: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  /** Whether an existing role of the same name, not created by this tool, may be taken over (parameter `AllowRoleTakeover`). */
  ALLOW_ROLE_TAKEOVER: booleanFlag,
  /** ARN of the validator function's execution role, trusted during onboarding only. */
  VALIDATOR_ROLE_ARN: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\//, 'must be an IAM role ARN'),
  /**
   * Prefix of the secrets holding an IAM user's access key for another partition, `<prefix><partition>-credentials`
   * (parameter `PartitionCredentialsSecretPrefix`; may be empty).
   */
  PARTITION_CREDENTIALS_SECRET_PREFIX: z
    .string()
    .regex(/^[\w/+=.@-]{0,400}$/, 'must be a secret name prefix')
    .default('datadog-onboarding/'),
  /** Region of the STS and IAM calls into AWS GovCloud (US) (parameter `GovCloudRegion`). */
  GOVCLOUD_REGION: z.enum(['us-gov-west-1', 'us-gov-east-1']).default('us-gov-west-1'),
  /** Region of the STS and IAM calls into the China partition (parameter `ChinaRegion`). */
  CHINA_REGION: z.enum(['cn-north-1', 'cn-northwest-1']).default('cn-north-1'),
  /** Upper bound, in seconds, of the time spent proving the role or key usable (parameter `MaxValidationSeconds`). */
  MAX_VALIDATION_SECONDS: z.coerce.number().int().min(10).max(MAX_VALIDATION_SECONDS_BOUND),
  /**
   * Whether the record steps post one Datadog event per onboarding, offboarding, repair and failure (parameter
   * `DatadogEvents`).
   */
  DATADOG_EVENTS: booleanFlag.default(true),
  /** Name of the IAM user whose access key Datadog uses where it cannot assume a role (parameter `DatadogUserName`). */
  DATADOG_USER_NAME: iamName,
  /** Prefix of the per-account access-key secrets, `<prefix><accountId>` (parameter `AccessKeySecretPrefix`). */
  ACCESS_KEY_SECRET_PREFIX: z
    .string()
    .regex(/^[\w/+=.@-]{0,380}datadog-access-keys\/$/, 'must be a secret name prefix ending with datadog-access-keys/')
    .default('datadog-onboarding/datadog-access-keys/'),
  /** Comma-separated ARNs of the roles that may read the access-key secrets; the only readers their policy allows. */
  ACCESS_KEY_READER_ARNS: z
    .string()
    .min(1, 'must list the role ARNs that may read key secrets')
    .transform((value) =>
      value
        .split(',')
        .map((arn) => arn.trim())
        .filter(Boolean),
    ),
  /** KMS key of the access-key secrets; empty for Secrets Manager's `aws/secretsmanager` (parameter `AccessKeyKmsKeyId`). */
  ACCESS_KEY_KMS_KEY_ID: z
    .string()
    .max(2048)
    .optional()
    .transform((value) => value || undefined),
  /** ARN of the rotation function of the access-key secrets. */
  ROTATION_FUNCTION_ARN: z.string().regex(/^arn:aws[a-z-]*:lambda:/, 'must be a Lambda function ARN'),
  /** Days between rotations of an access key (parameter `AccessKeyRotationDays`). */
  ACCESS_KEY_ROTATION_DAYS: z.coerce.number().int().min(1).max(1000),
  /**
   * What offboarding removes (parameter `OffboardingMode`): `registration` (this tool's Datadog registration and the
   * access-key secret), `everything` (also the role, policies, user and keys in reachable member accounts), `none`.
   */
  OFFBOARDING_MODE: z.enum(['registration', 'everything', 'none']).default('registration'),
  /** Whether offboarding also deletes registrations this tool adopted rather than created (parameter `OffboardAdoptedRegistrations`). */
  OFFBOARD_ADOPTED_REGISTRATIONS: booleanFlag.default(false),
  /**
   * Name of the DynamoDB table of account records and leases (`AccountsTable`): 3-255 of letters, digits, `_.-`
   * (DynamoDB developer guide, "Naming rules").
   */
  ACCOUNTS_TABLE_NAME: z.string().regex(/^[\w.-]{3,255}$/, 'must be a DynamoDB table name'),
  /** ARN of the onboarding state machine (starter only). */
  STATE_MACHINE_ARN: z.string().regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:/, 'must be a state machine ARN'),
  /** The reconciliation bucket: plans, map-run results and reports (`ReconciliationBucket`). */
  RECONCILIATION_BUCKET_NAME: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  /** Child executions a reconciliation runs at once (parameter `ReconcileMaxConcurrency`). */
  RECONCILE_MAX_CONCURRENCY: z.coerce.number().int().min(1).max(10_000),
} as const;

type EnvSpec = Partial<typeof ENV>;
type EnvValues<S extends EnvSpec> = { [K in keyof S]: S[K] extends z.ZodType ? z.output<S[K]> : never };

/**
 * Reads and validates the named environment variables.
 *
 * @param spec - a subset of {@link ENV}, e.g. `pickEnv('DATADOG_SITE')`.
 * @param env - the environment, `process.env` by default.
 * @returns the parsed values, typed.
 * @throws InvalidInputError naming the first missing or invalid variable (a deployment mistake).
 */
export function readEnv<S extends EnvSpec>(spec: S, env: NodeJS.ProcessEnv = process.env): EnvValues<S> {
  const result = objectOf(spec).safeParse(env);
  if (!result.success) {
    // Said plainly: zod's own words for a missing number are "expected number, received NaN".
    const name = result.error.issues[0]?.path[0];
    const problem =
      typeof name === 'string' && env[name] === undefined ? `${name} is not set` : describeFirstIssue(result.error, 'environment');
    throw new InvalidInputError(`environment variable ${problem}`, {
      remedy: 'Check the stack parameters',
    });
  }
  return result.data as EnvValues<S>;
}

/** One object schema per set of variables and their schemas (zod compiles one on its first parse), the last one kept per set of names. */
const objectSchemas = new Map<string, z.ZodObject>();

function objectOf(spec: EnvSpec): z.ZodObject {
  const names = Object.keys(spec).join(',');
  const kept = objectSchemas.get(names);
  if (kept && Object.entries(spec).every(([name, schema]) => kept.shape[name] === schema)) return kept;
  const schema = z.object(spec);
  objectSchemas.set(names, schema);
  return schema;
}

/** Picks some of {@link ENV} for {@link readEnv}. */
export function pickEnv<K extends keyof typeof ENV>(...keys: K[]): Pick<typeof ENV, K> {
  return Object.fromEntries(keys.map((key) => [key, ENV[key]])) as Pick<typeof ENV, K>;
}
