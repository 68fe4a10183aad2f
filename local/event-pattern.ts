/**
 * Matching an event against an EventBridge event pattern, for the local run and tests.
 *
 * Supports what EventBridge documents for content filtering that this project's patterns use or may use: exact
 * values (strings, numbers, booleans, null), `prefix`, `suffix`, `anything-but`, `exists`, and `$or`
 * (Amazon EventBridge User Guide, "Event patterns" and "Content filtering").
 * No npm package implements EventBridge matching offline, hence this small one.
 */

type Pattern = Record<string, unknown>;

function matchesValue(rule: unknown, value: unknown, present: boolean): boolean {
  if (rule !== null && typeof rule === 'object') {
    const filter = rule as Record<string, unknown>;
    if ('exists' in filter) return filter.exists === present;
    if (!present) return false;
    if ('prefix' in filter) return typeof value === 'string' && value.startsWith(String(filter.prefix));
    if ('suffix' in filter) return typeof value === 'string' && value.endsWith(String(filter.suffix));
    if ('anything-but' in filter) {
      const excluded = filter['anything-but'];
      return !(Array.isArray(excluded) ? excluded : [excluded]).includes(value);
    }
    throw new Error(`unsupported EventBridge filter ${JSON.stringify(filter)}`);
  }
  return present && rule === value;
}

function matchesField(rules: unknown, value: unknown, present: boolean): boolean {
  if (!Array.isArray(rules)) {
    if (rules !== null && typeof rules === 'object') {
      return present && value !== null && typeof value === 'object' && matchesEventPattern(rules as Pattern, value);
    }
    throw new Error('EventBridge pattern values must be arrays or objects');
  }
  // An array field matches when any of its elements matches any rule.
  const values = Array.isArray(value) ? value : [value];
  return rules.some((rule) => values.some((candidate) => matchesValue(rule, candidate, present)));
}

/**
 * True when the event matches the pattern.
 *
 * @param pattern - an EventBridge pattern, as in the template's `EventBridgeRule` `Pattern`.
 * @param event - the event (EventBridge envelope).
 * @throws Error for a filter this matcher does not support (so a pattern is never silently mis-evaluated).
 */
export function matchesEventPattern(pattern: Pattern, event: unknown): boolean {
  const fields = (event ?? {}) as Record<string, unknown>;
  return Object.entries(pattern).every(([key, rules]) => {
    if (key === '$or') return (rules as Pattern[]).some((alternative) => matchesEventPattern(alternative, event));
    return matchesField(rules, fields[key], key in fields);
  });
}
