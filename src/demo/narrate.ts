/**
 * The demo's words: the agent's plans (from its per-reconcile log lines, the symbols of
 * `mmagent plan`), the ModemManager calls per modem, the kernel state of the wwan links and the
 * status of each modem. Pure functions of what was observed.
 */
import type { RecordedCall } from '../mmsim/recorder.js';
import type { WwanStatus } from '../schemas/types.generated.js';
import type { LogLine } from './agent-process.js';

const MARK: Readonly<Record<string, string>> = {
  create: '+',
  modify: '~',
  'recreate-delete': '-/+',
  delete: '-',
};

/** A step as the controller logs it: `op[-phase] type/name (why)`. */
function stepLine(s: string): string | undefined {
  const m = /^(\S+) (\S+) \((.*)\)$/s.exec(s);
  if (!m) return `    ${s}`;
  const [, op = '', ref = '', why = ''] = m;
  // A recreate is one line: its create phase repeats the delete's reason.
  if (op === 'recreate-create') return undefined;
  return `    ${(MARK[op] ?? op).padEnd(3)} ${ref.padEnd(40)} # ${why}`;
}

/**
 * The plan of every reconcile among `lines`, as `mmagent plan` marks changes. Pending items are
 * listed when they become pending (`pending` carries the previous reconcile's set across calls).
 */
export function planLines(lines: readonly LogLine[], pending: { last: ReadonlySet<string> }): string[] {
  const out: string[] = [];
  for (const l of lines) {
    if (l.msg !== 'reconciled' && l.msg !== 'reconciled with errors') continue;
    const reasons = Array.isArray(l.reasons) ? l.reasons.join('; ') : '';
    out.push(`  reconcile #${String(l.run)} (${reasons}):`);
    for (const s of Array.isArray(l.steps) ? (l.steps as string[]) : []) {
      const line = stepLine(s);
      if (line) out.push(line);
    }
    const now = new Set(Array.isArray(l.pending) ? (l.pending as string[]) : []);
    const fresh = [...now].filter((p) => !pending.last.has(p));
    for (const p of fresh) out.push(`    …   ${p}`);
    if (now.size > fresh.length) out.push(`    …   (${now.size - fresh.length} more pending as before)`);
    pending.last = now;
    for (const e of Array.isArray(l.errors) ? (l.errors as string[]) : []) out.push(`    !   ${e}`);
  }
  return out;
}

/** Netlink requests the agent made in `lines` (its `run finished` lines count them). */
export function netlinkRequests(lines: readonly LogLine[]): number {
  return lines.reduce(
    (n, l) => n + (l.msg === 'run finished' && typeof l.netlinkRequests === 'number' ? l.netlinkRequests : 0),
    0,
  );
}

/** The netlink steps (items net.*) among the plans in `lines`, by interface. */
export function netlinkSteps(lines: readonly LogLine[]): string[] {
  return lines
    .filter((l) => l.msg === 'reconciled' || l.msg === 'reconciled with errors')
    .flatMap((l) => (Array.isArray(l.steps) ? (l.steps as string[]) : []))
    .filter((s) => / net\.(link|address|route)\//.test(s) && !s.startsWith('recreate-create'))
    .map((s) => {
      const [op = '', ref = ''] = s.split(' ');
      return `${MARK[op] ?? op} ${ref}`;
    });
}

/** `modem-a: 3 (Disconnect, DeleteBearer, Connect)` per modem; `calls` are state-changing ones. */
export function callLines(
  calls: readonly RecordedCall[],
  modems: readonly { readonly label: string; readonly owns: (path: string) => boolean }[],
): string[] {
  return modems.map(({ label, owns }) => {
    const mine = calls.filter((c) => owns(c.path)).map((c) => c.member);
    return `  ModemManager calls on ${label}: ${mine.length}${mine.length > 0 ? ` (${mine.join(', ')})` : ''}`;
  });
}

/** One line per modem of the status file. */
export function statusLines(s: WwanStatus | undefined): string[] {
  return (s?.Networks ?? []).map((n) => {
    const ip = n.IPSettings.Address?.IP ?? '-';
    const err = n.ConfigError ? `  error: ${n.ConfigError}` : '';
    const probe = n.ProbeError ? `  probe: ${n.ProbeError}` : '';
    return `  status  ${n.LogicalLabel.padEnd(8)} ${n.Module.OpMode.padEnd(21)} ip ${ip.padEnd(14)}${err}${probe}`;
  });
}

interface IpAddr {
  readonly addr_info: readonly { readonly local: string; readonly prefixlen: number }[];
}
interface IpRoute {
  readonly dst: string;
  readonly gateway?: string;
  readonly metric?: number;
}
interface IpLink {
  readonly mtu: number;
  readonly flags: readonly string[];
}

/** `ip -j ARGS` in the demo's namespace, parsed. */
export type IpJson = <T>(args: readonly string[]) => T;

/** The kernel's view of one wwan link: state, MTU, addresses (no link-local), default routes. */
export function kernelLine(ip: IpJson, ifname: string): string {
  const link = ip<IpLink[]>(['link', 'show', 'dev', ifname])[0];
  const addrs = ip<IpAddr[]>(['addr', 'show', 'dev', ifname])
    .flatMap((a) => a.addr_info)
    .filter((a) => !a.local.startsWith('fe80'))
    .map((a) => `${a.local}/${a.prefixlen}`);
  const routes = [
    ...ip<IpRoute[]>(['-4', 'route', 'show', 'dev', ifname]),
    ...ip<IpRoute[]>(['-6', 'route', 'show', 'dev', ifname]),
  ]
    .filter((r) => r.dst === 'default')
    .map((r) => `default${r.gateway ? ` via ${r.gateway}` : ''} metric ${r.metric ?? 0}`);
  const state = link?.flags.includes('UP') ? 'up' : 'down';
  return `  kernel  ${ifname} ${state} mtu ${link?.mtu ?? '?'}  addr ${addrs.join(' ') || '-'}  route ${routes.join(', ') || '-'}`;
}
