/**
 * Datadog's published rules for an AWS account registration that the client's models cannot express.
 */
import { DATADOG_SITES as PRODUCT_SITES, type DatadogSite } from '../../shared/datadog-sites';
import type { Partition } from '../../shared/partitions';

/** Sites the stand-in can impersonate: the product's list. Which auth each accepts is decided here, independently. */
export const DATADOG_SITES: readonly DatadogSite[] = PRODUCT_SITES;

// Only the gov sites have a Datadog principal in aws-us-gov (brief's site table, from `DdAccountIdBySite` in
// Datadog's cloudformation-template); aws-cn has none on any site.
const ROLE_PARTITIONS_BY_SITE_KIND = {
  commercial: new Set<Partition>(['aws']),
  gov: new Set<Partition>(['aws', 'aws-us-gov']),
};
const GOV_SITES = new Set<DatadogSite>(['ddog-gov.com', 'us2.ddog-gov.com']);

// Datadog's AWS manual-setup guide: access keys only for GovCloud and China.
const KEY_PARTITIONS = new Set<Partition>(['aws-us-gov', 'aws-cn']);

// AWS IAM API reference, CreateRole: RoleName is 1-64 characters of [\w+=,.@-]. Catches an ARN passed as a name.
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** Which way Datadog authenticates to the account. */
export type AuthKind = 'role' | 'keys';

/** The attributes the rules look at, in API field names. */
export interface RegistrationCore {
  aws_account_id: string;
  aws_partition: Partition;
  auth_kind: AuthKind;
  role_name?: string;
}

/**
 * Checks a registration against Datadog's rules.
 *
 * @param registration - Account id, partition, kind of auth and role name (for role auth).
 * @param site - The Datadog site being impersonated.
 * @returns `undefined` when allowed, else a sentence naming the offending field path under `data.attributes`:
 *   `aws_account_id` not 12 digits (an AWS account id is 12 digits, AWS Organizations API reference);
 *   `auth_config.role_name` empty or not an IAM role name; role delegation in a partition where the site has no
 *   Datadog principal; access keys outside aws-us-gov and aws-cn.
 */
export function checkRegistration(registration: RegistrationCore, site: DatadogSite): string | undefined {
  const { aws_account_id: accountId, aws_partition: partition, auth_kind: kind, role_name: roleName } = registration;
  if (!/^\d{12}$/.test(accountId)) {
    return `field "data.attributes.aws_account_id" must be exactly 12 digits, got "${accountId}"`;
  }
  if (kind === 'role') {
    if (roleName === undefined || roleName === '') return 'field "data.attributes.auth_config.role_name" must not be empty';
    if (!ROLE_NAME.test(roleName)) {
      return 'field "data.attributes.auth_config.role_name" must be an IAM role name (1-64 of [A-Za-z0-9+=,.@_-]), not an ARN or path';
    }
    const allowed = ROLE_PARTITIONS_BY_SITE_KIND[GOV_SITES.has(site) ? 'gov' : 'commercial'];
    if (!allowed.has(partition)) {
      return `field "data.attributes.auth_config": role delegation is not available for partition "${partition}" on site ${site}; use access keys`;
    }
    return undefined;
  }
  if (!KEY_PARTITIONS.has(partition)) {
    return `field "data.attributes.auth_config": access keys are accepted only for partitions aws-us-gov and aws-cn, not "${partition}"`;
  }
  return undefined;
}
