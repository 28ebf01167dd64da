/**
 * The connectivity probe against real kernels (world.ts: a modem namespace whose main table prefers
 * another uplink, NIM's source rule for the modem's address, an internet namespace that answers ping
 * natively and runs a TCP listener and a DNS responder, with packet captures on both links).
 *
 * Shown here: each kind succeeds over IPv4 and IPv6 and its packets arrive through wwan0's link only,
 * from the modem's address; ICMP works with a ping socket as with a raw one and, being bound to the
 * device, even without NIM's rule (TCP and DNS then leave through the other uplink: they rely on the
 * rule, as in EVE); when the internet side drops the replies, or the peer link is down, each kind
 * fails within its timeout with its timeout text; a blackhole route on the modem side fails TCP and
 * DNS at once but not ICMP (the kernel sends a device-bound socket's packet on-link when the lookup
 * fails); probeInOrder stops at the first success and joins the failures.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProbeTarget } from '../../src/probe/index.js';
import { skipUnless } from '../harness/require.js';
import {
  CLOSED_PORT,
  INET4,
  INET6,
  MODEM4,
  MODEM6,
  type Peer,
  PROTO,
  type ProbeReport,
  TCP_PORT,
  withProbeWorld,
} from './world.js';

const NEEDS = { root: true, commands: ['ip', 'python3'] } as const;
const TIMEOUT_MS = 1500;
/** How late a timed-out probe may come back (a child process on a loaded 2-core machine). */
const SLACK_MS = 700;

const targets4: ProbeTarget[] = [
  { kind: 'tcp', host: INET4, port: TCP_PORT },
  { kind: 'dns', server: INET4 },
  { kind: 'icmp', host: INET4 },
];
const targets6: ProbeTarget[] = [
  { kind: 'tcp', host: INET6, port: TCP_PORT },
  { kind: 'dns', server: INET6 },
  { kind: 'icmp', host: INET6 },
];

function okAll(report: ProbeReport): void {
  for (const r of report.results)
    assert.equal(r.ok, true, `${JSON.stringify(r.target)}: ${r.ok ? '' : r.error}`);
}

/** The captured packets addressed to the internet host, as "ifname src proto". */
function arrivals(peer: Peer): string[] {
  return peer.events.flatMap((e) => (e.ev === 'pkt' ? [`${e.ifname} ${e.src} ${e.proto}`] : []));
}

function assertArrivedOnlyViaWwan(peer: Peer, source: string, protos: readonly number[]): void {
  const seen = arrivals(peer);
  for (const p of protos)
    assert.ok(seen.includes(`up0 ${source} ${p}`), `protocol ${p} from ${source} on up0: ${seen}`);
  assert.deepEqual(
    seen.filter((s) => !s.startsWith(`up0 ${source} `)),
    [],
    'nothing reached the internet host another way or from another source',
  );
}

test('IPv4: TCP, DNS and ICMP succeed; their packets leave through wwan0 from the modem address', async (t) => {
  if (skipUnless(t, NEEDS)) return;
  await withProbeWorld(async (w) => {
    const report = await w.runProbe({ targets: targets4, source: MODEM4, timeoutMs: TIMEOUT_MS });
    okAll(report);
    t.diagnostic(
      `rtt ms: ${report.results.map((r) => `${r.target.kind} ${r.ok ? r.rttMs.toFixed(3) : '-'}`).join(', ')}`,
    );
    await w.peer.flush();
    assertArrivedOnlyViaWwan(w.peer, MODEM4, [PROTO.tcp, PROTO.udp, PROTO.icmp]);
    const peers = w.peer.events.flatMap((e) =>
      e.ev === 'tcp' || e.ev === 'dns' ? [`${e.ev} ${e.src}`] : [],
    );
    assert.deepEqual(peers, [`tcp ${MODEM4}`, `dns ${MODEM4}`]);
    // SYN + ACK (+ FIN or RST), the DNS query, at least one echo request.
    assert.ok(
      report.wwanTxAfter - report.wwanTxBefore >= 4,
      `wwan0 tx ${report.wwanTxBefore} → ${report.wwanTxAfter}`,
    );
  });
});

test('IPv6: TCP, DNS and ICMPv6 succeed through wwan0 from the modem address', async (t) => {
  if (skipUnless(t, NEEDS)) return;
  await withProbeWorld(async (w) => {
    const report = await w.runProbe({ targets: targets6, source: MODEM6, timeoutMs: TIMEOUT_MS });
    okAll(report);
    await w.peer.flush();
    assertArrivedOnlyViaWwan(w.peer, MODEM6, [PROTO.tcp, PROTO.udp, PROTO.icmpv6]);
  });
});

test('ICMP: a raw socket as root by default, a ping socket when net.ipv4.ping_group_range allows; both work', async (t) => {
  if (skipUnless(t, NEEDS)) return;
  await withProbeWorld(async (w) => {
    const icmp = [{ kind: 'icmp', host: INET4 } as const];
    const raw = await w.runProbe({
      targets: icmp,
      source: MODEM4,
      timeoutMs: TIMEOUT_MS,
      reportIcmpKind: true,
    });
    assert.equal(raw.icmpKind, 'raw');
    okAll(raw);
    // The range is per network namespace; root's group 0 in it lets root open a ping socket.
    w.modem.exec('sh', ['-c', 'echo "0 0" > /proc/sys/net/ipv4/ping_group_range']);
    for (const [source, host] of [
      [MODEM4, INET4],
      [MODEM6, INET6],
    ] as const) {
      w.peer.clear();
      const ping = await w.runProbe({
        targets: [{ kind: 'icmp', host }],
        source,
        timeoutMs: TIMEOUT_MS,
        reportIcmpKind: true,
      });
      assert.equal(ping.icmpKind, 'ping');
      okAll(ping);
      await w.peer.flush();
      assertArrivedOnlyViaWwan(w.peer, source, [source === MODEM4 ? PROTO.icmp : PROTO.icmpv6]);
    }
  });
});

test("without NIM's source rule ICMP still leaves through wwan0 (SO_BINDTODEVICE); TCP and DNS go the main table's way", async (t) => {
  if (skipUnless(t, NEEDS)) return;
  await withProbeWorld(async (w) => {
    w.dropSourceRules();
    const report = await w.runProbe({
      targets: [targets4[2] as ProbeTarget, targets4[0] as ProbeTarget, targets4[1] as ProbeTarget],
      source: MODEM4,
      timeoutMs: TIMEOUT_MS,
    });
    assert.equal(report.results[0]?.ok, true, JSON.stringify(report.results[0]));
    await w.peer.flush();
    const seen = arrivals(w.peer);
    assert.ok(seen.includes(`up0 ${MODEM4} ${PROTO.icmp}`), `${seen}`);
    assert.ok(!seen.includes(`lan0 ${MODEM4} ${PROTO.icmp}`), `${seen}`);
    // Documenting the dependency: sourced from the modem address but routed by the main table.
    assert.ok(seen.includes(`lan0 ${MODEM4} ${PROTO.tcp}`), `${seen}`);
    assert.ok(seen.includes(`lan0 ${MODEM4} ${PROTO.udp}`), `${seen}`);
  });
});

/** Each result failed with `error`, no sooner than the timeout (a real wait) and not much later. */
function assertTimedOut(report: ProbeReport, errors: readonly string[]): void {
  assert.deepEqual(
    report.results.map((r) => (r.ok ? 'ok' : r.error)),
    errors,
  );
  for (const ms of report.elapsedMs)
    assert.ok(
      ms >= TIMEOUT_MS - 5 && ms < TIMEOUT_MS + SLACK_MS,
      `took ${ms} ms for a ${TIMEOUT_MS} ms timeout`,
    );
}

const timeoutErrors4 = [
  `dial tcp ${INET4}:${TCP_PORT}: i/o timeout`,
  `dns query to ${INET4}:53: i/o timeout`,
  `no ping response received from ${INET4}`,
];

test('replies dropped on the way back: each kind fails within its timeout with its timeout text', async (t) => {
  if (skipUnless(t, NEEDS)) return;
  await withProbeWorld(async (w) => {
    w.inet.ip(['route', 'add', 'blackhole', `${MODEM4}/32`]);
    const report = await w.runProbe({ targets: targets4, source: MODEM4, timeoutMs: TIMEOUT_MS });
    assertTimedOut(report, timeoutErrors4);
    await w.peer.flush();
    // The requests did arrive through wwan0: it is the way back that is broken.
    assertArrivedOnlyViaWwan(w.peer, MODEM4, [PROTO.tcp, PROTO.udp, PROTO.icmp]);
    const echoes = arrivals(w.peer).filter((s) => s === `up0 ${MODEM4} ${PROTO.icmp}`).length;
    assert.ok(echoes >= 3, `${echoes} echo requests: resent every ${TIMEOUT_MS / 3} ms`);
  });
});

test('the peer link down: each kind fails within its timeout', async (t) => {
  if (skipUnless(t, NEEDS)) return;
  await withProbeWorld(async (w) => {
    w.inet.ip(['link', 'set', 'up0', 'down']);
    const report = await w.runProbe({ targets: targets4, source: MODEM4, timeoutMs: TIMEOUT_MS });
    assertTimedOut(report, timeoutErrors4);
    await w.peer.flush();
    assert.deepEqual(arrivals(w.peer), [], 'nothing arrived, and nothing went out another way');
  });
});

test('a blackhole route in the modem table: TCP and DNS fail at once; ICMP, bound to wwan0, is sent on-link', async (t) => {
  if (skipUnless(t, NEEDS)) return;
  await withProbeWorld(async (w) => {
    w.modem.ip(['route', 'add', 'blackhole', `${INET4}/32`, 'table', w.table]);
    const report = await w.runProbe({ targets: targets4, source: MODEM4, timeoutMs: TIMEOUT_MS });
    assert.deepEqual(
      report.results.slice(0, 2).map((r) => (r.ok ? 'ok' : r.error)),
      [
        `dial tcp ${INET4}:${TCP_PORT}: connect: invalid argument`,
        `dns query to ${INET4}:53: connect: invalid argument`,
      ],
    );
    for (const ms of report.elapsedMs.slice(0, 2)) assert.ok(ms < TIMEOUT_MS / 2, `took ${ms} ms`);
    // The kernel's IPv4 output path: when the lookup for a socket bound to a device fails, it
    // "assumes the destination is on link" and sends through that device anyway. So a blackhole
    // route does not stop the ICMP probe; only a real loss of the path does (tests above).
    assert.equal(report.results[2]?.ok, true, JSON.stringify(report.results[2]));
    await w.peer.flush();
    assertArrivedOnlyViaWwan(w.peer, MODEM4, [PROTO.icmp]);
    assert.ok(
      arrivals(w.peer).every((a) => a === `up0 ${MODEM4} ${PROTO.icmp}`),
      'only echo requests: TCP and DNS never left',
    );
  });
});

test("probeInOrder in EVE's order: a refused proxy, then the DNS server answers; ICMP is not tried", async (t) => {
  if (skipUnless(t, NEEDS)) return;
  await withProbeWorld(async (w) => {
    const order: ProbeTarget[] = [
      { kind: 'tcp', host: INET4, port: CLOSED_PORT },
      { kind: 'dns', server: INET4 },
      { kind: 'icmp', host: INET4 },
    ];
    const ok = await w.runProbe({ targets: order, source: MODEM4, timeoutMs: TIMEOUT_MS, inOrder: true });
    assert.equal(ok.run?.ok, true, JSON.stringify(ok.run));
    assert.equal(ok.run?.error, '');
    assert.deepEqual(
      ok.run?.results.map((r) => r.target.kind),
      ['tcp', 'dns'],
    );
    await w.peer.flush();
    assert.ok(!arrivals(w.peer).some((s) => s.endsWith(` ${PROTO.icmp}`)), 'no echo request was sent');

    w.inet.ip(['route', 'add', 'blackhole', `${MODEM4}/32`]);
    const failed = await w.runProbe({ targets: order, source: MODEM4, timeoutMs: 400, inOrder: true });
    assert.equal(failed.run?.ok, false);
    assert.equal(failed.run?.results.length, 3);
    assert.equal(
      failed.run?.error,
      `dial tcp ${INET4}:${CLOSED_PORT}: i/o timeout; dns query to ${INET4}:53: i/o timeout; ` +
        `no ping response received from ${INET4}`,
    );
  });
});

test('a source address not on the host and an unknown interface are reported, not thrown', async (t) => {
  if (skipUnless(t, NEEDS)) return;
  await withProbeWorld(async (w) => {
    const wrongSource = await w.runProbe({ targets: targets4, source: '10.99.0.77', timeoutMs: TIMEOUT_MS });
    assert.deepEqual(
      wrongSource.results.map((r) => (r.ok ? 'ok' : r.error)),
      [
        `dial tcp ${INET4}:${TCP_PORT}: bind: cannot assign requested address`,
        `dns query to ${INET4}:53: bind: cannot assign requested address`,
        'failed to set source IP 10.99.0.77 for ICMP probe: bind: cannot assign requested address',
      ],
    );
    const noIf = await w.runProbe({
      targets: [targets4[2] as ProbeTarget],
      source: MODEM4,
      ifname: 'wwan7',
      timeoutMs: TIMEOUT_MS,
    });
    assert.deepEqual(
      noIf.results.map((r) => (r.ok ? 'ok' : r.error)),
      [`ping ${INET4}: interface wwan7: no such device`],
    );
  });
});
