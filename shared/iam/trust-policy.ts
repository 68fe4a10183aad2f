/**
 * The trust policy of the Datadog role.
 *
 * Datadog's statement: principal `arn:<partition>:iam::<Datadog account of the site>:root`, action `sts:AssumeRole`,
 * condition `StringEquals sts:ExternalId`, no MFA condition (Datadog's AWS manual-setup guide).
 * During onboarding a second statement lets the validator's execution role assume the role with the same external
 * ID, so the automation can prove from AWS that the role is assumable; it is removed once validation passed, and it
 * expires by itself in case the onboarding stops before that (a failed or timed-out execution).
 */
import type { PolicyDocument, PolicyStatement } from './policy-document';

/** `Sid` of Datadog's statement. */
export const DATADOG_STATEMENT_SID = 'DatadogAWSIntegration';
/** `Sid` of the validator's temporary statement. */
export const VALIDATOR_STATEMENT_SID = 'DatadogOnboardingValidation';

/** The validator's temporary trust: who, and until when. */
export interface ValidatorTrust {
  /** The validator's identity: its execution role, or in another partition that partition's IAM user. */
  principalArn: string;
  /** From this instant on, the statement grants nothing (`DateLessThan aws:CurrentTime`), even if it was never removed. */
  expiresAt: Date;
}

function assumeRoleStatement(sid: string, principalArn: string, externalId: string): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: { AWS: principalArn },
    Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'sts:ExternalId': externalId } },
  };
}

/** ISO 8601 to the second, as IAM's date condition operators take it (IAM User Guide, "Date condition operators"). */
function iamDate(instant: Date): string {
  return new Date(Math.ceil(instant.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Builds the trust policy.
 *
 * @param datadogPrincipalArn - from `datadogPrincipalArn(site, partition)`.
 * @param externalId - the external ID Datadog generated for this account.
 * @param validator - when given, adds the validator's statement with the same external ID, valid until
 *   `validator.expiresAt` (rounded up to the second), so a statement an interrupted onboarding could not remove lets
 *   no one in after that.
 */
export function buildTrustPolicy(datadogPrincipalArn: string, externalId: string, validator?: ValidatorTrust): PolicyDocument {
  const statements = [assumeRoleStatement(DATADOG_STATEMENT_SID, datadogPrincipalArn, externalId)];
  if (validator !== undefined) {
    const statement = assumeRoleStatement(VALIDATOR_STATEMENT_SID, validator.principalArn, externalId);
    statement.Condition = { ...statement.Condition, DateLessThan: { 'aws:CurrentTime': iamDate(validator.expiresAt) } };
    statements.push(statement);
  }
  return { Version: '2012-10-17', Statement: statements };
}
