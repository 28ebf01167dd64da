/**
 * Reading loosely typed D-Bus values (a{sv} members arrive as DBusPlain) without trusting them:
 * a property of the wrong type counts as absent, as godbus's failed type assertions did in EVE.
 */
import { isIP } from 'node:net';
import type { DBusPlain } from '../dbus/index.js';
import type { VarDict } from '../modemmanager/types.js';

export function str(v: DBusPlain | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: DBusPlain | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function dict(v: DBusPlain | undefined): VarDict | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as VarDict) : undefined;
}

/**
 * A D-Bus `t` (uint64) as a JSON-safe Go uint64. The adapter delivers values above 2^53 as decimal
 * strings to keep them exact; our schemas cap uint64 at Number.MAX_SAFE_INTEGER because EVE's Go
 * pubsub reader goes through float64, so such a value (2^53 bytes = 8 PiB, never a real counter
 * but possibly a garbage one) is clamped rather than rounded to a value that was never counted.
 */
export function uint64(v: DBusPlain | undefined): number | undefined {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) return undefined;
    return Math.min(Math.trunc(v), Number.MAX_SAFE_INTEGER);
  }
  if (typeof v === 'string' && /^\d+$/.test(v)) {
    return BigInt(v) > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }
  return undefined;
}

/** Go's `int32(float64)`: truncation toward zero; out of range (undefined in Go) is clamped. */
export function toInt32(v: number): number {
  const t = Math.trunc(v);
  return t === 0 ? 0 : Math.max(-2147483648, Math.min(2147483647, t)); // no -0 (-0.5 → 0)
}

/**
 * An IP address as Go's net.IP prints it (what EVE published): IPv6 in RFC 5952 form (lower case,
 * longest zero run compressed), so `2001:0DB8::0001` and `2001:db8::1` are the same status.
 * Not an address: undefined.
 */
export function canonicalIp(a: string | undefined): string | undefined {
  if (a === undefined) return undefined;
  const family = isIP(a);
  if (family === 4) return a;
  if (family !== 6 || a.includes('%')) return undefined; // a zone (fe80::1%wwan0) is no bearer address
  return new URL(`http://[${a}]/`).hostname.slice(1, -1);
}
