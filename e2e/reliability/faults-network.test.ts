/**
 * The reliability suite's network faults (`mmagent run` in a netns against the simulator on a private
 * dbus-daemon): a bearer that flaps 100 times, isolated drops and a drop right after a reconnect,
 * netlink faults while the agent applies (the interface vanishing, an address already there, a route
 * the kernel refuses), and garbage property values from ModemManager. Every world has two modems; A
 * takes the fault and B must see no call and no kernel change. Every config carries the suite's
 * credentials and PIN, and every scenario ends by scanning all the agent wrote for them.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ModemSpec } from '../../src/mmsim/types.js';
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
import { PASSWORD, PIN, SecretScanner, USERNAME } from './secrets.js';

const FILE = import.meta.url;

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
async function assertNoSecrets(w: AgentWorld, s: ScenarioContext): Promise<void> {
  const scanner = new SecretScanner();
  await scanner.scanDir(w.statusDir, 'status');
  await scanner.scanDir(w.resolvDir, 'resolv');
  scanner.scanText('agent log', w.logs.map((l) => JSON.stringify(l)).join('\n'));
  s.figure('secretsScanned', scanner.sources);
  s.figure('secretsFound', scanner.leaks.length);
  assert.deepEqual(scanner.leaks, [], 'no secret in anything the agent wrote');
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
  opts: { modems?: ModemSpec[]; waitInForce?: boolean } = {},
): Promise<void> {
  const modems = opts.modems ?? [secured(modemA()), secured(modemB())];
  await withAgentWorld({ modems, config: config() }, async (w) => {
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

test('isolated drop: a single network-initiated drop of modem A is answered with a Connect within milliseconds; B untouched', async (t) => {
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
        await assertNoSecrets(w, s);
      });
    },
  );
});

test('drop 1 ms after a reconnect: answered in milliseconds again (twice), not after a damping window', async (t) => {
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
        await assertNoSecrets(w, s);
      });
    },
  );
});

test('flap: 100 drops of modem A in 20 s cost a handful of Connects; the waits grow and the status says why; B untouched', async (t) => {
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
        await assertNoSecrets(w, s);
      });
    },
  );
});
