/**
 * JSON text as Go's json.Marshal writes it, so files we publish are byte-identical to what EVE's
 * own publishers checkpoint for the same value (pkg/pillar/pubsub: `json.Marshal(v)`, written as is).
 *
 * - Compact: no indentation, no spaces, no trailing newline (json.Marshal adds none).
 * - Keys in the order the value has them (Go writes struct fields in declaration order; builders
 *   of our outputs create keys in schema order, and we do not reorder them).
 * - Go's HTML-safe escaping: `<`, `>`, `&` become \u003c, \u003e, \u0026, and U+2028/U+2029
 *   become \u2028/\u2029, exactly as encoding/json does by default.
 * - Numbers as JavaScript prints them; for integers below 2^53 (all our outputs keep below it)
 *   that is Go's text too.
 */
const GO_ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** Go's zero time.Time as encoding/json writes it. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** A time as Go's time.Time marshals it in UTC: RFC 3339 with the fraction's trailing zeros cut. */
export function goTimeOf(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}

export function marshalGoJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  // Only string contents can hold these characters; JSON.stringify never emits them elsewhere.
  return text.replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] ?? c);
}
