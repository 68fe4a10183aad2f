import { decideLifecycleEvent } from '../../../shared/events/lifecycle-event';
import { matchesEventPattern } from '../../../local/event-pattern';
import { eventTarget, loadTemplate } from '../../../local/template';
import { sampleEvent } from '../../helpers';

type Detail = Record<string, unknown> & { serviceEventDetails?: Record<string, Record<string, unknown>> };
const withDetail = (name: string, change: (detail: Detail) => void): Record<string, unknown> => {
  const event = sampleEvent(name) as { detail: Detail };
  change(event.detail);
  return event;
};

describe('Function: decideLifecycleEvent, for accounts that close, leave or move', () => {
  it.each([
    ['organizations-close-account-result.json', 'closed', 'account 444455556666 was closed (CloseAccountResult SUCCEEDED)'],
    ['organizations-close-account.json', 'closed', 'closure of account 444455556666 was requested (CloseAccount)'],
    [
      'organizations-remove-account-from-organization.json',
      'left-organization',
      'account 444455556666 was removed from the organization (RemoveAccountFromOrganization)',
    ],
    ['organizations-account-departed-organization.json', 'left-organization', 'account 444455556666 departed the organization (REMOVED)'],
  ])('%s → offboard, cause %s, with the reason', (file, cause, reason) => {
    const event = sampleEvent(file) as { id: string; detail: { eventName: string } };
    expect(decideLifecycleEvent(event)).toEqual({
      action: 'offboard',
      accountId: '444455556666',
      partition: 'aws',
      cause,
      reason,
      trigger: {
        source: 'aws.organizations',
        eventName: event.detail.eventName,
        eventId: event.id,
        region: 'us-east-1',
        time: expect.any(String),
      },
    });
  });

  it('a MoveAccount onboards (the scope decides later) with the destination OU as context', () => {
    expect(decideLifecycleEvent(sampleEvent('organizations-move-account.json'))).toMatchObject({
      action: 'onboard',
      accountId: '444455556666',
      trigger: { eventName: 'MoveAccount' },
      context: { organizationalUnitId: 'ou-xxxx-5sandbox' },
    });
  });

  it('a CloseAccountResult that did not succeed is ignored with its state and reason', () => {
    const event = withDetail('organizations-close-account-result.json', (detail) => {
      detail.serviceEventDetails!.closeAccountStatus.state = 'FAILED';
      detail.serviceEventDetails!.closeAccountStatus.failureReason = 'ACCOUNT_ALREADY_CLOSED';
    });
    expect(decideLifecycleEvent(event)).toEqual({
      action: 'ignore',
      reason: 'CloseAccountResult for account 444455556666 is in state FAILED (ACCOUNT_ALREADY_CLOSED)',
    });
  });

  it.each(['organizations-close-account.json', 'organizations-remove-account-from-organization.json', 'organizations-move-account.json'])(
    'a failed %s call (errorCode) is ignored: it changed nothing',
    (file) => {
      const event = withDetail(file, (detail) => {
        detail.errorCode = 'ConstraintViolationException';
      });
      expect(decideLifecycleEvent(event)).toMatchObject({
        action: 'ignore',
        reason: expect.stringMatching(/failed \(ConstraintViolationException\)/),
      });
    },
  );

  it('accepts AccountDepartedOrganization variants: the account id at the top of the details, departedMethod spelling', () => {
    const event = withDetail('organizations-account-departed-organization.json', (detail) => {
      detail.serviceEventDetails = { accountId: '210987654321', departedMethod: 'Left', departedTime: '2026-11-22T14:02:31Z' } as never;
    });
    expect(decideLifecycleEvent(event)).toMatchObject({
      action: 'offboard',
      accountId: '210987654321',
      reason: 'account 210987654321 departed the organization (Left)',
    });
  });

  it.each([
    [
      'organizations-account-departed-organization.json',
      (detail: Detail) => (detail.serviceEventDetails = {}),
      'AccountDepartedOrganization without an account id in serviceEventDetails',
    ],
    [
      'organizations-close-account-result.json',
      (detail: Detail) => (detail.serviceEventDetails!.closeAccountStatus.accountId = '12<script>'),
      'CloseAccountResult: accountId: must be a 12-digit AWS account id',
    ],
    [
      'organizations-close-account.json',
      (detail: Detail) => (detail.requestParameters = null),
      'CloseAccount without requestParameters.accountId',
    ],
    [
      'organizations-move-account.json',
      (detail: Detail) => ((detail.requestParameters as Record<string, unknown>).destinationParentId = 'nowhere'),
      'MoveAccount: requestParameters.destinationParentId: must be a root or OU id',
    ],
  ])('rejects a malformed %s with a one-line reason that does not echo values', (file, change, reason) => {
    expect(decideLifecycleEvent(withDetail(file, change))).toEqual({ action: 'reject', reason });
  });

  it('an event name of Object.prototype is not mistaken for a membership event', () => {
    const event = withDetail('organizations-close-account.json', (detail) => (detail.eventName = 'toString'));
    expect(decideLifecycleEvent(event)).toMatchObject({ action: 'ignore' });
  });
});

describe("template.yaml's EventBridge rules deliver every offboarding and move event to the starter", () => {
  const template = loadTemplate();
  it.each([
    'organizations-close-account-result.json',
    'organizations-close-account.json',
    'organizations-remove-account-from-organization.json',
    'organizations-account-departed-organization.json',
    'organizations-move-account.json',
  ])('%s', (file) => {
    expect(eventTarget(template, sampleEvent(file))?.logicalId).toBe('StartOnboardingFunction');
  });

  it('but not a read of the organization', () => {
    const event = withDetail('organizations-move-account.json', (detail) => (detail.eventName = 'DescribeAccount'));
    expect(eventTarget(template, event)).toBeUndefined();
    expect(matchesEventPattern({ detail: { eventName: ['MoveAccount'] } }, event)).toBe(false);
  });
});
