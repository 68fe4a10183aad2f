/**
 * ProvisionAccessKey: where Datadog cannot use role delegation (GovCloud on Datadog's commercial sites, China),
 * converges the integration policy, the IAM user and its one access key in the member account, and stores the key
 * in a secret of this account. The output carries the secret's ARN, never the key.
 * The step's rules: `shared/steps/provision-access-key.ts`.
 */
import { pickEnv, readEnv } from '../../shared/config';
import { logger } from '../../shared/logger';
import { stepHandler } from '../../shared/middleware/onboarding-handler';
import { provisionAccessKeyInputSchema, type ProvisionAccessKeyInput } from '../../shared/onboarding/step-inputs';
import { provisionAccessKey, type AccessKeyResult } from '../../shared/steps/provision-access-key';

/**
 * Provisions the user and key.
 *
 * @param input - `{target, permissions, permissionsSource?}`, parsed by the handler.
 * @returns `{userArn, policyArns, keySecretArn, changed, validationRequired, memberAccessRoleName, provisionedAt}`: the last names
 *   the member access role that worked.
 *
 * @example
 * ```ts
 * const accessKey = await provisionAccessKeyStep({ target, permissions: registration.permissions });
 * // { userArn: 'arn:aws-us-gov:iam::444455556666:user/DatadogIntegrationUser', policyArns: […],
 * //   keySecretArn: 'arn:<partition>:secretsmanager:us-east-1:111122223333:secret:datadog-onboarding/datadog-access-keys/444455556666-AbCdEf',
 * //   changed: true, validationRequired: true, memberAccessRoleName: 'OrganizationAccountAccessRole',
 * //   provisionedAt: '2026-12-02T10:00:00.000Z' }
 * ```
 */
export async function provisionAccessKeyStep(
  input: ProvisionAccessKeyInput,
): Promise<AccessKeyResult & { memberAccessRoleName: string; provisionedAt: string }> {
  const env = readEnv(
    pickEnv(
      'ALLOW_ROLE_TAKEOVER',
      'DATADOG_USER_NAME',
      'ACCESS_KEY_READER_ARNS',
      'ACCESS_KEY_KMS_KEY_ID',
      'ROTATION_FUNCTION_ARN',
      'ACCESS_KEY_ROTATION_DAYS',
    ),
  );
  const result = await provisionAccessKey(input, {
    userName: env.DATADOG_USER_NAME,
    allowTakeover: env.ALLOW_ROLE_TAKEOVER,
    secret: {
      rotation: { functionArn: env.ROTATION_FUNCTION_ARN, days: env.ACCESS_KEY_ROTATION_DAYS },
      kmsKeyId: env.ACCESS_KEY_KMS_KEY_ID,
      readerArns: env.ACCESS_KEY_READER_ARNS,
    },
  });
  logger.info('access key provisioned', {
    accountId: input.target.accountId,
    memberAccessRoleName: result.memberAccessRoleName,
    userArn: result.userArn,
    keySecretArn: result.keySecretArn,
    changed: result.changed,
  });
  return result;
}

/** Lambda entry point. */
export const handler = stepHandler('ProvisionAccessKey', provisionAccessKeyInputSchema, provisionAccessKeyStep);
