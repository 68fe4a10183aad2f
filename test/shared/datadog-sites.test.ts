import { DATADOG_SITES, authTypeFor, datadogPrincipalArn } from '../../shared/datadog-sites';
import { PARTITIONS } from '../../shared/partitions';

/** Source: the brief's site table (Datadog cloudformation-template DdAccountIdBySite, manual-setup guide). */
const EXPECTED: Record<string, Record<string, string>> = {
  'datadoghq.com': { aws: 'arn:aws:iam::464622532012:root' },
  'us3.datadoghq.com': { aws: 'arn:aws:iam::464622532012:root' },
  'us5.datadoghq.com': { aws: 'arn:aws:iam::464622532012:root' },
  'datadoghq.eu': { aws: 'arn:aws:iam::464622532012:root' },
  'ap1.datadoghq.com': { aws: 'arn:aws:iam::417141415827:root' },
  'ap2.datadoghq.com': { aws: 'arn:aws:iam::412381753143:root' },
  'uk1.datadoghq.com': { aws: 'arn:aws:iam::117348461845:root' },
  'ddog-gov.com': { aws: 'arn:aws:iam::392588925713:root', 'aws-us-gov': 'arn:aws-us-gov:iam::065115117704:root' },
  'us2.ddog-gov.com': { aws: 'arn:aws:iam::382742775718:root', 'aws-us-gov': 'arn:aws-us-gov:iam::486737091498:root' },
};

describe('Function: datadogPrincipalArn / authTypeFor', () => {
  const cases = DATADOG_SITES.flatMap((site) => PARTITIONS.map((partition) => [site, partition] as const));

  it.each(cases)('%s × %s', (site, partition) => {
    const expected = EXPECTED[site][partition];
    if (expected === undefined) {
      expect(authTypeFor(site, partition)).toBe('access_keys');
      expect(() => datadogPrincipalArn(site, partition)).toThrow(`has no role delegation for partition ${partition}`);
    } else {
      expect(authTypeFor(site, partition)).toBe('role');
      expect(datadogPrincipalArn(site, partition)).toBe(expected);
    }
  });
});
