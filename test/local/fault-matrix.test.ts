/**
 * The fault matrix: each step's calls × each kind of fault, through the whole local flow. Whatever happens, the end
 * state is either onboarded and converged, or failed with a cause naming the account, the step and what to fix —
 * never a broken or duplicated registration.
 */
import { FaultPlan } from '../../local/faults';
import { runLocally, type LocalRunSummary } from '../../local/run';
import { sampleEvent } from '../helpers';

const MEMBER = '444455556666';
/** The integration policy's parts under the shipped settings (extended collection on: standard + resource collection). */
const PARTS = ['DatadogIntegrationPolicy', ...[2, 3, 4, 5].map((part) => `DatadogIntegrationPolicy-${part}`)];

async function runWith(...faults: string[]): Promise<LocalRunSummary> {
  return runLocally({ input: sampleEvent('console-replay.json'), faults: FaultPlan.parse(faults) });
}

/**
 * One registration, whose external ID is the one the trust policy requires, recorded as this application's (so that
 * offboarding removes it), and nothing left over in IAM.
 */
function expectConverged(summary: LocalRunSummary): void {
  expect(summary.reason).toBeUndefined();
  expect(summary.outcome).toBe('onboarded');
  expect(summary.datadogAccounts).toHaveLength(1);
  expect(summary.accountRecords).toEqual([expect.objectContaining({ accountId: MEMBER, origin: 'created' })]);
  const [registration] = summary.datadogAccounts;
  const externalId = (registration.attributes.auth_config as { external_id?: string }).external_id;
  const account = summary.sandbox.accounts[MEMBER];
  const role = account.roles.find((candidate) => candidate.roleName === 'DatadogIntegrationRole');
  expect(role?.assumeRolePolicyDocument).toMatchObject({
    Statement: [{ Sid: 'DatadogAWSIntegration', Condition: { StringEquals: { 'sts:ExternalId': externalId } } }],
  });
  expect((role?.assumeRolePolicyDocument as { Statement: unknown[] }).Statement).toHaveLength(1);
  expect(account.roles.map((candidate) => candidate.roleName).sort()).toEqual(['DatadogIntegrationRole', 'OrganizationAccountAccessRole']);
  expect(account.policies.map((policy) => policy.policyName).sort()).toEqual(PARTS);
  expect(role?.attachedPolicyArns.sort()).toEqual([
    ...PARTS.map((name) => `arn:aws:iam::${MEMBER}:policy/${name}`),
    'arn:aws:iam::aws:policy/SecurityAudit',
  ]);
}

/** The calls of each step, as SERVICE:OPERATION. */
const STEP_CALLS: [step: string, call: string][] = [
  ['LookUpRegistration', 'secretsmanager:GetSecretValue'],
  ['LookUpRegistration', 'datadog:ListAWSAccounts'],
  ['LookUpRegistration', 'datadog:CreateNewAWSExternalID'],
  ['ProvisionRole', 'sts:AssumeRole'],
  ['ProvisionRole', 'iam:CreatePolicy'],
  ['ProvisionRole', 'iam:CreateRole'],
  ['ProvisionRole', 'iam:AttachRolePolicy'],
  ['ValidateRole', 'iam:ListAccountAliases'],
  ['RemoveValidatorTrust', 'iam:UpdateAssumeRolePolicy'],
  ['RegisterAccount', 'datadog:CreateAWSAccount'],
];

const transient = (call: string) =>
  call.startsWith('datadog:') ? '503' : call.startsWith('secretsmanager') ? 'ThrottlingException' : 'Throttling';

describe('Fault matrix: transient faults are retried', () => {
  it.each(STEP_CALLS)('%s: %s failing twice still onboards, converged', async (_, call) => {
    expectConverged(await runWith(`${call}:${transient(call)}:2`));
  });

  it.each(STEP_CALLS)('%s: %s failing always ends failed, naming the step', async (step, call) => {
    const summary = await runWith(`${call}:${transient(call)}:always`);
    expect(summary.outcome).toBe('failed');
    expect(summary.reason).toMatch(new RegExp(`^TransientError: account ${MEMBER}, step ${step}: `));
    // Datadog never holds a registration whose role was not proven.
    if (step !== 'RegisterAccount') expect(summary.datadogAccounts).toEqual([]);
  });
});

describe('Fault matrix: a function dying right after a side effect', () => {
  it.each(STEP_CALLS.filter(([, call]) => !/Get|List/.test(call)))('%s: crash after %s still onboards, converged', async (_, call) => {
    expectConverged(await runWith(`crash-after:${call}`));
  });
});

describe('Fault matrix: fatal faults fail at once', () => {
  it.each([
    ['datadog:ListAWSAccounts:403', 'DatadogRequestError', 'LookUpRegistration', 'Check the API and application keys'],
    ['datadog:CreateNewAWSExternalID:400', 'DatadogRequestError', 'LookUpRegistration', 'refused as invalid'],
    ['datadog:CreateAWSAccount:400', 'DatadogRequestError', 'RegisterAccount', 'refused as invalid'],
    ['secretsmanager:GetSecretValue:AccessDeniedException', 'DatadogKeysError', undefined, 'Check that the secret exists'],
    [
      'sts:AssumeRole:AccessDenied',
      'MemberAccountAccessError',
      'ProvisionRole',
      'Check that one of these roles exists in the member account',
    ],
    ['iam:CreateRole:AccessDenied', 'OnboardingError', 'ProvisionRole', 'AccessDenied'],
  ])('%s → %s', async (fault, errorName, step, remedy) => {
    // Act
    const summary = await runWith(`${fault}:always`);

    // Assess
    expect(summary.outcome).toBe('failed');
    expect(summary.reason?.startsWith(`${errorName}: `)).toBe(true);
    if (step) expect(summary.reason).toContain(`account ${MEMBER}, step ${step}`);
    expect(summary.reason).toContain(remedy);
    expect(summary.datadogAccounts).toEqual([]);
  });

  it('does not retry a fatal fault: one attempt only', async () => {
    const summary = await runWith('datadog:CreateAWSAccount:400:1');
    expect(summary.outcome).toBe('failed');
    // One create attempt (the 400), plus the external ID generated before it.
    expect(summary.calls.mutating.datadog).toBe(2);
  });
});

describe('Replays', () => {
  it('replaying after a failure converges with what the failed run left', async () => {
    // Prepare: a run that provisions the role, then fails at registration.
    const { newSandboxFor } = await import('../../local/run');
    const sandbox = newSandboxFor(sampleEvent('console-replay.json'));
    const failed = await runLocally({
      input: sampleEvent('console-replay.json'),
      sandbox,
      faults: FaultPlan.parse(['datadog:CreateAWSAccount:500:always']),
    });
    expect(failed.outcome).toBe('failed');

    // Act
    const replay = await runLocally({ input: sampleEvent('console-replay.json'), sandbox, datadogAccounts: failed.datadogAccounts });

    // Assess
    expectConverged(replay);
  });
});
