/**
 * The agent's footprint: the bundled agent (src/build/bundle.ts, built here into a temporary directory
 * with the native addons beside it, as it ships) against the tsc output (dist/src/cli/main.js, from
 * `npm run build`) and the sources through tsx.
 *  1. bundle bytes, gzip bytes, the page bundle and the native addons that ship beside it;
 *  2. `--help`: process start to exit;
 *  3. `run` in file mode: process start to the first WwanStatus.json, against the ModemManager simulator
 *     on a private dbus-daemon, the agent in a fresh network namespace with tun wwan0 (needs root, ip,
 *     dbus-daemon, python3; skipped with the reason otherwise). Every start gets a fresh bus, simulator,
 *     namespace and status directory; the three programs take turns. `ip netns exec` is in the time
 *     (its own cost is printed).
 * Run: node --import tsx bench/footprint.bench.ts [--runs N]   (default 15 starts per program)
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, type FSWatcher, readFileSync, watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { cfgOf, type LogLine, modemA, network } from '../e2e/agent/world.js';
import { missingPrereq } from '../e2e/harness/require.js';
import { BUNDLE_FILE, bundleAgent, shipNativeAddons } from '../src/build/bundle.js';
import { startPrivateBus } from '../src/mmsim/private-bus.js';
import { ModemManagerSimulator } from '../src/mmsim/simulator.js';
import { type Netns, withNetns } from '../src/sandbox/netns.js';
import type { WwanConfig, WwanStatus } from '../src/schemas/types.generated.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** What a first-status start needs. */
export const needs = { root: true, commands: ['ip', 'dbus-daemon', 'python3'] } as const;

export interface AgentProcess {
  readonly ns: Netns;
  readonly statusDir: string;
  /** Process start (spawn) to WwanStatus.json on disk, in ms. */
  readonly firstStatusMs: number;
  /** CPU time (user + system) the agent had used when its first status appeared (10 ms ticks). */
  readonly firstStatusCpuMs: number;
  readonly firstStatus: WwanStatus;
  /** The agent's JSON log lines so far. */
  readonly logs: LogLine[];
  /** Polls the status file until `pred` holds (bounded). */
  waitStatus(pred: (s: WwanStatus) => boolean, what: string, timeoutMs?: number): Promise<WwanStatus>;
  /** SIGTERM; resolves with the exit code (null: killed after 10 s). */
  terminate(): Promise<number | null>;
}

/**
 * `command run --config ... --status-dir ...` in a fresh network namespace (tun wwan0) against the
 * simulator (modem A) on a fresh private bus, from `cwd` (default: the repository, which tsx needs);
 * resolves with `fn`'s result once the agent wrote its first status and `fn` returned. Everything is
 * torn down afterwards.
 */
export async function withAgentProcess<T>(
  command: readonly string[],
  opts: { args?: readonly string[]; config?: WwanConfig; cwd?: string },
  fn: (a: AgentProcess) => Promise<T>,
): Promise<T> {
  const bus = await startPrivateBus();
  const sim = await ModemManagerSimulator.start({ busAddress: bus.address, timing: { step: 2 } });
  const dir = await mkdtemp(join(tmpdir(), 'mmagent-footprint-'));
  let child: ChildProcess | undefined;
  try {
    sim.addModem(modemA());
    const statusDir = join(dir, 'status');
    const configFile = join(dir, 'wwan-config.json');
    await mkdir(statusDir);
    await writeFile(`${configFile}.tmp`, JSON.stringify(opts.config ?? cfgOf(network('modem-a', 'wwan0'))));
    await rename(`${configFile}.tmp`, configFile);
    const statusFile = join(statusDir, 'WwanStatus.json');
    return await withNetns({ tuns: ['wwan0'] }, async (ns) => {
      const logs: LogLine[] = [];
      let stderr = '';
      let watcher: FSWatcher | undefined;
      let cpuMs = Number.NaN;
      const written = new Promise<number>((resolve) => {
        watcher = watch(statusDir, (_event, name) => {
          if (name !== 'WwanStatus.json' || !existsSync(statusFile)) return;
          const t = performance.now();
          cpuMs = cpuTimeMs(child?.pid);
          resolve(t);
        });
      });
      const t0 = performance.now();
      const agent = spawn(
        'ip',
        [
          'netns',
          'exec',
          ns.name,
          ...command,
          'run',
          '--config',
          configFile,
          '--status-dir',
          statusDir,
          '--resolv-dir',
          join(dir, 'resolv'),
          ...(opts.args ?? []),
        ],
        {
          cwd: opts.cwd ?? REPO,
          env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: bus.address },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child = agent;
      let buf = '';
      agent.stdout?.on('data', (d: Buffer) => {
        buf += d.toString();
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          try {
            logs.push(JSON.parse(line) as LogLine);
          } catch {
            logs.push({ msg: line });
          }
        }
      });
      agent.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const exited = once(agent, 'exit').then(() => {
        throw new Error(`the agent exited (${agent.exitCode}) before its first status: ${stderr}`);
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no first status in 20 s; stderr: ${stderr}`)), 20_000);
      });
      const t1 = await Promise.race([written, exited, timeout]).finally(() => {
        clearTimeout(timer);
        watcher?.close();
      });
      const readStatus = async () => JSON.parse(await readFile(statusFile, 'utf8')) as WwanStatus;
      return await fn({
        ns,
        statusDir,
        firstStatusMs: t1 - t0,
        firstStatusCpuMs: cpuMs,
        firstStatus: await readStatus(),
        logs,
        async waitStatus(pred, what, timeoutMs = 20_000) {
          const end = Date.now() + timeoutMs;
          let last: WwanStatus | undefined;
          while (Date.now() < end) {
            if (agent.exitCode !== null) throw new Error(`the agent exited (${agent.exitCode}): ${stderr}`);
            last = await readStatus().catch(() => last);
            if (last && pred(last)) return last;
            await new Promise((r) => setTimeout(r, 50));
          }
          throw new Error(`timed out waiting for ${what}; last status: ${JSON.stringify(last)}; ${stderr}`);
        },
        async terminate() {
          if (agent.exitCode !== null) return agent.exitCode;
          const done = once(agent, 'exit');
          agent.kill('SIGTERM');
          const t = setTimeout(() => agent.kill('SIGKILL'), 10_000);
          await done;
          clearTimeout(t);
          return agent.exitCode;
        },
      });
    });
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      const done = once(child, 'exit');
      child.kill('SIGKILL');
      await done;
    }
    await sim.stop();
    await bus.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

let clockTicks: number | undefined;
/** utime + stime of a live process from /proc (`ip netns exec` execs the program: same pid). */
function cpuTimeMs(pid: number | undefined): number {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return Number.NaN;
  }
}

function quantiles(samples: readonly number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? Number.NaN;
  return { n: s.length, median: q(0.5), p99: q(0.99), min: s[0] ?? Number.NaN };
}

function line(name: string, samples: readonly number[]): string {
  const r = quantiles(samples);
  return `${name.padEnd(40)} n=${String(r.n).padStart(3)}  median ${r.median.toFixed(0).padStart(5)} ms  p99 ${r.p99
    .toFixed(0)
    .padStart(5)} ms  min ${r.min.toFixed(0).padStart(5)} ms`;
}

/**
 * Spawn to exit of `argv` in ms (through `sh`, whose own start is in the figure for every program alike),
 * and the CPU time (user + system) it used, from the shell's `times` (fails on a non-zero exit).
 */
async function timeExit(argv: readonly string[]): Promise<{ wall: number; cpu: number }> {
  const t0 = performance.now();
  const child = spawn('sh', ['-c', '"$@" >/dev/null || exit $?; times', 'sh', ...argv], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  const wall = performance.now() - t0;
  if (code !== 0) throw new Error(`${argv.join(' ')} exited ${code}: ${err}`);
  // `times`: the shell's user and system time, then its children's: "0m0.412s 0m0.060s".
  const m = out
    .trim()
    .split('\n')
    .at(-1)
    ?.match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/);
  const cpu = m ? (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000 : Number.NaN;
  return { wall, cpu };
}

async function dirBytes(dir: string): Promise<number> {
  let sum = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) sum += (await stat(join(e.parentPath, e.name))).size;
  return sum;
}

async function main(runs: number): Promise<void> {
  console.log(`machine: ${availableParallelism()} CPUs (nproc), ${cpus()[0]?.model ?? 'unknown CPU'}`);
  console.log(`node ${process.version}, ${process.platform}-${process.arch}`);
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  console.log(
    `load average at start: ${load()} (other work on the machine inflates wall times, not CPU times)`,
  );
  const out = await mkdtemp(join(tmpdir(), 'mmagent-bundle-'));
  try {
    const t0 = performance.now();
    const b = await bundleAgent(out);
    const shipped = await shipNativeAddons(out);
    console.log(`bundle built in ${(performance.now() - t0).toFixed(0)} ms into ${out}`);
    const bytes = await readFile(b.file);
    console.log(
      `${BUNDLE_FILE}: ${bytes.length} bytes, gzip ${gzipSync(bytes).length} bytes (target ≤ 1,000,000 bytes)`,
    );
    const page = Buffer.concat([
      await readFile(join(out, 'page.bundle.js')),
      await readFile(join(out, 'page.bundle.css')),
    ]);
    console.log(
      `page.bundle.js + .css (for --http and graph -o): ${page.length} bytes, gzip ${gzipSync(page).length}`,
    );
    console.log(
      `native addons beside it (node_modules/): ${await dirBytes(join(out, 'node_modules'))} bytes: ${shipped.join(', ')}`,
    );

    const programs: { name: string; argv: string[] }[] = [
      { name: 'bundle (node mmagent.mjs)', argv: [process.execPath, b.file] },
    ];
    const tscMain = join(REPO, 'dist/src/cli/main.js');
    if (existsSync(tscMain)) {
      const age = (Date.now() - (await stat(tscMain)).mtimeMs) / 60_000;
      programs.push({ name: 'tsc (node dist/src/cli/main.js)', argv: [process.execPath, tscMain] });
      console.log(`tsc output: ${tscMain} (built ${age.toFixed(0)} min ago by npm run build)`);
    } else console.log(`tsc output: skipped (no ${tscMain}; run npm run build)`);
    programs.push({
      name: 'tsx (node --import tsx src/cli/main.ts)',
      argv: [process.execPath, '--import', 'tsx', 'src/cli/main.ts'],
    });

    console.log(`\n--help, spawn to exit (2 warm-up starts each, then ${runs} each, taking turns):`);
    const help = programs.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
    for (let i = 0; i < runs + 2; i++)
      for (const [k, p] of programs.entries()) {
        const t = await timeExit([...p.argv, '--help']);
        if (i >= 2) {
          help[k]?.wall.push(t.wall);
          help[k]?.cpu.push(t.cpu);
        }
      }
    const bare = { wall: [] as number[], cpu: [] as number[] };
    for (let i = 0; i < runs; i++) {
      const t = await timeExit([process.execPath, '-e', '0']);
      bare.wall.push(t.wall);
      bare.cpu.push(t.cpu);
    }
    for (const [k, p] of [...programs, { name: '(node -e 0: Node alone)' }].entries()) {
      const h = help[k] ?? bare;
      console.log(line(p.name, h.wall));
      console.log(line('  CPU time (user + system)', h.cpu));
    }

    const why = missingPrereq(needs);
    if (why !== undefined) {
      console.log(`\nfirst status: skipped (${why})`);
      return;
    }
    console.log(
      `\nrun (file mode, simulator, netns): spawn to first WwanStatus.json (1 warm-up, ${runs} each):`,
    );
    const first = programs.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
    for (let i = 0; i < runs + 1; i++)
      for (const [k, p] of programs.entries()) {
        const r = await withAgentProcess(p.argv, {}, async (a) => {
          await a.terminate();
          return a;
        });
        if (i >= 1) {
          first[k]?.wall.push(r.firstStatusMs);
          first[k]?.cpu.push(r.firstStatusCpuMs);
        }
      }
    for (const [k, p] of programs.entries()) {
      console.log(line(p.name, first[k]?.wall ?? []));
      console.log(line('  CPU time used by then', first[k]?.cpu ?? []));
    }
    const nsExec = await withNetns({}, async (ns) => {
      const t = [] as number[];
      for (let i = 0; i < runs; i++) t.push((await timeExit(['ip', 'netns', 'exec', ns.name, 'true'])).wall);
      return t;
    });
    console.log(line('(ip netns exec NS true: in every start)', nsExec));
    console.log('target: first status ≤ 300 ms');
    console.log(`load average at the end: ${load()}`);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--runs');
  const runs = i > 0 ? Number(process.argv[i + 1]) : 15;
  if (!Number.isInteger(runs) || runs < 1) {
    console.error('usage: footprint.bench.ts [--runs N]');
    process.exit(2);
  }
  try {
    await main(runs);
  } catch (err) {
    console.error(err);
    process.exitCode = 1;
  }
}
