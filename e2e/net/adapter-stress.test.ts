/**
 * The netlink addon aborts the whole process when two dump answers interleave on one socket; only
 * the adapter's request serialisation prevents it. This test fires concurrent requests (dumps of
 * links, addresses and routes, address add/delete, route replace/delete, MTU changes), part of them
 * given up on by a tiny timeout or an AbortSignal mid-flight, at one adapter, while a NetObserver on
 * the same adapter resyncs on the kernel events and the links and addresses change from outside.
 * Every request must settle (resolve, or reject with one of our mapped errors) and the process must
 * survive: the stress runs in a child process inside a fresh network namespace, so an abort is a
 * failed test, not a dead test runner.
 *
 * This file is also the child: `node --import tsx e2e/net/adapter-stress.test.ts --child MS MAX`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const SCRIPT = 'e2e/net/adapter-stress.test.ts';
const DURATION_MS = 3_000;
const MAX_OPS = 40_000;
/** Addresses and routes put on wwan1 before the run (each dump then answers in several reads). */
const STATE_ENTRIES = 400;

interface Summary {
  fired: number;
  resolved: number;
  rejected: Record<string, number>;
  /** NetlinkError codes of the rejections. */
  codes: Record<string, number>;
  unexpected: string[];
  pending: number;
  byOp: Record<string, number>;
  observerEvents: number;
  adapterAliveAfter: boolean;
}

if (process.argv[2] === '--child') {
  await child(Number(process.argv[3] ?? DURATION_MS), Number(process.argv[4] ?? MAX_OPS));
} else {
  const { withNetns } = await import('../../src/sandbox/netns.js');
  const { skipUnless } = await import('../harness/require.js');
  const run = promisify(execFile);

  test('concurrent requests, give-ups and notifications at one adapter: all settle, the process survives', async (t) => {
    if (skipUnless(t, { root: true, commands: ['ip', 'python3'] })) return;
    await withNetns({ tuns: ['wwan0', 'wwan1'] }, async (ns) => {
      ns.ip(['link', 'set', 'wwan0', 'up']);
      ns.ip(['link', 'set', 'wwan1', 'up']);
      // Enough kernel state that a dump answer spans several reads (the kernel sends a dump in chunks
      // of a few KiB, each read by the addon separately): where interleaving would bite.
      const batch = join(await mkdtemp(join(tmpdir(), 'nl-stress-')), 'batch');
      const lines: string[] = [];
      for (let i = 0; i < STATE_ENTRIES; i++) {
        lines.push(`addr add 10.77.${i >> 8}.${i & 255}/32 dev wwan1`);
        lines.push(`route add 10.88.${i >> 6}.${(i & 63) << 2}/30 dev wwan1`);
      }
      await writeFile(batch, `${lines.join('\n')}\n`);
      ns.ip(['-batch', batch]);
      await rm(dirname(batch), { recursive: true, force: true });

      // Notifications from outside while the child runs: links flapping, addresses coming and going.
      let churning = true;
      let churns = 0;
      const ip = (args: string[]) => run('ip', ['-n', ns.name, ...args]).catch(() => undefined);
      const churn = (async () => {
        while (churning) {
          const i = churns++ % 20;
          await ip(['link', 'set', 'wwan1', i % 2 ? 'down' : 'up']);
          await ip(['link', 'set', 'wwan1', 'mtu', String(1300 + i)]);
          await ip(['addr', i % 2 ? 'del' : 'add', `10.66.0.${i}/32`, 'dev', 'wwan1']);
          await ip(['link', 'set', 'wwan1', 'up']);
        }
      })();
      const r = await ns.runNode(SCRIPT, ['--child', String(DURATION_MS), String(MAX_OPS)], {
        timeoutMs: 30_000, // a child stuck in the addon is killed and fails the test
      });
      churning = false;
      await churn;

      assert.equal(r.signal, null, `the child died of ${r.signal}:\n${r.stderr}`);
      assert.equal(r.code, 0, `the child failed (exit ${r.code}):\n${r.stderr}\n${r.stdout}`);
      const s = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Summary;
      t.diagnostic(JSON.stringify({ ...s, churns }));
      assert.deepEqual(s.unexpected, [], 'every rejection is one of our mapped errors');
      assert.equal(s.pending, 0, 'every request settled');
      // The kernel answers EBUSY to a dump sent while another dump on the socket is still answering:
      // a dump overlapping another, the very thing that aborts the process when the addon sees it.
      assert.equal(s.codes.EBUSY ?? 0, 0, 'no request overlapped a dump still answering');
      assert.equal(s.resolved + Object.values(s.rejected).reduce((a, b) => a + b, 0), s.fired);
      assert.ok(s.fired >= 500, `enough requests fired (${s.fired})`);
      assert.ok(s.resolved >= 200, `enough requests went through (${s.resolved})`);
      assert.ok((s.rejected.NetlinkTimeoutError ?? 0) > 0, 'some requests were given up on by timeout');
      assert.ok((s.rejected.AbortError ?? 0) > 0, 'some requests were given up on by abort');
      for (const op of ['listLinks', 'listAddresses', 'listRoutes', 'addAddress', 'replaceRoute']) {
        assert.ok((s.byOp[op] ?? 0) > 0, `${op} was exercised`);
      }
      assert.ok(s.observerEvents > 0, 'the observer saw kernel events during the run');
      assert.ok(churns > 0);
      assert.equal(s.adapterAliveAfter, true, 'the adapter still answers afterwards');
    });
  });
}

/** The stress itself, inside the namespace. Prints one JSON summary line; exit 1 on anything odd. */
async function child(durationMs: number, maxOps: number): Promise<void> {
  const { createNetlinkAdapter } = await import('../../src/netlink/adapter.js');
  const { NetlinkAbortError, NetlinkError, NetlinkTimeoutError } = await import(
    '../../src/netlink/errors.js'
  );
  const { createNetObserver } = await import('../../src/netitems/observer.js');
  const crashes: string[] = [];
  process.on('uncaughtException', (e) => crashes.push(`uncaught: ${e.stack ?? e}`));
  process.on('unhandledRejection', (e) => crashes.push(`unhandled: ${(e as Error)?.stack ?? e}`));

  const nl = createNetlinkAdapter({ defaultTimeoutMs: 2_000 });
  let observerEvents = 0;
  const obs = createNetObserver({
    netlink: nl,
    ifnames: ['wwan0', 'wwan1'],
    resyncDelayMs: 1,
    periodicResyncMs: 0,
    onChange: () => {
      observerEvents++;
    },
  });
  await obs.start();

  const s: Summary = {
    fired: 0,
    resolved: 0,
    rejected: {},
    codes: {},
    unexpected: [],
    pending: 0,
    byOp: {},
    observerEvents: 0,
    adapterAliveAfter: false,
  };
  const inFlight = new Set<Promise<unknown>>();
  let seq = 0;
  const fire = (op: string, work: (o: { timeoutMs?: number; signal?: AbortSignal }) => Promise<unknown>) => {
    const n = seq++;
    // A third of the requests are given up on: a timeout too short to be met, or an abort soon after.
    const opts: { timeoutMs?: number; signal?: AbortSignal } = {};
    if (n % 6 === 1) opts.timeoutMs = 1 + (n % 3);
    if (n % 6 === 4) {
      const ac = new AbortController();
      opts.signal = ac.signal;
      if (n % 12 === 4) ac.abort(new Error('pre-aborted'));
      else setTimeout(() => ac.abort(new Error('changed my mind')), n % 4);
    }
    s.fired++;
    s.byOp[op] = (s.byOp[op] ?? 0) + 1;
    const p = work(opts).then(
      () => {
        s.resolved++;
      },
      (e: unknown) => {
        const known =
          e instanceof NetlinkError || e instanceof NetlinkTimeoutError || e instanceof NetlinkAbortError;
        const name = known ? (e as Error).name : 'other';
        s.rejected[name] = (s.rejected[name] ?? 0) + 1;
        if (e instanceof NetlinkError) s.codes[e.code] = (s.codes[e.code] ?? 0) + 1;
        if (!known && s.unexpected.length < 20) s.unexpected.push(`${op}: ${(e as Error)?.stack ?? e}`);
      },
    );
    inFlight.add(p);
    p.finally(() => inFlight.delete(p));
  };

  const ops: [string, (i: number, o: { timeoutMs?: number; signal?: AbortSignal }) => Promise<unknown>][] = [
    ['listLinks', (_i, o) => nl.listLinks(o)],
    ['listAddresses', (_i, o) => nl.listAddresses({}, o)],
    ['listRoutes', (_i, o) => nl.listRoutes({}, o)],
    ['listAddresses', (_i, o) => nl.listAddresses({ ifname: 'wwan1', family: 4 }, o)],
    ['getLink', (i, o) => nl.getLink(i % 2 ? 'wwan0' : 'nope0', o)],
    [
      'addAddress',
      (i, o) =>
        nl.addAddress('wwan0', { family: 4, address: `10.55.${i % 8}.${i % 250}`, prefixLength: 32 }, o),
    ],
    [
      'deleteAddress',
      (i, o) =>
        nl.deleteAddress('wwan0', { family: 4, address: `10.55.${i % 8}.${i % 250}`, prefixLength: 32 }, o),
    ],
    [
      'replaceRoute',
      (i, o) =>
        nl.replaceRoute(
          { ifname: 'wwan0', family: 4, dst: `10.44.${i % 16}.0/24`, metric: 100 + (i % 3) },
          o,
        ),
    ],
    [
      'deleteRoute',
      (i, o) =>
        nl.deleteRoute({ ifname: 'wwan0', family: 4, dst: `10.44.${i % 16}.0/24`, metric: 100 + (i % 3) }, o),
    ],
    ['setLink', (i, o) => nl.setLink('wwan0', { mtu: 1400 + (i % 50) }, o)],
  ];

  const end = Date.now() + durationMs;
  let i = 0;
  let round = 0;
  while (Date.now() < end && s.fired < maxOps) {
    // Bursts of concurrent requests, bounded in flight so the run measures interleaving, not memory.
    while (inFlight.size < 64 && s.fired < maxOps) {
      const [op, work] = ops[i % ops.length] as (typeof ops)[number];
      const k = i;
      fire(op, (o) => work(k, o));
      i++;
    }
    await new Promise((r) => setTimeout(r, 1));
    // Now and then the socket is idle, a dump is sent at once and given up on while its answer is
    // still coming, and another dump follows right behind: the give-up must not let the two overlap.
    if (round++ % 4 === 0 && s.fired < maxOps - 3) {
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 2_000))]);
      // Abort as soon as the dump has gone out (the adapter counts what it sends).
      const ac = new AbortController();
      const sentBefore = nl.stats().requests;
      fire('listRoutes', () => nl.listRoutes({}, { signal: ac.signal }));
      const abortOnceSent = (tries: number) => {
        if (nl.stats().requests > sentBefore || tries === 0) ac.abort(new Error('mid-flight'));
        else setImmediate(() => abortOnceSent(tries - 1));
      };
      abortOnceSent(1000);
      fire('listAddresses', (o) => nl.listAddresses({}, o));
      fire('listLinks', (o) => nl.listLinks(o));
      i++;
    }
  }
  const settled = Promise.allSettled([...inFlight]);
  const guard = new Promise((r) => setTimeout(r, 15_000).unref());
  await Promise.race([settled, guard]);
  s.pending = inFlight.size;
  s.observerEvents = observerEvents;
  try {
    s.adapterAliveAfter = (await nl.listLinks({ timeoutMs: 5_000 })).some((l) => l.name === 'wwan0');
  } catch (e) {
    crashes.push(`adapter dead afterwards: ${e}`);
  }
  obs.close();
  nl.close();
  process.stdout.write(`${JSON.stringify(s)}\n`);
  if (crashes.length > 0) {
    process.stderr.write(crashes.join('\n'));
    process.exitCode = 1;
  }
}
