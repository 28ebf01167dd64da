/**
 * The ICMP probe's logic against a fake addon (no root needed): which replies count, resending,
 * error texts, and that the socket is closed however the attempt ends. The real addon is exercised
 * in e2e/probe.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { echoInterval, probeIcmp } from '../../src/probe/icmp.js';
import type { AddonLoad, IcmpAddon, IcmpHandle, PacketListener } from '../../src/probe/icmp-native.js';
import { loadIcmpAddon } from '../../src/probe/icmp-native.js';
import { type IpVersion, parseEchoReply } from '../../src/probe/icmp-packet.js';
import type { IcmpTarget, ProbeOptions } from '../../src/probe/types.js';
import { failOnLeakedHandles } from './helpers.js';

failOnLeakedHandles();

const target: IcmpTarget = { kind: 'icmp', host: '10.1.1.8' };
const opts = (extra: Partial<ProbeOptions> = {}): ProbeOptions => ({
  ifname: 'wwan0',
  source: '10.1.1.2',
  timeoutMs: 1000,
  ...extra,
});

interface Sent {
  readonly destination: string;
  readonly data: Buffer;
}

/**
 * A fake addon. `onSend` decides what happens to each request: return replies to deliver (as
 * [data, from]), or throw to fail the send.
 */
function fakeAddon(
  onSend: (req: Buffer, destination: string) => [Buffer, string][],
  kind: IcmpHandle['kind'] = 'raw',
  openError?: Error,
) {
  const state = {
    opened: 0,
    closed: 0,
    sent: [] as Sent[],
    listener: undefined as PacketListener | undefined,
    version: 0,
  };
  const addon: IcmpAddon = {
    open(version: IpVersion, _ifname, _source, onPacket) {
      if (openError) throw openError;
      state.opened++;
      state.version = version;
      state.listener = onPacket;
      return { kind };
    },
    send(_h, destination, data) {
      state.sent.push({ destination, data: Buffer.from(data) });
      const replies = onSend(data, destination);
      setImmediate(() => {
        for (const [reply, from] of replies) if (state.closed === 0) state.listener?.(null, reply, from);
      });
    },
    close() {
      state.closed++;
    },
  };
  const load = (): AddonLoad => ({ ok: true, addon });
  return { state, load };
}

/** The kernel's answer to a request: type 0 (or 129), same id, seq and payload. */
function reply(req: Buffer, change: (r: Buffer) => void = () => undefined): Buffer {
  const r = Buffer.from(req);
  r[0] = r[0] === 128 ? 129 : 0;
  change(r);
  return r;
}

function errnoError(syscall: string, errno: number): Error {
  return Object.assign(new Error(`${syscall}: errno ${errno}`), { errno, syscall });
}

test('an echo reply from the host to our request is a success; the socket is closed', async () => {
  const f = fakeAddon((req, dst) => [[reply(req), dst]]);
  const r = await probeIcmp(target, opts(), f.load);
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.deepEqual([f.state.opened, f.state.closed, f.state.version], [1, 1, 4]);
  assert.equal(f.state.sent[0]?.destination, '10.1.1.8');
  assert.equal(f.state.sent[0]?.data[0], 8);
});

test('IPv6: an ICMPv6 socket; the reply from a differently written same address counts', async () => {
  const f = fakeAddon((req) => [[reply(req), 'fd00:0:0::8']]);
  const r = await probeIcmp({ kind: 'icmp', host: 'FD00::8' }, opts({ source: 'fd00::2' }), f.load);
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(f.state.version, 6);
  assert.equal(f.state.sent[0]?.data[0], 128);
});

test('replies that are not ours are ignored: other host, other id (raw), other seq, other payload, a request', async () => {
  const f = fakeAddon((req, dst) => [
    [reply(req), '10.1.1.9'],
    [reply(req, (r) => r.writeUInt16BE(r.readUInt16BE(4) ^ 1, 4)), dst],
    [reply(req, (r) => r.writeUInt16BE(r.readUInt16BE(6) + 100, 6)), dst],
    [reply(req, (r) => (r[10] = (r[10] ?? 0) ^ 0xff)), dst],
    [Buffer.from(req), dst],
  ]);
  const r = await probeIcmp(target, opts({ timeoutMs: 60 }), f.load);
  assert.equal(!r.ok && r.error, 'no ping response received from 10.1.1.8');
  assert.equal(f.state.closed, 1);
});

test('a ping socket: the kernel owns the identifier, so a reply with another id still counts', async () => {
  const f = fakeAddon(
    (req, dst) => [[reply(req, (r) => r.writeUInt16BE(r.readUInt16BE(4) ^ 0x55, 4)), dst]],
    'ping',
  );
  const r = await probeIcmp(target, opts(), f.load);
  assert.equal(r.ok, true);
});

test('requests are resent every interval until the timeout (EVE: every second, here at least 3 per timeout)', async () => {
  assert.equal(echoInterval(5000), 1000);
  assert.equal(echoInterval(3000), 1000);
  assert.equal(echoInterval(300), 100);
  assert.equal(echoInterval(1), 1);
  const f = fakeAddon(() => []);
  const t0 = performance.now();
  const r = await probeIcmp(target, opts({ timeoutMs: 150 }), f.load);
  const took = performance.now() - t0;
  assert.equal(!r.ok && r.error, 'no ping response received from 10.1.1.8');
  assert.ok(took >= 145 && took < 1000, `took ${took}`);
  assert.ok(f.state.sent.length >= 3 && f.state.sent.length <= 4, `${f.state.sent.length} sends`);
  const seqs = f.state.sent.map((s) => parseEchoReply(4, reply(s.data))?.seq);
  assert.deepEqual(seqs, [...seqs.keys()], 'sequence numbers 0, 1, 2, ...');
  assert.equal(f.state.closed, 1);
});

test('a late answer to an earlier request still counts', async () => {
  let first: Buffer | undefined;
  const f = fakeAddon((req, dst) => {
    first ??= req;
    return f.state.sent.length === 3 ? [[reply(first), dst]] : [];
  });
  const r = await probeIcmp(target, opts({ timeoutMs: 300 }), f.load);
  assert.equal(r.ok, true, JSON.stringify(r));
});

test('a send error fails at once (blackhole: EINVAL); a transient one is retried and told on timeout', async () => {
  const hard = fakeAddon(() => {
    throw errnoError('sendto', 22);
  });
  const t0 = performance.now();
  const r = await probeIcmp(target, opts({ timeoutMs: 5000 }), hard.load);
  assert.equal(!r.ok && r.error, 'ping 10.1.1.8: sendto: invalid argument');
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(hard.state.closed, 1, 'closed although the failure came from inside the first send');

  const soft = fakeAddon(() => {
    throw errnoError('sendto', 105);
  });
  const r2 = await probeIcmp(target, opts({ timeoutMs: 60 }), soft.load);
  assert.equal(
    !r2.ok && r2.error,
    'no ping response received from 10.1.1.8 (sendto: no buffer space available)',
  );
  assert.ok(soft.state.sent.length >= 3);
});

test('a receive error (e.g. host unreachable on a ping socket) is told with the timeout', async () => {
  const f = fakeAddon(() => []);
  const p = probeIcmp(target, opts({ timeoutMs: 60 }), f.load);
  setTimeout(() => f.state.listener?.(errnoError('recvfrom', 113)), 10);
  const r = await p;
  assert.equal(!r.ok && r.error, 'no ping response received from 10.1.1.8 (recvfrom: no route to host)');
});

test("open errors: no permission means unavailable; a foreign source uses EVE's words; a missing interface is named", async () => {
  const cases: [Error, string][] = [
    [
      errnoError('socket', 1),
      'ICMP probe unavailable: not permitted to open an ICMP socket (a ping socket needs the group in net.ipv4.ping_group_range, a raw socket CAP_NET_RAW)',
    ],
    [
      errnoError('bind', 99),
      'failed to set source IP 10.1.1.2 for ICMP probe: bind: cannot assign requested address',
    ],
    [errnoError('if_nametoindex', 19), 'ping 10.1.1.8: interface wwan0: no such device'],
    [new TypeError('weird'), 'ping 10.1.1.8: weird'],
  ];
  for (const [err, text] of cases) {
    const f = fakeAddon(() => [], 'raw', err);
    const r = await probeIcmp(target, opts(), f.load);
    assert.equal(!r.ok && r.error, text);
    assert.equal(f.state.closed, 0, 'nothing was opened');
  }
});

test('an abort ends the attempt with "aborted" and closes the socket; a pre-aborted signal opens nothing', async () => {
  const f = fakeAddon(() => []);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 20);
  const r = await probeIcmp(target, opts({ signal: ac.signal }), f.load);
  assert.equal(!r.ok && r.error, 'ping 10.1.1.8: aborted');
  assert.equal(f.state.closed, 1);
  const again = await probeIcmp(target, opts({ signal: ac.signal }), f.load);
  assert.equal(!again.ok && again.error, 'ping 10.1.1.8: aborted');
  assert.equal(f.state.opened, 1);
});

test('without the addon: "ICMP probe unavailable: ..." at once; the real loader says why and does not throw', async () => {
  const r = await probeIcmp(target, opts(), () => ({
    ok: false,
    reason: 'native addon @mmagent/icmp not built (x)',
  }));
  assert.equal(!r.ok && r.error, 'ICMP probe unavailable: native addon @mmagent/icmp not built (x)');
  const missing = loadIcmpAddon('@mmagent/no-such-addon');
  assert.equal(missing.ok, false);
  assert.match(
    !missing.ok ? missing.reason : '',
    /^native addon @mmagent\/no-such-addon not built \(Cannot find module/,
  );
  const wrongShape = loadIcmpAddon('node:path');
  assert.equal(
    !wrongShape.ok && wrongShape.reason,
    'native addon node:path does not export open, send and close',
  );
});
