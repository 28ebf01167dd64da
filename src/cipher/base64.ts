/**
 * A Go `[]byte` as encoding/json writes it: standard base64 with padding, or null for nil.
 * Node's Buffer.from(…, 'base64') silently skips bad characters, so the text is checked first:
 * a malformed field must be reported, not decoded into different bytes.
 */

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export type Base64Result = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false };

/** Decodes a Go []byte field; absent and null give empty bytes, as a nil slice is empty in Go. */
export function goBytes(value: unknown): Base64Result {
  if (value === undefined || value === null) return { ok: true, bytes: Buffer.alloc(0) };
  if (typeof value !== 'string') return { ok: false };
  // Go's decoder ignores \r and \n anywhere in the text; nothing else.
  const text = value.replace(/[\r\n]/g, '');
  if (!STD_BASE64.test(text)) return { ok: false };
  return { ok: true, bytes: Buffer.from(text, 'base64') };
}
