/**
 * The soak's world: the ModemManager simulator (this process) with modems A and B on a private
 * dbus-daemon, and the agent (e2e/reliability/soak-agent.ts: `mmagent run` as the CLI wires it, on a
 * JumpClock, with --expose-gc and an IPC channel) in a throw-away network namespace with tun
 * wwan0/wwan1, fed through its config file and read through its status file, the simulator's calls
 * and the dbus-daemon's statistics. The agent runs compiled, as in production
 * (MMAGENT_SOAK_FROM=src: through tsx, which adds ~70 MiB of RSS).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { openSync, readFileSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DBusConnection } from '../../src/dbus/index.js';
import { startPrivateBus } from '../../src/mmsim/private-bus.js';
import { ModemManagerSimulator } from '../../src/mmsim/simulator.js';
import type { ModemSpec } from '../../src/mmsim/types.js';
import { type Netns, withNetns } from '../../src/sandbox/netns.js';
import type { WwanConfig, WwanStatus } from '../../src/schemas/types.generated.js';
import { inForce } from '../agent/world.js';
import type { Inspection, SoakReply, SoakRequest } from './soak-agent.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const FROM_SRC = process.env.MMAGENT_SOAK_FROM === 'src';
/** No ModemManager call and no status write for this long before the agent is asked whether it is idle. */
const QUIET_MS = 5;

/** The bus's match rules in all, and those of one connection (dbus-daemon's Debug.Stats). */
export interface BusStats {
  readonly busMatchRules: number;
  readonly agentMatchRules: number;
}

export interface SoakWorld {
  readonly sim: ModemManagerSimulator;
  readonly pathA: string;
  readonly pathB: string;
  readonly ns: Netns;
  readonly statusDir: string;
  readonly resolvDir: string;
  readonly logFile: string;
  /** Connect calls the simulator received, per modem path. */
  readonly connects: Map<string, number>;
  /** State-changing calls the simulator received, by member. */
  readonly members: Map<string, number>;
  /** Called with every Connect as the simulator receives it (its `performance.now()` time). */
  onConnect: ((path: string, at: number) => void) | undefined;
  writeConfig(cfg: WwanConfig): Promise<void>;
  /**
   * Moves the agent's clock forward once no step is in flight; resolves with the number of timers
   * that made due and how long it waited for the steps.
   */
  jump(ms: number): Promise<{ due: number; waitedMs: number }>;
  /** GCs in the agent, then its figures (with the round trip of the request). */
  inspect(): Promise<Inspection & { readonly replyMs: number }>;
  busStats(uniqueName: string | undefined): Promise<BusStats>;
  /** Writes a heap snapshot of the agent to `file` (after a GC). */
  heapSnapshot(file: string): Promise<void>;
  /**
   * Waits until both modems are connected in the simulator, the status satisfies `want` and was
   * written at or after `since` (performance.now() time; 0: any), the agent has been quiet (no
   * ModemManager call, no status write) for `quietMs` and it says it is idle (no run, no step in
   * flight, no retry waiting); resolves with when that status was first seen.
   */
  settle(what: string, want: (st: WwanStatus) => boolean, since: number, quietMs?: number): Promise<number>;
  readonly bothInForce: (st: WwanStatus) => boolean;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
  stderr(): string;
}

/** The agent process's entry, compiled with the project's tsc (imports resolve from node_modules/.cache). */
async function buildAgent(): Promise<{ entry: string; nodeArgs: string[]; cleanup: () => Promise<void> }> {
  const source = join(REPO, 'e2e', 'reliability', 'soak-agent.ts');
  if (FROM_SRC) return { entry: source, nodeArgs: ['--import', 'tsx'], cleanup: async () => {} };
  // One directory per test process: others may be running the suite at the same time.
  const build = join(REPO, 'node_modules', '.cache', `mmagent-soak-${process.pid}`);
  await mkdir(build, { recursive: true });
  await writeFile(
    join(build, 'tsconfig.json'),
    JSON.stringify({
      extends: join(REPO, 'tsconfig.json'),
      compilerOptions: { outDir: 'out', rootDir: REPO, declaration: false, sourceMap: false },
      files: [source],
      include: [],
    }),
  );
  try {
    execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', build], {
      stdio: 'pipe',
    });
  } catch {
    // Type errors still emit (npm run lint checks the types).
  }
  return {
    entry: join(build, 'out', 'e2e', 'reliability', 'soak-agent.js'),
    nodeArgs: [],
    cleanup: () => rm(build, { recursive: true, force: true }),
  };
}

export async function withSoakWorld<T>(
  opts: { modems: readonly [ModemSpec, ModemSpec]; config: WwanConfig },
  fn: (w: SoakWorld) => Promise<T>,
): Promise<T> {
  const bus = await startPrivateBus();
  const sim = await ModemManagerSimulator.start({ busAddress: bus.address, timing: { step: 2 } });
  const dir = await mkdtemp(join(tmpdir(), 'mmagent-soak-'));
  const statusDir = join(dir, 'status');
  const resolvDir = join(dir, 'resolv');
  const configFile = join(dir, 'wwan-config.json');
  const logFile = join(dir, 'agent.log');
  let stats: DBusConnection | undefined;
  let built: Awaited<ReturnType<typeof buildAgent>> | undefined;
  try {
    await mkdir(statusDir);
    await mkdir(resolvDir);
    built = await buildAgent();
    const entry = built;
    const pathA = sim.addModem(opts.modems[0]);
    const pathB = sim.addModem(opts.modems[1]);
    const connects = new Map<string, number>([
      [pathA, 0],
      [pathB, 0],
    ]);
    const members = new Map<string, number>();
    let lastCallAt = 0;
    const hooks: { onConnect: SoakWorld['onConnect'] } = { onConnect: undefined };
    sim.recorder.onCall((c) => {
      lastCallAt = c.at;
      if (c.member === 'Connect') {
        connects.set(c.path, (connects.get(c.path) ?? 0) + 1);
        hooks.onConnect?.(c.path, c.at);
      }
      if (!/^(Get|GetAll|GetManagedObjects|GetStatus|Introspect|Ping)$/.test(c.member))
        members.set(c.member, (members.get(c.member) ?? 0) + 1);
    });
    const writeConfig = async (cfg: WwanConfig) => {
      await writeFile(`${configFile}.tmp`, JSON.stringify(cfg));
      await rename(`${configFile}.tmp`, configFile);
    };
    await writeConfig(opts.config);

    const conn = await DBusConnection.open({ address: bus.address });
    stats = conn;
    const debugStats = (member: string, body: string[]) =>
      conn.call({
        destination: 'org.freedesktop.DBus',
        path: '/org/freedesktop/DBus',
        interface: 'org.freedesktop.DBus.Debug.Stats',
        member,
        signature: body.length > 0 ? 's' : '',
        body,
      });
    const busStats = async (name: string | undefined): Promise<BusStats> => {
      const [all] = (await debugStats('GetStats', [])) as [Record<string, number>];
      const [one] = name
        ? ((await debugStats('GetConnectionStats', [name])) as [Record<string, number>])
        : [{} as Record<string, number>];
      return { busMatchRules: all.MatchRules ?? -1, agentMatchRules: one.MatchRules ?? -1 };
    };

    return await withNetns({ tuns: ['wwan0', 'wwan1'] }, async (ns) => {
      const agent: ChildProcess = spawn(
        'ip',
        [
          'netns',
          'exec',
          ns.name,
          process.execPath,
          '--expose-gc',
          ...entry.nodeArgs,
          entry.entry,
          '--config',
          configFile,
          '--status-dir',
          statusDir,
          '--resolv-dir',
          resolvDir,
          // MMAGENT_SOAK_LOG_LEVEL=debug for a closer look (the default, info, is production's).
          ...(process.env.MMAGENT_SOAK_LOG_LEVEL ? ['--log-level', process.env.MMAGENT_SOAK_LOG_LEVEL] : []),
        ],
        {
          cwd: REPO,
          env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: bus.address },
          // The log (info, the default level) to a file: scanned for secrets at the end.
          stdio: ['ignore', openSync(logFile, 'w'), 'pipe', 'ipc'],
        },
      );
      let stderr = '';
      agent.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const alive = () => {
        if (agent.exitCode !== null || agent.signalCode !== null)
          throw new Error(`the agent exited (${agent.exitCode ?? agent.signalCode}): ${stderr}`);
      };

      // The driver's side of the IPC channel.
      let nextId = 1;
      const waiting = new Map<number, (r: SoakReply) => void>();
      let ready = false;
      agent.on('message', (m: SoakReply) => {
        if (!('id' in m)) {
          ready = true;
          return;
        }
        waiting.get(m.id)?.(m);
        waiting.delete(m.id);
      });
      const ask = async (
        req:
          | { op: 'jump'; ms: number }
          | { op: 'inspect' }
          | { op: 'idle' }
          | { op: 'heap-snapshot'; file: string },
      ): Promise<SoakReply> => {
        const id = nextId++;
        const reply = new Promise<SoakReply>((resolve, reject) => {
          const timer = setTimeout(() => {
            waiting.delete(id);
            reject(new Error(`the agent did not answer ${req.op} in 30 s: ${stderr}`));
          }, 30_000);
          waiting.set(id, (r) => {
            clearTimeout(timer);
            resolve(r);
          });
        });
        agent.send({ ...req, id } satisfies SoakRequest);
        const r = await reply;
        if ('error' in r) throw new Error(`${req.op}: ${r.error}`);
        return r;
      };

      // The status file, parsed again only when it was replaced.
      const statusFile = join(statusDir, 'WwanStatus.json');
      let statusKey = '';
      let status: WwanStatus | undefined;
      let statusChangedAt = 0;
      const readStatus = (): WwanStatus | undefined => {
        let key: string;
        try {
          const st = statSync(statusFile, { bigint: true });
          key = `${st.ino}:${st.mtimeNs}:${st.size}`;
        } catch {
          return undefined;
        }
        if (key !== statusKey) {
          statusKey = key;
          statusChangedAt = performance.now();
          try {
            status = JSON.parse(readFileSync(statusFile, 'utf8')) as WwanStatus;
          } catch {
            status = undefined;
          }
        }
        return status;
      };
      const connected = (path: string) => sim.modem(path).bearers.some((b) => b.connected);
      const bothInForce = (st: WwanStatus) => inForce('modem-a')(st) && inForce('modem-b')(st);

      const world: SoakWorld = {
        sim,
        pathA,
        pathB,
        ns,
        statusDir,
        resolvDir,
        logFile,
        connects,
        members,
        get onConnect() {
          return hooks.onConnect;
        },
        set onConnect(f) {
          hooks.onConnect = f;
        },
        writeConfig,
        async jump(ms) {
          const r = await ask({ op: 'jump', ms });
          return 'due' in r ? { due: r.due, waitedMs: r.waitedMs } : { due: 0, waitedMs: 0 };
        },
        async inspect() {
          const t0 = performance.now();
          const r = await ask({ op: 'inspect' });
          if (!('inspection' in r)) throw new Error(`inspect: ${JSON.stringify(r)}`);
          return { ...r.inspection, replyMs: performance.now() - t0 };
        },
        busStats,
        async heapSnapshot(file) {
          await ask({ op: 'heap-snapshot', file });
        },
        async settle(what, want, since, quietMs = QUIET_MS) {
          const end = performance.now() + 20_000;
          let seenAt: number | undefined;
          let busy = 'not asked';
          for (;;) {
            alive();
            const st = readStatus();
            const ok = st !== undefined && want(st) && connected(pathA) && connected(pathB);
            if (!ok) seenAt = undefined;
            else if (seenAt === undefined && statusChangedAt >= since) seenAt = performance.now();
            if (
              seenAt !== undefined &&
              performance.now() - Math.max(lastCallAt, statusChangedAt) >= quietMs
            ) {
              // Quiet from outside; the agent must say it is idle too, and nothing may happen meanwhile.
              const marks = `${lastCallAt} ${statusKey}`;
              const r = await ask({ op: 'idle' });
              busy = 'idle' in r ? r.why : '';
              readStatus();
              if (busy === '' && marks === `${lastCallAt} ${statusKey}`) return seenAt;
            }
            if (performance.now() > end)
              throw new Error(
                `timed out waiting for ${what}; the status: ${JSON.stringify(
                  st?.Networks?.map((n) => [n.LogicalLabel, n.Module.OpMode, n.ConfigError]),
                )}; connected: A ${connected(pathA)}, B ${connected(pathB)}; the agent: ${busy || 'idle'}; stderr: ${stderr}`,
              );
            await sleep(1);
          }
        },
        bothInForce,
        async stop() {
          if (agent.exitCode !== null || agent.signalCode !== null) return agent.exitCode;
          const code = new Promise<number | null>((r) => agent.once('exit', (c) => r(c)));
          agent.kill('SIGTERM');
          const timer = setTimeout(() => agent.kill('SIGKILL'), 10_000);
          const c = await code;
          clearTimeout(timer);
          return c;
        },
        stderr: () => stderr,
      };

      try {
        const t0 = performance.now();
        while (!ready) {
          alive();
          if (performance.now() - t0 > 30_000) throw new Error(`the agent did not start: ${stderr}`);
          await sleep(10);
        }
        return await fn(world);
      } finally {
        await world.stop();
      }
    });
  } finally {
    // MMAGENT_SOAK_LOG=file keeps the agent's log (its JSON lines) for a look afterwards.
    if (process.env.MMAGENT_SOAK_LOG) await copyFile(logFile, process.env.MMAGENT_SOAK_LOG).catch(() => {});
    await stats?.close();
    await sim.stop();
    await bus.stop();
    await built?.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
}
