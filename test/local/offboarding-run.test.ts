/**
 * Offboarding end to end in the local run: the template's rules, the starter, the state machine's offboarding path
 * and the real handlers against the sandbox, the local Datadog and the local DynamoDB accounts table.
 */
import { runLocally, newSandboxFor, type LocalRunSummary } from '../../local/run';
import { METRIC_NAMES } from '../../shared/observability/metric-names';
import { sampleEvent } from '../helpers';

jest.setTimeout(120_000);

const ONBOARD = 'control-tower-create-managed-account.json';
const ACCOUNT = '444455556666';

async function onboardThen(
  event: string,
  parameters: Record<string, string> = {},
): Promise<{ onboarded: LocalRunSummary; offboarded: LocalRunSummary }> {
  const sandbox = newSandboxFor(sampleEvent(ONBOARD));
  const onboarded = await runLocally({ input: sampleEvent(ONBOARD), sandbox, parameters });
  const offboarded = await runLocally({
    input: sampleEvent(event),
    sandbox,
    parameters,
    datadogAccounts: onboarded.datadogAccounts,
    accountRecords: onboarded.accountRecords,
  });
  return { onboarded, offboarded };
}

describe('Local run: offboarding events', () => {
  it.each([
    'organizations-close-account-result.json',
    'organizations-close-account.json',
    'organizations-remove-account-from-organization.json',
    'organizations-account-departed-organization.json',
  ])('%s after an onboarding ends offboarded: the registration this application created is deleted', async (event) => {
    const { onboarded, offboarded } = await onboardThen(event);

    expect(onboarded.outcome).toBe('onboarded');
    expect(offboarded).toMatchObject({
      outcome: 'offboarded',
      accountId: ACCOUNT,
      offboarding: {
        registration: { action: 'deleted', accountConfigId: onboarded.datadog?.accountConfigId },
        memberResources: { action: 'skipped', reason: 'OffboardingMode is registration' },
      },
    });
    expect(offboarded.datadogAccounts).toEqual([]);
    expect(offboarded.accountRecords).toEqual([
      expect.objectContaining({ accountId: ACCOUNT, state: 'offboarded', lastOffboardedAt: expect.any(String) }),
    ]);
    expect(offboarded.accountRecords?.[0]).not.toHaveProperty('leaseHolder');
    // One offboarding told once: the metric and the Datadog event (the account and what was removed, no secret).
    expect(offboarded.metrics.filter((metric) => metric.name === METRIC_NAMES.offboarded).map((metric) => metric.value)).toEqual([1]);
    expect(offboarded.datadogEvents).toEqual([
      expect.objectContaining({
        title: `AWS account offboarded from Datadog: ${ACCOUNT}`,
        text: expect.stringContaining('offboarded: Datadog registration deleted (this application created it)'),
        tags: expect.arrayContaining([`aws_account:${ACCOUNT}`, 'outcome:offboarded']),
        alert_type: 'info',
      }),
    ]);
  });

  it('with OffboardingMode everything, a closed account is never assumed into: its role stays, the run does not fail', async () => {
    const { offboarded } = await onboardThen('organizations-close-account-result.json', { OffboardingMode: 'everything' });

    expect(offboarded).toMatchObject({ outcome: 'offboarded', offboarding: { memberResources: { action: 'skipped' } } });
    expect(offboarded.calls.mutating.iam).toBe(0);
    expect(offboarded.calls.mutating.sts).toBe(0);
    expect(offboarded.sandbox.accounts[ACCOUNT].roles.map((role) => role.roleName)).toContain('DatadogIntegrationRole');
  });

  it('with OffboardingMode everything, a console offboarding of a reachable account removes the role and policy this application created', async () => {
    const sandbox = newSandboxFor(sampleEvent(ONBOARD));
    const parameters = { OffboardingMode: 'everything' };
    const onboarded = await runLocally({ input: sampleEvent(ONBOARD), sandbox, parameters });

    const offboarded = await runLocally({
      input: { accountId: ACCOUNT, action: 'offboard' },
      sandbox,
      parameters,
      datadogAccounts: onboarded.datadogAccounts,
      accountRecords: onboarded.accountRecords,
    });

    expect(offboarded).toMatchObject({
      outcome: 'offboarded',
      reason: 'offboarding requested (console)',
      offboarding: { registration: { action: 'deleted' }, memberResources: { action: 'removed', role: { action: 'deleted' } } },
    });
    // RemoveMemberResources ends this offboarding: it sends the one event, with its own function's keys and policy.
    expect(offboarded.datadogEvents.map((event) => event.text)).toEqual([
      `Account ${ACCOUNT} (partition aws) offboarded: Datadog registration deleted (this application created it); member resources removed (role deleted, user absent)`,
    ]);
    const member = offboarded.sandbox.accounts[ACCOUNT];
    expect(member.roles.map((role) => role.roleName)).not.toContain('DatadogIntegrationRole');
    expect(member.policies.map((policy) => policy.policyName)).not.toContain('DatadogIntegrationPolicy');
  });

  it('a replay of the offboarding changes nothing and still ends offboarded', async () => {
    const { offboarded } = await onboardThen('organizations-close-account-result.json');

    const replay = await runLocally({
      input: { accountId: ACCOUNT, action: 'offboard' },
      sandbox: newSandboxFor(sampleEvent(ONBOARD)),
      datadogAccounts: offboarded.datadogAccounts,
      accountRecords: offboarded.accountRecords,
    });

    expect(replay).toMatchObject({ outcome: 'offboarded', offboarding: { registration: { action: 'absent' } } });
    expect(replay.calls.mutating.datadog).toBe(0);
    expect(replay.calls.mutating.iam).toBe(0);
  });

  it('never deletes a registration someone else created, though the account closed', async () => {
    const foreign = {
      id: '7b7b7b7b-1c1c-4d4d-8e8e-9f9f9f9f9f9f',
      type: 'account' as const,
      attributes: {
        aws_account_id: ACCOUNT,
        aws_partition: 'aws' as const,
        auth_config: { role_name: 'TheirRole', external_id: 'abcdef0123456789abcdef0123456789' },
        created_at: '2026-01-01T00:00:00Z',
        modified_at: '2026-01-01T00:00:00Z',
      },
    };

    const offboarded = await runLocally({ input: sampleEvent('organizations-close-account-result.json'), datadogAccounts: [foreign] });

    expect(offboarded).toMatchObject({ outcome: 'offboarded', offboarding: { registration: { action: 'kept' } } });
    expect(offboarded.datadogAccounts).toEqual([foreign]);
  });
});
