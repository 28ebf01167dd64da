/**
 * Conversion between dbus-next's wire values and the plain values the rest of the agent sees.
 *
 * Incoming: dbus-next hands out `Variant` objects (inside every `v`, so inside every a{sv}) and
 * `bigint` for `t`/`x`. Neither survives JSON, immer snapshots compared by value, pino or ajv, so
 * `unwrap` turns them into plain data at the boundary: Variant → its value, bigint → number when
 * exactly representable (|n| ≤ 2^53 − 1), else its decimal string (a 64-bit byte counter near
 * 2^64 stays exact), Buffer (`ay`) → number[].
 *
 * Outgoing: `a{sv}` and `v` arguments must be dbus-next `Variant`s. Callers above the adapter
 * describe them with `typed(signature, value)`; `toWire` converts those (recursively) so that no
 * module outside src/dbus imports dbus-next.
 */
import { Variant } from '@particle/dbus-next';

/** A plain D-Bus value as seen past the adapter. */
export type DBusPlain =
  | string
  | number
  | boolean
  | readonly DBusPlain[]
  | { readonly [key: string]: DBusPlain };

/** Type guard for the dictionaries (a{sv}, a{ss}, a{uv} → keys as strings) `unwrap` produces. */
export function isDict(v: DBusPlain | undefined): v is { readonly [key: string]: DBusPlain } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** bigint → number when it is exactly representable, otherwise the decimal string. */
export function bigintToPlain(n: bigint): number | string {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(n)
    : n.toString();
}

/** Recursively strips Variants, converts bigint and Buffer. Maps (a{..}) arrive as plain objects. */
export function unwrap(value: unknown): DBusPlain {
  if (value instanceof Variant) return unwrap(value.value);
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return bigintToPlain(value);
    case 'object': {
      if (value === null) throw new TypeError('unexpected null in a D-Bus value');
      if (Buffer.isBuffer(value)) return Array.from(value);
      if (Array.isArray(value)) return value.map(unwrap);
      const out: Record<string, DBusPlain> = {};
      for (const [k, v] of Object.entries(value)) out[k] = unwrap(v);
      return out;
    }
    default:
      throw new TypeError(`unexpected ${typeof value} in a D-Bus value`);
  }
}

/** An outgoing value with an explicit D-Bus signature: becomes a Variant on the wire. */
export interface Typed {
  readonly kind: 'typed';
  readonly signature: string;
  readonly value: OutValue;
}

/** What callers may pass as a method argument. Plain objects are dictionaries (a{s?}). */
export type OutValue =
  | string
  | number
  | boolean
  | Typed
  | readonly OutValue[]
  | { readonly [key: string]: OutValue };

/** Describes a `v` value: `typed('u', 1)` is a uint32 variant, `typed('a{sv}', {...})` a nested dict. */
export function typed(signature: string, value: OutValue): Typed {
  return { kind: 'typed', signature, value };
}

function isTyped(v: unknown): v is Typed {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'typed';
}

/** Converts `typed()` markers into dbus-next Variants, recursively; `undefined` entries are dropped. */
export function toWire(value: OutValue): unknown {
  if (isTyped(value)) return new Variant(value.signature, toWire(value.value));
  if (Array.isArray(value)) return value.map(toWire);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, OutValue | undefined>)) {
      if (v !== undefined) out[k] = toWire(v);
    }
    return out;
  }
  return value;
}
