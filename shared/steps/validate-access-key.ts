/**
 * The ValidateAccessKey step: proving the stored access key works the way Datadog will use it (see
 * `shared/onboarding/try-access-key.ts`), one attempt per call; the state machine waits and calls again.
 */
import { OnboardingError } from '../errors';
import { readStoredKey } from '../onboarding/access-key-secret';
import type { ValidateAccessKeyInput } from '../onboarding/step-inputs';
import { tryAccessKey } from '../onboarding/try-access-key';
import {
  NOT_YET,
  refuseNotYet,
  secondsSinceProvisioning,
  usableAfter,
  type ScheduleSettings,
  type ValidationResult,
} from '../onboarding/validation-schedule';

const STEP = 'ValidateAccessKey';

/**
 * Makes one attempt with the stored key; while the key is not usable yet, the state machine's `Retry` makes the
 * next one (see `refuseNotYet`).
 *
 * @param input - `{target, keySecretArn, provisionedAt}`: `provisionedAt` (ISO 8601, from ProvisionAccessKey) starts
 *   the schedule and the bound.
 * @param now - the current time; default now.
 * @returns `{assumable: true, attempts, waitedSeconds, waitSeconds: 0, startedAt}` (`assumable`: the key works;
 *   `waitedSeconds` since provisioning; `attempts` counted from the schedule).
 * @throws OnboardingError when the secret holds no key.
 * @throws NotYetUsableError `AccessKeyNotYetUsable.Early|Middle|Late` while the key is not usable yet.
 * @throws RoleValidationTimeoutError when the next attempt would start past `settings.maxTotalSeconds` after provisioning.
 */
export async function validateAccessKey(
  { target, keySecretArn, provisionedAt }: ValidateAccessKeyInput,
  settings: ScheduleSettings,
  now: () => Date = () => new Date(),
): Promise<ValidationResult> {
  const stored = await readStoredKey(keySecretArn);
  if (!stored) {
    throw new OnboardingError(`the key secret ${keySecretArn} holds no access key`, {
      accountId: target.accountId,
      step: STEP,
      remedy: 'Replay the account: provisioning stores a new key',
    });
  }
  const outcome = await tryAccessKey(target, stored.key, STEP);
  const elapsed = secondsSinceProvisioning(provisionedAt, now());
  if (outcome === 'usable') return usableAfter(provisionedAt, elapsed, settings);
  return refuseNotYet(NOT_YET.accessKey, elapsed, outcome, 'the stored access key', settings, {
    accountId: target.accountId,
    step: STEP,
    remedy: 'Check the IAM user and its policy in the member account, then replay the account; raise MaxValidationSeconds if IAM is slow',
  });
}
