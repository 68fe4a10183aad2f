/**
 * RotateAccessKey: the Secrets Manager rotation function of the access-key secrets (scheduled by Secrets Manager,
 * or run at once with `aws secretsmanager rotate-secret --secret-id <secret>`). Each call is one step of the
 * rotation protocol; the old key is deleted only once Datadog holds the new one and it works.
 */
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { pickEnv, readEnv } from '../../shared/config';
import { datadogApiFor } from '../../shared/datadog/api-from-env';
import { authTypeFor } from '../../shared/datadog-sites';
import { InvalidInputError } from '../../shared/errors';
import { logger } from '../../shared/logger';
import { stepHandler } from '../../shared/middleware/onboarding-handler';
import { ACCOUNT_TAG_KEY, PARTITION_TAG_KEY } from '../../shared/onboarding/access-key-secret';
import { rotationStep } from '../../shared/onboarding/rotate-access-key';
import { rotateAccessKeyInputSchema, type RotateAccessKeyInput } from '../../shared/onboarding/step-inputs';
import type { OnboardingTarget } from '../../shared/onboarding/target';
import { PARTITIONS } from '../../shared/partitions';

const STEP = 'RotateAccessKey';
const secrets = new SecretsManagerClient({});
const tagsSchema = z.object({ [ACCOUNT_TAG_KEY]: z.string().regex(/^\d{12}$/), [PARTITION_TAG_KEY]: z.enum(PARTITIONS) });

type TargetEnv = { DATADOG_SITE: OnboardingTarget['datadogSite']; MEMBER_ACCESS_ROLE_NAME: string; CONTROL_TOWER_ACCESS_ROLE_NAME: string };

/**
 * The member account a key secret belongs to, from its tags (set when the key was first stored). The key's account
 * is reached as the onboarding reached it: the Organizations role first, then Control Tower's.
 */
async function targetOf(secretId: string, env: TargetEnv): Promise<OnboardingTarget> {
  const { Tags } = await secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
  const tags = tagsSchema.safeParse(Object.fromEntries((Tags ?? []).map((tag) => [tag.Key, tag.Value])));
  if (!tags.success) {
    throw new InvalidInputError(
      `secret ${secretId} is not an access-key secret of this tool (tags ${ACCOUNT_TAG_KEY}, ${PARTITION_TAG_KEY})`,
      { step: STEP },
    );
  }
  const partition = tags.data[PARTITION_TAG_KEY];
  return {
    accountId: tags.data[ACCOUNT_TAG_KEY],
    partition,
    datadogSite: env.DATADOG_SITE,
    authType: authTypeFor(env.DATADOG_SITE, partition),
    roleName: '',
    policyName: '',
    memberAccessRoleName: env.MEMBER_ACCESS_ROLE_NAME,
    ...(env.CONTROL_TOWER_ACCESS_ROLE_NAME !== env.MEMBER_ACCESS_ROLE_NAME
      ? { alternateMemberAccessRoleName: env.CONTROL_TOWER_ACCESS_ROLE_NAME }
      : {}),
    attachSecurityAudit: false,
  };
}

/**
 * Runs one rotation step.
 *
 * @param input - `{SecretId, ClientRequestToken, Step}` as Secrets Manager sends it, parsed by the handler.
 * @param sleep - waits that many seconds (the local run passes its virtual clock's).
 *
 * @example
 * ```ts
 * for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
 *   await rotateAccessKeyStep({ SecretId: keySecretArn, ClientRequestToken: randomUUID(), Step });
 * }
 * ```
 */
export async function rotateAccessKeyStep(
  { SecretId, ClientRequestToken, Step }: RotateAccessKeyInput,
  sleep = (seconds: number) => new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000)),
): Promise<void> {
  const env = readEnv(
    pickEnv('DATADOG_SITE', 'MEMBER_ACCESS_ROLE_NAME', 'CONTROL_TOWER_ACCESS_ROLE_NAME', 'MAX_VALIDATION_SECONDS', 'DATADOG_USER_NAME'),
  );
  const target = await targetOf(SecretId, env);
  await rotationStep(Step, {
    secrets,
    secretId: SecretId,
    token: ClientRequestToken,
    target,
    userName: env.DATADOG_USER_NAME,
    datadog: () => datadogApiFor(target.datadogSite, { accountId: target.accountId, step: STEP }),
    sleep,
    maxValidationSeconds: env.MAX_VALIDATION_SECONDS,
  });
  logger.info('rotation step done', { accountId: target.accountId, step: Step });
}

/** Lambda entry point. */
export const handler = stepHandler(STEP, rotateAccessKeyInputSchema, (input) => rotateAccessKeyStep(input));
