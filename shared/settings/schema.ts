/**
 * The schema of the Datadog settings document: `defaults`, then per OU, then per account, each holding Datadog API v2
 * AWS account attributes under Datadog's own field names (`AWSAccountCreateRequestAttributes` of
 * `@datadog/datadog-api-client`, serialized: `account_tags`, `aws_regions`, `metrics_config`, `resources_config`,
 * `logs_config`, `traces_config`). `aws_account_id`, `aws_partition` and `auth_config` stay the application's.
 * Every object is strict, so a misspelt field is refused rather than silently ignored.
 */
import { z } from 'zod';
import { AWS_NAMESPACES_SNAPSHOT, unknownNamespaceProblem } from '../datadog/namespaces';

/** Placeholders an account tag may hold, replaced per account (shared/settings/merge.ts). */
export const PLACEHOLDERS = ['account_id', 'account_name', 'ou_id', 'ou_name', 'partition'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** Fields of a registration the application owns: the document may not set them. */
export const APPLICATION_FIELDS = ['aws_account_id', 'aws_partition', 'auth_config'] as const;

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** A Datadog tag (`key:value`, at most 200 characters: Datadog's tag limit), optionally with placeholders. */
const accountTag = z
  .string()
  .min(1)
  .max(200)
  .superRefine((tag, context) => {
    for (const [, name] of tag.matchAll(PLACEHOLDER)) {
      if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
        context.addIssue({ code: 'custom', message: `unknown placeholder; use ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}` });
      }
    }
  });

/** An AWS region name, e.g. `eu-west-1`, `us-gov-west-1`, `cn-north-1`. */
const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region name such as eu-west-1');

/**
 * An AWS namespace Datadog collects metrics from: one of the list Datadog publishes
 * (`GET /api/v2/integration/aws/available_namespaces`, snapshot in shared/datadog/namespaces.ts). A mistyped one
 * would otherwise reach Datadog, or silently filter nothing.
 */
const namespace = z
  .enum(AWS_NAMESPACES_SNAPSHOT, { error: (issue) => unknownNamespaceProblem(issue.input) })
  // Its own definition in the JSON Schema (`$defs`), referenced where used, rather than the list six times over.
  .meta({
    id: 'AwsNamespace',
    description: 'An AWS namespace Datadog collects metrics from (GET /api/v2/integration/aws/available_namespaces)',
  });

/** A Lambda function ARN of the Datadog Forwarder, any partition, optionally with a version or alias. */
const lambdaArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:lambda:[a-z]{2}(-[a-z]+)+-\d:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]{1,128})?$/,
    'must be a Lambda function ARN',
  );

const includeAll = z.strictObject({ include_all: z.boolean() });

/** Datadog `AWSRegions`: all regions, or only the listed ones. */
export const awsRegionsSchema = z.union([includeAll, z.strictObject({ include_only: z.array(region) })]);

/** Datadog `AWSNamespaceFilters`: only these namespaces, or all but these. */
const namespaceFiltersSchema = z.union([
  z.strictObject({ include_only: z.array(namespace) }),
  z.strictObject({ exclude_only: z.array(namespace) }),
]);

/** Datadog `AWSMetricsConfig`. */
const metricsConfigSchema = z.strictObject({
  enabled: z.boolean().optional(),
  automute_enabled: z.boolean().optional(),
  collect_custom_metrics: z.boolean().optional(),
  collect_cloudwatch_alarms: z.boolean().optional(),
  namespace_filters: namespaceFiltersSchema.optional(),
  /** Per namespace, the resource tags a metric's resource must carry (`key:value`, `!` negates). */
  tag_filters: z.array(z.strictObject({ namespace, tags: z.array(z.string().min(1).max(200)) })).optional(),
});

/** Datadog `AWSResourcesConfig`. */
const resourcesConfigSchema = z.strictObject({
  extended_collection: z.boolean().optional(),
  cloud_security_posture_management_collection: z.boolean().optional(),
});

/** Datadog `AWSLogsConfig` (`lambda_forwarder`: the Forwarder functions and the services whose logs they receive). */
const logsConfigSchema = z.strictObject({
  lambda_forwarder: z
    .strictObject({
      lambdas: z.array(lambdaArn).optional(),
      sources: z.array(z.string().regex(/^[a-z0-9_-]{1,64}$/, 'must be a Datadog log source such as s3 or lambda')).optional(),
      log_source_config: z
        .strictObject({
          tag_filters: z.array(z.strictObject({ source: z.string().min(1).max(64), tags: z.array(z.string().min(1).max(200)) })),
        })
        .optional(),
    })
    .optional(),
});

/** Datadog `AWSTracesConfig` (`xray_services`: all X-Ray services, or only the listed ones). */
const tracesConfigSchema = z.strictObject({
  xray_services: z.union([includeAll, z.strictObject({ include_only: z.array(z.string().min(1).max(200)) })]).optional(),
});

/** One layer of settings (defaults, an OU's, an account's): every field optional. */
export const accountSettingsSchema = z.strictObject({
  account_tags: z.array(accountTag).optional(),
  aws_regions: awsRegionsSchema.optional(),
  metrics_config: metricsConfigSchema.optional(),
  resources_config: resourcesConfigSchema.optional(),
  logs_config: logsConfigSchema.optional(),
  traces_config: tracesConfigSchema.optional(),
});

/** Datadog account attributes for one account (a layer, or the merged result). */
export type AccountSettings = z.output<typeof accountSettingsSchema>;

/** An OU id (`ou-<root suffix>-<suffix>`, Organizations API reference, `OrganizationalUnitId` pattern). */
const organizationalUnitId = z.string().regex(/^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/, 'must be an OU id (ou-xxxx-xxxxxxxx)');
const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');

/** The whole document. `$schema` lets an editor validate and complete it. */
export const settingsDocumentSchema = z.strictObject({
  $schema: z.string().optional(),
  defaults: accountSettingsSchema.optional(),
  organizationalUnits: z.record(organizationalUnitId, accountSettingsSchema).optional(),
  accounts: z.record(accountId, accountSettingsSchema).optional(),
});

/** A validated settings document. */
export type SettingsDocument = z.output<typeof settingsDocumentSchema>;

/** Fields whose value is one of several shapes (Datadog `oneOf`): merged and compared whole, never field by field. */
export const WHOLE_VALUE_PATHS: ReadonlySet<string> = new Set([
  'aws_regions',
  'metrics_config.namespace_filters',
  'traces_config.xray_services',
]);
