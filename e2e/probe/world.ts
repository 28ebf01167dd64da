/**
 * A two-host world for the connectivity probe: a "modem" namespace and an "internet" namespace joined
 * by two veth pairs, one for the modem's interface and one for another uplink.
 *
 * ```
 *  modem namespace                                  internet namespace
 *  wwan0 10.99.0.3/24 fd99::3/64  ───── veth ─────  up0  10.99.0.1/24 fd99::1/64
 *        10.99.0.2/24 fd99::2/64 (the modem's address, not the primary one)
 *  eth0  10.98.0.2/24 fd98::2/64  ───── veth ─────  lan0 10.98.0.1/24 fd98::1/64
 *  main table: default via eth0 (the other uplink)  lo: 10.97.0.1 fd97::1 (the "internet" host:
 *  table 500+ifindex(wwan0): default via wwan0         kernel echo replies, TCP :8080, DNS :53)
 *  rule: from 10.99.0.2 / fd99::2 lookup that table  (NIM's source-based rule, as on EVE)
 * ```
 *
 * Without the rule or the socket options under test, the modem's packets would leave through eth0:
 * that is what makes "left through wwan0" checkable. The internet side runs a small Python peer
 * (standard library only; python3 is a CI package): a TCP listener and a DNS responder on the
 * internet address that report who connected, and AF_PACKET captures on up0 and lan0 that report
 * every IP packet addressed to the internet host (interface, source, protocol). The probe itself runs
 * in a Node child inside the modem namespace (run-probe.ts).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import type { ProbeRunResult, ProbeTarget } from '../../src/probe/index.js';
import type { ProbeResult } from '../../src/probe/types.js';
import { stopByStdin } from '../../src/sandbox/child.js';
import { type Netns, type RunResult, withNetns } from '../../src/sandbox/netns.js';

export const MODEM4 = '10.99.0.2';
export const MODEM6 = 'fd99::2';
/** wwan0's first (primary) addresses, which the kernel would pick as source: not the modem's. */
export const PRIMARY4 = '10.99.0.3';
export const PRIMARY6 = 'fd99::3';
export const OTHER4 = '10.98.0.2';
export const INET4 = '10.97.0.1';
export const INET6 = 'fd97::1';
export const TCP_PORT = 8080;
export const CLOSED_PORT = 8081;

const PEER = `
import json, select, socket, struct, sys
inet4, inet6, tcp_port = sys.argv[1], sys.argv[2], int(sys.argv[3])
ifaces = sys.argv[4:]
def out(**kw):
    sys.stdout.write(json.dumps(kw) + "\\n"); sys.stdout.flush()
def listener(family, addr, kind):
    s = socket.socket(family, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, tcp_port if kind == socket.SOCK_STREAM else 53))
    if kind == socket.SOCK_STREAM: s.listen(16)
    return s
tcps = [listener(socket.AF_INET, inet4, socket.SOCK_STREAM), listener(socket.AF_INET6, inet6, socket.SOCK_STREAM)]
udps = [listener(socket.AF_INET, inet4, socket.SOCK_DGRAM), listener(socket.AF_INET6, inet6, socket.SOCK_DGRAM)]
caps = {}
for name in ifaces:
    c = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    c.bind((name, 0))
    c.setblocking(False)
    caps[c] = name
targets = {inet4, inet6}
def capture(c):
    while True:
        try:
            frame, info = c.recvfrom(65535)
        except BlockingIOError:
            return
        except OSError:  # ENETDOWN once, when the captured link is set down
            continue
        if info[2] == socket.PACKET_OUTGOING or len(frame) < 14:
            continue
        ethertype = struct.unpack("!H", frame[12:14])[0]
        ip = frame[14:]
        if ethertype == 0x0800 and len(ip) >= 20:
            proto, src, dst = ip[9], socket.inet_ntop(socket.AF_INET, ip[12:16]), socket.inet_ntop(socket.AF_INET, ip[16:20])
        elif ethertype == 0x86DD and len(ip) >= 40:
            proto, src, dst = ip[6], socket.inet_ntop(socket.AF_INET6, ip[8:24]), socket.inet_ntop(socket.AF_INET6, ip[24:40])
        else:
            continue
        if dst in targets:
            out(ev="pkt", ifname=caps[c], src=src, dst=dst, proto=proto)
out(ev="ready")
while True:
    ready, _, _ = select.select([sys.stdin] + tcps + udps + list(caps), [], [])
    for c in [r for r in ready if r in caps]:
        capture(c)
    for s in ready:
        if s in tcps:
            conn, addr = s.accept()
            out(ev="tcp", src=addr[0])
            conn.close()
        elif s in udps:
            data, addr = s.recvfrom(512)
            out(ev="dns", src=addr[0], length=len(data))
            try:
                s.sendto(data[:2] + b"\\x81\\x80" + data[4:], addr)  # QR RD RA, rcode 0, the question echoed
            except OSError as e:
                out(ev="dns-send-error", errno=e.errno)
        elif s is sys.stdin:
            line = sys.stdin.readline()
            if not line:
                sys.exit(0)
            for c in caps:
                capture(c)
            out(ev="flushed")
`;

export type PeerEvent =
  | { ev: 'ready' | 'flushed' }
  | { ev: 'tcp' | 'dns'; src: string }
  | { ev: 'dns-send-error'; errno: number }
  | { ev: 'pkt'; ifname: string; src: string; dst: string; proto: number };

export const PROTO = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58 } as const;

/** The internet side's peer: its events so far, a flush (all captured packets reported), a stop. */
export interface Peer {
  readonly events: PeerEvent[];
  /** Waits until every packet the captures hold has been reported. */
  flush(): Promise<void>;
  /** Forgets the events so far. */
  clear(): void;
}

/** What the child in the modem namespace reports (run-probe.ts). */
export interface ProbeReport {
  readonly results: ProbeResult[];
  readonly elapsedMs: number[];
  readonly run?: ProbeRunResult;
  readonly icmpKind?: string;
  readonly wwanTxBefore: number;
  readonly wwanTxAfter: number;
}

export interface ProbeSpec {
  readonly targets: readonly ProbeTarget[];
  readonly source: string;
  readonly ifname?: string;
  readonly timeoutMs: number;
  /** Run them with probeInOrder instead of one by one. */
  readonly inOrder?: boolean;
  /** Report which ICMP socket kind the addon opens here (ping or raw). */
  readonly reportIcmpKind?: boolean;
}

export interface World {
  readonly modem: Netns;
  readonly inet: Netns;
  readonly peer: Peer;
  /** The routing table NIM would use for wwan0 (500 + ifindex). */
  readonly table: string;
  /** Runs the probes in a child inside the modem namespace and returns its report. */
  runProbe(spec: ProbeSpec): Promise<ProbeReport>;
  /** Removes NIM's source rules (both families). */
  dropSourceRules(): void;
}

async function startPeer(inet: Netns): Promise<{ peer: Peer; child: ChildProcess }> {
  const child = spawn(
    'ip',
    ['netns', 'exec', inet.name, 'python3', '-c', PEER, INET4, INET6, String(TCP_PORT), 'up0', 'lan0'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const events: PeerEvent[] = [];
  const waiters: { ev: string; resolve: () => void }[] = [];
  let stderr = '';
  let buffered = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout?.on('data', (d: Buffer) => {
    buffered += d.toString();
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const e = JSON.parse(buffered.slice(0, nl)) as PeerEvent;
      buffered = buffered.slice(nl + 1);
      if (e.ev === 'ready' || e.ev === 'flushed') {
        const i = waiters.findIndex((w) => w.ev === e.ev);
        if (i >= 0) waiters.splice(i, 1)[0]?.resolve();
      } else {
        events.push(e);
      }
      nl = buffered.indexOf('\n');
    }
  });
  const waitFor = (ev: string) =>
    new Promise<void>((resolve, reject) => {
      const died = () => reject(new Error(`internet peer exited (${child.exitCode}): ${stderr.trim()}`));
      if (child.exitCode !== null || child.signalCode !== null) return died();
      waiters.push({ ev, resolve });
      child.once('exit', died);
    });
  await waitFor('ready');
  const peer: Peer = {
    events,
    flush: async () => {
      await new Promise((r) => setTimeout(r, 50)); // let the last frames reach the capture sockets
      const flushed = waitFor('flushed');
      child.stdin?.write('flush\n');
      await flushed;
    },
    clear: () => {
      events.length = 0;
    },
  };
  return { peer, child };
}

function ipIn(ns: Netns, args: readonly string[]): void {
  execFileSync('ip', ['-n', ns.name, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export async function withProbeWorld<T>(fn: (w: World) => Promise<T>): Promise<T> {
  return withNetns({}, (modem) =>
    withNetns({}, async (inet) => {
      ipIn(modem, ['link', 'add', 'wwan0', 'type', 'veth', 'peer', 'name', 'up0', 'netns', inet.name]);
      ipIn(modem, ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'lan0', 'netns', inet.name]);
      for (const [ns, ifname, v4, v6] of [
        [modem, 'wwan0', `${PRIMARY4}/24`, `${PRIMARY6}/64`],
        [modem, 'eth0', `${OTHER4}/24`, 'fd98::2/64'],
        [inet, 'up0', '10.99.0.1/24', 'fd99::1/64'],
        [inet, 'lan0', '10.98.0.1/24', 'fd98::1/64'],
      ] as const) {
        ns.ip(['addr', 'add', v4, 'dev', ifname]);
        ns.ip(['addr', 'add', v6, 'dev', ifname, 'nodad']);
        ns.ip(['link', 'set', ifname, 'up']);
      }
      // wwan0's primary addresses are others: a socket not bound to the modem address would be
      // sourced from these, and the captures would show it.
      modem.ip(['addr', 'add', `${MODEM4}/24`, 'dev', 'wwan0']);
      modem.ip(['addr', 'add', `${MODEM6}/64`, 'dev', 'wwan0', 'nodad']);
      inet.ip(['addr', 'add', `${INET4}/32`, 'dev', 'lo']);
      inet.ip(['addr', 'add', `${INET6}/128`, 'dev', 'lo']);
      // The modem namespace's main table prefers the other uplink, as a device with Ethernet would.
      modem.ip(['route', 'add', 'default', 'via', '10.98.0.1', 'dev', 'eth0']);
      modem.ip(['-6', 'route', 'add', 'default', 'via', 'fd98::1', 'dev', 'eth0']);
      const [link] = modem.ipJson<{ ifindex: number }[]>(['link', 'show', 'dev', 'wwan0']);
      const table = String(500 + (link?.ifindex ?? 0));
      modem.ip(['route', 'add', 'default', 'via', '10.99.0.1', 'dev', 'wwan0', 'table', table]);
      modem.ip(['-6', 'route', 'add', 'default', 'via', 'fd99::1', 'dev', 'wwan0', 'table', table]);
      modem.ip(['rule', 'add', 'from', MODEM4, 'lookup', table, 'priority', '15000']);
      modem.ip(['-6', 'rule', 'add', 'from', MODEM6, 'lookup', table, 'priority', '15000']);

      const { peer, child } = await startPeer(inet);
      try {
        return await fn({
          modem,
          inet,
          peer,
          table,
          runProbe: async (spec) => {
            const r: RunResult = await modem.runNode('e2e/probe/run-probe.ts', [JSON.stringify(spec)], {
              timeoutMs: 60_000,
            });
            if (r.code !== 0)
              throw new Error(`probe child failed (${r.code} ${r.signal}):\n${r.stderr}${r.stdout}`);
            return JSON.parse(r.stdout) as ProbeReport;
          },
          dropSourceRules: () => {
            modem.ip(['rule', 'del', 'from', MODEM4, 'lookup', table]);
            modem.ip(['-6', 'rule', 'del', 'from', MODEM6, 'lookup', table]);
          },
        });
      } finally {
        await stopByStdin(child);
      }
    }),
  );
}
