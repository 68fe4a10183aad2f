/**
 * Proving the stored access key works the way Datadog will use it: `sts:GetCallerIdentity` in the key's partition,
 * then one read call the integration policy grants. A new key, like a new role, takes seconds to become usable
 * (`InvalidClientTokenId` meanwhile), so failures of that kind mean "not yet".
 */
import { IAMClient, ListAccountAliasesCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { foreignRegion, isInvalidCredentials, ownPartition } from '../aws/partition-credentials';
import { iamRegion, stsRegion } from '../aws/regions';
import { isAccessDenied, isTransientAwsError } from '../aws/transient-errors';
import { OnboardingError, RoleValidationError } from '../errors';
import { readStoredKey } from './access-key-secret';
import type { OnboardingTarget } from './target';
import type { NewAccessKey } from '../iam/user';
import type { ValidationResult } from './validate-role';
import { afterRefusal, type BackoffSettings, type ValidationProgress } from './validation-schedule';

const STEP = 'ValidateAccessKey';

async function tryKey(target: OnboardingTarget, keySecretArn: string): Promise<'usable' | string> {
  const stored = await readStoredKey(keySecretArn);
  if (!stored) {
    throw new OnboardingError(`the key secret ${keySecretArn} holds no access key`, {
      accountId: target.accountId,
      step: STEP,
      remedy: 'Replay the account: provisioning stores a new key',
    });
  }
  return tryAccessKey(target, stored.key, STEP);
}

/**
 * Uses an access key once: `sts:GetCallerIdentity` in its partition, then one read the integration policy grants.
 *
 * @returns `usable`, or the refusal that means "not yet" (`InvalidClientTokenId`, `AccessDenied`…).
 * @throws the SDK's transient errors; RoleValidationError for any other refusal.
 */
export async function tryAccessKey(target: OnboardingTarget, key: NewAccessKey, step: string): Promise<'usable' | string> {
  const foreign = target.partition !== ownPartition();
  const credentials = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  try {
    const sts = new STSClient({ region: foreign ? foreignRegion(target.partition) : stsRegion(target.partition), credentials });
    await sts.send(new GetCallerIdentityCommand({}));
    const iam = new IAMClient({ region: foreign ? foreignRegion(target.partition) : iamRegion(target.partition), credentials });
    await iam.send(new ListAccountAliasesCommand({}));
    return 'usable';
  } catch (error) {
    if (isInvalidCredentials(error) || isAccessDenied(error)) return (error as Error).name;
    if (isTransientAwsError(error)) throw error;
    throw new RoleValidationError(`using the stored access key failed: ${(error as Error).name}`, {
      accountId: target.accountId,
      step,
      remedy: 'See the error name in the AWS STS or IAM API reference',
      cause: error,
    });
  }
}

/**
 * Makes one attempt with the stored key.
 *
 * @param progress - attempts made and seconds waited so far, and when the first attempt started (absent before it).
 * @returns `{assumable, attempts, waitedSeconds, waitSeconds, startedAt, lastError?}` (`assumable`: the key works).
 * @throws RoleValidationTimeoutError when the next wait would end past `settings.maxTotalSeconds` after the first attempt.
 */
export async function attemptKeyValidation(
  target: OnboardingTarget,
  keySecretArn: string,
  progress: ValidationProgress,
  settings: BackoffSettings,
): Promise<ValidationResult> {
  const attempts = progress.attempts + 1;
  const started = { ...progress, startedAt: progress.startedAt ?? new Date().toISOString() };
  const outcome = await tryKey(target, keySecretArn);
  if (outcome === 'usable') return { assumable: true, attempts, waitedSeconds: progress.waitedSeconds, waitSeconds: 0, startedAt: started.startedAt };
  return afterRefusal(started, outcome, settings, 'the stored access key was still not usable', {
    accountId: target.accountId,
    step: STEP,
    remedy: 'Check the IAM user and its policy in the member account, then replay the account; raise MaxValidationSeconds if IAM is slow',
  });
}
