/**
 * How long the validator's statement in the Datadog role's trust policy stays valid.
 *
 * The statement is removed once validation passed. When the onboarding stops before that (validation gave up, a
 * step failed, the execution timed out: Step Functions' execution time-out cannot be caught), the statement expires
 * by itself instead, and the next onboarding of the account replaces it and removes it.
 */

/**
 * Seconds the statement outlives the validation bound: one ProvisionRole attempt after the trust policy was written
 * (its `TimeoutSeconds`, 120) and the last ValidateRole attempt with its retries (at most 330 s by its `Retry`).
 * `test/statemachine/execution-budget.test.ts` checks this against the state machine definition.
 */
export const VALIDATOR_TRUST_GRACE_SECONDS = 600;

/**
 * The instant the validator's statement expires.
 *
 * @param writtenAt - when the trust policy is written (provisioning time).
 * @param maxValidationSeconds - the bound on validation (parameter `MaxValidationSeconds`), in seconds.
 * @returns `writtenAt + maxValidationSeconds + VALIDATOR_TRUST_GRACE_SECONDS`.
 */
export function validatorTrustExpiry(writtenAt: Date, maxValidationSeconds: number): Date {
  return new Date(writtenAt.getTime() + (maxValidationSeconds + VALIDATOR_TRUST_GRACE_SECONDS) * 1000);
}
