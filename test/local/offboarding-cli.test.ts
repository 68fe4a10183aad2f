/**
 * `npm start -- <offboarding event> --json`, the command run in-process (the process boundary is not the subject):
 * each offboarding sample fires through the template's rules and ends
 * `"outcome": "offboarded"` (a new organization: nothing of this application's to remove, so nothing is removed).
 */
import { runCliHere } from '../helpers';

describe('npm start: offboarding events', () => {
  it.each([
    ['organizations-close-account-result.json', 'account 444455556666 was closed (CloseAccountResult SUCCEEDED)'],
    ['organizations-close-account.json', 'closure of account 444455556666 was requested (CloseAccount)'],
    [
      'organizations-remove-account-from-organization.json',
      'account 444455556666 was removed from the organization (RemoveAccountFromOrganization)',
    ],
    ['organizations-account-departed-organization.json', 'account 444455556666 departed the organization (REMOVED)'],
  ])('%s --json ends offboarded, exit 0', async (file, reason) => {
    const { code, stdout } = await runCliHere([`events/${file}`, '--json']);

    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      outcome: 'offboarded',
      accountId: '444455556666',
      reason,
      offboarding: { registration: { action: 'absent' }, keySecret: { action: 'absent' }, memberResources: { action: 'skipped' } },
      calls: { mutating: { iam: 0, sts: 0, datadog: 0 } },
    });
  });
});
