/**
 * The AWS namespaces Datadog collects CloudWatch metrics from: the only values Datadog takes in an account's
 * `metrics_config.namespace_filters` (`include_only` / `exclude_only`) and `tag_filters[].namespace`.
 *
 * Source: Datadog API v2 `GET /api/v2/integration/aws/available_namespaces` (client `AWSIntegrationApi.listAWSNamespaces`,
 * response `data.attributes.namespaces`), as recorded from api.datadoghq.com by Datadog's Terraform provider
 * (`datadog/tests/cassettes/TestAccDatadogIntegrationAWSAvailableNamespacesDatasource.yaml`, DataDog/terraform-provider-datadog).
 * Kept as a snapshot beside the permission snapshots, in Datadog's order, so a settings document is checked at build
 * time and without a Datadog call; refresh it by hand from the endpoint. Not every entry is `AWS/<Service>`: Datadog
 * also lists `Glue`, `AmazonMWAA`, `WAF`, `AWS/Network Manager` and SageMaker's `/aws/sagemaker/...` namespaces.
 */
import snapshot from './aws-namespaces.snapshot.json';

/** The namespaces of the snapshot, in Datadog's order (112 at the time of recording). */
export const AWS_NAMESPACES_SNAPSHOT: readonly [string, ...string[]] = snapshot as [string, ...string[]];

/** What a message may quote of a namespace a document names: a short, plain value (it is no secret, but still input). */
const SHOWN_NAMESPACE = /^[A-Za-z0-9/ ._-]{1,64}$/;

/**
 * The one-line problem of a namespace Datadog does not publish, quoting it when it is plain.
 *
 * @example
 * ```ts
 * unknownNamespaceProblem('AWS/EC3'); // 'unknown namespace "AWS/EC3": not one Datadog collects metrics from (…)'
 * ```
 */
export function unknownNamespaceProblem(value: unknown): string {
  const shown = typeof value === 'string' && SHOWN_NAMESPACE.test(value) ? `"${value}"` : '(a value not shown)';
  return `unknown namespace ${shown}: not one Datadog collects metrics from (GET /api/v2/integration/aws/available_namespaces, e.g. AWS/EC2)`;
}
