/**
 * The trust policy of the Datadog role.
 *
 * Datadog's statement: principal `arn:<partition>:iam::<Datadog account of the site>:root`, action `sts:AssumeRole`,
 * condition `StringEquals sts:ExternalId`, no MFA condition (Datadog's AWS manual-setup guide).
 * During onboarding a second statement lets the validator's execution role assume the role with the same external
 * ID, so the automation can prove from AWS that the role is assumable; it is removed once validation passed.
 */
import type { PolicyDocument, PolicyStatement } from './policy-document';

/** `Sid` of Datadog's statement. */
export const DATADOG_STATEMENT_SID = 'DatadogAWSIntegration';
/** `Sid` of the validator's temporary statement. */
export const VALIDATOR_STATEMENT_SID = 'DatadogOnboardingValidation';

function assumeRoleStatement(sid: string, principalArn: string, externalId: string): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: { AWS: principalArn },
    Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'sts:ExternalId': externalId } },
  };
}

/**
 * Builds the trust policy.
 *
 * @param datadogPrincipalArn - from `datadogPrincipalArn(site, partition)`.
 * @param externalId - the external ID Datadog generated for this account.
 * @param validatorRoleArn - when given, adds the validator's statement with the same external ID.
 */
export function buildTrustPolicy(datadogPrincipalArn: string, externalId: string, validatorRoleArn?: string): PolicyDocument {
  const statements = [assumeRoleStatement(DATADOG_STATEMENT_SID, datadogPrincipalArn, externalId)];
  if (validatorRoleArn !== undefined) {
    statements.push(assumeRoleStatement(VALIDATOR_STATEMENT_SID, validatorRoleArn, externalId));
  }
  return { Version: '2012-10-17', Statement: statements };
}
