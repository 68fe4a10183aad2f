/**
 * The values Datadog fills in for the optional parts of a registration, so that a GET returns what the real API
 * returns and a caller comparing "what I sent" with "what Datadog holds" meets the same differences as in production.
 *
 * Sources: the "Defaults to …" notes of the client models (`AWSAccountCreateRequestAttributes`, `AWSMetricsConfig`,
 * `AWSResourcesConfig`, `AWSLambdaForwarderConfig`, `AWSTracesConfig`), and for the concrete default namespace filter
 * and X-Ray list, Datadog's recorded create response (datadog-api-client-typescript, cassette
 * "Create-an-AWS-account-returns-AWS-Account-object-response", 2025-08-06).
 */
import type { DatadogAccountAttributes, JsonObject } from './types';

/** The optional attributes that have defaults. */
export type OptionalSections = Pick<
  DatadogAccountAttributes,
  'account_tags' | 'aws_regions' | 'metrics_config' | 'resources_config' | 'logs_config' | 'traces_config'
>;

const SECTION_DEFAULTS: { [K in keyof Required<OptionalSections>]: () => Required<OptionalSections>[K] } = {
  account_tags: () => [],
  aws_regions: () => ({ include_all: true }),
  metrics_config: () => ({
    enabled: true,
    automute_enabled: true,
    collect_custom_metrics: false,
    collect_cloudwatch_alarms: false,
    tag_filters: [],
    namespace_filters: { exclude_only: ['AWS/SQS', 'AWS/ElasticMapReduce'] },
  }),
  resources_config: () => ({ cloud_security_posture_management_collection: false, extended_collection: true }),
  logs_config: () => ({ lambda_forwarder: { lambdas: [] } }),
  traces_config: () => ({ xray_services: { include_only: [] } }),
};

// Sections whose missing fields are filled one by one (a partial metrics_config keeps Datadog's other defaults).
const FIELD_FILLED: ReadonlySet<keyof OptionalSections> = new Set(['metrics_config', 'resources_config', 'logs_config', 'traces_config']);

/**
 * Completes the given optional sections with Datadog's defaults; sections not given get their whole default.
 *
 * @param given - Optional attributes from a request (already validated), possibly partial.
 * @returns A new object with every optional section present; `given` is not modified.
 */
export function withDefaults(given: OptionalSections): Required<OptionalSections> {
  const result = {} as Record<keyof OptionalSections, unknown>;
  for (const key of Object.keys(SECTION_DEFAULTS) as (keyof OptionalSections)[]) {
    const fallback = SECTION_DEFAULTS[key]();
    const value = given[key];
    if (value === undefined) result[key] = fallback;
    else if (FIELD_FILLED.has(key)) result[key] = { ...(fallback as JsonObject), ...structuredClone(value as JsonObject) };
    else result[key] = structuredClone(value);
  }
  return result as Required<OptionalSections>;
}
