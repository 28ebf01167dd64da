/**
 * D-Bus wire helpers: building `a{sv}` dictionaries (every value a Variant, 64-bit values as BigInt,
 * which is what dbus-next marshals for `t`/`x`), unwrapping received values for the call recorder
 * and scenario code, and a structural equality used to emit PropertiesChanged only on real change.
 */
import dbus from '@particle/dbus-next';

export type Variant = dbus.Variant;
export const Variant = dbus.Variant;

export type VariantDict = Record<string, Variant>;

export const v = {
  s: (value: string): Variant => new Variant('s', value),
  u: (value: number): Variant => new Variant('u', value >>> 0),
  i: (value: number): Variant => new Variant('i', value | 0),
  b: (value: boolean): Variant => new Variant('b', value),
  d: (value: number): Variant => new Variant('d', value),
  o: (value: string): Variant => new Variant('o', value),
  /** uint64: always a BigInt on the wire. */
  t: (value: number | bigint): Variant => new Variant('t', BigInt(value)),
  dict: (value: VariantDict): Variant => new Variant('a{sv}', value),
};

/** Recursively replaces Variants by their values (BigInt stays BigInt; the recorder keeps wire values). */
export function unwrap(value: unknown): unknown {
  if (value instanceof Variant) return unwrap(value.value);
  if (Array.isArray(value)) return value.map(unwrap);
  if (value instanceof Uint8Array) return Array.from(value);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(value)) out[k] = unwrap(x);
    return out;
  }
  return value;
}

/** A canonical string for structural comparison; keeps Variant signatures and BigInts distinct. */
export function canonical(value: unknown): string {
  if (value instanceof Variant) return `<${value.signature}:${canonical(value.value)}>`;
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value instanceof Uint8Array) return `bytes(${Array.from(value).join(',')})`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    const rec = value as Record<string, unknown>;
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(rec[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/** JSON.stringify replacer that renders BigInt as a decimal string (for logs and recorder dumps). */
export function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
