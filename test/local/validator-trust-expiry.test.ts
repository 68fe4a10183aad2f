/**
 * The validator's trust statement when an onboarding stops before removing it: it expires by itself (the sandbox's
 * policy evaluation sees `aws:CurrentTime` on its virtual clock), and the next onboarding of the account removes it.
 * A failed validation whose clean-up cannot write the trust policy (IAM throttles it throughout) stands for every way
 * an execution can stop after provisioning, a time-out included; a failed validation that can clean up removes the
 * statement at once.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { FaultPlan } from '../../local/faults';
import { newSandboxFor, runLocally } from '../../local/run';
import type { AwsSandbox } from '../../local/sandbox';
import { VALIDATOR_TRUST_GRACE_SECONDS } from '../../shared/onboarding/validator-trust-expiry';
import { sampleEvent } from '../helpers';

const MEMBER = '444455556666';
const ROLE_ARN = `arn:aws:iam::${MEMBER}:role/DatadogIntegrationRole`;
const VALIDATOR_SESSION =
  'arn:aws:sts::111122223333:assumed-role/datadog-onboarding-local-ValidatorRole/datadog-onboarding-local-ValidateRoleFunction';
const MAX_VALIDATION_SECONDS = 60;

type TrustStatement = { Sid: string; Condition: { StringEquals: Record<string, string>; DateLessThan?: Record<string, string> } };

function trustStatements(sandbox: AwsSandbox): TrustStatement[] {
  const role = sandbox.dump().accounts[MEMBER]?.roles.find((candidate) => candidate.roleName === 'DatadogIntegrationRole');
  return (role?.assumeRolePolicyDocument as { Statement: TrustStatement[] } | undefined)?.Statement ?? [];
}

/** Whether the validator may assume the Datadog role now, on the sandbox's clock. */
async function validatorMayAssume(sandbox: AwsSandbox, externalId: string): Promise<boolean> {
  sandbox.install();
  try {
    await sandbox.asPrincipal(VALIDATOR_SESSION, () =>
      new STSClient({ region: 'us-east-1' }).send(
        new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'probe', ExternalId: externalId }),
      ),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'AccessDenied') return false;
    throw error;
  } finally {
    sandbox.restore();
  }
}

describe('The validator’s trust statement after an interrupted onboarding', () => {
  // IAM takes 5 minutes here, longer than the 60 s validation bound: validation gives up after provisioning.
  const input = sampleEvent('control-tower-create-managed-account.json');
  const sandbox = newSandboxFor(input, 300);
  const provisionedAt = sandbox.clock.now();
  let failed: Awaited<ReturnType<typeof runLocally>>;

  beforeAll(async () => {
    failed = await runLocally({
      input,
      sandbox,
      parameters: { MaxValidationSeconds: String(MAX_VALIDATION_SECONDS) },
      faults: FaultPlan.parse(['iam:UpdateAssumeRolePolicy:Throttling:always']),
    });
  });

  it('is removed at once when validation fails and the trust policy can be written', async () => {
    // Prepare: the same slow IAM, nothing else wrong.
    const cleanSandbox = newSandboxFor(input, 300);

    // Act
    const result = await runLocally({ input, sandbox: cleanSandbox, parameters: { MaxValidationSeconds: String(MAX_VALIDATION_SECONDS) } });

    // Assess: the validation's own failure, and Datadog's statement alone in the trust policy.
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/^RoleValidationTimeoutError: /);
    expect(trustStatements(cleanSandbox).map((statement) => statement.Sid)).not.toContain('DatadogOnboardingValidation');
    expect(trustStatements(cleanSandbox)).toHaveLength(1);
  });

  it('is left behind by the failed execution, expiring the validation bound plus the grace after provisioning', () => {
    // Act
    const validator = trustStatements(sandbox).find((statement) => statement.Sid === 'DatadogOnboardingValidation');

    // Assess
    expect(failed.outcome).toBe('failed');
    expect(failed.reason).toMatch(/^RoleValidationTimeoutError: /);
    const expiresAt = Math.ceil((provisionedAt + (MAX_VALIDATION_SECONDS + VALIDATOR_TRUST_GRACE_SECONDS) * 1000) / 1000) * 1000;
    expect(validator?.Condition.DateLessThan).toEqual({ 'aws:CurrentTime': new Date(expiresAt).toISOString().replace('.000Z', 'Z') });
  });

  it('lets the validator in until it expires, and not from then on', async () => {
    // Prepare
    const externalId = trustStatements(sandbox)[0].Condition.StringEquals['sts:ExternalId'];
    sandbox.clock.advance(provisionedAt / 1000 + 400 - sandbox.clock.now() / 1000);

    // Act
    const beforeExpiry = await validatorMayAssume(sandbox, externalId);
    sandbox.clock.advance(MAX_VALIDATION_SECONDS + VALIDATOR_TRUST_GRACE_SECONDS + 1 - 400);
    const afterExpiry = await validatorMayAssume(sandbox, externalId);

    // Assess
    expect(beforeExpiry).toBe(true);
    expect(afterExpiry).toBe(false);
  });

  it('is removed by the next onboarding of the account, which validates with a statement of its own', async () => {
    // Act
    // A console replay of the account Control Tower created.
    const replay = await runLocally({
      input: { accountId: MEMBER, memberAccessRoleName: 'AWSControlTowerExecution' },
      sandbox,
      datadogAccounts: failed.datadogAccounts,
    });

    // Assess
    expect(replay.reason).toBeUndefined();
    expect(replay.outcome).toBe('onboarded');
    expect(replay.validationAttempts).toBeGreaterThan(1);
    expect(trustStatements(sandbox).map((statement) => statement.Sid)).toEqual(['DatadogAWSIntegration']);
  });
});

describe('The validator’s trust statement in a local run', () => {
  it('is dated on the sandbox’s clock, however far that clock is ahead of the wall clock (a saved state replayed)', async () => {
    // Prepare
    const input = sampleEvent('control-tower-create-managed-account.json');
    const sandbox = newSandboxFor(input);
    sandbox.clock.advance(30 * 86_400);

    // Act
    const summary = await runLocally({ input, sandbox });

    // Assess
    expect(summary.reason).toBeUndefined();
    expect(summary.outcome).toBe('onboarded');
    expect(summary.validationAttempts).toBeGreaterThan(1);
  });
});
