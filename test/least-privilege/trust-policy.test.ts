/**
 * The Datadog role's trust policy (shared/iam/trust-policy.ts), evaluated by `@cloud-copilot/iam-simulate`: Datadog's
 * principal of the site may assume the role with the external ID and in no other way; the validator only while its
 * statement is there.
 */
import { SIMULATED_PARTITIONS, simulatedDeployment, type SimulatedPartition } from '../support/simulated-deployment';
import { simulateRequest } from '../support/simulate';
import { ALLOW_ALL as ALLOW_ALL_POLICY } from '../../local/sandbox/policy-evaluation';
import { loadExecutionRolePolicies } from '../../local/template-policies';
import { loadTemplate } from '../../local/template';
import { DATADOG_SITES, authTypeFor, datadogPrincipalArn, type DatadogSite } from '../../shared/datadog-sites';
import { buildTrustPolicy } from '../../shared/iam/trust-policy';
import { EXTERNAL_ID, MEMBER_ACCOUNT_ID, VALIDATOR_TRUST_EXPIRES_AT, datadogRoleDuringValidation } from './handler-calls';

const template = loadTemplate();
const OTHER_EXTERNAL_ID = 'fedcba9876543210fedcba9876543210';

/** Every site and partition where Datadog assumes a role (the others use access keys). */
const ROLE_DELEGATION: [SimulatedPartition, DatadogSite][] = SIMULATED_PARTITIONS.flatMap((partition) =>
  DATADOG_SITES.filter((site) => authTypeFor(site, partition) === 'role').map((site): [SimulatedPartition, DatadogSite] => [
    partition,
    site,
  ]),
);

describe('Function: buildTrustPolicy, simulated', () => {
  it('covers GovCloud on ddog-gov.com', () => {
    // Assess
    expect(ROLE_DELEGATION).toContainEqual(['aws-us-gov', 'ddog-gov.com']);
    expect(ROLE_DELEGATION).toContainEqual(['aws', 'datadoghq.com']);
  });

  describe.each(ROLE_DELEGATION)('in partition %s for site %s', (partition, site) => {
    const roleArn = `arn:${partition}:iam::${MEMBER_ACCOUNT_ID}:role/DatadogIntegrationRole`;
    const datadog = datadogPrincipalArn(site, partition);
    const trustPolicy = buildTrustPolicy(datadog, EXTERNAL_ID);
    /** Datadog's side allows everything: only the trust policy decides (cross-account evaluation needs both). */
    const assume = (principalArn: string, context: Record<string, string>) =>
      simulateRequest({
        principalArn,
        identityPolicies: [{ name: 'caller', policy: ALLOW_ALL_POLICY }],
        action: 'sts:AssumeRole',
        resourceArn: roleArn,
        resourcePolicy: trustPolicy,
        context,
      });

    it(`trusts Datadog's principal ${datadog} with the external ID`, async () => {
      // Act
      const decision = await assume(datadog, { 'sts:ExternalId': EXTERNAL_ID });

      // Assess
      expect(decision).toBe('Allowed');
    });

    it.each([
      ["Datadog's principal without an external ID", datadog, {}],
      ["Datadog's principal with another external ID", datadog, { 'sts:ExternalId': OTHER_EXTERNAL_ID }],
      ['another principal with the external ID', `arn:${partition}:iam::999999999999:root`, { 'sts:ExternalId': EXTERNAL_ID }],
      [
        'a role of another account with the external ID',
        `arn:${partition}:iam::999999999999:role/DatadogIntegrationRole`,
        { 'sts:ExternalId': EXTERNAL_ID },
      ],
    ])('refuses %s', async (_, principal, context) => {
      // Act
      const decision = await assume(principal, context);

      // Assess
      expect(decision).toBe('ImplicitlyDenied');
    });
  });

  describe.each(SIMULATED_PARTITIONS)('with the validator of template.yaml, partition %s', (partition) => {
    const deployment = simulatedDeployment(template, partition);
    const validator = loadExecutionRolePolicies(template, deployment.resolution).find((role) => role.logicalId === 'ValidateRoleFunction')!;
    const role = datadogRoleDuringValidation({ template, deployment });
    const assumeAsValidator = (trustPolicy: object, context: Record<string, string>, currentTime?: Date) =>
      simulateRequest({
        currentTime,
        principalArn: deployment.sessionArn(validator.roleLogicalId, `${deployment.names.stackName}-ValidateRoleFunction`),
        identityPolicies: validator.policies.map((loaded) => ({ name: loaded.name, policy: loaded.policy })),
        action: 'sts:AssumeRole',
        resourceArn: role.arn,
        resourcePolicy: trustPolicy,
        context: { ...role.tags, ...context },
        principalOrgId: deployment.organizationOf(deployment.names.accountId),
        resourceOrgId: deployment.organizationOf(MEMBER_ACCOUNT_ID),
      });

    it('lets the validator assume the role with the external ID while its statement is there', async () => {
      // Act
      const decision = await assumeAsValidator(role.trustPolicy, { 'sts:ExternalId': EXTERNAL_ID });

      // Assess
      expect(decision).toBe('Allowed');
    });

    it('refuses the validator without the external ID', async () => {
      // Act
      const decision = await assumeAsValidator(role.trustPolicy, {});

      // Assess
      expect(decision).toBe('ImplicitlyDenied');
    });

    it('refuses the validator once its statement expired, though it was never removed (an interrupted onboarding)', async () => {
      // Act
      const justBefore = await assumeAsValidator(
        role.trustPolicy,
        { 'sts:ExternalId': EXTERNAL_ID },
        new Date(VALIDATOR_TRUST_EXPIRES_AT.getTime() - 1000),
      );
      const atExpiry = await assumeAsValidator(role.trustPolicy, { 'sts:ExternalId': EXTERNAL_ID }, VALIDATOR_TRUST_EXPIRES_AT);

      // Assess
      expect(justBefore).toBe('Allowed');
      expect(atExpiry).toBe('ImplicitlyDenied');
    });

    it("keeps Datadog's own statement valid after the validator's expired", async () => {
      // Act
      const decision = await simulateRequest({
        currentTime: new Date(VALIDATOR_TRUST_EXPIRES_AT.getTime() + 86_400_000),
        principalArn: datadogPrincipalArn(deployment.datadogSite, partition),
        identityPolicies: [{ name: 'caller', policy: ALLOW_ALL_POLICY }],
        action: 'sts:AssumeRole',
        resourceArn: role.arn,
        resourcePolicy: role.trustPolicy,
        context: { 'sts:ExternalId': EXTERNAL_ID },
      });

      // Assess
      expect(decision).toBe('Allowed');
    });

    it('refuses the validator once its statement is removed', async () => {
      // Prepare
      const datadogOnly = buildTrustPolicy(datadogPrincipalArn(deployment.datadogSite, partition), EXTERNAL_ID);

      // Act
      const decision = await assumeAsValidator(datadogOnly, { 'sts:ExternalId': EXTERNAL_ID });

      // Assess
      expect(decision).toBe('ImplicitlyDenied');
    });
  });
});
