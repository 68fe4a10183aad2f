/**
 * The sandbox keeps the decisions it evaluated (policy-evaluation.ts): the same request is decided again only when
 * something it depends on differs — the policies, or a context key they name (the time, an external ID).
 */
import { AwsSandbox } from '../../../local/sandbox';
import { DATADOG, DATADOG_SESSION, EXTERNAL_ID, MEMBER, START_MS, assume, sandboxPerTest } from './helpers';

const ROLE_NAME = 'DatadogIntegrationRole';
const ROLE = `arn:aws:iam::${MEMBER}:role/${ROLE_NAME}`;

/** Datadog's account may assume the role with the external ID until `untilMs`. */
function trustUntil(untilMs: number, externalId = EXTERNAL_ID): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${DATADOG}:root` },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'sts:ExternalId': externalId },
          DateLessThan: { 'aws:CurrentTime': new Date(untilMs).toISOString() },
        },
      },
    ],
  };
}

describe('Class: AwsSandbox, its policy decisions', () => {
  let sandbox: AwsSandbox;
  const assumes = (externalId = EXTERNAL_ID) =>
    sandbox
      .asPrincipal(DATADOG_SESSION, () => assume(ROLE, { externalId }))
      .then(
        () => 'allowed',
        (error: Error) => error.name,
      );

  sandboxPerTest((installed) => (sandbox = installed), {
    prepare: (fresh) => fresh.putRole(MEMBER, ROLE_NAME, { trustPolicy: trustUntil(START_MS + 60_000) }),
  });

  it('decides the same request anew once the time a condition names has passed', async () => {
    // Act
    const before = [await assumes(), await assumes()];
    sandbox.clock.advance(61);
    const after = await assumes();

    // Assess
    expect(before).toEqual(['allowed', 'allowed']);
    expect(after).toBe('AccessDenied');
  });

  it('decides on the values of the context keys the policies name: a wrong external ID is refused between right ones', async () => {
    // Act
    const answers = [await assumes(), await assumes('0'.repeat(32)), await assumes()];

    // Assess
    expect(answers).toEqual(['allowed', 'AccessDenied', 'allowed']);
  });

  it('decides anew when the policy changes, the request staying the same', async () => {
    // Prepare
    const allowed = await assumes();

    // Act
    sandbox.putRole(MEMBER, ROLE_NAME, { trustPolicy: trustUntil(START_MS + 60_000, 'f'.repeat(32)) });
    const afterChange = await assumes();

    // Assess
    expect(allowed).toBe('allowed');
    expect(afterChange).toBe('AccessDenied');
  });
});
