import { matchesEventPattern } from '../../local/event-pattern';

describe('Function: matchesEventPattern', () => {
  const event = { source: 'aws.organizations', detail: { eventName: 'CreateAccountResult', tags: ['a', 'b'], state: 'SUCCEEDED' } };

  it.each([
    ['exact values', { source: ['aws.organizations'] }, true],
    ['another value', { source: ['aws.controltower'] }, false],
    ['nested fields', { detail: { eventName: ['CreateAccountResult'] } }, true],
    ['a missing field', { detail: { missing: ['x'] } }, false],
    ['array fields (any element)', { detail: { tags: ['b'] } }, true],
  ])('matches %s', (_, pattern, expected) => {
    expect(matchesEventPattern(pattern as Record<string, unknown>, event)).toBe(expected);
  });

  it.each([{ source: [{ numeric: ['>', 1] }] }, { source: [{ prefix: 'aws.' }] }, { $or: [{ source: ['x'] }] }])(
    'refuses a content filter it does not implement rather than guessing: %j',
    (pattern) => {
      expect(() => matchesEventPattern(pattern, event)).toThrow('unsupported EventBridge filter');
    },
  );
});
