/** Canonical JSON and deep freezing: the basis of item equality (no hand-written `equal`). */
import type { Json } from './api.js';
import { InvalidItemError } from './errors.js';

/**
 * JSON text with object keys sorted, so equal values always give equal strings.
 * Throws InvalidItemError naming the path of anything that is not plain JSON.
 */
export function canonicalJson(value: unknown, path = ''): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidItemError(`spec${path || '/'}: ${value} is not JSON`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((v, i) => canonicalJson(v, `${path}/${i}`)).join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new InvalidItemError(
          `spec${path || '/'}: ${proto?.constructor?.name ?? 'object'} is not plain JSON`,
        );
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k], `${path}/${k}`)}`).join(',')}}`;
    }
    default:
      throw new InvalidItemError(`spec${path || '/'}: a ${typeof value} is not JSON`);
  }
}

/** Freezes a JSON value and everything in it; returns it for chaining. */
export function deepFreeze<T extends Json>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v as Json);
  }
  return value;
}
