/**
 * The Datadog event of each outcome: what it says and tags, and that nothing shaped like a secret reaches it.
 */
import { lifecycleEvent, oneLineCause, MAX_CAUSE_CHARACTERS, type LifecycleOutcome } from '../../shared/observability/datadog-events';

const ACCOUNT = '444455556666';

describe('Function: lifecycleEvent', () => {
  it.each<[LifecycleOutcome, string]>([
    ['onboarded', 'success'],
    ['offboarded', 'info'],
    ['repaired', 'info'],
    ['failed', 'error'],
  ])('tells %s with alert type %s, tagged with the account, the OU and the outcome', (outcome, alertType) => {
    // Act
    const event = lifecycleEvent({ outcome, accountId: ACCOUNT, partition: 'aws-us-gov', organizationalUnitId: 'ou-ab12-cd34ef56' });

    // Assess
    expect(event.alertType).toBe(alertType);
    expect(event.tags).toEqual([
      `aws_account:${ACCOUNT}`,
      'aws_partition:aws-us-gov',
      'organizational_unit:ou-ab12-cd34ef56',
      `outcome:${outcome}`,
      'service:datadog-aws-account-onboarding',
    ]);
    expect(event.title).toContain(ACCOUNT);
    expect(event.text).toMatch(new RegExp(`^Account ${ACCOUNT} \\(partition aws-us-gov, OU ou-ab12-cd34ef56\\) ${outcome}`));
  });

  it('gives a failure its error name as a tag and one line of cause', () => {
    // Act
    const event = lifecycleEvent({
      outcome: 'failed',
      accountId: ACCOUNT,
      errorName: 'States.Timeout',
      cause: 'account 444455556666, step ValidateRole: role not assumable after 900 s\n    at validate (index.js:1:1)',
    });

    // Assess
    expect(event.tags).toContain('error:states.timeout');
    expect(event.text).toBe(
      `Account ${ACCOUNT} failed: States.Timeout — account 444455556666, step ValidateRole: role not assumable after 900 s`,
    );
  });

  it('adds one line of detail (what an offboarding removed), kept like a cause: no secret-shaped run', () => {
    // Act
    const event = lifecycleEvent({
      outcome: 'offboarded',
      accountId: ACCOUNT,
      detail: 'Datadog registration deleted (this application created it); external_id=0123456789abcdef0123456789abcdef\nmore',
    });

    // Assess
    expect(event.text).toBe(
      `Account ${ACCOUNT} offboarded: Datadog registration deleted (this application created it); external_id=[redacted]`,
    );
    expect(event.tags).toEqual([`aws_account:${ACCOUNT}`, 'outcome:offboarded', 'service:datadog-aws-account-onboarding']);
  });
});

describe('Function: oneLineCause', () => {
  it.each([
    ['an access key id', 'key AKIAIOSFODNN7EXAMPLE refused', 'key [redacted] refused'],
    ['a secret access key', 'secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY. done', 'secret [redacted]. done'],
    ['a Datadog key or an external ID (32 hex)', 'external ID 0123456789abcdef0123456789abcdef differs', 'external ID [redacted] differs'],
    ['a key=value pair', 'api_key=abc123 was refused', 'api_key=[redacted] was refused'],
    ['an external ID as a pair', 'externalId: not-hex-but-still-secret failed', 'externalId=[redacted] failed'],
  ])('removes %s', (_, cause, expected) => {
    expect(oneLineCause(cause)).toBe(expected);
  });

  it('keeps the first line only, cut to its bound', () => {
    const cause = `${'x'.repeat(MAX_CAUSE_CHARACTERS + 50)}\nsecond line`;
    const line = oneLineCause(cause);
    expect(line).toHaveLength(MAX_CAUSE_CHARACTERS);
    expect(line.endsWith('…')).toBe(true);
    expect(line).not.toContain('second');
  });
});
