/**
 * Datadog sites, and how Datadog reaches an AWS account of each partition from each site.
 *
 * Source: the `DdAccountIdBySite` mapping of Datadog's cloudformation-template and Datadog's AWS manual-setup guide
 * (summarised in the team brief, "The trust: which Datadog principal, which auth").
 */
import { accountRootArn, type Partition } from './partitions';

/** The Datadog sites this tool can register accounts with. */
export const DATADOG_SITES = [
  'datadoghq.com',
  'us3.datadoghq.com',
  'us5.datadoghq.com',
  'datadoghq.eu',
  'ap1.datadoghq.com',
  'ap2.datadoghq.com',
  'uk1.datadoghq.com',
  'ddog-gov.com',
  'us2.ddog-gov.com',
] as const;

/** One of {@link DATADOG_SITES}. */
export type DatadogSite = (typeof DATADOG_SITES)[number];

/** How Datadog authenticates to an AWS account: role delegation or an IAM user's access key. */
export type AuthType = 'role' | 'access_keys';

/** Datadog's AWS account that assumes the integration role, by site and partition; absent means access keys only. */
const DATADOG_PRINCIPAL_ACCOUNT: Record<DatadogSite, Partial<Record<Partition, string>>> = {
  'datadoghq.com': { aws: '464622532012' },
  'us3.datadoghq.com': { aws: '464622532012' },
  'us5.datadoghq.com': { aws: '464622532012' },
  'datadoghq.eu': { aws: '464622532012' },
  'ap1.datadoghq.com': { aws: '417141415827' },
  'ap2.datadoghq.com': { aws: '412381753143' },
  'uk1.datadoghq.com': { aws: '117348461845' },
  'ddog-gov.com': { aws: '392588925713', 'aws-us-gov': '065115117704' },
  'us2.ddog-gov.com': { aws: '382742775718', 'aws-us-gov': '486737091498' },
};

/**
 * Tells how Datadog on a site authenticates to an account of a partition.
 *
 * @returns `role` where Datadog has a principal in that partition, otherwise `access_keys`
 *   (`aws-cn` always; `aws-us-gov` on the commercial sites).
 */
export function authTypeFor(site: DatadogSite, partition: Partition): AuthType {
  return DATADOG_PRINCIPAL_ACCOUNT[site][partition] === undefined ? 'access_keys' : 'role';
}

/**
 * Gives the principal the integration role must trust: `arn:<partition>:iam::<Datadog account>:root`.
 *
 * @throws Error when the site has no role delegation for the partition (see {@link authTypeFor}).
 */
export function datadogPrincipalArn(site: DatadogSite, partition: Partition): string {
  const accountId = DATADOG_PRINCIPAL_ACCOUNT[site][partition];
  if (accountId === undefined) {
    throw new Error(`Datadog site ${site} has no role delegation for partition ${partition}: use access keys`);
  }
  return accountRootArn(partition, accountId);
}

/** True when `value` is one of {@link DATADOG_SITES}. */
export function isDatadogSite(value: string): value is DatadogSite {
  return (DATADOG_SITES as readonly string[]).includes(value);
}
