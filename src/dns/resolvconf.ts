/**
 * Per-interface DNS servers as files, EVE's convention: `<dir>/<ifname>.dhcp` holds one
 * `nameserver <ip>` line per server (`/run/wwan/resolv.conf/wwan0.dhcp`); NIM watches the directory.
 * Writes are atomic (temp file in the same directory + rename), so a watcher never reads half a file.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { canonicalIp } from '../netlink/ip.js';

/** EVE's directory of per-interface resolv.conf files written by the wwan agent. */
export const EVE_WWAN_RESOLV_DIR = '/run/wwan/resolv.conf';

/** An interface name the kernel accepts (1..15 bytes, no '/', no whitespace) and safe as a file name. */
const IFNAME = /^[A-Za-z0-9_.:-]{1,15}$/;

export function resolvFileName(dir: string, ifname: string): string {
  if (!IFNAME.test(ifname) || ifname === '.' || ifname === '..') {
    throw new Error(`invalid interface name ${JSON.stringify(ifname)}`);
  }
  return join(dir, `${ifname}.dhcp`);
}

/** The file content: servers canonicalised, duplicates dropped, order kept (it is the resolver's order). */
export function formatResolvConf(servers: readonly string[]): string {
  const seen = new Set<string>();
  let out = '';
  for (const s of servers) {
    const ip = canonicalIp(s);
    if (seen.has(ip)) continue;
    seen.add(ip);
    out += `nameserver ${ip}\n`;
  }
  return out;
}

/** The servers listed in a file's content (other lines are ignored). */
export function parseResolvConf(content: string): string[] {
  const out: string[] = [];
  for (const line of content.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m) out.push(m[1]!);
  }
  return out;
}

export async function writeInterfaceDns(
  dir: string,
  ifname: string,
  servers: readonly string[],
): Promise<void> {
  // Atomic, hidden temp name (readers globbing `*.dhcp` never see it), and 0644 whatever the umask:
  // the resolver reading it may not be root.
  await writeFileAtomic(resolvFileName(dir, ifname), formatResolvConf(servers), { mode: 0o644 });
}

/** Removes the file; a file already gone is success. */
export async function removeInterfaceDns(dir: string, ifname: string): Promise<void> {
  await rm(resolvFileName(dir, ifname), { force: true });
}

/** The servers in the file, or undefined when there is no file. */
export async function readInterfaceDns(dir: string, ifname: string): Promise<string[] | undefined> {
  try {
    return parseResolvConf(await readFile(resolvFileName(dir, ifname), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
