/**
 * A world for the agent's unit tests: ModemManager as a snapshot the test edits (every edit is a
 * 'snapshot' event, as the real client emits), calls that are recorded and scripted, a manual clock.
 * Starts from the captured simulator tree (test/wwan/fixtures/mmsim-connected.json): Modem/0
 * connected on wwan0 (Bearer/0), Modem/1 disabled (wwan1).
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { produce } from 'immer';
import type { Logger } from '../../reconciler/controller.js';
import { WwanAgent } from '../../src/agent/agent.js';
import type { RunProbes } from '../../src/agent/connectivity.js';
import type { RecoveryActions } from '../../src/agent/recovery.js';
import { secretsFromConfig } from '../../src/agent/secrets.js';
import type { ModemManagerCalls } from '../../src/modemmanager/calls.js';
import type { Snapshot } from '../../src/modemmanager/snapshot.js';
import { IFACE } from '../../src/modemmanager/types.js';
import type { WwanConfig } from '../../src/schemas/types.generated.js';
import { fakePhysAddrSource } from '../../src/wwan/physaddrs.js';
import type { FakeNetlink } from '../net/fake-netlink.js';
import { FakeClock, flush } from '../reconciler/harness.js';
import { BEARER0, capturedSnapshot, MODEM0, MODEM1 } from '../wwan/helpers.js';

export { BEARER0, MODEM0, MODEM1 };

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };
type Tree = Mutable<Snapshot>;

export interface Call {
  readonly member: string;
  readonly args: readonly unknown[];
  readonly at: number;
}

/** ModemManager as the agent sees it: a snapshot and the calls it makes. */
export class FakeModemManager extends EventEmitter {
  snapshot: Snapshot;
  readonly log: Call[] = [];
  /** Per member: what the call does (default: succeed; Connect marks Bearer/0 connected first). */
  readonly script = new Map<string, (args: readonly unknown[]) => Promise<unknown> | unknown>();
  readonly calls: ModemManagerCalls;

  constructor(private readonly clock: FakeClock) {
    super();
    this.snapshot = capturedSnapshot();
    const self = this;
    this.calls = new Proxy({} as ModemManagerCalls, {
      get(_t, prop: string) {
        return async (...args: unknown[]) => {
          const member = prop;
          self.log.push({ member, args, at: self.clock.now() });
          const s = self.script.get(member);
          if (s) return s(args);
          if (member === 'connect') {
            // ModemManager signals the connected bearer before it replies.
            self.setBearerConnected(true);
            return BEARER0;
          }
          if (member === 'disconnect') self.setBearerConnected(false);
          if (member === 'getStatus') {
            const m = self.snapshot.objects[args[0] as string]?.[IFACE.modem] as
              | { State?: number }
              | undefined;
            return { state: m?.State ?? 0 };
          }
          return undefined;
        };
      },
    });
  }

  /** Edits the tree and emits 'snapshot', as a signal would. */
  edit(fn: (t: Tree) => void): void {
    // As the real client: immutable, so an object that did not change keeps its identity.
    this.snapshot = produce(this.snapshot, (d) => {
      fn(d as Tree);
    });
    this.emit('snapshot', this.snapshot);
  }

  setBearerConnected(connected: boolean): void {
    this.edit((t) => {
      const b = t.objects[BEARER0]?.[IFACE.bearer] as { Connected?: boolean } | undefined;
      if (b) b.Connected = connected;
      const m = t.objects[MODEM0]?.[IFACE.modem] as { State?: number } | undefined;
      if (m) m.State = connected ? 11 : 8;
    });
  }

  /** State-changing calls by member name. */
  members(): string[] {
    return this.log.map((c) => c.member);
  }

  count(member: string): number {
    return this.log.filter((c) => c.member === member).length;
  }
}

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly obj: object;
  readonly msg: string | undefined;
}

export class MemoryLogger implements Logger {
  readonly lines: LogLine[] = [];
  debug(obj: object, msg?: string) {
    this.lines.push({ level: 'debug', obj, msg });
  }
  info(obj: object, msg?: string) {
    this.lines.push({ level: 'info', obj, msg });
  }
  warn(obj: object, msg?: string) {
    this.lines.push({ level: 'warn', obj, msg });
  }
  error(obj: object, msg?: string) {
    this.lines.push({ level: 'error', obj, msg });
  }
  errors(): LogLine[] {
    return this.lines.filter((l) => l.level === 'error');
  }
}

export interface AgentWorld {
  readonly clock: FakeClock;
  readonly mm: FakeModemManager;
  readonly agent: WwanAgent;
  readonly logger: MemoryLogger;
  /** Applies a config as `mmagent run` does after it validated it. */
  setConfig(cfg: WwanConfig): void;
  /** Lets the agent finish whatever it started (microtasks and immediates, no clock movement). */
  settle(): Promise<void>;
  /** Stops the agent (its kernel observer holds watches that would keep the test process alive). */
  close(): Promise<void>;
}

export function agentWorld(
  opts: {
    expectationGraceMs?: number;
    netlink?: FakeNetlink;
    recovery?: RecoveryActions;
    probe?: RunProbes;
    /** Called when the agent says its outputs changed (the status writer's cue). */
    onChange?: () => void;
  } = {},
): AgentWorld {
  const clock = new FakeClock();
  const mm = new FakeModemManager(clock);
  const logger = new MemoryLogger();
  // Only the kernel side writes DNS files: a directory of its own, removed by close().
  const resolvDir = opts.netlink ? mkdtempSync(join(tmpdir(), 'agent-test-resolv-')) : '/nonexistent';
  const agent = new WwanAgent({
    mm,
    ...(opts.netlink ? { netlink: opts.netlink } : {}),
    resolvDir,
    logger,
    clock,
    physAddrs: fakePhysAddrSource({}),
    ...(opts.expectationGraceMs !== undefined ? { expectationGraceMs: opts.expectationGraceMs } : {}),
    ...(opts.recovery ? { recovery: opts.recovery } : {}),
    ...(opts.probe ? { probe: opts.probe } : {}),
    ...(opts.onChange ? { onChange: opts.onChange } : {}),
  });
  return {
    clock,
    mm,
    agent,
    logger,
    setConfig(cfg) {
      agent.setConfig(cfg, secretsFromConfig(cfg).secrets);
    },
    async settle() {
      await flush();
      await agent.controller.idle();
      await flush();
    },
    async close() {
      await agent.stop();
      if (opts.netlink) rmSync(resolvDir, { recursive: true, force: true });
    },
  };
}

/** A config managing Modem/0 on wwan0 (label modem-a) and, optionally, Modem/1 on wwan1 (modem-b). */
export function configAB(
  b = true,
  over: Partial<NonNullable<WwanConfig['Networks']>[number]> = {},
): WwanConfig {
  const a = {
    LogicalLabel: 'modem-a',
    PhysAddrs: { Interface: 'wwan0' },
    AccessPoint: { Activated: true, APN: 'internet', IPType: 'ipv4v6' as const },
    ...over,
  };
  return {
    DPCKey: 'k',
    Networks: b
      ? [a, { LogicalLabel: 'modem-b', PhysAddrs: { Interface: 'wwan1' }, AccessPoint: { APN: 'b' } }]
      : [a],
  };
}
