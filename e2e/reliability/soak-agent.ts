/**
 * The soak's agent process: `mmagent run ARGS` exactly as src/cli/main.ts runs it (runAgent), with
 * two things added through its hooks: the agent's clock is a JumpClock the driver moves forward, and
 * the IPC channel of the parent (spawned with an 'ipc' stdio slot) answers the driver:
 * - `{ id, op: 'jump', ms }`: the clock jumps; the reply says how many timers it made due;
 * - `{ id, op: 'inspect' }`: full garbage collections (node must run with --expose-gc), then the
 *   process's figures (see {@link Inspection}).
 * The agent runs in its own process (in the network namespace, as in production) so that its heap,
 * RSS, handles and bus connection are its own: not the simulator's and not the driver's.
 */
import { getEventListeners } from 'node:events';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import type { WwanAgent } from '../../src/agent/agent.js';
import { parseCommandLine } from '../../src/cli/args.js';
import { runAgent } from '../../src/cli/run.js';
import type { ModemManagerClient } from '../../src/modemmanager/client.js';
import { JumpClock } from './jump-clock.js';

/** The event-loop delay's sampling period (ms). */
const LOOP_SAMPLE_MS = 10;

export interface Inspection {
  readonly rssBytes: number;
  /** V8 heap in use after full collections. */
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  /** Of the heap in use: V8's code space (compiled and optimised code). */
  readonly codeSpaceBytes: number;
  readonly externalBytes: number;
  /** process.getActiveResourcesInfo(), counted by type (what keeps the loop alive: ref'd timers, sockets...). */
  readonly resources: Readonly<Record<string, number>>;
  /** Timers pending on the agent's clock (ref'd or not). */
  readonly clockTimers: number;
  /** Listeners on the agent's emitters, by emitter. */
  readonly listeners: Readonly<Record<string, number>>;
  /** The agent's unique name on the bus (its ModemManager client's connection). */
  readonly uniqueName: string | undefined;
  /** Event-loop delay since the last inspection (ms beyond the 10 ms sampling period). */
  readonly loopDelay: { readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number };
  readonly agent: {
    readonly pendingExpectations: number;
    readonly rebuilds: number;
    readonly dampingHistories: number;
    readonly currentItems: number;
    readonly desiredItems: number;
    readonly snapshotObjects: number;
  };
  readonly clockJumpedMs: number;
}

export type SoakRequest =
  | { readonly id: number; readonly op: 'jump'; readonly ms: number }
  | { readonly id: number; readonly op: 'inspect' }
  | { readonly id: number; readonly op: 'idle' }
  | { readonly id: number; readonly op: 'heap-snapshot'; readonly file: string };

export type SoakReply =
  | { readonly id: number; readonly op: 'jump'; readonly due: number; readonly waitedMs: number }
  | { readonly id: number; readonly op: 'inspect'; readonly inspection: Inspection }
  | { readonly id: number; readonly op: 'heap-snapshot'; readonly file: string }
  | { readonly id: number; readonly op: 'idle'; readonly idle: boolean; readonly why: string }
  | { readonly op: 'ready' }
  | { readonly id: number; readonly error: string };

function emitterListeners(e: NodeJS.EventEmitter): number {
  return e.eventNames().reduce((n, name) => n + e.listenerCount(name), 0);
}

function countBy(xs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

const settle = () => new Promise<void>((r) => setImmediate(r));

async function main(): Promise<number> {
  const send = process.send?.bind(process);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!send) throw new Error('soak-agent: no IPC channel (spawn it with an "ipc" stdio slot)');
  if (!gc) throw new Error('soak-agent: run node with --expose-gc');
  const parsed = parseCommandLine(['run', ...process.argv.slice(2)]);
  if (!parsed.ok || parsed.command.command !== 'run')
    throw new Error(`soak-agent: ${JSON.stringify(parsed)}`);
  const clock = new JumpClock();
  const delay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
  delay.enable();
  let parts: { agent: WwanAgent; mm: ModemManagerClient } | undefined;
  const stop = new AbortController();

  const inspect = async (): Promise<Inspection> => {
    const p = parts;
    if (!p) throw new Error('the agent is not wired yet');
    // The histogram's samples are the time between two of its timer's turns: the delay is what
    // exceeds the sampling period.
    const late = (ns: number) => Math.max(0, ns / 1e6 - LOOP_SAMPLE_MS);
    const loopDelay = {
      p50Ms: late(delay.percentile(50)),
      p99Ms: late(delay.percentile(99)),
      maxMs: late(delay.max),
    };
    for (let i = 0; i < 3; i++) {
      gc();
      await settle();
    }
    // The next window starts once the histogram's timer has seen the pause of the collections.
    await new Promise((r) => setTimeout(r, 2 * LOOP_SAMPLE_MS));
    delay.reset();
    const mem = process.memoryUsage();
    const conn = p.mm.connection;
    const controller = p.agent.controller;
    const st = controller.state();
    const listeners: Record<string, number> = {
      modemManagerClient: emitterListeners(p.mm),
      dbusConnection: emitterListeners(conn),
      process: emitterListeners(process),
      stopSignal: getEventListeners(stop.signal, 'abort').length,
      // The controller keeps its subscribers in a private set (reconciler/controller.ts).
      controller: (controller as unknown as { listeners: Set<unknown> }).listeners.size,
    };
    return {
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      heapTotalBytes: mem.heapTotal,
      codeSpaceBytes:
        getHeapSpaceStatistics().find((x) => x.space_name === 'code_space')?.space_used_size ?? 0,
      externalBytes: mem.external,
      resources: countBy(process.getActiveResourcesInfo()),
      clockTimers: clock.pending,
      listeners,
      uniqueName: conn.uniqueName,
      loopDelay,
      agent: {
        pendingExpectations: p.agent.pendingExpectations,
        rebuilds: p.agent.rebuilds,
        dampingHistories: st.damping.size,
        currentItems: st.current.nodes.size,
        desiredItems: st.desired.nodes.size,
        snapshotObjects: Object.keys(p.mm.snapshot.objects).length,
      },
      clockJumpedMs: clock.jumped,
    };
  };

  /** Resolves (with the time waited; 0: none were) once no step of the agent is in flight. */
  const idle = async (): Promise<number> => {
    const t0 = performance.now();
    for (let turn = 0; ; turn++) {
      const inFlight = parts?.agent.controller.state().inProgress.size ?? 0;
      if (inFlight === 0) return turn === 0 ? 0 : performance.now() - t0;
      if (performance.now() - t0 > 10_000) throw new Error(`${inFlight} step(s) still in flight after 10 s`);
      await new Promise((r) => setTimeout(r, 1));
    }
  };

  /**
   * Waits for the controller to be idle (no run under way or asked for), lets the events of that
   * turn be handled, and says what still keeps the agent busy ('' when nothing: no step in flight,
   * no retry or damped repair waiting).
   */
  const settled = async (): Promise<string> => {
    const c = parts?.agent.controller;
    if (!c) return 'not wired yet';
    await c.idle();
    await settle();
    await c.idle();
    const st = c.state();
    if (st.running) return 'a run is under way';
    if (st.inProgress.size > 0) return `${st.inProgress.size} step(s) in flight`;
    if (st.nextRetryAt !== undefined) return `a retry is due at ${st.nextRetryAt - clock.now()} ms from now`;
    return '';
  };

  process.on('message', (m: SoakRequest) => {
    const reply = (r: SoakReply) => send(r);
    if (m.op === 'jump') {
      // Never across a step in flight: its deadline is on this clock, and a minute passing in the
      // middle of a resolv.conf write is not what the soak is about.
      idle().then(
        (waitedMs) => reply({ id: m.id, op: 'jump', due: clock.jump(m.ms), waitedMs }),
        (err: unknown) => reply({ id: m.id, error: err instanceof Error ? err.message : String(err) }),
      );
      return;
    }
    if (m.op === 'idle') {
      settled().then(
        (why) => reply({ id: m.id, op: 'idle', idle: why === '', why }),
        (err: unknown) => reply({ id: m.id, error: err instanceof Error ? err.message : String(err) }),
      );
      return;
    }
    if (m.op === 'heap-snapshot') {
      gc();
      reply({ id: m.id, op: 'heap-snapshot', file: writeHeapSnapshot(m.file) });
      return;
    }
    inspect().then(
      (inspection) => reply({ id: m.id, op: 'inspect', inspection }),
      (err: unknown) => reply({ id: m.id, error: err instanceof Error ? err.message : String(err) }),
    );
  });
  // The IPC channel must not keep the process up once the agent stopped.
  process.channel?.unref();
  const code = await runAgent(parsed.command, {
    clock,
    stopSignal: stop.signal,
    onAgent: (p) => {
      parts = { agent: p.agent, mm: p.mm };
      send({ op: 'ready' } satisfies SoakReply);
    },
  });
  delay.disable();
  process.disconnect?.();
  return code;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`soak-agent: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
