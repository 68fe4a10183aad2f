/**
 * ProvisionAccessKey: where Datadog cannot use role delegation (GovCloud on Datadog's commercial sites, China),
 * converges the integration policy, the IAM user and its one access key in the member account, and stores the key
 * in a secret of this account. The output carries the secret's ARN, never the key.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { reachMemberAccount } from '../../shared/aws/member-account';
import { iamName, pickEnv, readEnv } from '../../shared/config';
import { logger } from '../../shared/logger';
import { onboardingHandler } from '../../shared/middleware/onboarding-handler';
import { provisionAccessKey, type AccessKeyResult } from '../../shared/onboarding/provision-access-key';
import { parseStepInput, provisionInputSchema } from '../../shared/onboarding/step-inputs';

const STEP = 'ProvisionAccessKey';
const secrets = new SecretsManagerClient({});
const envSpec = {
  ...pickEnv('ALLOW_ROLE_TAKEOVER'),
  DATADOG_USER_NAME: iamName,
  ACCESS_KEY_READER_ARNS: z.string().min(1, 'must list the role ARNs that may read key secrets'),
  ACCESS_KEY_KMS_KEY_ID: z.string().max(2048).optional(),
  ROTATION_FUNCTION_ARN: z.string().regex(/^arn:aws[a-z-]*:lambda:/, 'must be a Lambda function ARN'),
  ACCESS_KEY_ROTATION_DAYS: z.coerce.number().int().min(1).max(1000),
};

/**
 * Provisions the user and key.
 *
 * @param event - `{target, permissions}`.
 * @returns `{userArn, policyArns, keySecretArn, changed, validationRequired, memberAccessRoleName}`: the last names
 *   the member access role that worked.
 */
export async function provisionAccessKeyStep(event: unknown): Promise<AccessKeyResult & { memberAccessRoleName: string }> {
  const { target, permissions, permissionsSource } = parseStepInput(provisionInputSchema.omit({ externalId: true }), event, STEP);
  const env = readEnv(envSpec);
  const { iam, accessRoleName } = await reachMemberAccount(target, STEP);
  const result = await provisionAccessKey(iam, secrets, {
    target,
    permissions,
    userName: env.DATADOG_USER_NAME,
    allowTakeover: env.ALLOW_ROLE_TAKEOVER,
    keepExistingPolicies: permissionsSource === 'snapshot',
    secret: {
      partition: target.partition,
      rotation: { functionArn: env.ROTATION_FUNCTION_ARN, days: env.ACCESS_KEY_ROTATION_DAYS },
      kmsKeyId: env.ACCESS_KEY_KMS_KEY_ID || undefined,
      readerArns: env.ACCESS_KEY_READER_ARNS.split(',').map((arn) => arn.trim()).filter(Boolean),
    },
  });
  logger.info('access key provisioned', {
    accountId: target.accountId,
    memberAccessRoleName: accessRoleName,
    userArn: result.userArn,
    keySecretArn: result.keySecretArn,
    changed: result.changed,
  });
  return { ...result, memberAccessRoleName: accessRoleName };
}

/** Lambda entry point. */
export const handler = onboardingHandler(STEP, provisionAccessKeyStep);
