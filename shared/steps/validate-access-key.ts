/**
 * The ValidateAccessKey step: proving the stored access key works the way Datadog will use it (see
 * `shared/onboarding/try-access-key.ts`), one attempt per call; the state machine waits and calls again.
 */
import { OnboardingError } from '../errors';
import { readStoredKey } from '../onboarding/access-key-secret';
import type { ValidateAccessKeyInput } from '../onboarding/step-inputs';
import { tryAccessKey } from '../onboarding/try-access-key';
import { afterRefusal, type ScheduleSettings, type ValidationResult } from '../onboarding/validation-schedule';

const STEP = 'ValidateAccessKey';

/**
 * Makes one attempt with the stored key.
 *
 * @param input - `{target, keySecretArn, validation}`: attempts made and seconds waited so far, and when the first
 *   attempt started (absent before it).
 * @returns `{assumable, attempts, waitedSeconds, waitSeconds, startedAt, lastError?}` (`assumable`: the key works).
 * @throws OnboardingError when the secret holds no key.
 * @throws RoleValidationTimeoutError when the next wait would end past `settings.maxTotalSeconds` after the first attempt.
 */
export async function validateAccessKey(
  { target, keySecretArn, validation: progress }: ValidateAccessKeyInput,
  settings: ScheduleSettings,
): Promise<ValidationResult> {
  const attempts = progress.attempts + 1;
  const started = { ...progress, startedAt: progress.startedAt ?? new Date().toISOString() };
  const stored = await readStoredKey(keySecretArn);
  if (!stored) {
    throw new OnboardingError(`the key secret ${keySecretArn} holds no access key`, {
      accountId: target.accountId,
      step: STEP,
      remedy: 'Replay the account: provisioning stores a new key',
    });
  }
  const outcome = await tryAccessKey(target, stored.key, STEP);
  if (outcome === 'usable')
    return { assumable: true, attempts, waitedSeconds: progress.waitedSeconds, waitSeconds: 0, startedAt: started.startedAt };
  return afterRefusal(started, outcome, settings, 'the stored access key was still not usable', {
    accountId: target.accountId,
    step: STEP,
    remedy: 'Check the IAM user and its policy in the member account, then replay the account; raise MaxValidationSeconds if IAM is slow',
  });
}
