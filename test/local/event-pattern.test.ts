import { matchesEventPattern } from '../../local/event-pattern';

describe('Function: matchesEventPattern', () => {
  const event = { source: 'aws.organizations', detail: { eventName: 'CreateAccountResult', tags: ['a', 'b'], state: 'SUCCEEDED' } };

  it.each([
    ['exact values', { source: ['aws.organizations'] }, true],
    ['another value', { source: ['aws.controltower'] }, false],
    ['nested fields', { detail: { eventName: ['CreateAccountResult'] } }, true],
    ['a missing field', { detail: { missing: ['x'] } }, false],
    ['prefix', { source: [{ prefix: 'aws.' }] }, true],
    ['suffix', { detail: { state: [{ suffix: 'ED' }] } }, true],
    ['anything-but', { detail: { state: [{ 'anything-but': ['FAILED'] }] } }, true],
    ['anything-but excluding the value', { detail: { state: [{ 'anything-but': 'SUCCEEDED' }] } }, false],
    ['exists', { detail: { state: [{ exists: true }], missing: [{ exists: false }] } }, true],
    ['array fields (any element)', { detail: { tags: ['b'] } }, true],
    ['$or', { $or: [{ source: ['x'] }, { detail: { eventName: ['CreateAccountResult'] } }] }, true],
  ])('matches %s', (_, pattern, expected) => {
    expect(matchesEventPattern(pattern as Record<string, unknown>, event)).toBe(expected);
  });

  it('refuses a filter it does not implement rather than guessing', () => {
    expect(() => matchesEventPattern({ source: [{ numeric: ['>', 1] }] }, event)).toThrow('unsupported EventBridge filter');
  });
});
