/**
 * The agent's reaction latency and idle cost (issue 14, "agent" and "steady state").
 *
 * Workload: the real `mmagent run` (file mode, default log level) drives two simulated modems (the
 * e2e world's modem A on wwan0 and modem B on wwan1) online; the ModemManager simulator (src/mmsim)
 * runs in this process on a private dbus-daemon (never the machine's bus), and the agent runs in a
 * throw-away network namespace with tun devices. Needs root (network namespace and tun devices), as
 * the agent e2e tests do; it refuses to run otherwise.
 *
 * Measured, over BENCH_EVENTS events each (default 200), median and p99:
 * - bearer drop -> the first `Connect` the simulator receives (modems A and B alternately);
 * - config file change (atomic replace: write + rename, as EVE) -> its ModemManager call (modem A's
 *   location tracking toggled: one Location.Setup);
 * - APN change (both modems) -> the first ModemManager call (a Disconnect, after the IP settings
 *   that depend on the bearer are removed) and -> the first `Connect`;
 * - radio silence on (config file) -> the last `SetPowerState` of the two modems.
 * Times are this process's monotonic clock: the trigger is taken just before the simulator emits
 * the drop (or before the rename), the call when the simulator's connection receives it.
 * Then the steady state, both modems connected, for BENCH_IDLE_S seconds (default 60): the agent's
 * CPU time (all threads, /proc/<pid>/task/<tid>/schedstat, ns; and utime+stime in clock ticks),
 * RSS and threads (/proc/<pid>/status), processes it spawned (counted by a preload that wraps
 * node:child_process, so only spawns made through Node) and the D-Bus method calls the simulator
 * received in the window.
 *
 * The agent runs compiled (tsc into node_modules/.cache/mmagent-bench), as in production; set
 * BENCH_FROM=src to run it through tsx instead (tsx adds a loader thread and memory).
 * BENCH_AGENT=/path/main.js runs that agent instead (an older commit built apart, for before/after).
 * BENCH_NODE_ARGS='--flag ...' passes node options to the agent.
 * BENCH_CPU_PROF=dir adds --cpu-prof to the agent (profiles written when it stops).
 *
 *   node --import tsx bench/agent.bench.ts
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, openSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { cfgOf, inForce, modemA, modemB, network } from '../e2e/agent/world.js';
import { startPrivateBus } from '../src/mmsim/private-bus.js';
import type { RecordedCall } from '../src/mmsim/recorder.js';
import { ModemManagerSimulator } from '../src/mmsim/simulator.js';
import { withNetns } from '../src/sandbox/netns.js';
import type { WwanConfig, WwanStatus } from '../src/schemas/types.generated.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const EVENTS = Number(process.env.BENCH_EVENTS ?? 200);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 60);
const FROM = process.env.BENCH_FROM === 'src' ? 'src' : 'dist';
const CPU_PROF = process.env.BENCH_CPU_PROF;
/** BENCH_LOG=file: the agent's log (at debug level) goes there; otherwise info, discarded. */
const LOG = process.env.BENCH_LOG;
const TRACE = process.env.BENCH_TRACE;
const trace = (what: string) => {
  if (TRACE) appendFileSync(TRACE, `${(performance.timeOrigin + performance.now()).toFixed(3)} ${what}\n`);
};
const BUILD = join(REPO, 'node_modules', '.cache', 'mmagent-bench');
/** BENCH_AGENT=main.js: a ready-built agent instead (e.g. an older commit's, for before/after). */
const AGENT = process.env.BENCH_AGENT;
/** BENCH_NODE_ARGS='--flag ...': extra node options for the agent (heap and GC experiments). */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');

/** Wraps node:child_process in the agent: every spawn is reported on stderr. */
const SPAWN_COUNTER = `
import cp from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
const say = (how, file) => process.stderr.write('mmagent-bench-spawn ' + how + ' ' + String(file) + '\\n');
const proto = cp.ChildProcess.prototype;
const spawn = proto.spawn;
proto.spawn = function (o) { say('spawn', o && o.file); return spawn.call(this, o); };
for (const k of ['spawnSync', 'execSync', 'execFileSync']) {
  const f = cp[k];
  cp[k] = function (file, ...rest) { say(k, file); return f.call(this, file, ...rest); };
}
syncBuiltinESMExports();
`;

interface Stats {
  readonly n: number;
  readonly median: number;
  readonly p99: number;
  readonly max: number;
}

function stats(xs: readonly number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? Number.NaN;
  return { n: s.length, median: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? Number.NaN };
}

const fmt = (x: Stats) =>
  `median ${x.median.toFixed(2)} ms, p99 ${x.p99.toFixed(2)} ms, max ${x.max.toFixed(2)} ms (n=${x.n})`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU time of every thread of `pid`, in ns (schedstat: time on CPU). */
async function cpuNs(pid: number): Promise<number> {
  let sum = 0;
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    try {
      sum += Number((await readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')).split(' ')[0]);
    } catch {
      // The thread ended meanwhile; its time is gone from the sum either way.
    }
  }
  return sum;
}

/** utime + stime of `pid` in clock ticks (coarse: 10 ms at 100 Hz). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

function status(pid: number): { rssMb: number; threads: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(s)?.[1]);
  return { rssMb: kb / 1024, threads: Number(/Threads:\s+(\d+)/.exec(s)?.[1]) };
}

/** The pid of the node process `ip netns exec` became (it execs in place, or forks once). */
function agentPid(child: ChildProcess): number {
  const pid = child.pid ?? -1;
  const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  if (comm.startsWith('node')) return pid;
  const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
  assert.equal(kids.length, 1, `one child of ip netns exec (${kids.join(',')})`);
  return Number(kids[0]);
}

async function build(): Promise<string> {
  if (AGENT) return AGENT;
  if (FROM === 'src') return join(REPO, 'src', 'cli', 'main.ts');
  await mkdir(BUILD, { recursive: true });
  await writeFile(
    join(BUILD, 'tsconfig.json'),
    JSON.stringify({
      extends: join(REPO, 'tsconfig.json'),
      compilerOptions: { outDir: 'out', rootDir: REPO, declaration: false, sourceMap: false },
      files: [join(REPO, 'src', 'cli', 'main.ts')],
      include: [],
    }),
  );
  try {
    execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', BUILD], {
      stdio: 'pipe',
    });
  } catch {
    // Type errors still emit; the agent's own tests say whether the code is right.
  }
  return join(BUILD, 'out', 'src', 'cli', 'main.js');
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.error('bench/agent.bench.ts needs root (a network namespace and tun devices)');
    process.exit(2);
  }
  const entry = await build();
  const dir = await mkdtemp(join(tmpdir(), 'mmagent-bench-'));
  const configFile = join(dir, 'wwan-config.json');
  const statusDir = join(dir, 'status');
  const resolvDir = join(dir, 'resolv');
  const preload = join(dir, 'spawn-counter.mjs');
  await writeFile(preload, SPAWN_COUNTER);
  const bus = await startPrivateBus();
  const sim = await ModemManagerSimulator.start({ busAddress: bus.address, timing: { step: 2 } });
  sim.addModem(modemA());
  sim.addModem(modemB());
  const pathA = sim.pathOf('A');
  const pathB = sim.pathOf('B');
  sim.recorder.onCall((c) => trace(`CALL ${c.member} ${c.path}`));

  /** What the config file says now: the bench toggles the APN and modem A's location tracking. */
  const want = { apn: 'internet', tracking: false };
  const base = (over: Partial<WwanConfig> = {}): WwanConfig => ({
    ...cfgOf(
      network('modem-a', 'wwan0', {
        AccessPoint: { Activated: true, APN: want.apn, IPType: 'ipv4v6' },
        LocationTracking: want.tracking,
      }),
      network('modem-b', 'wwan1', {
        RouteMetric: 6000,
        AccessPoint: { Activated: true, APN: want.apn, IPType: 'ipv4v6' },
      }),
    ),
    ...over,
  });
  const writeConfig = async (cfg: WwanConfig): Promise<number> => {
    const tmp = `${configFile}.tmp`;
    await writeFile(tmp, JSON.stringify(cfg));
    trace('RENAME');
    const t0 = performance.now();
    await rename(tmp, configFile);
    return t0;
  };
  await writeConfig(base());

  /** The first recorded call after now that satisfies `pred`. */
  const nextCall = (what: string, pred: (c: RecordedCall) => boolean, timeoutMs = 10_000) => {
    const p = new Promise<RecordedCall>((resolve, reject) => {
      const t = setTimeout(() => {
        off();
        const recent = sim.recorder
          .calls()
          .slice(-10)
          .map((c) => `${c.path} ${c.member}`);
        reject(new Error(`no ${what} in ${timeoutMs} ms; the last calls: ${recent.join(', ')}`));
      }, timeoutMs);
      const off = sim.recorder.onCall((c) => {
        if (!pred(c)) return;
        clearTimeout(t);
        off();
        resolve(c);
      });
    });
    // Awaited by the caller unless something failed before; then that failure is the one to see.
    p.catch(() => {});
    return p;
  };

  let child: ChildProcess | undefined;
  const spawned: string[] = [];
  let stderr = '';
  try {
    await withNetns({ tuns: ['wwan0', 'wwan1'] }, async (ns) => {
      const nodeArgs = [
        ...(FROM === 'src' ? ['--import', 'tsx'] : []),
        '--import',
        preload,
        ...(CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : []),
        ...NODE_ARGS,
      ];
      child = spawn(
        'ip',
        [
          'netns',
          'exec',
          ns.name,
          process.execPath,
          ...nodeArgs,
          entry,
          'run',
          '--config',
          configFile,
          '--status-dir',
          statusDir,
          '--resolv-dir',
          resolvDir,
          ...(LOG ? ['--log-level', 'debug'] : []),
        ],
        {
          cwd: REPO,
          env: {
            ...process.env,
            DBUS_SYSTEM_BUS_ADDRESS: bus.address,
            ...(TRACE ? { MMAGENT_TRACE: TRACE } : {}),
          },
          stdio: ['ignore', LOG ? openSync(LOG, 'w') : 'ignore', 'pipe'],
        },
      );
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
        for (const m of d.toString().matchAll(/^mmagent-bench-spawn (.*)$/gm)) spawned.push(m[1] ?? '');
      });
      const readStatus = async (): Promise<WwanStatus | undefined> => {
        try {
          return JSON.parse(await readFile(join(statusDir, 'WwanStatus.json'), 'utf8')) as WwanStatus;
        } catch {
          return undefined;
        }
      };
      const waitStatus = async (pred: (s: WwanStatus) => boolean, what: string, timeoutMs = 20_000) => {
        const end = Date.now() + timeoutMs;
        for (;;) {
          if (child?.exitCode !== null) throw new Error(`the agent exited: ${stderr}`);
          const s = await readStatus();
          if (s && pred(s)) return s;
          if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s)}`);
          await sleep(5);
        }
      };
      const bothInForce = (s: WwanStatus) => inForce('modem-a')(s) && inForce('modem-b')(s);
      const connected = (path: string) => sim.modem(path).bearers.some((b) => b.connected);
      const statusMtime = () => {
        try {
          return statSync(join(statusDir, 'WwanStatus.json')).mtimeMs;
        } catch {
          return 0;
        }
      };
      /**
       * Both connected and in force, and the agent quiet: no ModemManager call and no status write
       * for `quietMs` (the status file alone may still show the state from before the last event).
       */
      const settle = async (quietMs = 50) => {
        const end = Date.now() + 20_000;
        while (!connected(pathA) || !connected(pathB)) {
          if (child?.exitCode !== null) throw new Error(`the agent exited: ${stderr}`);
          if (Date.now() > end) throw new Error('the modems did not connect again');
          await sleep(2);
        }
        await waitStatus(bothInForce, 'both modems in force');
        let mtime = statusMtime();
        let quietSince = performance.now();
        for (;;) {
          const lastCall = sim.recorder.calls().at(-1)?.at ?? 0;
          const m = statusMtime();
          if (m !== mtime) {
            mtime = m;
            quietSince = performance.now();
          }
          const from = Math.max(lastCall, quietSince);
          if (performance.now() - from >= quietMs) break;
          await sleep(5);
        }
        await waitStatus(bothInForce, 'both modems in force');
      };
      await settle();
      const pid = agentPid(child);

      // Steady state first, on the fresh agent: connected, then 3 s, then the window (the kit's
      // protocol), then a second window right after it: V8 shrinks the heap the start-up left
      // (a few "reduce" mark-compacts, --trace-gc) within the first tens of seconds of quiet, a
      // one-time cost the first window carries and the second does not.
      await settle(3000);
      const spawnedBefore = spawned.length;
      const callsBefore = sim.recorder.calls().length;
      console.error(`agent pid ${pid}: the idle windows start (2 × ${IDLE_S} s)`);
      const ns0 = await cpuNs(pid);
      const ticks0 = cpuTicks(pid);
      await sleep(IDLE_S * 1000);
      const ns1 = await cpuNs(pid);
      const ticks1 = cpuTicks(pid);
      const st = status(pid);
      await sleep(IDLE_S * 1000);
      const ns2 = await cpuNs(pid);
      const ticks2 = cpuTicks(pid);
      const st2 = status(pid);
      const idleCalls = sim.recorder.calls().slice(callsBefore);
      const spawnedIdle = spawned.length - spawnedBefore;
      const perMin = 60 / IDLE_S;
      const hz = 100;
      const cpuLine = (a: number, b: number, ta: number, tb: number) =>
        `CPU ${(((b - a) / 1e6) * perMin).toFixed(1)} ms/min (schedstat, all threads; utime+stime ${((((tb - ta) * 1000) / hz) * perMin).toFixed(0)} ms/min in ${hz} Hz ticks)`;

      // 1 and 2, interleaved: a config change that is one ModemManager call (modem A's location
      // tracking toggled: Location.Setup) -> that call; a config change of both APNs (both modems
      // reconnect: the IP settings go first, then Disconnect) -> the first call and the first
      // Connect; then a drop of each modem -> its first Connect.
      // The config change matters: the controller damps an item that drifts more than 3 times in
      // 60 s (reconciler/damping.ts), and a new desired spec starts its history over, so every drop
      // here is answered at once, as a drop would be in the field.
      const drop: number[] = [];
      const cfgCall: number[] = [];
      const cfgFirst: number[] = [];
      const cfgConnect: number[] = [];
      const firstMembers = new Map<string, number>();
      const callMembers = new Map<string, number>();
      const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
      for (let i = 0; i < EVENTS; i++) {
        want.tracking = !want.tracking;
        const call = nextCall('call after a location change', () => true);
        const t1 = await writeConfig(base());
        const c = await call;
        count(callMembers, c.member);
        cfgCall.push(c.at - t1);
        await settle();

        want.apn = want.apn === 'internet' ? 'internet2' : 'internet';
        const first = nextCall('call after a config change', () => true);
        const connect = nextCall('Connect after a config change', (c) => c.member === 'Connect');
        const t0 = await writeConfig(base());
        const f = await first;
        count(firstMembers, f.member);
        cfgFirst.push(f.at - t0);
        cfgConnect.push((await connect).at - t0);
        await settle();
        for (const path of [pathA, pathB]) {
          const connect = nextCall('Connect after a drop', (c) => c.member === 'Connect' && c.path === path);
          trace(`DROP ${path}`);
          const t0 = performance.now();
          const dropped = sim.dropBearer(path);
          assert.ok(dropped.length > 0, `a connected bearer on ${path} to drop`);
          drop.push((await connect).at - t0);
          await settle();
        }
      }
      await writeConfig(base());
      await settle();

      // 3. Radio silence on -> last SetPowerState (both modems), then off again.
      const silence: number[] = [];
      for (let i = 0; i < Math.max(1, Math.floor(EVENTS)); i++) {
        const seen = new Set<string>();
        const done = nextCall('SetPowerState of both modems', (c) => {
          if (c.member === 'SetPowerState') seen.add(c.path);
          return seen.size === 2;
        });
        const t0 = await writeConfig(base({ RadioSilence: true }));
        silence.push((await done).at - t0);
        await waitStatus(
          (s) => (s.Networks ?? []).every((n) => n.Module.OpMode === 'radio-off'),
          'radio silence in force',
        );
        await writeConfig(base());
        await settle();
      }

      const after = status(pid);
      const cpu = cpus()[0]?.model ?? '?';
      console.log('# mmagent agent bench');
      console.log(
        `workload: mmagent run (${AGENT ?? (FROM === 'dist' ? 'compiled' : 'tsx')}, file mode, log level ${LOG ? 'debug' : 'info'}), 2 simulated modems over a private dbus-daemon, netns with tun wwan0/wwan1; ${EVENTS} events per reaction; idle ${IDLE_S} s`,
      );
      console.log(`machine: nproc ${cpus().length}, ${cpu}; node ${process.version}`);
      console.log(`bearer drop -> first Connect:            ${fmt(stats(drop))}`);
      const members = (m: Map<string, number>) => [...m].map(([k, n]) => `${k} ×${n}`).join(', ');
      console.log(`config change -> its MM call:            ${fmt(stats(cfgCall))}`);
      console.log(`  (location tracking toggled; the calls: ${members(callMembers)})`);
      console.log(`APN change -> first MM call:             ${fmt(stats(cfgFirst))}`);
      console.log(`  (the IP settings are removed first; the calls: ${members(firstMembers)})`);
      console.log(`APN change -> first Connect:             ${fmt(stats(cfgConnect))}`);
      console.log(`radio silence on -> last SetPowerState:  ${fmt(stats(silence))}`);
      console.log(`steady state, both connected, first ${IDLE_S} s: ${cpuLine(ns0, ns1, ticks0, ticks1)}`);
      console.log(`  RSS ${st.rssMb.toFixed(1)} MB, threads ${st.threads}`);
      console.log(`steady state, the next ${IDLE_S} s: ${cpuLine(ns1, ns2, ticks1, ticks2)}`);
      console.log(`  RSS ${st2.rssMb.toFixed(1)} MB, threads ${st2.threads}`);
      console.log(
        `after the ${EVENTS * 5} reaction events: RSS ${after.rssMb.toFixed(1)} MB, threads ${after.threads}`,
      );
      console.log(
        `processes spawned: ${spawnedIdle} in the idle windows (${spawned.length} in the whole run${spawned.length ? `: ${[...new Set(spawned)].join('; ')}` : ''})`,
      );
      const byMember = new Map<string, number>();
      for (const c of idleCalls) byMember.set(c.member, (byMember.get(c.member) ?? 0) + 1);
      console.log(
        `D-Bus method calls to ModemManager in the idle windows: ${idleCalls.length}${idleCalls.length ? ` (${[...byMember].map(([m, n]) => `${m} ×${n}`).join(', ')})` : ''}`,
      );
    });
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child?.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    await sim.stop();
    await bus.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
