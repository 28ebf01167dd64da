/**
 * The agent's e2e world: a private dbus-daemon with the ModemManager simulator (in this process, so
 * tests drive faults and count calls), a network namespace with tun `wwan0`/`wwan1`, and the real
 * `mmagent run` program started inside the namespace, fed through its config file and read through
 * its status files, its JSON log, and the kernel (`ip -n NS -j ...`).
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPrivateBus } from '../../src/mmsim/private-bus.js';
import { ModemManagerSimulator } from '../../src/mmsim/simulator.js';
import type { ModemSpec } from '../../src/mmsim/types.js';
import { type Netns, withNetns } from '../../src/sandbox/netns.js';
import type { WwanConfig, WwanNetworkStatus, WwanStatus } from '../../src/schemas/types.generated.js';
import { until } from '../../test/pubsub/helpers.js';
import { Peer } from '../pubsub/peer.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** The tests' prerequisites: root (netns), dbus-daemon, and python3 for the kit's helpers. */
export const needs = { root: true, commands: ['ip', 'dbus-daemon', 'python3'] } as const;

/** A WwanConfig of these networks, as NIM publishes it. */
export const cfgOf = (...networks: NonNullable<WwanConfig['Networks']>): WwanConfig => ({
  DPCKey: 'e2e',
  DPCTimestamp: '2026-11-24T10:00:00.123456789Z',
  RSConfigTimestamp: '0001-01-01T00:00:00Z',
  Networks: networks,
});

/** The status of one label. */
export const net = (s: { Networks?: WwanNetworkStatus[] | null }, label: string) =>
  (s.Networks ?? []).find((n) => n.LogicalLabel === label);

/** A status predicate: the label is connected with an address. */
export const online = (label: string) => (s: { Networks?: WwanNetworkStatus[] | null }) => {
  const n = net(s, label);
  return !!n && n.Module.OpMode === 'online-and-connected' && n.IPSettings.Address !== null;
};

/**
 * Online and fully in force: nothing pending either (right after the connect the kernel observer may
 * not have seen the interface yet, which ConfigError says for a moment).
 */
export const inForce = (label: string) => (s: { Networks?: WwanNetworkStatus[] | null }) =>
  online(label)(s) && net(s, label)?.ConfigError === '';

interface Addr {
  ifname: string;
  addr_info: { local: string; prefixlen: number; family: string }[];
}
interface Route {
  dst: string;
  gateway?: string;
  dev: string;
  metric?: number;
  protocol?: string;
}

export function kernel(w: AgentWorld, ifname: string) {
  const addrs = w.ns
    .ipJson<Addr[]>(['addr', 'show', 'dev', ifname])
    .flatMap((a) => a.addr_info)
    .filter((a) => !a.local.startsWith('fe80'))
    .map((a) => `${a.local}/${a.prefixlen}`)
    .sort();
  const routes = [
    ...w.ns.ipJson<Route[]>(['-4', 'route', 'show', 'dev', ifname]),
    ...w.ns.ipJson<Route[]>(['-6', 'route', 'show', 'dev', ifname]),
  ]
    .filter((r) => r.dst === 'default')
    .map((r) => `default${r.gateway ? ` via ${r.gateway}` : ''} metric ${r.metric ?? 0}`)
    .sort();
  const link = w.ns.ipJson<{ mtu: number; flags: string[] }[]>(['link', 'show', 'dev', ifname])[0];
  return { addrs, routes, mtu: link?.mtu, up: link?.flags.includes('UP') };
}

/**
 * Waits until the kernel matches (addresses and routes appear a moment after the status); fails
 * with the last state seen when it does not within the time.
 */
export async function kernelEventually(
  w: AgentWorld,
  ifname: string,
  check: (k: ReturnType<typeof kernel>) => boolean,
  timeoutMs = 15_000,
) {
  const end = Date.now() + timeoutMs;
  let k = kernel(w, ifname);
  while (!check(k)) {
    if (Date.now() >= end)
      assert.fail(
        `${ifname} did not reach the expected state in ${timeoutMs} ms; last seen: ${JSON.stringify(k)}`,
      );
    await new Promise((r) => setTimeout(r, 50));
    k = kernel(w, ifname);
  }
  return k;
}

export interface LogLine {
  readonly msg?: string;
  readonly level?: number;
  readonly netlinkRequests?: number;
  readonly steps?: unknown;
  readonly [k: string]: unknown;
}

export interface AgentWorld {
  readonly ns: Netns;
  /** The simulator, when the world runs one (not against the real ModemManager). */
  readonly sim: ModemManagerSimulator;
  readonly dir: string;
  readonly statusDir: string;
  readonly resolvDir: string;
  readonly logs: LogLine[];
  /** Replaces the config file atomically (write + rename), as EVE's publisher does. */
  writeConfig(cfg: WwanConfig | string | Uint8Array): Promise<void>;
  readStatus(): Promise<WwanStatus | undefined>;
  /** Resolves with the first status for which `pred` holds (polls the file; bounded). */
  waitStatus(pred: (s: WwanStatus) => boolean, what: string, timeoutMs?: number): Promise<WwanStatus>;
  /** Waits until the agent has been quiet (no new log line) for `quietMs`. */
  settle(quietMs?: number): Promise<void>;
  /** Netlink requests the agent reported since log index `from`. */
  netlinkRequestsSince(from: number): number;
  /** Sends SIGTERM to the agent; resolves with its exit code (null: killed after 10 s). */
  terminate(): Promise<number | null>;
  /** The agent's process id while it runs (the process in the namespace: `ip netns exec` execs it). */
  pid(): number | undefined;
  /** Sends `signal` to the agent; resolves with how it ended (SIGKILL after 10 s if it does not). */
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * File mode: starts the agent again (after it ended) with the same arguments, config, status and
   * resolv dirs, as a supervisor would; its log lines go on in `logs`.
   */
  start(): Promise<void>;
  /** Pubsub mode only: EVE's side, played by peer.py processes. */
  readonly eve?: EveSide;
}

/** EVE's agents as the pubsub agent sees them: Python publishers and a Python WwanStatus subscriber. */
export interface EveSide {
  readonly runDir: string;
  readonly persistDir: string;
  /** The publisher of `agent`/`topic` (started on first use). */
  publisher(agent: string, topic: string): Promise<Peer>;
  /** The Python subscriber reading `wwan`/WwanStatus (what readStatus returns). */
  readonly statusReader: Peer | undefined;
  /** Kills a publisher (its socket stays, as a crashed Go agent's does). */
  kill(agent: string, topic: string): Promise<void>;
}

export interface PubsubWorldOptions {
  /** zedagent's ConfigItemValueMap published before the agent starts (default: EVE's, empty). */
  readonly globalConfig?: unknown;
  /** Written to <persist>/certs/ecdh.key.pem before the agent starts. */
  readonly deviceKeyPem?: string;
}

export async function withAgentWorld<T>(
  opts: {
    modems: readonly ModemSpec[];
    config: WwanConfig;
    tuns?: readonly string[];
    pubsub?: PubsubWorldOptions;
    /** Extra `mmagent run` arguments (e.g. `--http 0`). */
    args?: readonly string[];
  },
  fn: (w: AgentWorld) => Promise<T>,
): Promise<T> {
  const bus = await startPrivateBus();
  const sim = await ModemManagerSimulator.start({ busAddress: bus.address, timing: { step: 2 } });
  try {
    for (const m of opts.modems) sim.addModem(m);
    return await withAgentOn(
      {
        busAddress: bus.address,
        config: opts.config,
        ...(opts.tuns ? { tuns: opts.tuns } : {}),
        ...(opts.pubsub ? { pubsub: opts.pubsub } : {}),
        ...(opts.args ? { args: opts.args } : {}),
      },
      (w) => fn({ ...w, sim }),
    );
  } finally {
    await sim.stop();
    await bus.stop();
  }
}

/** The agent against whatever ModemManager owns the name on `busAddress` (e.g. the real one). */
export async function withAgentOn<T>(
  opts: {
    busAddress: string;
    config: WwanConfig;
    tuns?: readonly string[];
    /** Run `mmagent run --pubsub` with EVE's side played by peer.py (default: file mode). */
    pubsub?: PubsubWorldOptions;
    /** Extra `mmagent run` arguments (e.g. `--http 0`). */
    args?: readonly string[];
  },
  fn: (w: Omit<AgentWorld, 'sim'>) => Promise<T>,
): Promise<T> {
  const bus = { address: opts.busAddress };
  const dir = await mkdtemp(join(tmpdir(), 'mmagent-e2e-'));
  const statusDir = join(dir, 'status');
  const resolvDir = join(dir, 'resolv');
  const configFile = join(dir, 'wwan-config.json');
  let agent: ChildProcess | undefined;
  const logs: LogLine[] = [];
  let stderr = '';
  const eve = opts.pubsub ? eveSide(dir) : undefined;
  const writeConfig = async (cfg: WwanConfig | string | Uint8Array) => {
    const bytes = typeof cfg === 'string' || cfg instanceof Uint8Array ? cfg : JSON.stringify(cfg);
    if (eve) {
      // nim's publication: the JSON text as it is (an invalid one included).
      const nim = await eve.side.publisher('nim', 'WwanConfig');
      await nim.command({ op: 'set', key: 'global', json: Buffer.from(bytes).toString() });
      return;
    }
    // The bytes as given (invalid UTF-8 included): the file path reads bytes.
    const tmp = `${configFile}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, configFile);
  };
  try {
    if (eve && opts.pubsub) await eve.prepare(opts.pubsub);
    await writeConfig(opts.config);
    return await withNetns({ tuns: opts.tuns ?? ['wwan0', 'wwan1'] }, async (ns) => {
      // The agent process; `start()` runs it again on the same config, status and resolv dirs.
      const start = (): ChildProcess => {
        const child = spawn(
          'ip',
          [
            'netns',
            'exec',
            ns.name,
            process.execPath,
            '--import',
            'tsx',
            'src/cli/main.ts',
            'run',
            ...(eve
              ? ['--pubsub', '--run-dir', eve.side.runDir, '--persist-dir', eve.side.persistDir]
              : ['--config', configFile, '--status-dir', statusDir]),
            '--resolv-dir',
            resolvDir,
            '--log-level',
            'debug',
            ...(opts.args ?? []),
          ],
          {
            cwd: REPO,
            env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: bus.address },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let buf = '';
        child.stdout?.on('data', (d: Buffer) => {
          buf += d.toString();
          let nl = buf.indexOf('\n');
          while (nl >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            try {
              logs.push(JSON.parse(line) as LogLine);
            } catch {
              logs.push({ msg: line });
            }
            nl = buf.indexOf('\n');
          }
        });
        child.stderr?.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        agent = child;
        return child;
      };
      start();
      if (eve)
        await eve.readStatus(
          () => agent?.exitCode !== null,
          () => stderr,
        );
      const readStatus = async () => {
        if (eve) return eve.side.statusReader?.latest('global') as WwanStatus | undefined;
        try {
          return JSON.parse(await readFile(join(statusDir, 'WwanStatus.json'), 'utf8')) as WwanStatus;
        } catch {
          return undefined;
        }
      };
      const world: Omit<AgentWorld, 'sim'> = {
        ns,
        dir,
        statusDir,
        resolvDir,
        logs,
        writeConfig,
        readStatus,
        async waitStatus(pred, what, timeoutMs = 20_000) {
          const end = Date.now() + timeoutMs;
          let last: WwanStatus | undefined;
          while (Date.now() < end) {
            if (!agent || !running(agent))
              throw new Error(`the agent exited (${agent?.exitCode ?? agent?.signalCode}): ${stderr}`);
            last = await readStatus();
            if (last && pred(last)) return last;
            await new Promise((r) => setTimeout(r, 50));
          }
          throw new Error(
            `timed out waiting for ${what}; last status: ${JSON.stringify(last)}; stderr: ${stderr}`,
          );
        },
        async settle(quietMs = 800) {
          let n = -1;
          for (;;) {
            if (logs.length === n) return;
            n = logs.length;
            await new Promise((r) => setTimeout(r, quietMs));
          }
        },
        ...(eve ? { eve: eve.side } : {}),
        netlinkRequestsSince(from) {
          return logs
            .slice(from)
            .reduce((sum, l) => sum + (typeof l.netlinkRequests === 'number' ? l.netlinkRequests : 0), 0);
        },
        pid: () => (agent && running(agent) ? agent.pid : undefined),
        async kill(signal) {
          const child = agent;
          if (!child || !running(child))
            return { code: child?.exitCode ?? null, signal: child?.signalCode ?? null };
          const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
            child.once('exit', (code, sig) => r({ code, signal: sig })),
          );
          child.kill(signal);
          const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
          const how = await exited;
          clearTimeout(t);
          return how;
        },
        async start() {
          if (eve) throw new Error('start(): file mode only');
          if (agent && running(agent)) throw new Error('start(): the agent is still running');
          start();
        },
        async terminate() {
          const child = agent;
          if (!child || child.exitCode !== null) return child?.exitCode ?? null;
          const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
          const code = await exited;
          clearTimeout(t);
          return code;
        },
      };
      try {
        return await fn(world);
      } catch (e) {
        // The agent's own account of what it did is the first thing to read when a test fails.
        const file = join(tmpdir(), `mmagent-e2e-${Date.now()}.log`);
        await writeFile(file, logs.map((l) => JSON.stringify(l)).join('\n'));
        if (e instanceof Error) e.message += ` (agent log: ${file})`;
        throw e;
      }
    });
  } finally {
    if (agent && running(agent)) {
      const exited = new Promise((r) => agent?.once('exit', r));
      agent.kill('SIGTERM');
      const t = setTimeout(() => agent?.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    await eve?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Not exited and not killed by a signal (a killed child's exitCode stays null). */
function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** EVE's side of a pubsub world under `dir`: run and persist dirs, peer.py publishers, a status reader. */
function eveSide(dir: string) {
  const runDir = join(dir, 'run');
  const persistDir = join(dir, 'persist');
  const publishers = new Map<string, Peer>();
  let statusReader: Peer | undefined;
  const side: EveSide = {
    runDir,
    persistDir,
    async publisher(agentName, topic) {
      const id = `${agentName}/${topic}`;
      const have = publishers.get(id);
      if (have && !have.exited) return have;
      await mkdir(join(runDir, agentName), { recursive: true, mode: 0o700 });
      const p = new Peer(['pub', join(runDir, agentName, `${topic}.sock`), topic]);
      publishers.set(id, p);
      await until(() => p.lines.includes('ready') || p.exited, `${id} publisher ready`);
      assert.ok(!p.exited, `${id} publisher started`);
      return p;
    },
    get statusReader() {
      return statusReader;
    },
    async kill(agentName, topic) {
      await publishers.get(`${agentName}/${topic}`)?.kill();
    },
  };
  return {
    side,
    async prepare(o: PubsubWorldOptions) {
      await mkdir(join(persistDir, 'certs'), { recursive: true });
      if (o.deviceKeyPem)
        await writeFile(join(persistDir, 'certs', 'ecdh.key.pem'), o.deviceKeyPem, { mode: 0o600 });
      const zedagent = await side.publisher('zedagent', 'ConfigItemValueMap');
      await zedagent.set('global', o.globalConfig ?? { GlobalSettings: {}, AgentSettings: {} });
    },
    /** Subscribes to WwanStatus once the agent publishes it. */
    async readStatus(exited: () => boolean, stderr: () => string) {
      const sock = join(runDir, 'wwan', 'WwanStatus.sock');
      const end = Date.now() + 20_000;
      while (!existsSync(sock)) {
        if (exited()) throw new Error(`the agent exited: ${stderr()}`);
        if (Date.now() > end) throw new Error(`no ${sock}: ${stderr()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      statusReader = new Peer(['sub', sock, 'WwanStatus']);
    },
    async close() {
      for (const p of [...publishers.values(), ...(statusReader ? [statusReader] : [])])
        if (!p.exited) await p.kill();
    },
  };
}

/** A modem like the scenario's modem A: QMI, wwan0, USB 1-1, dual-stack bearer with gateways. */
export function modemA(over: Partial<ModemSpec> = {}): ModemSpec {
  return {
    id: 'A',
    manufacturer: 'Simulated Modems Inc.',
    model: 'SIM-LTE-1',
    imei: '490154203237518',
    device: '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1',
    primaryPort: 'cdc-wdm0',
    ports: [
      { name: 'cdc-wdm0', type: 'qmi' },
      { name: 'wwan0', type: 'net' },
    ],
    supportedModes: [
      [14, 0],
      [14, 8],
      [8, 0],
    ],
    currentModes: [14, 8],
    sim: {
      iccid: '89881100000000000001',
      imsi: '001010123456789',
      operatorId: '00101',
      operatorName: 'SimNet',
    },
    network: {
      registration: 'home',
      operatorCode: '00101',
      operatorName: 'SimNet',
      accessTechnologies: ['lte'],
    },
    bearer: {
      interface: 'wwan0',
      ipv4: { address: '10.64.64.10', prefix: 30, gateway: '10.64.64.9', dns: ['10.11.12.13'], mtu: 1500 },
      ipv6: { address: '2001:db8:1::2', prefix: 64, gateway: '2001:db8:1::1', dns: ['2001:db8::53'] },
    },
    ...over,
  };
}

/** A second modem on wwan1 (IPv4 /32 without gateway, as the real kit's). */
export function modemB(over: Partial<ModemSpec> = {}): ModemSpec {
  return {
    id: 'B',
    model: 'SIM-5G-2',
    imei: '490154203237526',
    device: '/sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0',
    primaryPort: 'wwan0mbim0',
    ports: [
      { name: 'wwan0mbim0', type: 'mbim' },
      { name: 'wwan1', type: 'net' },
    ],
    sim: {
      iccid: '89881100000000000002',
      imsi: '001010000000002',
      operatorId: '00101',
      operatorName: 'SimNet',
    },
    network: {
      registration: 'home',
      operatorCode: '00101',
      operatorName: 'SimNet',
      accessTechnologies: ['lte'],
    },
    bearer: { interface: 'wwan1', ipv4: { address: '10.99.0.7', prefix: 32, dns: ['10.11.12.13'] } },
    ...over,
  };
}

export function network(
  label: string,
  ifname: string,
  over: Record<string, unknown> = {},
): NonNullable<WwanConfig['Networks']>[number] {
  return {
    LogicalLabel: label,
    PhysAddrs: { Interface: ifname },
    AccessPoint: { Activated: true, APN: 'internet', IPType: 'ipv4v6' },
    MTU: 0,
    RouteMetric: 5000,
    ...over,
  };
}
