/** Text for one-line messages, reasons and outputs of bounded size. */

/**
 * `text` cut to at most `max` characters, its last one an ellipsis when anything was cut.
 * @example cut('abcdef', 4); // 'abc…'
 */
export function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
