/**
 * The one importer of the optional native addon `@mmagent/icmp` (src/probe/addon/): loads it once,
 * checks its shape, and says why it is unavailable instead of throwing. `npm ci` builds it where a
 * compiler and Node's headers exist; elsewhere it is absent and the ICMP probe reports so.
 */
import { createRequire } from 'node:module';
import type { IpVersion } from './icmp-packet.js';

/** An error thrown or passed by the addon: `errno` is a number, `syscall` what failed. */
export interface NativeError extends Error {
  readonly errno?: number;
  readonly syscall?: string;
}

export interface IcmpHandle {
  /** `ping`: an unprivileged ICMP socket (net.ipv4.ping_group_range); `raw`: a raw socket (CAP_NET_RAW). */
  readonly kind: 'ping' | 'raw';
}

/** Receives one ICMP message (IP header already stripped) or a receive error. */
export type PacketListener = (err: NativeError | null, data?: Buffer, from?: string) => void;

export interface IcmpAddon {
  /** A socket bound to `ifname` (SO_BINDTODEVICE) and to `source`; throws a NativeError. */
  open(version: IpVersion, ifname: string, source: string, onPacket: PacketListener): IcmpHandle;
  /** sendto(2), non-blocking; throws a NativeError (EINVAL for a blackhole route, EAGAIN when full). */
  send(handle: IcmpHandle, destination: string, data: Buffer): void;
  /** Idempotent; no callback after it. */
  close(handle: IcmpHandle): void;
}

export type AddonLoad =
  | { readonly ok: true; readonly addon: IcmpAddon }
  | { readonly ok: false; readonly reason: string };

export const ADDON_MODULE = '@mmagent/icmp';

const cache = new Map<string, AddonLoad>();

/** Loads the addon (once per module id); never throws. */
export function loadIcmpAddon(moduleId: string = ADDON_MODULE): AddonLoad {
  let load = cache.get(moduleId);
  if (load === undefined) {
    load = tryLoad(moduleId);
    cache.set(moduleId, load);
  }
  return load;
}

function tryLoad(moduleId: string): AddonLoad {
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)(moduleId);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = code === 'MODULE_NOT_FOUND' ? 'not built' : 'failed to load';
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    return { ok: false, reason: `native addon ${moduleId} ${why} (${first})` };
  }
  const m = mod as Partial<Record<keyof IcmpAddon, unknown>> | null;
  if (
    m === null ||
    typeof m !== 'object' ||
    !['open', 'send', 'close'].every((k) => typeof m[k as keyof IcmpAddon] === 'function')
  )
    return { ok: false, reason: `native addon ${moduleId} does not export open, send and close` };
  return { ok: true, addon: mod as IcmpAddon };
}
