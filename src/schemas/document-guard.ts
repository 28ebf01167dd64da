/**
 * The first look at a parsed document, before anything else walks it (ajv, log redaction, the
 * agent's model): a bound on nesting, so that no later recursive walk can overflow the stack on a
 * hostile file, and well-formed Unicode in every string and key (JSON's "\ud800" escape gives a lone
 * surrogate, which ModemManager's D-Bus strings (UTF-8) cannot carry and which would be mangled in
 * every output). The walk itself is iterative, so it is safe at any depth.
 */
import type { FieldError } from './validate.js';

/** EVE's configs are less than 8 levels deep; 32 leaves room and stays far below any stack limit. */
export const MAX_DEPTH = 32;

/** At most this many string errors are listed; one broken generator can repeat a bad string a million times. */
const MAX_STRING_ERRORS = 20;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

const hex = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Longer keys are cut in reports: a 1 MB key must not make a 1 MB log line (50 times over). */
const MAX_SEGMENT = 64;

/** A key as a report shows it: at most 64 characters, a lone surrogate written as its escape. */
export function shortSegment(key: string): string {
  const cut = key.length > MAX_SEGMENT ? `${key.slice(0, MAX_SEGMENT)}...` : key;
  return cut.replace(LONE_SURROGATES, hex);
}

/** A JSON pointer segment (RFC 6901) for a report, shortened as shortSegment does. */
export function pointerSegment(key: string): string {
  return shortSegment(key.replaceAll('~', '~0').replaceAll('/', '~1'));
}

/** A JSON pointer (e.g. ajv's instancePath) with every segment shortened for a report. */
export function shortPointer(path: string): string {
  return path.length <= MAX_SEGMENT ? path : path.split('/').map(shortSegment).join('/');
}

function surrogateError(path: string, s: string, what: string): FieldError {
  const m = LONE_SURROGATE.exec(s)!;
  return {
    path,
    message: `${what} an unpaired UTF-16 surrogate (${hex(m[0])} at character ${m.index + 1}), which is not Unicode text`,
  };
}

/**
 * Errors of the document's shape: nested deeper than `maxDepth` (the only error then, naming the
 * first container past the limit), or strings and keys that are not well-formed Unicode.
 * The root object or array is level 1.
 */
export function checkDocumentShape(value: unknown, maxDepth = MAX_DEPTH): FieldError[] {
  const errors: FieldError[] = [];
  const pending: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value: v, path, depth } = next;
    if (typeof v === 'string') {
      if (errors.length < MAX_STRING_ERRORS && LONE_SURROGATE.test(v))
        errors.push(surrogateError(path, v, 'contains'));
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > maxDepth)
      return [{ path, message: `is nested more than ${maxDepth} levels deep (a config is less than 8)` }];
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--)
        pending.push({ value: v[i], path: `${path}/${i}`, depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      const p = `${path}/${pointerSegment(k)}`;
      if (errors.length < MAX_STRING_ERRORS && LONE_SURROGATE.test(k))
        errors.push(surrogateError(p, k, 'its name contains'));
      pending.push({ value: (v as Record<string, unknown>)[k], path: p, depth: depth + 1 });
    }
  }
  return errors;
}
