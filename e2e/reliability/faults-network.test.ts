/**
 * The reliability suite's network faults (`mmagent run` in a netns against the simulator on a private
 * dbus-daemon): a bearer that flaps 100 times, isolated drops and a drop right after a reconnect,
 * netlink faults while the agent applies (the interface vanishing, an address already there, a route
 * the kernel refuses), and garbage property values from ModemManager. Every world has two modems; A
 * takes the fault and B must see no call and no kernel change. Every config carries the suite's
 * credentials and PIN, and every scenario ends by scanning all the agent wrote for them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ModemSpec } from '../../src/mmsim/types.js';
import { Variant } from '../../src/mmsim/wire.js';
import type { WwanMetrics, WwanStatus } from '../../src/schemas/types.generated.js';
import { validateWwanMetrics, validateWwanStatus } from '../../src/schemas/validate.js';
import {
  type AgentWorld,
  cfgOf,
  inForce,
  kernel,
  kernelEventually,
  modemA,
  modemB,
  needs,
  net,
  network,
  withAgentWorld,
} from '../agent/world.js';
import { skipUnless } from '../harness/require.js';
import { type ScenarioContext, scenario } from './record.js';
import { assertNoSecrets, PASSWORD, PIN, USERNAME } from './secrets.js';

const FILE = import.meta.url;
const BEARER = 'org.freedesktop.ModemManager1.Bearer';
const MODEM = 'org.freedesktop.ModemManager1.Modem';

/** The AccessPoint every network here uses: the suite's credentials and the SIM's PIN. */
const accessPoint = (over: Record<string, unknown> = {}) => ({
  Activated: true,
  APN: 'internet',
  IPType: 'ipv4v6',
  CleartextCredentials: { Username: USERNAME, Password: PASSWORD },
  PIN,
  ...over,
});

const config = () =>
  cfgOf(
    network('modem-a', 'wwan0', { AccessPoint: accessPoint() }),
    network('modem-b', 'wwan1', {
      RouteMetric: 5001,
      AccessPoint: accessPoint({ APN: 'iot', IPType: 'ipv4' }),
    }),
  );

/** A modem whose SIM is locked with the suite's PIN and whose network wants the suite's credentials. */
const secured = (m: ModemSpec): ModemSpec => ({
  ...m,
  sim: { ...m.sim!, pin: PIN },
  credentials: { user: USERNAME, password: PASSWORD },
});

/** Waits (bounded, polling) until `pred` holds; fails with `what`. */
async function until(pred: () => boolean, what: string, timeoutMs = 15_000, stepMs = 5): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    assert.ok(Date.now() < end, `not within ${timeoutMs} ms: ${what}`);
    await sleep(stepMs);
  }
}

/** Waits until `pred` holds, looking at every turn of the event loop (sub-millisecond; bounded). */
async function untilNow(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!pred()) {
    assert.ok(performance.now() < end, `not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

/** What modem B is in the simulator and the kernel, to prove A's fault left it alone. */
interface Bystander {
  readonly mark: number;
  readonly kernel: ReturnType<typeof kernel>;
}

/** Modem B's object paths: the modem, its bearers and SIMs (bearers are not below the modem's path). */
function pathsOfB(w: AgentWorld): Set<string> {
  const m = w.sim.modem('B');
  return new Set([m.path, ...m.bearers.map((b) => b.path), ...m.sims.flatMap((s) => (s ? [s.path] : []))]);
}

/** Asserts B got no state-changing call since the mark and wwan1 is as it was; records the figures. */
function assertBUntouched(w: AgentWorld, b: Bystander, s: ScenarioContext): void {
  const paths = pathsOfB(w);
  const calls = w.sim.recorder.stateChangingCalls({ since: b.mark }).filter((c) => paths.has(c.path));
  s.figure('modemBCalls', calls.length);
  assert.deepEqual(
    calls.map((c) => `${c.member} ${c.path}`),
    [],
    'no state-changing call to modem B',
  );
  const now = kernel(w, 'wwan1');
  s.figure('modemBKernelChanged', JSON.stringify(now) === JSON.stringify(b.kernel) ? 'no' : 'yes');
  assert.deepEqual(now, b.kernel, "wwan1 (modem B's) is as it was");
}

/** Scans everything the agent wrote (status dir with the graph files, DNS files, its log) for the secrets. */
async function scanOutputs(w: AgentWorld, s: ScenarioContext): Promise<void> {
  const scanner = await assertNoSecrets(s, {
    dirs: [
      [w.statusDir, 'status'],
      [w.resolvDir, 'resolv'],
    ],
    texts: [['agent log', w.logs.map((l) => JSON.stringify(l)).join('\n')]],
  });
  assert.ok(
    scanner.sources >= 5,
    `the status files, the graph files and the log were scanned (${scanner.sources})`,
  );
}

/**
 * A world with modems A (wwan0) and B (wwan1), both PIN-locked and wanting credentials, run until
 * both are in force and the kernel is configured; `fn` gets B's state to check at the end.
 */
async function withTwoModems(
  fn: (w: AgentWorld, b: Bystander) => Promise<void>,
  opts: { modems?: ModemSpec[]; waitInForce?: boolean; before?: (w: AgentWorld) => void } = {},
): Promise<void> {
  const modems = opts.modems ?? [secured(modemA()), secured(modemB())];
  await withAgentWorld({ modems, config: config() }, async (w) => {
    opts.before?.(w);
    if (opts.waitInForce !== false) {
      await w.waitStatus(
        (x) => inForce('modem-a')(x) && inForce('modem-b')(x),
        'both modems in force',
        30_000,
      );
      await kernelEventually(w, 'wwan0', (k) => k.addrs.length === 2 && k.routes.length === 2);
      await kernelEventually(w, 'wwan1', (k) => k.addrs.length === 1 && k.routes.length === 1);
      await w.settle(500);
    }
    await fn(w, { mark: w.sim.recorder.mark(), kernel: kernel(w, 'wwan1') });
  });
}

/** The first Connect the simulator receives for modem A from now on: its monotonic arrival time. */
function nextConnectOfA(w: AgentWorld): { readonly at: Promise<number>; cancel(): void } {
  const pathA = w.sim.pathOf('A');
  let off: () => void = () => {};
  const at = new Promise<number>((resolve) => {
    off = w.sim.recorder.onCall((c) => {
      const ofA = c.path === pathA || w.sim.modem('A').bearers.some((b) => b.path === c.path);
      if (c.member === 'Connect' && ofA) {
        off();
        resolve(c.at);
      }
    });
  });
  return { at, cancel: () => off() };
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        t = setTimeout(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(t);
  }
}

const dampingLines = (w: AgentWorld, from = 0) =>
  w.logs.slice(from).filter((l) => typeof l.msg === 'string' && l.msg.startsWith('flap damping:'));

const round = (x: number) => Math.round(x * 10) / 10;

test('isolated drop: a single network-initiated drop of modem A is answered with a Connect within milliseconds; B untouched', {
  timeout: 120_000,
}, async (t) => {
  if (skipUnless(t, needs)) return;
  await scenario(
    {
      id: 'isolated-drop-answered-fast',
      title: 'An isolated bearer drop is answered with a Connect in milliseconds, not at a timer tick',
      inputs:
        'one network-initiated drop (Connected=false with ConnectionError NoCarrier) of modem A, quiet before',
      file: FILE,
    },
    async (s) => {
      await withTwoModems(async (w, b) => {
        const logMark = w.logs.length;
        const connect = nextConnectOfA(w);
        const dropAt = performance.now();
        assert.equal(w.sim.dropBearer('A').length, 1, 'one bearer dropped');
        const at = await within(connect.at, 10_000, 'a Connect after the drop');
        const dropToConnectMs = at - dropAt;
        s.figure('dropToConnectMs', round(dropToConnectMs));
        await w.waitStatus(inForce('modem-a'), 'modem-a in force again');
        s.figure('dropToInForceMs', round(performance.now() - dropAt));
        await kernelEventually(w, 'wwan0', (k) => k.addrs.length === 2 && k.routes.length === 2);
        await w.settle(500);
        const connects = w.sim.recorder.calls({ member: 'Connect', since: b.mark });
        s.figure('connectCalls', connects.length);
        s.figure('netlinkRequests', w.netlinkRequestsSince(logMark));
        assert.ok(dropToConnectMs < 1000, `drop -> Connect ${dropToConnectMs} ms`);
        assert.equal(connects.length, 1, 'exactly one Connect');
        assert.deepEqual(dampingLines(w, logMark), [], 'no flap damping for one drop');
        assertBUntouched(w, b, s);
        await scanOutputs(w, s);
      });
    },
  );
});

test('drop 1 ms after a reconnect: answered in milliseconds again (twice), not after a damping window', {
  timeout: 120_000,
}, async (t) => {
  if (skipUnless(t, needs)) return;
  await scenario(
    {
      id: 'drop-1ms-after-reconnect',
      title: 'A drop 1 ms after the reconnect is answered in milliseconds too, not after a window',
      inputs:
        'a drop of modem A, then twice: the bearer dropped again 1 ms after the simulator published the reconnect (Connected=true)',
      file: FILE,
    },
    async (s) => {
      await withTwoModems(async (w, b) => {
        const logMark = w.logs.length;
        const first = nextConnectOfA(w);
        w.sim.dropBearer('A');
        await within(first.at, 10_000, 'a Connect after the first drop');
        const latencies: number[] = [];
        const afterUp: number[] = [];
        for (let i = 0; i < 2; i++) {
          await untilNow(() => w.sim.modem('A').bearers.some((x) => x.connected), 'the bearer up again');
          const upAt = performance.now();
          await untilNow(() => performance.now() - upAt >= 1, '1 ms');
          const next = nextConnectOfA(w);
          const dropAt = performance.now();
          assert.equal(w.sim.dropBearer('A').length, 1, `drop ${i + 1} right after the reconnect`);
          afterUp.push(dropAt - upAt);
          const at = await within(next.at, 10_000, `a Connect after drop ${i + 1} right after a reconnect`);
          latencies.push(at - dropAt);
        }
        await w.waitStatus(inForce('modem-a'), 'modem-a in force again');
        await kernelEventually(w, 'wwan0', (k) => k.addrs.length === 2 && k.routes.length === 2);
        await w.settle(500);
        s.cycles(2);
        s.figure('reconnectToDropMs', afterUp.map(round).join(', '));
        s.figure('dropToConnectMs', latencies.map(round).join(', '));
        s.figure('maxDropToConnectMs', round(Math.max(...latencies)));
        s.figure('connectCalls', w.sim.recorder.calls({ member: 'Connect', since: b.mark }).length);
        for (const l of latencies) assert.ok(l < 1000, `drop right after a reconnect -> Connect ${l} ms`);
        assert.deepEqual(dampingLines(w, logMark), [], 'three drifts in a minute are not damped');
        assertBUntouched(w, b, s);
        await scanOutputs(w, s);
      });
    },
  );
});

test('flap: 100 drops of modem A in 20 s cost a handful of Connects; the waits grow and the status says why; B untouched', {
  timeout: 120_000,
}, async (t) => {
  if (skipUnless(t, needs)) return;
  const DROPS = 100;
  const PERIOD_MS = 200;
  await scenario(
    {
      id: 'flap-100-drops-per-minute',
      title:
        'A bearer dropped 100 times within a minute gets a handful of reconnects: after 3 the next waits, growing, and the status says why',
      inputs: `${DROPS} network-initiated drops of modem A, one every ${PERIOD_MS} ms (all inside the agent's 60 s damping window, as 100 in a minute would be); between drops the simulator brings the bearer back up by itself (the modem re-attaching) so that every drop is a real Connected=false signal`,
      file: FILE,
    },
    async (s) => {
      await withTwoModems(async (w, b) => {
        const modem = w.sim.modem('A');
        const pathsOfA = () => new Set([modem.path, ...modem.bearers.map((x) => x.path)]);
        const logMark = w.logs.length;
        const reasons: string[] = [];
        let polling = true;
        const poll = (async () => {
          while (polling) {
            const ce = net((await w.readStatus()) ?? {}, 'modem-a')?.ConfigError ?? '';
            if (ce.includes('held back') && reasons.at(-1) !== ce) reasons.push(ce);
            await sleep(100);
          }
        })();
        const dropTimes: number[] = [];
        const t0 = Date.now();
        try {
          for (let i = 0; i < DROPS; i++) {
            const start = Date.now();
            const bearer = modem.bearers[0];
            assert.ok(bearer, 'modem A has its bearer');
            // The modem re-attaches by itself: up without a call from the agent.
            if (!bearer.connected) await modem.connectBearer(bearer);
            await sleep(PERIOD_MS * 0.7);
            assert.equal(w.sim.dropBearer('A').length, 1, `drop ${i + 1}`);
            dropTimes.push(Date.now());
            await sleep(Math.max(0, start + PERIOD_MS - Date.now()));
          }
        } finally {
          polling = false;
          await poll;
        }
        const flapMs = Date.now() - t0;
        const connects = w.sim.recorder
          .calls({ member: 'Connect', since: b.mark })
          .filter((c) => pathsOfA().has(c.path));
        const holds = dampingLines(w, logMark).map((l) => Number(l.delayMs));
        s.cycles(DROPS);
        s.figure('drops', dropTimes.length);
        s.figure('flapMs', flapMs);
        s.figure('connectCalls', connects.length);
        s.figure('connectCallsUndamped', DROPS);
        s.figure('dampingHolds', holds.length);
        s.figure('firstWaitsMs', holds.slice(0, 6).join(', '));
        s.figure('longestDampingWaitMs', Math.max(0, ...holds));
        s.figure('reason', reasons.at(-1) ?? '');
        s.figure('netlinkRequests', w.netlinkRequestsSince(logMark));
        t.diagnostic(
          `connects at +${connects.map((c) => c.time - t0).join(', ')} ms; holds ${holds.join(', ')}`,
        );
        assert.equal(dropTimes.length, DROPS);
        assert.ok(connects.length >= 3, `the first drops are answered at once (${connects.length} Connects)`);
        assert.ok(connects.length <= 10, `${connects.length} Connects for ${DROPS} drops`);
        for (let i = 0; i < 3; i++)
          assert.ok(
            connects[i]!.time - dropTimes[i]! < 1000,
            `drop ${i + 1} answered at once (${connects[i]!.time - dropTimes[i]!} ms)`,
          );
        assert.ok(holds.length > 0, 'damping held the reconnects back');
        for (let i = 1; i < holds.length; i++)
          assert.ok(
            holds[i]! > holds[i - 1]! || holds[i - 1]! >= 0.8 * 300_000,
            `the waits grow: ${holds.slice(0, i + 1).join(', ')}`,
          );
        assert.match(
          reasons.at(-1) ?? '',
          /^connect held back: damped: \d+ drifts in [\d.]+ s, next repair in /,
        );
        // The modem re-attaches once more and stays: the agent configures it, nothing else held.
        const bearer = modem.bearers[0]!;
        if (!bearer.connected) await modem.connectBearer(bearer);
        const upAt = Date.now();
        const st = await w.waitStatus(inForce('modem-a'), 'modem-a in force after the flapping');
        await kernelEventually(w, 'wwan0', (k) => k.addrs.length === 2 && k.routes.length === 2);
        s.figure('upToInForceMs', Date.now() - upAt);
        s.figure('statusAfter', net(st, 'modem-a')?.ConfigError || 'in force');
        assertBUntouched(w, b, s);
        await scanOutputs(w, s);
      });
    },
  );
});

/**
 * `ip monitor address` in the world's namespace, calling `on` with each line (a probe address on `lo`
 * proves the monitor is listening before this returns).
 */
async function monitorAddresses(w: AgentWorld, on: (line: string) => void): Promise<() => Promise<void>> {
  const child = spawn('ip', ['-n', w.ns.name, 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let buf = '';
  let ready = false;
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.includes('127.0.0.9')) ready = true;
      else on(line);
    }
  });
  const end = Date.now() + 10_000;
  while (!ready) {
    assert.ok(Date.now() < end && child.exitCode === null, 'ip monitor listens');
    w.ns.ip(['addr', 'add', '127.0.0.9/32', 'dev', 'lo']);
    w.ns.ip(['addr', 'del', '127.0.0.9/32', 'dev', 'lo']);
    await sleep(20);
  }
  return async () => {
    if (child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill();
    await exited;
  };
}

/**
 * Waits until the agent wrote no log line for `quietMs`, at most `maxMs` (w.settle has no bound: an
 * agent that logs in a loop would never let it return).
 */
async function quiet(w: AgentWorld, quietMs: number, maxMs = 10_000): Promise<void> {
  const end = Date.now() + maxMs;
  let n = -1;
  while (w.logs.length !== n && Date.now() < end) {
    n = w.logs.length;
    await sleep(quietMs);
  }
}

/** The reconcile steps the agent logged since log index `from`, e.g. `create net.address/wwan0/...`. */
const stepsSince = (w: AgentWorld, from: number) =>
  w.logs.slice(from).flatMap((l) => (Array.isArray(l.steps) ? (l.steps as string[]) : []));

/** The items of the agent's graph file that are not in sync, as `id: state`. */
async function notInSync(w: AgentWorld): Promise<string[]> {
  const g = JSON.parse(await readFile(join(w.statusDir, 'wwan-graph.json'), 'utf8')) as {
    items: { id: string; state: string; external: boolean }[];
  };
  return g.items.filter((i) => !i.external && i.state !== 'in-sync').map((i) => `${i.id}: ${i.state}`);
}

test('interface vanished mid-apply: wwan0 deleted before and during the configuration; the items wait with a reason and recover when it is back', {
  timeout: 120_000,
}, async (t) => {
  if (skipUnless(t, needs)) return;
  await scenario(
    {
      id: 'interface-vanished-mid-apply',
      title:
        'The interface vanishing while the agent configures it: its items wait or fail with a reason, and recover when it is back',
      inputs:
        "modem A's bearer dropped twice; wwan0 deleted (ip link del) (1) the moment the agent's Connect arrives, before any address is set, (2) the moment its first address appears (ip monitor), between the address and the routes; then created again",
      file: FILE,
    },
    async (s) => {
      await withTwoModems(async (w, b) => {
        const logMark = w.logs.length;
        const pathA = w.sim.pathOf('A');
        const recoveries: number[] = [];
        const whileGone: string[] = [];
        const whileGoneOk = (x: WwanStatus) => {
          const a = net(x, 'modem-a');
          return !!a && a.Module.OpMode === 'online-and-connected' && /wwan0/.test(a.ConfigError);
        };
        const recover = async (cycle: number) => {
          const gone = await w.waitStatus(whileGoneOk, `cycle ${cycle}: the missing wwan0 in ConfigError`);
          whileGone.push(net(gone, 'modem-a')!.ConfigError);
          const links = w.ns.ipJson<{ ifname: string }[]>(['link', 'show']).map((l) => l.ifname);
          assert.ok(!links.includes('wwan0'), `wwan0 is gone (links: ${links.join(', ')})`);
          await w.ns.addTuns(['wwan0']);
          const back = performance.now();
          await w.waitStatus(inForce('modem-a'), `cycle ${cycle}: modem-a in force again`);
          await kernelEventually(
            w,
            'wwan0',
            (k) => k.addrs.length === 2 && k.routes.length === 2 && k.up === true,
          );
          recoveries.push(round(performance.now() - back));
        };

        // (1) Gone before the agent configures anything: deleted while the Connect is being answered.
        let deleted = 0;
        const off = w.sim.recorder.onCall((c) => {
          if (c.member === 'Connect' && c.path === pathA && deleted === 0) {
            w.ns.ip(['link', 'del', 'wwan0']);
            deleted++;
          }
        });
        w.sim.dropBearer('A');
        try {
          await recover(1);
        } finally {
          off();
        }
        assert.equal(deleted, 1);
        await w.settle(500);

        // (2) Gone between the first address and the routes.
        const stop = await monitorAddresses(w, (line) => {
          if (deleted === 1 && !line.startsWith('Deleted') && line.includes('inet 10.64.64.10/30')) {
            deleted++;
            w.ns.ip(['link', 'del', 'wwan0']);
          }
        });
        try {
          w.sim.dropBearer('A');
          await until(() => deleted === 2, 'wwan0 deleted after its first address');
          await recover(2);
        } finally {
          await stop();
        }
        await w.settle(500);
        assert.deepEqual(await notInSync(w), [], 'every item in sync');
        s.cycles(2);
        s.figure('statusWhileGone', whileGone.join(' | '));
        s.figure('recoveryMs', recoveries.join(', '));
        s.figure('maxRecoveryMs', Math.max(...recoveries));
        s.figure('netlinkRequests', w.netlinkRequestsSince(logMark));
        s.figure('connectCalls', w.sim.recorder.calls({ member: 'Connect', since: b.mark }).length);
        assertBUntouched(w, b, s);
        await scanOutputs(w, s);
      });
    },
  );
});

test('address already present: the addresses the agent wants are on wwan0 before it applies; no error, adopted', {
  timeout: 120_000,
}, async (t) => {
  if (skipUnless(t, needs)) return;
  await scenario(
    {
      id: 'address-already-present',
      title: 'An address the agent wants already on the link before it applies: no error, adopted as is',
      inputs:
        "10.64.64.10/30 and 2001:db8:1::2/64 added to wwan0 (ip addr add) the moment the agent's first Connect of modem A arrives, before it configures the interface",
      file: FILE,
    },
    async (s) => {
      let added = 0;
      await withTwoModems(
        async (w, b) => {
          await w.settle(500);
          assert.equal(added, 1, 'the addresses were there before the agent configured wwan0');
          const k = kernel(w, 'wwan0');
          assert.deepEqual(k.addrs, ['10.64.64.10/30', '2001:db8:1::2/64'], 'each address once');
          assert.equal(k.routes.length, 2);
          const addressSteps = stepsSince(w, 0).filter((x) => x.includes('net.address/wwan0/'));
          const errors = w.logs.filter((l) => l.msg === 'reconciled with errors' || (l.level ?? 0) >= 50);
          s.figure('addressesPresent', 2);
          s.figure('addressCreateSteps', addressSteps.length);
          s.figure('netlinkRequests', w.netlinkRequestsSince(0));
          s.figure('errors', errors.length);
          assert.deepEqual(errors, [], 'no error');
          assert.deepEqual(await notInSync(w), [], 'every item in sync');
          // Adopted: a drop removes them like the agent's own, the reconnect puts them back.
          const logMark = w.logs.length;
          w.sim.dropBearer('A');
          await until(
            () => stepsSince(w, logMark).filter((x) => /^delete net\.address\/wwan0\//.test(x)).length === 2,
            'both addresses deleted after the drop',
          );
          await w.waitStatus(inForce('modem-a'), 'modem-a in force after a drop');
          await kernelEventually(w, 'wwan0', (x) => x.addrs.length === 2 && x.routes.length === 2);
          s.figure('deletedOnDrop', 2);
          assertBUntouched(w, b, s);
          await scanOutputs(w, s);
        },
        {
          before: (w) => {
            const pathA = w.sim.pathOf('A');
            const off = w.sim.recorder.onCall((c) => {
              if (c.member !== 'Connect' || c.path !== pathA) return;
              off();
              w.ns.ip(['addr', 'add', '10.64.64.10/30', 'dev', 'wwan0']);
              w.ns.ip(['addr', 'add', '2001:db8:1::2/64', 'dev', 'wwan0', 'nodad']);
              added++;
            });
          },
        },
      );
    },
  );
});

test('route rejected: a route the kernel refuses fails its item with the kernel error; the rest is in force; it recovers once the cause is gone', {
  timeout: 120_000,
}, async (t) => {
  if (skipUnless(t, needs)) return;
  await scenario(
    {
      id: 'route-rejected',
      title:
        "A route the kernel refuses: that item fails with the kernel's error in the status, the rest is in force, and it recovers when the cause is removed",
      inputs:
        "a conflicting IPv4 default route (default dev lo metric 5000, modem A's key) added the moment the agent reconnects modem A after a drop; removed once the failure is in the status",
      file: FILE,
    },
    async (s) => {
      await withTwoModems(async (w, b) => {
        const logMark = w.logs.length;
        const pathA = w.sim.pathOf('A');
        let conflict = false;
        const off = w.sim.recorder.onCall((c) => {
          if (c.member !== 'Connect' || c.path !== pathA || conflict) return;
          w.ns.ip(['route', 'add', 'default', 'dev', 'lo', 'metric', '5000']);
          conflict = true;
        });
        const droppedAt = performance.now();
        try {
          w.sim.dropBearer('A');
          const st = await w.waitStatus(
            (x) => /^route failed: .*EEXIST/.test(net(x, 'modem-a')?.ConfigError ?? ''),
            'the refused route in ConfigError',
          );
          s.figure('dropToFailedMs', round(performance.now() - droppedAt));
          const a = net(st, 'modem-a')!;
          s.figure('status', a.ConfigError);
          assert.equal(a.Module.OpMode, 'online-and-connected');
        } finally {
          off();
        }
        // The rest of the graph is in force: both addresses, the IPv6 default route, the DNS file.
        const k = await kernelEventually(w, 'wwan0', (x) => x.addrs.length === 2 && x.routes.length === 1);
        assert.deepEqual(k.routes, ['default via 2001:db8:1::1 metric 5000']);
        const stuck = await notInSync(w);
        assert.deepEqual(stuck, ['net.route/wwan0/ipv4/default/table254: failed'], 'only the refused route');
        assert.match(await readFile(join(w.resolvDir, 'wwan0.dhcp'), 'utf8'), /10\.11\.12\.13/);
        const attempts = () =>
          w.logs.slice(logMark).filter((l) => JSON.stringify(l.errors ?? '').includes('net.route/wwan0/ipv4'))
            .length;
        await until(() => attempts() >= 2, 'the route retried', 10_000, 20);
        // The cause goes: the retry puts the route in place.
        w.ns.ip(['route', 'del', 'default', 'dev', 'lo', 'metric', '5000']);
        const removedAt = performance.now();
        await w.waitStatus(inForce('modem-a'), 'modem-a in force once the conflict is gone');
        await kernelEventually(w, 'wwan0', (x) => x.routes.length === 2);
        s.figure('recoveryMs', round(performance.now() - removedAt));
        s.figure('failedAttempts', attempts());
        s.figure('itemsOutOfSyncWhileFailed', stuck.length);
        s.figure('netlinkRequests', w.netlinkRequestsSince(logMark));
        assert.deepEqual(await notInSync(w), []);
        assertBUntouched(w, b, s);
        await scanOutputs(w, s);
      });
    },
  );
});

test('garbage MM properties: wrong types, absurd and missing values never stop the agent nor break its status; sane values converge', {
  timeout: 120_000,
}, async (t) => {
  if (skipUnless(t, needs)) return;
  await scenario(
    {
      id: 'garbage-mm-properties',
      title:
        'ModemManager publishing wrong-typed, missing and absurd property values: the agent keeps running, its status stays valid, and it converges when sane values return',
      inputs:
        "PropertiesChanged signals for modem A's Modem, Modem3gpp, Signal and Bearer objects with: signal quality 1e9, a string State, State invalidated (missing), a string AccessTechnologies, an empty Ports list, PowerState 2^32-1, a numeric EquipmentIdentifier, Bearers as a string, a dangling Sim path, an unknown property, RegistrationState -7, a numeric OperatorCode, LTE RSRP 1e9, SNR -1e308 and a string RSRQ, an Ip4Config with MTU -1500, an Ip6Config string, Connected 'yes', a numeric Interface, Stats with a string byte count; then the real values again",
      file: FILE,
    },
    async (s) => {
      await withTwoModems(async (w, b) => {
        const logMark = w.logs.length;
        const modemPath = w.sim.pathOf('A');
        const bearerPath = w.sim.modem('A').bearers[0]!.path;
        const M3GPP = 'org.freedesktop.ModemManager1.Modem.Modem3gpp';
        const SIGNAL = 'org.freedesktop.ModemManager1.Modem.Signal';
        const V = (sig: string, value: unknown) => new Variant(sig, value);
        const garbage: {
          path: string;
          iface: string;
          changed: Record<string, Variant>;
          invalidated?: string[];
        }[] = [
          { path: modemPath, iface: MODEM, changed: { SignalQuality: V('(ub)', [1e9, true]) } },
          { path: modemPath, iface: MODEM, changed: { State: V('s', 'connected') } },
          { path: modemPath, iface: MODEM, changed: {}, invalidated: ['State'] },
          {
            path: modemPath,
            iface: MODEM,
            changed: {
              AccessTechnologies: V('s', 'lte'),
              Ports: V('a(su)', []),
              PowerState: V('u', 0xffffffff),
              EquipmentIdentifier: V('u', 42),
            },
          },
          { path: modemPath, iface: MODEM, changed: { Bearers: V('s', 'not-a-list') } },
          {
            path: modemPath,
            iface: MODEM,
            changed: { Sim: V('o', '/org/freedesktop/ModemManager1/SIM/999'), Bogus: V('s', 'x') },
          },
          {
            path: modemPath,
            iface: M3GPP,
            changed: { RegistrationState: V('i', -7), OperatorCode: V('u', 1) },
          },
          {
            path: modemPath,
            iface: SIGNAL,
            changed: { Lte: V('a{sv}', { rsrp: V('d', 1e9), snr: V('d', -1e308), rsrq: V('s', 'bad') }) },
          },
          {
            path: bearerPath,
            iface: BEARER,
            changed: {
              Ip4Config: V('a{sv}', {
                method: V('u', 2),
                address: V('s', '10.64.64.10'),
                prefix: V('u', 30),
                gateway: V('s', '10.64.64.9'),
                mtu: V('i', -1500),
              }),
              Ip6Config: V('s', 'garbage'),
            },
          },
          {
            path: bearerPath,
            iface: BEARER,
            changed: {
              Connected: V('s', 'yes'),
              Interface: V('u', 7),
              Stats: V('a{sv}', { 'rx-bytes': V('s', 'lots') }),
            },
          },
        ];
        const values = garbage.reduce(
          (n, g) => n + Object.keys(g.changed).length + (g.invalidated?.length ?? 0),
          0,
        );
        let validated = 0;
        const metricsOfA = async () => {
          const m = JSON.parse(await readFile(join(w.statusDir, 'WwanMetrics.json'), 'utf8')) as WwanMetrics;
          const v = validateWwanMetrics(m);
          assert.ok(v.ok, `the metrics are valid: ${v.ok ? '' : JSON.stringify(v.errors)}`);
          return (m.Networks ?? []).find((n) => n.LogicalLabel === 'modem-a');
        };
        const checkStatus = async (what: string) => {
          // waitStatus fails if the agent exited; the status must parse and match its schema.
          const st = await w.waitStatus(() => true, `a status after ${what}`);
          const v = validateWwanStatus(st);
          assert.ok(v.ok, `after ${what} the status is valid: ${v.ok ? '' : JSON.stringify(v.errors)}`);
          await metricsOfA();
          validated++;
          return st;
        };
        const mark = w.sim.recorder.mark();
        const rsrp: number[] = [];
        for (const [i, g] of garbage.entries()) {
          w.sim.emitRawProperties(g.path, g.iface, g.changed, g.invalidated ?? []);
          await quiet(w, 300);
          await checkStatus(
            `garbage ${i + 1} (${[...Object.keys(g.changed), ...(g.invalidated ?? [])].join(', ')})`,
          );
          if (g.iface === SIGNAL) rsrp.push((await metricsOfA())?.SignalInfo.RSRP ?? Number.NaN);
        }
        const callsToA = w.sim.recorder
          .stateChangingCalls({ since: mark })
          .filter((c) => !pathsOfB(w).has(c.path));
        // Sane values again: every property of the objects touched, as ModemManager has them.
        const saneAt = performance.now();
        for (const x of new Set(garbage.map((g) => `${g.path} ${g.iface}`))) {
          const [path, iface] = x.split(' ');
          w.sim.republishProperties(path!, iface!);
        }
        await w.waitStatus(inForce('modem-a'), 'modem-a in force with sane values', 30_000);
        await kernelEventually(
          w,
          'wwan0',
          (k) => k.addrs.length === 2 && k.routes.length === 2 && k.mtu === 1500,
        );
        s.figure('convergeMs', round(performance.now() - saneAt));
        await quiet(w, 500);
        await checkStatus('sane values');
        const problems = w.logs.slice(logMark).filter((l) => (l.level ?? 0) >= 40);
        const ignoredLines = problems.filter(
          (l) => l.msg === 'ignored a ModemManager property value of the wrong type',
        );
        const ignoredProps = new Set(ignoredLines.map((l) => String(l.property).replace(/.*\./, '')));
        s.cycles(garbage.length);
        s.figure('garbageSignals', garbage.length);
        s.figure('garbageValues', values);
        s.figure('statusValidations', validated);
        // The agent is the process that wrote the first log line (ip netns exec execs it): still that one.
        const pids = new Set(w.logs.map((l) => l.pid).filter((x) => typeof x === 'number'));
        const pid = w.logs.find((l) => typeof l.pid === 'number')?.pid as number;
        const alive = (() => {
          try {
            process.kill(pid, 0);
            return true;
          } catch {
            return false;
          }
        })();
        s.figure('agentAlive', alive ? 'yes' : 'no');
        s.figure('agentRestarts', pids.size - 1);
        assert.ok(alive, `the agent (pid ${pid}) is alive`);
        assert.equal(pids.size, 1, 'one agent process wrote the whole log');
        s.figure('callsToModemADuringGarbage', callsToA.map((c) => c.member).join(', ') || 'none');
        s.figure('warnLogLines', problems.length);
        s.figure('ignoredPropertiesLogged', [...ignoredProps].sort().join(', '));
        s.figure('logLinesDuringGarbage', w.logs.length - logMark);
        s.figure('lteRsrpWithGarbage', rsrp.join(', '));
        s.figure('lteRsrpAfter', (await metricsOfA())?.SignalInfo.RSRP ?? 'n/a');
        t.diagnostic(`warn+ lines: ${problems.map((l) => l.msg).join(' | ')}`);
        for (const p of [
          'State',
          'AccessTechnologies',
          'EquipmentIdentifier',
          'Bearers',
          'OperatorCode',
          'Ip6Config',
          'Connected',
          'Interface',
        ])
          assert.ok(ignoredProps.has(p), `the log says ${p} was ignored (${[...ignoredProps].join(', ')})`);
        assert.ok(
          problems.some((l) => /MTU -1500/.test(JSON.stringify(l))),
          'the log says the negative MTU was not applied',
        );
        assert.ok(w.logs.length - logMark < 2000, `no log storm (${w.logs.length - logMark} lines)`);
        assert.deepEqual(await notInSync(w), [], 'every item in sync');
        assertBUntouched(w, b, s);
        await scanOutputs(w, s);
      });
    },
  );
});
