/**
 * Independent reads of kernel state for the netns tests: `ip -j` (iproute2), never our adapter.
 * Runs in whatever namespace the calling process is in (the scenario child runs inside the test netns).
 */
import { execFileSync } from 'node:child_process';

export interface IpAddr {
  readonly family: 'inet' | 'inet6';
  readonly local: string;
  readonly prefixlen: number;
  readonly scope: string;
}
export interface IpLink {
  readonly ifname: string;
  readonly mtu: number;
  readonly flags: readonly string[];
  readonly addr_info?: readonly IpAddr[];
}
export interface IpRoute {
  readonly dst: string;
  readonly gateway?: string;
  readonly dev?: string;
  readonly metric?: number;
  readonly protocol?: string;
  readonly scope?: string;
  readonly table?: string;
  readonly flags?: readonly string[];
}

export function ipJson<T>(args: readonly string[], run: (args: readonly string[]) => string = localIp): T {
  const out = run(['-j', ...args]).trim();
  return (out === '' ? [] : JSON.parse(out)) as T;
}

function localIp(args: readonly string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

export function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function link(ifname: string, run?: (args: readonly string[]) => string): IpLink {
  const [l] = ipJson<IpLink[]>(['link', 'show', 'dev', ifname], run);
  if (!l) throw new Error(`no link ${ifname}`);
  return l;
}

/** Addresses that are not the kernel's own link-local ones, as `addr/len`. */
export function globalAddrs(ifname: string, run?: (args: readonly string[]) => string): string[] {
  const [l] = ipJson<IpLink[]>(['addr', 'show', 'dev', ifname], run);
  return (l?.addr_info ?? []).filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`);
}

/** Routes of a device in the main table (both families), excluding the kernel's prefix routes. */
export function routes(ifname: string, run?: (args: readonly string[]) => string): IpRoute[] {
  return [
    ...ipJson<IpRoute[]>(['-4', 'route', 'show', 'dev', ifname], run),
    ...ipJson<IpRoute[]>(['-6', 'route', 'show', 'dev', ifname], run),
  ].filter((r) => r.protocol !== 'kernel');
}

/** A comparable picture of an interface, stable over time (no lifetimes, no DAD flags). */
export function snapshot(ifname: string, run?: (args: readonly string[]) => string): string {
  const l = link(ifname, run);
  return JSON.stringify({
    mtu: l.mtu,
    up: l.flags.includes('UP'),
    addrs: globalAddrs(ifname, run).sort(),
    routes: routes(ifname, run)
      .map((r) => `${r.dst} via ${r.gateway ?? '-'} metric ${r.metric ?? 0} proto ${r.protocol ?? 'boot'}`)
      .sort(),
  });
}
