/**
 * Matching an event against an EventBridge event pattern, for the local run and tests: exact values (strings, numbers,
 * booleans, null), nested fields, and array fields, which match on any element (Amazon EventBridge User Guide, "Event
 * patterns"); this project's patterns use no content filter. No npm package implements EventBridge matching offline.
 */

/**
 * True when the event matches the pattern.
 *
 * @param pattern - an EventBridge pattern, as in the template's `EventBridgeRule` `Pattern`.
 * @param event - the event (EventBridge envelope).
 * @throws Error for a content filter (`prefix`, `anything-but`, `$or`…), so a pattern is never silently mis-evaluated.
 */
export function matchesEventPattern(pattern: Record<string, unknown>, event: unknown): boolean {
  const fields = (event ?? {}) as Record<string, unknown>;
  return Object.entries(pattern).every(([key, rules]) => {
    const value = fields[key];
    if (!Array.isArray(rules)) {
      if (rules === null || typeof rules !== 'object') throw new Error('EventBridge pattern values must be arrays or objects');
      return value !== null && typeof value === 'object' && matchesEventPattern(rules as Record<string, unknown>, value);
    }
    const filter: unknown = rules.find((rule) => rule !== null && typeof rule === 'object');
    if (filter !== undefined) throw new Error(`unsupported EventBridge filter ${JSON.stringify(filter)}`);
    return key in fields && (Array.isArray(value) ? value : [value]).some((candidate) => rules.includes(candidate));
  });
}
