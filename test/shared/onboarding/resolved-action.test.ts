import { resolvedAction } from '../../../shared/onboarding/resolved-action';

const trigger = (source: string, eventName: string) => ({
  source,
  eventName,
  eventId: 'e-1',
  region: 'us-east-1',
  time: '2026-12-02T10:00:00Z',
});
const OUT = { inScope: false as const, reason: 'OU ou-ab12-sandbox is excluded' };

describe('Function: resolvedAction', () => {
  it('onboards an account in scope', () => {
    expect(resolvedAction({ trigger: trigger('aws.organizations', 'MoveAccount') }, { inScope: true })).toEqual({ action: 'onboard' });
  });

  it.each([
    ['aws.organizations', 'MoveAccount'],
    ['aws.controltower', 'UpdateManagedAccount'],
  ])('offboards an account moved out of scope (%s %s), reachable', (source, eventName) => {
    expect(resolvedAction({ trigger: trigger(source, eventName) }, OUT)).toEqual({
      action: 'offboard',
      reason: 'moved out of scope: OU ou-ab12-sandbox is excluded',
      accountGone: false,
    });
  });

  it('skips another event about an account out of scope, and refuses a console replay of one', () => {
    expect(resolvedAction({ trigger: trigger('aws.controltower', 'CreateManagedAccount') }, OUT)).toEqual({
      action: 'skip',
      reason: OUT.reason,
    });
    expect(resolvedAction({}, OUT)).toEqual({ action: 'refuse', reason: OUT.reason });
  });

  it.each([
    ['CloseAccountResult', true],
    ['CloseAccount', true],
    ['RemoveAccountFromOrganization', true],
    ['AccountDepartedOrganization', true],
  ])('offboards on action offboard whatever the scope; after %s the account is gone: %s', (eventName, gone) => {
    const decided = resolvedAction({ action: 'offboard', reason: 'closed', trigger: trigger('aws.organizations', eventName) }, OUT);
    expect(decided).toEqual({ action: 'offboard', reason: 'closed', accountGone: gone });
  });

  it('a console offboarding does not assume the account is gone (Organizations is asked before assuming into it)', () => {
    expect(resolvedAction({ action: 'offboard' }, { inScope: true })).toEqual({
      action: 'offboard',
      reason: 'offboarding requested (console)',
      accountGone: false,
    });
  });

  it("skips a reconciliation's offboarding for scope of an account in scope again, and carries out any other", () => {
    const forScope = {
      action: 'offboard' as const,
      reconciliation: { action: 'offboard' as const, reason: `out of scope: ${OUT.reason}` },
    };
    const forClosure = { action: 'offboard' as const, reconciliation: { action: 'offboard' as const, reason: 'the account is CLOSED' } };

    expect(resolvedAction(forScope, { inScope: true })).toEqual({
      action: 'skip',
      reason: `in scope again since the reconciliation planned its offboarding (out of scope: ${OUT.reason}): not offboarded`,
    });
    expect(resolvedAction(forScope, OUT)).toEqual({
      action: 'offboard',
      reason: `offboarding planned by the reconciliation: out of scope: ${OUT.reason}`,
      accountGone: false,
    });
    expect(resolvedAction(forClosure, { inScope: true })).toMatchObject({ action: 'offboard' });
  });
});
