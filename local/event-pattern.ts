/**
 * Whether an event matches an EventBridge pattern of exact values, nested fields and array fields matching any element
 * (EventBridge User Guide, "Event patterns"); no npm package implements EventBridge matching offline.
 * @throws Error for a content filter (`prefix`, `anything-but`, `$or`…), so none is silently mis-evaluated.
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
