/**
 * TCP and DNS probes against real sockets on loopback: the source address is the one given (127.0.0.2,
 * not the default 127.0.0.1), errors read like Go's, timeouts and aborts end the attempt on time, and
 * no socket or timer outlives a probe.
 */
import assert from 'node:assert/strict';
import { createServer, Socket } from 'node:net';
import { type TestContext, test } from 'node:test';
import { createProber } from '../../src/probe/probe.js';
import type { ProbeOptions } from '../../src/probe/types.js';
import { dnsResponder, failOnLeakedHandles, liveResources, replyTo } from './helpers.js';

failOnLeakedHandles();
/** A test that hangs (a socket never closed keeps a server from closing) fails instead. */
const LIMIT = { timeout: 10_000 };

const SOURCE = '127.0.0.2';
const opts = (extra: Partial<ProbeOptions> = {}): ProbeOptions => ({
  ifname: 'lo',
  source: SOURCE,
  timeoutMs: 2000,
  ...extra,
});

/** A listener on 127.0.0.1, closed after the test whatever happens (close() is idempotent). */
async function listen(
  t: TestContext | undefined,
  onConnection: (s: Socket) => void = (s) => s.end(),
): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
    return closed;
  };
  t?.after(() => {
    void close(); // not awaited: a connection the probe leaked would hold this hook forever
  });
  return { port: (server.address() as { port: number }).port, close };
}

/** A port with nothing listening (bound, then released). */
async function closedPort(): Promise<number> {
  const { port, close } = await listen(undefined);
  await close();
  return port;
}

/** A connect() that never completes: what a dropped SYN looks like, without sending one anywhere. */
function stalledConnect(record: Socket[]) {
  return () => {
    const s = new Socket();
    record.push(s);
    return s;
  };
}

test('TCP: a handshake from the source address succeeds and the connection is closed', LIMIT, async (t) => {
  const before = await liveResources();
  const peers: string[] = [];
  const { port, close } = await listen(t, (s) => {
    peers.push(s.remoteAddress ?? '');
    s.on('error', () => undefined);
  });
  const r = await createProber().probeTarget({ kind: 'tcp', host: '127.0.0.1', port }, opts());
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.ok(r.ok && r.rttMs >= 0 && r.rttMs < 2000);
  assert.deepEqual(peers, [SOURCE]);
  await close();
  assert.deepEqual(await liveResources(), before);
});

test(
  'TCP: a refused connection fails at once with Go\'s "dial tcp H:P: connect: connection refused"',
  LIMIT,
  async () => {
    const port = await closedPort();
    const before = await liveResources();
    const r = await createProber().probeTarget({ kind: 'tcp', host: '127.0.0.1', port }, opts());
    assert.deepEqual(r, {
      ok: false,
      target: { kind: 'tcp', host: '127.0.0.1', port },
      error: `dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
    assert.deepEqual(await liveResources(), before);
  },
);

test(
  'TCP: a source address not on this host fails with bind: cannot assign requested address',
  LIMIT,
  async (t) => {
    const { port } = await listen(t);
    const r = await createProber().probeTarget(
      { kind: 'tcp', host: '127.0.0.1', port },
      opts({ source: '192.0.2.200' }),
    );
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error, `dial tcp 127.0.0.1:${port}: bind: cannot assign requested address`);
  },
);

test(
  'TCP: a handshake that never completes fails with "i/o timeout" after timeoutMs and the socket is destroyed',
  LIMIT,
  async () => {
    const sockets: Socket[] = [];
    const prober = createProber({ connectTcp: stalledConnect(sockets) });
    const t0 = performance.now();
    const r = await prober.probeTarget({ kind: 'tcp', host: '10.9.9.9', port: 443 }, opts({ timeoutMs: 40 }));
    const took = performance.now() - t0;
    assert.equal(!r.ok && r.error, 'dial tcp 10.9.9.9:443: i/o timeout');
    assert.ok(took >= 35 && took < 1000, `took ${took} ms`);
    assert.equal(sockets.length, 1);
    assert.equal(sockets[0]?.destroyed, true);
  },
);

test(
  'TCP: an abort ends the attempt at once with "aborted"; an already aborted signal opens nothing',
  LIMIT,
  async () => {
    const sockets: Socket[] = [];
    const prober = createProber({ connectTcp: stalledConnect(sockets) });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    const t0 = performance.now();
    const r = await prober.probeTarget(
      { kind: 'tcp', host: '10.9.9.9', port: 443 },
      opts({ signal: ac.signal }),
    );
    assert.equal(!r.ok && r.error, 'dial tcp 10.9.9.9:443: aborted');
    assert.ok(performance.now() - t0 < 1000);
    assert.equal(sockets[0]?.destroyed, true);
    const again = await prober.probeTarget(
      { kind: 'tcp', host: '10.9.9.9', port: 443 },
      opts({ signal: ac.signal }),
    );
    assert.equal(!again.ok && again.error, 'dial tcp 10.9.9.9:443: aborted');
    assert.equal(sockets.length, 1, 'no second socket');
  },
);

test('TCP: IPv6 targets are written [host]:port', LIMIT, async () => {
  const r = await createProber().probeTarget(
    { kind: 'tcp', host: '::1', port: await closedPort() },
    opts({ source: '::1' }),
  );
  assert.match(!r.ok ? r.error : '', /^dial tcp \[::1\]:\d+: connect: connection refused$/);
});

test(
  'DNS: one 17-byte root query from the source address; a reply with an error rcode is a success',
  LIMIT,
  async (t) => {
    const before = await liveResources();
    const responder = await dnsResponder(t, (q) => [replyTo(q, 5 /* REFUSED */)]);
    const r = await createProber({ dnsPort: responder.port }).probeTarget(
      { kind: 'dns', server: '127.0.0.1' },
      opts(),
    );
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(responder.queries.length, 1);
    const q = responder.queries[0];
    assert.equal(q?.from.address, SOURCE);
    assert.equal(q?.msg.length, 17);
    assert.equal(q?.msg.subarray(2).toString('hex'), '01000001000000000000' + '00' + '0001' + '0001');
    await responder.close();
    assert.deepEqual(await liveResources(), before);
  },
);

test(
  'DNS: a reply with another id, or a query echoed back, is ignored; the matching reply wins',
  LIMIT,
  async (t) => {
    const responder = await dnsResponder(t, (q) => [
      replyTo(q, 0, q.readUInt16BE(0) ^ 1),
      Buffer.from(q),
      Buffer.alloc(3),
      replyTo(q, 2),
    ]);
    const r = await createProber({ dnsPort: responder.port }).probeTarget(
      { kind: 'dns', server: '127.0.0.1' },
      opts(),
    );
    assert.equal(r.ok, true, JSON.stringify(r));
    await responder.close();
  },
);

test(
  'DNS: only wrong ids or silence fail with "i/o timeout" after timeoutMs, and the socket is closed',
  LIMIT,
  async (t) => {
    const before = await liveResources();
    for (const answer of [(q: Buffer) => [replyTo(q, 0, q.readUInt16BE(0) ^ 0x8000)], () => []]) {
      const responder = await dnsResponder(t, answer);
      const t0 = performance.now();
      const r = await createProber({ dnsPort: responder.port }).probeTarget(
        { kind: 'dns', server: '127.0.0.1' },
        opts({ timeoutMs: 50 }),
      );
      const took = performance.now() - t0;
      assert.equal(!r.ok && r.error, `dns query to 127.0.0.1:${responder.port}: i/o timeout`);
      assert.ok(took >= 45 && took < 1000, `took ${took} ms`);
      assert.equal(responder.queries.length, 1);
      await responder.close();
    }
    assert.deepEqual(await liveResources(), before);
  },
);

test(
  'DNS: nothing listening (ICMP port unreachable) fails at once with connection refused',
  LIMIT,
  async (t) => {
    const responder = await dnsResponder(t, () => []);
    const port = responder.port;
    await responder.close();
    const t0 = performance.now();
    const r = await createProber({ dnsPort: port }).probeTarget({ kind: 'dns', server: '127.0.0.1' }, opts());
    assert.match(
      !r.ok ? r.error : '',
      new RegExp(`^dns query to 127\\.0\\.0\\.1:${port}: \\w+: connection refused$`),
    );
    assert.ok(performance.now() - t0 < 1000);
  },
);

test('DNS: an abort ends the attempt with "aborted" and closes the socket', LIMIT, async (t) => {
  const before = await liveResources();
  const responder = await dnsResponder(t, () => []);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 20);
  const r = await createProber({ dnsPort: responder.port }).probeTarget(
    { kind: 'dns', server: '127.0.0.1' },
    opts({ signal: ac.signal }),
  );
  assert.equal(!r.ok && r.error, `dns query to 127.0.0.1:${responder.port}: aborted`);
  await responder.close();
  assert.deepEqual(await liveResources(), before);
});

test('invalid targets and options become results, not rejections, and open nothing', LIMIT, async () => {
  const sockets: Socket[] = [];
  const prober = createProber({ connectTcp: stalledConnect(sockets) });
  const cases: [Parameters<typeof prober.probeTarget>, string][] = [
    [
      [{ kind: 'tcp', host: 'proxy.example', port: 80 }, opts()],
      'invalid tcp probe of proxy.example: "proxy.example" is not an IP literal',
    ],
    [
      [{ kind: 'tcp', host: '::1', port: 80 }, opts()],
      'invalid tcp probe of ::1: source 127.0.0.2 is IPv4, ::1 is IPv6',
    ],
    [
      [{ kind: 'tcp', host: '127.0.0.1', port: 0 }, opts()],
      'invalid tcp probe of 127.0.0.1: port 0 is not in 1..65535',
    ],
    [
      [{ kind: 'dns', server: '127.0.0.1' }, opts({ timeoutMs: 0 })],
      'invalid dns probe of 127.0.0.1: timeout 0 ms is not positive',
    ],
    [
      [{ kind: 'icmp', host: '8.8.8.8' }, opts({ source: 'wwan0' })],
      'invalid icmp probe of 8.8.8.8: source "wwan0" is not an IP literal',
    ],
  ];
  for (const [args, error] of cases) {
    const r = await prober.probeTarget(...args);
    assert.equal(!r.ok && r.error, error);
  }
  assert.equal(sockets.length, 0);
});

test(
  'probeInOrder over real sockets: a refused TCP, then a DNS reply wins; ICMP is not tried',
  LIMIT,
  async (t) => {
    const responder = await dnsResponder(t, (q) => [replyTo(q, 0)]);
    const port = await closedPort();
    let icmpLoaded = false;
    const prober = createProber({
      dnsPort: responder.port,
      loadIcmp: () => {
        icmpLoaded = true;
        return { ok: false, reason: 'test' };
      },
    });
    const r = await prober.probeInOrder(
      [
        { kind: 'tcp', host: '127.0.0.1', port },
        { kind: 'dns', server: '127.0.0.1' },
        { kind: 'icmp', host: '127.0.0.1' },
      ],
      opts(),
    );
    assert.equal(r.ok, true);
    assert.equal(r.results.length, 2);
    assert.equal(icmpLoaded, false);
    await responder.close();
  },
);

test(
  'DNS: a connect error (broadcast without SO_BROADCAST: EACCES) is a result at once, not a crash',
  LIMIT,
  async () => {
    // Node hands a UDP connect() error to the connect callback, not to 'error'; sending after it would
    // throw from a callback and end the process.
    const before = await liveResources();
    const r = await createProber().probeTarget({ kind: 'dns', server: '255.255.255.255' }, opts());
    assert.equal(!r.ok && r.error, 'dns query to 255.255.255.255:53: connect: permission denied');
    assert.deepEqual(await liveResources(), before);
  },
);
