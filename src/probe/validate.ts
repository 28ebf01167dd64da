/** Checks a target against the options before any socket is opened; returns the problem, if any. */
import { BlockList, isIP } from 'node:net';
import type { ProbeOptions, ProbeTarget } from './types.js';

/** The target's address (host or server). */
export function targetAddress(t: ProbeTarget): string {
  return t.kind === 'dns' ? t.server : t.host;
}

export function invalidReason(t: ProbeTarget, o: ProbeOptions): string | undefined {
  if (!Number.isFinite(o.timeoutMs) || o.timeoutMs <= 0) return `timeout ${o.timeoutMs} ms is not positive`;
  const sourceFamily = isIP(o.source);
  if (sourceFamily === 0) return `source ${JSON.stringify(o.source)} is not an IP literal`;
  const address = targetAddress(t);
  const family = isIP(address);
  if (family === 0) return `${JSON.stringify(address)} is not an IP literal`;
  if (family !== sourceFamily) return `source ${o.source} is IPv${sourceFamily}, ${address} is IPv${family}`;
  if (t.kind === 'tcp' && !(Number.isInteger(t.port) && t.port > 0 && t.port < 65536))
    return `port ${t.port} is not in 1..65535`;
  return undefined;
}

/** Same IP address, whatever the spelling (`fd00::1` and `FD00:0::1`); both must be IP literals. */
export function sameAddress(a: string, b: string): boolean {
  const family = isIP(a);
  if (family === 0 || family !== isIP(b)) return false;
  const list = new BlockList();
  const type = family === 6 ? 'ipv6' : 'ipv4';
  list.addAddress(a, type);
  return list.check(b, type);
}
