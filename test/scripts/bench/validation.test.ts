/**
 * The validation bench section measures one onboarding through the real local run: attempts and validated-at from
 * the summary, transitions and invocations from the execution's events, cost from the template's MemorySize.
 */
import { ASSUMED_BILLED_MS, formatRow, measureOnboarding } from '../../../scripts/bench/validation';
import { onboardingCost } from '../../../scripts/bench/onboarding-cost';

describe('Function: measureOnboarding', () => {
  it('counts the states entered and the functions invoked by a role delegation onboarding with a 10 s IAM delay', async () => {
    // Act
    const row = await measureOnboarding('role', 10);

    // Assess: attempts at 0, 4, 8, 12 s; 17 states entered (ValidateRole once) plus one transition per retry of
    // ValidateRole (3, RoleNotYetAssumable.Early); the starter, ResolveTarget, LookUpRegistration, ProvisionRole,
    // 4 ValidateRole, RemoveValidatorTrust, RegisterAccount, RecordOnboarding.
    expect(row).toMatchObject({
      auth: 'role',
      delaySeconds: 10,
      attempts: 4,
      validatedAtSeconds: 12,
      overshootSeconds: 2,
      overshootPercent: 20,
      transitions: 20,
      invocations: 11,
      attemptSeconds: [0, 4, 8, 12],
    });
    const perInvocation = { memoryMb: 256, billedMs: ASSUMED_BILLED_MS };
    expect(row.costUsd).toBeCloseTo(
      onboardingCost(
        20,
        Array.from({ length: 11 }, () => perInvocation),
      ).total,
      12,
    );
    expect(formatRow(row)).toBe('role           10        4           12         2    20 %          20          11  $0.000539');
  });
});
