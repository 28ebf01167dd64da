/**
 * Process and bus faults under the running agent (`mmagent run` in a network namespace, the
 * ModemManager simulator on a private dbus-daemon, tun links wwan0/wwan1): ModemManager or the bus
 * going away mid-call, a call that never answers, a modem unplugged mid-connect, the agent itself
 * SIGKILLed or SIGTERMed, and a status directory that turns read-only or full. Modem A (wwan0, a
 * PIN-locked SIM) takes the fault; where only A is hit, modem B (wwan1) must see no state-changing
 * call and no kernel change. Every scenario runs with the suite's password and PIN and ends with
 * the secret scan of everything the agent wrote.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdir, readFile, readlink, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { type PrivateBus, startPrivateBus } from '../../src/mmsim/private-bus.js';
import type { RecordedCall } from '../../src/mmsim/recorder.js';
import { ModemManagerSimulator } from '../../src/mmsim/simulator.js';
import type { ModemSpec } from '../../src/mmsim/types.js';
import type { WwanConfig, WwanStatus } from '../../src/schemas/types.generated.js';
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
  withAgentOn,
} from '../agent/world.js';
import { skipUnless } from '../harness/require.js';
import { type ScenarioContext, scenario } from './record.js';
import { assertNoSecrets, PASSWORD, PIN, USERNAME } from './secrets.js';

const run = promisify(execFile);

/** Root, dbus-daemon, ip, python3 (the world's), and nsenter/mount for the status-dir faults. */
const needsHere = { root: true, commands: [...needs.commands, 'nsenter', 'mount'] } as const;

/** The calls that change a modem (everything the recorder does not count as read-only). */
const STATE_CHANGING =
  'Connect, Disconnect, Enable, SetPowerState, SetCurrentModes, SetPrimarySimSlot, CreateBearer, DeleteBearer, Reset, SendPin';

const config = (dpcTimestamp = '2026-11-24T10:00:00.123456789Z'): WwanConfig => ({
  ...cfgOf(
    network('modem-a', 'wwan0', {
      AccessPoint: {
        Activated: true,
        APN: 'internet',
        IPType: 'ipv4v6',
        AuthProtocol: 'chap',
        CleartextCredentials: { Username: USERNAME, Password: PASSWORD },
        PIN,
      },
    }),
    network('modem-b', 'wwan1', {
      RouteMetric: 5001,
      AccessPoint: {
        Activated: true,
        APN: 'iot',
        IPType: 'ipv4',
        AuthProtocol: 'pap',
        CleartextCredentials: { Username: USERNAME, Password: PASSWORD },
      },
    }),
  ),
  DPCTimestamp: dpcTimestamp,
});

/** Modem A's SIM wants the suite's PIN: the agent unlocks it with SendPin. */
const lockedA = (): ModemSpec => modemA({ sim: { ...modemA().sim!, pin: PIN } });

interface World extends AgentWorld {
  readonly bus: PrivateBus;
}

/**
 * A private bus (its `reply_timeout` as given), the simulator with modems A and B, and the agent on
 * them in file mode with the suite's secrets in its config.
 */
async function withWorld<T>(opts: { busReplyTimeoutMs?: number }, fn: (w: World) => Promise<T>): Promise<T> {
  const bus = await startPrivateBus(
    opts.busReplyTimeoutMs === undefined ? {} : { replyTimeoutMs: opts.busReplyTimeoutMs },
  );
  const sim = await ModemManagerSimulator.start({ busAddress: bus.address, timing: { step: 2 } });
  try {
    sim.addModem(lockedA());
    sim.addModem(modemB());
    return await withAgentOn({ busAddress: bus.address, config: config() }, (w) => fn({ ...w, sim, bus }));
  } finally {
    for (const stop of [...monitors]) await stop();
    await sim.stop();
    await bus.stop();
  }
}

const bothInForce = (s: WwanStatus) => inForce('modem-a')(s) && inForce('modem-b')(s);

/** Both modems in force in the status and in the kernel (A dual stack with routes, B its /32). */
async function bothOnline(w: AgentWorld, what: string, timeoutMs = 20_000): Promise<WwanStatus> {
  const st = await w.waitStatus(bothInForce, what, timeoutMs);
  await kernelEventually(w, 'wwan0', (k) => k.addrs.length === 2 && k.routes.length === 2, timeoutMs);
  await kernelEventually(w, 'wwan1', (k) => k.addrs.length === 1 && k.routes.length === 1, timeoutMs);
  return st;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    assert.ok(Date.now() < end, `timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The first call matching `pred` recorded at or after `since` (waits for it, bounded). */
async function callSince(
  w: AgentWorld,
  since: number,
  pred: (c: RecordedCall) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<RecordedCall> {
  let hit: RecordedCall | undefined;
  await until(
    () => {
      hit = w.sim.recorder.calls({ since }).find(pred);
      return hit !== undefined;
    },
    what,
    timeoutMs,
  );
  return hit!;
}

/** Every object path of a modem now: the modem, its bearers and SIMs. */
function objectsOf(w: AgentWorld, id: string): Set<string> {
  const m = w.sim.modem(id);
  return new Set([m.path, ...m.bearers.map((b) => b.path), ...m.sims.flatMap((s) => (s ? [s.path] : []))]);
}

const stateChangingOn = (w: AgentWorld, paths: Set<string>, since: number) =>
  w.sim.recorder.stateChangingCalls({ since }).filter((c) => paths.has(c.path));

const connectsOn = (w: AgentWorld, path: string, since: number) =>
  w.sim.recorder.stateChangingCalls({ since, path, member: 'Connect' });

/** Monitors still running; withWorld stops them whatever happened. */
const monitors = new Set<() => Promise<void>>();

interface KernelEvent {
  readonly at: number;
  readonly line: string;
}

/** A route in a table nobody uses: the change that tells a monitor is listening. */
const MARKER = ['blackhole', '192.0.2.1/32', 'table', '999'];

/**
 * `ip monitor address route` in the namespace, listening when this resolves: every kernel change of
 * addresses and routes from then on, one event per change (`ip` continues an address on an indented
 * line, which is left out), stamped with when it arrived.
 */
async function monitorKernel(w: AgentWorld): Promise<{ events: KernelEvent[]; stop(): Promise<void> }> {
  const events: KernelEvent[] = [];
  let marks = 0;
  const child: ChildProcess = spawn('ip', ['-n', w.ns.name, 'monitor', 'address', 'route'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const stop = async () => {
    monitors.delete(stop);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  monitors.add(stop);
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    for (const line of parts) {
      if (line.includes('192.0.2.1')) marks++;
      else if (line.trim() !== '' && !/^\s/.test(line)) events.push({ at: Date.now(), line });
    }
  });
  // Until the monitor has subscribed, a change goes unseen: add the marker until it is reported.
  const end = Date.now() + 5_000;
  for (;;) {
    w.ns.ip(['route', 'add', ...MARKER]);
    const added = Date.now();
    while (marks === 0 && Date.now() - added < 100) await sleep(5);
    w.ns.ip(['route', 'del', ...MARKER]);
    if (marks > 0) break;
    assert.ok(Date.now() < end, 'ip monitor listening within 5 s');
  }
  await until(() => marks >= 2, 'the marker route deleted', 5_000);
  return { events, stop };
}

/** B's side of "other modems untouched": state-changing calls to its objects, its kernel state. */
async function watchB(w: AgentWorld) {
  const since = w.sim.recorder.mark();
  const paths = objectsOf(w, 'B');
  const before = kernel(w, 'wwan1');
  const mon = await monitorKernel(w);
  return {
    /** Asserts B saw no call and no kernel change since the watch began; records the figures. */
    async check(s: ScenarioContext): Promise<void> {
      // A change reaches `ip monitor` a moment after it is made.
      await new Promise((r) => setTimeout(r, 100));
      await mon.stop();
      const calls = stateChangingOn(w, paths, since);
      const kernelChanges = mon.events.map((e) => e.line).filter((l) => /\bwwan1\b/.test(l));
      s.figure('modemBStateChangingCalls', calls.length);
      s.figure('modemBKernelChanges', kernelChanges.length);
      assert.deepEqual(
        calls.map((c) => `${c.member} ${c.path}`),
        [],
        'no state-changing call to modem B',
      );
      assert.deepEqual(kernelChanges, [], 'no address or route change on wwan1');
      assert.deepEqual(kernel(w, 'wwan1'), before, "wwan1's kernel state as before");
    },
  };
}

/**
 * The secret scan: everything under the world's directory (status and debug files, resolv files),
 * `extraDirs` (a status dir only the agent's mount namespace sees), and the agent's log. The config
 * file is the input: the scan must find the secrets there (it can see them), and nowhere else.
 */
async function scanSecrets(
  w: AgentWorld,
  s: ScenarioContext,
  extraDirs: readonly [dir: string, label: string][] = [],
): Promise<void> {
  await assertNoSecrets(s, {
    dirs: [[w.dir, 'world'], ...extraDirs],
    texts: [['agent log (debug)', w.logs.map((l) => JSON.stringify(l)).join('\n')]],
    inputs: /\/wwan-config\.json(\.tmp)?$/,
  });
}

/** Every file in the status dir: no `.tmp` leftover, every JSON file whole, the status and metrics valid. */
async function statusFilesWhole(dir: string): Promise<{ files: string[]; status: WwanStatus }> {
  const files = (await readdir(dir)).sort();
  assert.deepEqual(
    files.filter((f) => !/^(Wwan(Status|Metrics|LocationInfo)\.json|wwan-graph\.(json|dot))$/.test(f)),
    [],
    `only the status and debug files, no leftover (${files.join(', ')})`,
  );
  let status: WwanStatus | undefined;
  for (const f of files.filter((x) => x.endsWith('.json'))) {
    const text = await readFile(join(dir, f), 'utf8');
    let value: unknown;
    assert.doesNotThrow(() => {
      value = JSON.parse(text);
    }, `${f} is whole JSON (${text.length} bytes)`);
    if (f === 'WwanStatus.json') {
      const v = validateWwanStatus(value);
      assert.ok(v.ok, `WwanStatus.json follows its schema: ${JSON.stringify(v)}`);
      status = value as WwanStatus;
    }
    if (f === 'WwanMetrics.json')
      assert.ok(validateWwanMetrics(value).ok, 'WwanMetrics.json follows its schema');
  }
  assert.ok(status, `WwanStatus.json is there (${files.join(', ')})`);
  return { files, status };
}

const logsSince = (w: AgentWorld, from: number) => w.logs.slice(from);

// ---------------------------------------------------------------------------------------------

test('ModemManager killed while Connect is in flight: back online once it returns', async (t) => {
  if (skipUnless(t, needs)) return;
  await scenario(
    {
      id: 'mm-killed-mid-connect',
      title:
        'ModemManager goes away while the agent waits for Connect, and comes back: both modems online again',
      inputs:
        "modem A's bearer dropped with its next Connect held unanswered; ModemManager's bus connection closed while that Connect waits, 300 ms without ModemManager, then a fresh ModemManager re-probing both modems (disabled, SIM locked again)",
      file: import.meta.url,
    },
    async (s) => {
      await withWorld({}, async (w) => {
        await bothOnline(w, 'both online');
        await w.settle(300);
        const pathA = w.sim.pathOf('A');
        const mark = w.sim.recorder.mark();
        w.sim.hangCall('Connect', { path: pathA });
        w.sim.dropBearer('A');
        const hung = await callSince(
          w,
          mark,
          (c) => c.member === 'Connect' && c.path === pathA,
          'the reconnect',
        );
        await sleep(100);
        const from = w.logs.length;
        const killedAt = Date.now();
        await w.sim.restart({ downtimeMs: 300 });
        const backAt = Date.now();
        w.sim.clearHangs();
        await bothOnline(w, 'both online after ModemManager came back', 30_000);
        const onlineMs = Date.now() - backAt;
        const after = w.sim.recorder.stateChangingCalls({ since: backAt });
        s.figure('connectInFlightMs', killedAt - hung.time);
        s.figure('mmDowntimeMs', backAt - killedAt);
        s.figure('onlineAfterMmBackMs', onlineMs);
        s.figure('connectCallsAfterMmBack', after.filter((c) => c.member === 'Connect').length);
        s.figure('stateChangingCallsAfterMmBack', after.length);
        // The bus answers the caller of a call whose recipient went away: the agent is not left waiting.
        const ended = logsSince(w, from).find(
          (l) => l.msg === 'call failed' && String(l.method).endsWith('.Connect'),
        );
        s.figure('inFlightConnectEndedWith', String(ended?.err ?? 'nothing logged'));
        assert.match(String(ended?.err), /NoReply/, 'the Connect in flight failed when ModemManager went');
        t.diagnostic(`after MM back: ${after.map((c) => c.member).join(', ')}; online in ${onlineMs} ms`);
        assert.equal(
          after.filter((c) => c.member === 'Connect').length,
          2,
          `one Connect per modem after the restart (${after.map((c) => c.member).join(', ')})`,
        );
        assert.ok(onlineMs < 10_000, `online ${onlineMs} ms after ModemManager came back`);
        await w.settle(300);
        await scanSecrets(w, s);
      });
    },
  );
});

test('dbus-daemon restarted on the same address: the agent reconnects and ends connected', async (t) => {
  if (skipUnless(t, needs)) return;
  await scenario(
    {
      id: 'dbus-daemon-restarted',
      title:
        'The system bus restarts under the agent: it reconnects and resyncs; both modems stay online, without a ModemManager call or a kernel change',
      inputs:
        'dbus-daemon stopped (SIGTERM) with both modems connected, started again on the same address 300 ms later; the simulator reconnects to it keeping its modems as they were',
      file: import.meta.url,
    },
    async (s) => {
      await withWorld({}, async (w) => {
        await bothOnline(w, 'both online');
        await w.settle(300);
        const from = w.logs.length;
        const mark = w.sim.recorder.mark();
        const kA = kernel(w, 'wwan0');
        const kB = kernel(w, 'wwan1');
        const mon = await monitorKernel(w);
        const stoppedAt = Date.now();
        await w.bus.restart({ downtimeMs: 300 });
        const busBackAt = Date.now();
        await w.sim.restart({ keepObjects: true });
        const mmBackAt = Date.now();
        // The agent's own connection: lost, then made again.
        const reconnected = () =>
          logsSince(w, from).find((l) => l.msg === 'D-Bus connected' && l.reconnect === true);
        await until(() => reconnected() !== undefined, 'the agent reconnecting to the bus');
        const st = await bothOnline(w, 'both online after the bus restart');
        const onlineMs = Date.now() - mmBackAt;
        await w.settle(300);
        await mon.stop();
        const calls = w.sim.recorder.stateChangingCalls({ since: mark });
        const events = mon.events.map((e) => e.line);
        const span = mon.events.length > 0 ? mon.events.at(-1)!.at - mon.events[0]!.at : 0;
        s.figure('busDowntimeMs', busBackAt - stoppedAt);
        s.figure('agentReconnectAfterBusBackMs', Date.parse(String(reconnected()?.time)) - busBackAt);
        s.figure('onlineAfterMmBackMs', onlineMs);
        s.figure('stateChangingCalls', calls.length);
        s.figure('kernelAddrRouteDeletes', events.filter((l) => l.startsWith('Deleted')).length);
        s.figure('kernelAddrRouteAdds', events.filter((l) => !l.startsWith('Deleted')).length);
        s.figure('kernelFirstToLastChangeMs', span);
        t.diagnostic(
          `calls: ${calls.map((c) => c.member).join(', ') || 'none'}; kernel: ${events.length} events`,
        );
        assert.ok(bothInForce(st));
        assert.deepEqual(
          calls.map((c) => c.member),
          [],
          'ModemManager kept both connections: nothing to call',
        );
        assert.deepEqual(kernel(w, 'wwan0'), kA, 'wwan0 as before');
        assert.deepEqual(kernel(w, 'wwan1'), kB, 'wwan1 as before');
        // ModemManager away for a moment is not "no modems" (src/agent/mm-absence.ts): nothing torn down.
        assert.deepEqual(events, [], 'no address or route removed and put back while the bus was away');
        await scanSecrets(w, s);
      });
    },
  );
});

test('a Connect that never answers: the call fails on its timeout, the status says why, the agent retries; B untouched', async (t) => {
  if (skipUnless(t, needs)) return;
  const replyTimeoutMs = 3_000;
  await scenario(
    {
      id: 'call-never-answers',
      title:
        'A Connect ModemManager never answers times out, is reported and retried; the other modem is untouched',
      inputs: `modem A's bearer dropped with its next Connect received and never answered; the bus ends the call after ${replyTimeoutMs} ms (dbus-daemon reply_timeout, org.freedesktop.DBus.Error.NoReply: the agent's own Connect deadline is 200 s)`,
      file: import.meta.url,
    },
    async (s) => {
      await withWorld({ busReplyTimeoutMs: replyTimeoutMs }, async (w) => {
        await bothOnline(w, 'both online');
        await w.settle(300);
        const b = await watchB(w);
        const pathA = w.sim.pathOf('A');
        const from = w.logs.length;
        const mark = w.sim.recorder.mark();
        w.sim.hangCall('Connect', { path: pathA });
        w.sim.dropBearer('A');
        const hung = await callSince(
          w,
          mark,
          (c) => c.member === 'Connect' && c.path === pathA,
          'the reconnect',
        );
        const failed = await w.waitStatus(
          (st) =>
            /connect/i.test(net(st, 'modem-a')?.ConfigError ?? '') &&
            /NoReply|reply/i.test(net(st, 'modem-a')?.ConfigError ?? ''),
          "the timed-out Connect in modem A's ConfigError",
          replyTimeoutMs + 10_000,
        );
        const failedLog = logsSince(w, from).find(
          (l) => l.msg === 'call failed' && String(l.method).endsWith('.Connect'),
        );
        assert.ok(failedLog, 'the failed call is logged');
        const retry = await callSince(
          w,
          hung.time + 1,
          (c) => c.member === 'Connect' && c.path === pathA && c !== hung,
          'the retry',
          30_000,
        );
        await bothOnline(w, 'both online after the retry');
        const onlineAt = Date.now();
        await b.check(s);
        const connects = connectsOn(w, pathA, mark);
        s.figure('timeoutObservedMs', Date.parse(String(failedLog.time)) - hung.time);
        s.figure('retryAfterTimeoutMs', retry.time - Date.parse(String(failedLog.time)));
        s.figure('retries', connects.length - 1);
        s.figure('onlineAfterFaultMs', onlineAt - hung.time);
        t.diagnostic(`A's ConfigError while failed: ${net(failed, 'modem-a')?.ConfigError}`);
        assert.ok(
          Date.parse(String(failedLog.time)) - hung.time >= replyTimeoutMs - 50,
          'the call was given its time before it failed',
        );
        assert.equal(connects.length, 2, 'one retry after the timeout');
        await w.settle(300);
        await scanSecrets(w, s);
      });
    },
  );
});

test('modem A unplugged while its Connect is in flight: "modem not found", connected again once replugged; B untouched', async (t) => {
  if (skipUnless(t, needs)) return;
  await scenario(
    {
      id: 'modem-removed-mid-connect',
      title:
        'A modem unplugged while Connect waits is reported as not found and reconnected when it returns; the other modem is untouched',
      inputs:
        "modem A loses registration (its bearer drops) so the agent's Connect waits for the network; A unplugged 200 ms into that Connect (ModemManager answers it Core.Aborted), replugged 500 ms later (power-cycled: SIM locked again) and registering",
      file: import.meta.url,
    },
    async (s) => {
      await withWorld({}, async (w) => {
        await bothOnline(w, 'both online');
        await w.settle(300);
        const b = await watchB(w);
        w.sim.setTiming({ registrationWait: 30_000 });
        const oldPath = w.sim.pathOf('A');
        const from = w.logs.length;
        const mark = w.sim.recorder.mark();
        w.sim.setRegistration('A', { registration: 'searching' });
        await callSince(w, mark, (c) => c.member === 'Connect' && c.path === oldPath, 'the reconnect');
        await sleep(200);
        const answered = () =>
          logsSince(w, from).filter(
            (l) => /^call (ok|failed)$/.test(String(l.msg)) && String(l.method).endsWith('.Connect'),
          );
        assert.deepEqual(answered(), [], 'the Connect is still in flight');
        const unpluggedAt = Date.now();
        w.sim.unplug('A');
        await w.waitStatus((st) => net(st, 'modem-a')?.ConfigError === 'modem not found', 'modem not found');
        const notFoundMs = Date.now() - unpluggedAt;
        await until(() => answered().length > 0, 'the Connect answered');
        t.diagnostic(`the Connect in flight: ${String(answered()[0]?.err)}`);
        await kernelEventually(w, 'wwan0', (k) => k.addrs.length === 0 && k.routes.length === 0);
        await sleep(500);
        const replugAt = Date.now();
        const newPath = w.sim.replug('A');
        w.sim.setRegistration('A', { registration: 'home' });
        await bothOnline(w, 'both online after the replug');
        const onlineMs = Date.now() - replugAt;
        await b.check(s);
        s.figure('notFoundInStatusMs', notFoundMs);
        s.figure('onlineAfterReplugMs', onlineMs);
        s.figure('connectCallsBeforeUnplug', connectsOn(w, oldPath, mark).length);
        s.figure('connectCallsAfterReplug', connectsOn(w, newPath, replugAt).length);
        assert.notEqual(newPath, oldPath);
        assert.equal(connectsOn(w, newPath, replugAt).length, 1, 'one Connect after the replug');
        await w.settle(300);
        await scanSecrets(w, s);
      });
    },
  );
});

test('the agent SIGKILLed and started again on the same dirs: both connections adopted, nothing called, nothing changed in the kernel', async (t) => {
  if (skipUnless(t, needs)) return;
  await scenario(
    {
      id: 'sigkill-restart-adopts',
      title:
        'An agent killed with SIGKILL and started again adopts the running connections: no state-changing call, no kernel change',
      inputs:
        'both modems connected and configured; the agent SIGKILLed, then started again at once with the same config, status and resolv dirs',
      file: import.meta.url,
    },
    async (s) => {
      await withWorld({}, async (w) => {
        const before = await bothOnline(w, 'both online');
        await w.settle(300);
        const kA = kernel(w, 'wwan0');
        const kB = kernel(w, 'wwan1');
        const resolvFiles = async () =>
          Object.fromEntries(
            await Promise.all(
              (await readdir(w.resolvDir))
                .sort()
                .map(async (f) => [f, await readFile(join(w.resolvDir, f), 'utf8')]),
            ),
          );
        const resolvBefore = await resolvFiles();
        const statusBefore = JSON.parse(
          await readFile(join(w.statusDir, 'WwanStatus.json'), 'utf8'),
        ) as WwanStatus;
        const mon = await monitorKernel(w);
        const mark = w.sim.recorder.mark();
        const how = await w.kill('SIGKILL');
        assert.equal(how.signal, 'SIGKILL');
        const from = w.logs.length;
        // Every status the restarted agent writes (an atomic replace is a new inode). Polled: two
        // replaces within one poll count once, so the counts below are lower bounds.
        const statusPath = join(w.statusDir, 'WwanStatus.json');
        const ino0 = (await stat(statusPath)).ino;
        const seen: { at: number; status: WwanStatus }[] = [];
        let watching = true;
        const watcher = (async () => {
          let ino = ino0;
          while (watching) {
            const st = await stat(statusPath).catch(() => undefined);
            if (st && st.ino !== ino) {
              ino = st.ino;
              const text = await readFile(statusPath, 'utf8').catch(() => '');
              if (text) seen.push({ at: Date.now(), status: JSON.parse(text) as WwanStatus });
            }
            await sleep(2);
          }
        })();
        const startedAt = Date.now();
        await w.start();
        const firstRun = () => logsSince(w, from).find((l) => l.msg === 'run finished');
        await until(() => firstRun() !== undefined, 'the first reconcile of the restarted agent', 20_000);
        const st = await w.waitStatus(bothInForce, 'both in force after the restart');
        await w.settle(500);
        watching = false;
        await watcher;
        await mon.stop();
        const calls = w.sim.recorder.stateChangingCalls({ since: mark });
        const events = mon.events.map((e) => e.line);
        const steps = logsSince(w, from)
          .filter((l) => l.msg === 'reconciled')
          .flatMap((l) => (Array.isArray(l.steps) ? l.steps.map(String) : []));
        s.figure('stateChangingCalls', calls.length);
        s.figure('netlinkRequests', w.netlinkRequestsSince(from));
        s.figure('kernelAddrRouteChanges', events.length);
        s.figure('firstReconcileAfterStartMs', Date.parse(String(firstRun()?.time)) - startedAt);
        s.figure(
          'firstStatusAfterStartMs',
          seen[0] ? seen[0].at - startedAt : 'none (the file already held these bytes)',
        );
        s.figure('statusWritesAfterRestart', seen.length);
        // What the restarted agent's writes changed in the file (fields of each network).
        const changed = seen.map((x) =>
          (x.status.Networks ?? []).flatMap((n) => {
            const old = (statusBefore.Networks ?? []).find((o) => o.LogicalLabel === n.LogicalLabel);
            return Object.keys(n)
              .filter(
                (k) => JSON.stringify(n[k as keyof typeof n]) !== JSON.stringify(old?.[k as keyof typeof n]),
              )
              .map((k) => `${n.LogicalLabel}.${k}`);
          }),
        );
        t.diagnostic(`status writes after the restart changed: ${JSON.stringify(changed)}`);
        t.diagnostic(`steps after restart: ${steps.join('; ') || 'none'}`);
        assert.deepEqual(
          calls.map((c) => `${c.member} ${c.path}`),
          [],
          `no state-changing call (${STATE_CHANGING})`,
        );
        assert.deepEqual(steps, [], 'nothing planned: everything adopted');
        assert.equal(w.netlinkRequestsSince(from), 0, 'no netlink request');
        assert.deepEqual(events, [], 'no address or route changed');
        assert.deepEqual(kernel(w, 'wwan0'), kA);
        assert.deepEqual(kernel(w, 'wwan1'), kB);
        assert.deepEqual(await resolvFiles(), resolvBefore, 'the DNS files as they were');
        // SIGKILL interrupts nothing half-written for good: no leftover, every file whole.
        await statusFilesWhole(w.statusDir);
        // Before its first kernel dump the restarted agent has not seen wwan0/wwan1 yet, and its first
        // status says so ("network interface waits for net.interface/...: does not exist") for a moment.
        const blips = seen.filter((x) => !bothInForce(x.status));
        s.figure('statusesNotInForceAfterRestart', blips.length);
        if (blips.length > 0)
          t.diagnostic(
            `status written after the restart while adopting: ${blips.map((x) => `A: ${net(x.status, 'modem-a')?.ConfigError}; B: ${net(x.status, 'modem-b')?.ConfigError}`).join(' | ')}`,
          );
        for (const x of seen)
          for (const label of ['modem-a', 'modem-b'])
            assert.equal(
              net(x.status, label)?.Module.OpMode,
              'online-and-connected',
              `${label} connected in every status written after the restart`,
            );
        assert.equal(
          net(st, 'modem-a')?.ConnectedAt,
          net(before, 'modem-a')?.ConnectedAt,
          "A's connection is the same one",
        );
        await scanSecrets(w, s);
      });
    },
  );
});

test('SIGTERM while a Connect hangs: the agent exits 0 promptly and leaves whole status files', async (t) => {
  if (skipUnless(t, needs)) return;
  const boundMs = 5_000;
  await scenario(
    {
      id: 'sigterm-during-reconcile',
      title: 'SIGTERM during a reconcile stuck in a Connect: a clean, prompt exit with whole status files',
      inputs:
        "modem A's bearer dropped with its next Connect received and never answered; SIGTERM 200 ms into that Connect",
      file: import.meta.url,
    },
    async (s) => {
      await withWorld({}, async (w) => {
        await bothOnline(w, 'both online');
        await w.settle(300);
        const pathA = w.sim.pathOf('A');
        const mark = w.sim.recorder.mark();
        w.sim.hangCall('Connect', { path: pathA });
        w.sim.dropBearer('A');
        await callSince(w, mark, (c) => c.member === 'Connect' && c.path === pathA, 'the reconnect');
        await sleep(200);
        const from = w.logs.length;
        const t0 = Date.now();
        const code = await w.terminate();
        const exitMs = Date.now() - t0;
        s.figure('exitCode', code ?? 'killed');
        s.figure('exitMs', exitMs);
        assert.equal(code, 0, 'exit code 0');
        assert.ok(exitMs < boundMs, `exited in ${exitMs} ms (bound ${boundMs} ms)`);
        assert.ok(
          logsSince(w, from).some((l) => l.msg === 'stopped'),
          'the agent logged its clean stop',
        );
        const { files, status } = await statusFilesWhole(w.statusDir);
        s.figure('statusFiles', files.length);
        assert.ok(net(status, 'modem-b'), 'the last status names both modems');
        await scanSecrets(w, s);
      });
    },
  );
});

/**
 * Runs `script` (sh, the status dir as $1) in the agent's mount namespace: `ip netns exec` gave the
 * agent its own (a slave of ours), so a mount made there is seen by the agent alone and ends with it.
 */
async function inAgentMounts(w: AgentWorld, script: string): Promise<void> {
  const pid = w.pid();
  assert.ok(pid, 'the agent runs');
  const [ours, theirs] = await Promise.all([readlink('/proc/self/ns/mnt'), readlink(`/proc/${pid}/ns/mnt`)]);
  assert.notEqual(
    theirs,
    ours,
    'the agent has a mount namespace of its own: nothing mounted reaches the host',
  );
  await run('nsenter', ['-t', String(pid), '-m', '--', 'sh', '-ec', script, 'sh', w.statusDir]);
  assert.ok(
    !(await readFile('/proc/self/mountinfo', 'utf8')).includes(w.statusDir),
    'the mount stayed in the agent namespace',
  );
}

/** The agent's error lines for failed status writes with this code (logged once per file and episode). */
const writeErrors = (w: AgentWorld, from: number, code: string) =>
  logsSince(w, from).filter(
    (l) => l.msg === 'writing output failed; retrying until it works' && l.code === code,
  );

const NEW_DPC = '2026-11-24T11:00:00.000000001Z';

/**
 * The change while the status cannot be written: modem A's bearer drops (the agent must reconnect
 * it) and a new config arrives (identical but for DPCTimestamp, which the status echoes: the file
 * is current only if it says the new one).
 */
async function changeWhileUnwritable(w: AgentWorld, s: ScenarioContext, from: number, code: string) {
  const pathA = w.sim.pathOf('A');
  const mark = w.sim.recorder.mark();
  await w.writeConfig(config(NEW_DPC));
  w.sim.dropBearer('A');
  await callSince(w, mark, (c) => c.member === 'Connect' && c.path === pathA, 'the reconnect');
  await kernelEventually(w, 'wwan0', (k) => k.addrs.length === 2 && k.routes.length === 2);
  await until(() => writeErrors(w, from, code).length > 0, `the ${code} write error logged`);
  await until(
    () =>
      logsSince(w, from).some(
        (l) => l.msg === 'config accepted' && (l.config as WwanConfig | undefined)?.DPCTimestamp === NEW_DPC,
      ),
    'the new config taken',
  );
  // Retries on the backoff (100 ms doubling) while nothing can be written.
  await sleep(1_000);
  assert.ok(w.pid(), 'the agent is alive');
  s.figure('connectCallsWhileUnwritable', connectsOn(w, pathA, mark).length);
}

test('the status dir turns read-only: the error is logged, the agent reconnects, the files are current once writable', async (t) => {
  if (skipUnless(t, needsHere)) return;
  await scenario(
    {
      id: 'status-dir-read-only',
      title:
        'A read-only status directory: the agent logs it, keeps reconnecting, and writes whole, current files once it is writable',
      inputs:
        "the status dir bind-mounted read-only over itself in the agent's mount namespace; modem A's bearer dropped and a new config (new DPCTimestamp) written; 1 s later remounted read-write",
      file: import.meta.url,
    },
    async (s) => {
      await withWorld({}, async (w) => {
        const before = await bothOnline(w, 'both online');
        await w.settle(300);
        const b = await watchB(w);
        const from = w.logs.length;
        await inAgentMounts(w, 'mount --bind "$1" "$1"; mount -o remount,bind,ro "$1"');
        const roAt = Date.now();
        await changeWhileUnwritable(w, s, from, 'EROFS');
        const stale = JSON.parse(await readFile(join(w.statusDir, 'WwanStatus.json'), 'utf8')) as WwanStatus;
        assert.equal(stale.DPCTimestamp, before.DPCTimestamp, 'nothing written while read-only');
        const rwAt = Date.now();
        await inAgentMounts(w, 'mount -o remount,bind,rw "$1"');
        await w.waitStatus(
          (st) => st.DPCTimestamp === NEW_DPC && bothInForce(st),
          'the current status',
          10_000,
        );
        const writtenMs = Date.now() - rwAt;
        await w.settle(300);
        await statusFilesWhole(w.statusDir);
        await b.check(s);
        const errors = writeErrors(w, from, 'EROFS');
        s.figure('readOnlyMs', rwAt - roAt);
        s.figure('writtenAfterWritableMs', writtenMs);
        s.figure('writeErrorLines', errors.length);
        s.figure(
          'failedRetries',
          logsSince(w, from).filter((l) => l.msg === 'writing output failed again').length,
        );
        assert.ok(errors.length <= 3, `one error line per file, not one per retry (${errors.length})`);
        assert.ok(writtenMs < 7_000, `written ${writtenMs} ms after the remount (backoff capped at 5 s)`);
        await scanSecrets(w, s);
      });
    },
  );
});

test('the status dir becomes a full tmpfs: the error is logged, the agent reconnects, the files are current once space is freed', async (t) => {
  if (skipUnless(t, needsHere)) return;
  await scenario(
    {
      id: 'status-dir-full',
      title:
        'A full status filesystem: the agent logs it, keeps reconnecting, and writes whole, current files once there is room',
      inputs:
        "a 4 MiB tmpfs mounted over the status dir in the agent's mount namespace (the status files copied in) and filled by another file; modem A's bearer dropped and a new config (new DPCTimestamp) written; 1 s later the other file deleted",
      file: import.meta.url,
    },
    async (s) => {
      await withWorld({}, async (w) => {
        const before = await bothOnline(w, 'both online');
        await w.settle(300);
        const b = await watchB(w);
        const from = w.logs.length;
        // The agent's view of its status dir (the tmpfs is in its mount namespace only).
        const view = `/proc/${w.pid()}/root${w.statusDir}`;
        await inAgentMounts(
          w,
          `t=$(mktemp -d); cp -p "$1"/Wwan*.json "$t"/
           mount -t tmpfs -o size=4m,mode=0755 tmpfs "$1"
           cp -p "$t"/Wwan*.json "$1"/; rm -r "$t"
           dd if=/dev/zero of="$1/filler" bs=64k 2>/dev/null || true`,
        );
        const fs = await statfs(view);
        assert.ok(fs.bavail * fs.bsize < 8192, `the tmpfs is full (${fs.bavail * fs.bsize} bytes free)`);
        const fullAt = Date.now();
        await changeWhileUnwritable(w, s, from, 'ENOSPC');
        const readView = async () =>
          JSON.parse(await readFile(join(view, 'WwanStatus.json'), 'utf8')) as WwanStatus;
        assert.equal((await readView()).DPCTimestamp, before.DPCTimestamp, 'nothing written while full');
        const freedAt = Date.now();
        await rm(join(view, 'filler'));
        let current: WwanStatus | undefined;
        await until(
          async () => {
            current = await readView().catch(() => undefined);
            return !!current && current.DPCTimestamp === NEW_DPC && bothInForce(current);
          },
          'the current status in the tmpfs',
          10_000,
        );
        const writtenMs = Date.now() - freedAt;
        await w.settle(300);
        const { files } = await statusFilesWhole(view);
        await b.check(s);
        const errors = writeErrors(w, from, 'ENOSPC');
        s.figure('fullMs', freedAt - fullAt);
        s.figure('writtenAfterFreedMs', writtenMs);
        s.figure('writeErrorLines', errors.length);
        s.figure(
          'failedRetries',
          logsSince(w, from).filter((l) => l.msg === 'writing output failed again').length,
        );
        s.figure('filesAfter', files.join(' '));
        assert.ok(errors.length <= 3, `one error line per file, not one per retry (${errors.length})`);
        assert.ok(
          writtenMs < 2_000,
          `written ${writtenMs} ms after the space was freed (the dir is watched)`,
        );
        await scanSecrets(w, s, [[view, 'status tmpfs']]);
      });
    },
  );
});
