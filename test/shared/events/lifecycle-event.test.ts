import { decideLifecycleEvent } from '../../../shared/events/lifecycle-event';
import { CREATE_MANAGED_ACCOUNT_REQUEST, sampleEvent } from '../../helpers';

describe('Function: decideLifecycleEvent', () => {
  it('onboards the account of a Control Tower CreateManagedAccount that SUCCEEDED, with its context', () => {
    // Act
    const decision = decideLifecycleEvent(sampleEvent('control-tower-create-managed-account.json'));

    // Assess
    expect(decision).toEqual({ action: 'onboard', ...CREATE_MANAGED_ACCOUNT_REQUEST });
  });

  it('onboards the account of an UpdateManagedAccount (a retried create or an enrolment)', () => {
    const decision = decideLifecycleEvent(sampleEvent('control-tower-update-managed-account.json'));
    expect(decision).toMatchObject({ action: 'onboard', accountId: '555566667777' });
  });

  it('onboards the account of an Organizations CreateAccountResult that SUCCEEDED', () => {
    const decision = decideLifecycleEvent(sampleEvent('organizations-create-account-result.json'));
    expect(decision).toMatchObject({ action: 'onboard', accountId: '444455556666', trigger: { eventName: 'CreateAccountResult' } });
  });

  it('ignores FAILED lifecycle events with the state and failure reason', () => {
    expect(decideLifecycleEvent(sampleEvent('control-tower-create-managed-account-failed.json'))).toEqual({
      action: 'ignore',
      reason: 'CreateManagedAccount for account 444455556666 is in state FAILED',
    });
    expect(decideLifecycleEvent(sampleEvent('organizations-create-account-result-failed.json'))).toEqual({
      action: 'ignore',
      reason: 'CreateAccountResult is in state FAILED (EMAIL_ALREADY_EXISTS)',
    });
  });

  it('ignores other CloudTrail events, naming them', () => {
    expect(decideLifecycleEvent(sampleEvent('unrelated-cloudtrail-event.json'))).toEqual({
      action: 'ignore',
      reason: 'aws.organizations CreateOrganizationalUnit is not a lifecycle event that onboards an account',
    });
  });

  it('takes the partition from the region the event came from', () => {
    const event = { ...sampleEvent('organizations-create-account-result.json'), region: 'us-gov-west-1' };
    expect(decideLifecycleEvent(event)).toMatchObject({ action: 'onboard', partition: 'aws-us-gov' });
  });

  it.each([
    ['null', null, 'not an EventBridge event: event: Invalid input: expected object, received null'],
    ['a console input', { accountId: '444455556666' }, 'not an EventBridge event: id: Invalid input: expected string, received undefined'],
    [
      'an event whose time is not a time',
      { ...sampleEvent('organizations-create-account-result.json'), time: 'not a time' },
      'not an EventBridge event: time: must be an ISO 8601 UTC time (e.g. 2018-08-30T21:42:18Z)',
    ],
  ])('rejects %s with a one-line reason', (_, event, reason) => {
    expect(decideLifecycleEvent(event)).toEqual({ action: 'reject', reason });
  });

  it('rejects a lifecycle event whose account id is not 12 digits, without echoing it', () => {
    // Prepare
    const event = sampleEvent('control-tower-create-managed-account.json') as {
      detail: { serviceEventDetails: { createManagedAccountStatus: { account: { accountId: string } } } };
    };
    event.detail.serviceEventDetails.createManagedAccountStatus.account.accountId = '12345<script>';

    // Act
    const decision = decideLifecycleEvent(event);

    // Assess
    expect(decision).toEqual({
      action: 'reject',
      reason: 'CreateManagedAccount: account.accountId: must be a 12-digit AWS account id',
    });
  });

  it('rejects a SUCCEEDED CreateAccountResult without an account id', () => {
    const event = sampleEvent('organizations-create-account-result.json') as {
      detail: { serviceEventDetails: { createAccountStatus: Record<string, unknown> } };
    };
    delete event.detail.serviceEventDetails.createAccountStatus.accountId;
    expect(decideLifecycleEvent(event)).toEqual({
      action: 'reject',
      reason: 'CreateAccountResult SUCCEEDED without serviceEventDetails.createAccountStatus.accountId',
    });
  });
});
