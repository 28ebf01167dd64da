/**
 * ModemManagerSimulator: the public entry point. Owns the bus connection (BusHost), the modems, and
 * the scripting API that tests and scenario files use to change the world under the client.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BusHost } from './bus-host.js';
import { MMError } from './errors.js';
import type { SimInterface } from './iface.js';
import { type KernelEvent, makeManagerInterface } from './manager.js';
import { Modem, type ModemHost } from './modem.js';
import { BEARER_PATH_PREFIX, MODEM_PATH_PREFIX, SIM_PATH_PREFIX } from './names.js';
import type { CallRecorder } from './recorder.js';
import type { Rat } from './signal-location.js';
import {
  DEFAULT_TIMING,
  type LocationSpec,
  type ModemSpec,
  type NetworkSpec,
  type ProfileSpec,
  type ScanResultSpec,
  type SignalValues,
  type SimSpec,
  type Timing,
} from './types.js';
import { unwrap, type Variant } from './wire.js';

export interface SimulatorOptions {
  /** D-Bus address to connect to, e.g. `unix:path=/tmp/x/bus`. */
  readonly busAddress: string;
  /** Manager.Version. Default "1.20.4" (the introspection XML the simulator follows). */
  readonly version?: string;
  readonly timing?: Partial<Timing>;
}

export interface HangOptions {
  readonly interface?: string;
  readonly path?: string;
  /** How many calls to swallow (default 1; Infinity for all until clearHangs()). */
  readonly times?: number;
}

export interface RestartOptions {
  /** Time without an owner of org.freedesktop.ModemManager1. Default 0. */
  readonly downtimeMs?: number;
  /**
   * Keep every object as it is (same paths and states). Default false: like a real restart, the
   * modems are re-probed from their specs, disabled, with object indexes starting again from 0.
   */
  readonly keepObjects?: boolean;
}

/** A modem is named by its object path or by its spec `id`. */
export type ModemRef = string;

export class ModemManagerSimulator {
  readonly #host: BusHost;
  readonly #modems = new Map<string, Modem>();
  readonly #unplugged = new Map<string, ModemSpec>();
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Modems being (re-)probed: added when their timer fires; a restart takes them along. */
  readonly #probing = new Map<NodeJS.Timeout, ModemSpec>();
  #timing: Timing;
  #next = { modem: 0, sim: 0, bearer: 0 };
  #logLevel = 'INFO';
  #stopped = false;

  private constructor(opts: SimulatorOptions) {
    this.#timing = { ...DEFAULT_TIMING, ...(opts.timing ?? {}) };
    const manager: SimInterface = makeManagerInterface(opts.version ?? '1.20.4', {
      scanDevices: () => {},
      setLogging: (level) => {
        this.#logLevel = level;
      },
      kernelEvent: (ev) => this.#kernelEvent(ev),
    });
    this.#host = new BusHost(opts.busAddress, manager);
  }

  /** Connects to the bus and takes org.freedesktop.ModemManager1. */
  static async start(opts: SimulatorOptions): Promise<ModemManagerSimulator> {
    const sim = new ModemManagerSimulator(opts);
    await sim.#host.goOnline();
    return sim;
  }

  get recorder(): CallRecorder {
    return this.#host.recorder;
  }

  /** Current unique bus name (changes on restart). */
  get uniqueName(): string {
    return this.#host.uniqueName;
  }

  get logLevel(): string {
    return this.#logLevel;
  }

  get timing(): Readonly<Timing> {
    return this.#timing;
  }

  setTiming(t: Partial<Timing>): void {
    this.#timing = { ...this.#timing, ...t };
  }

  // ---- modems ------------------------------------------------------------------------------

  /** Adds (plugs in) a modem; resolves to its object path. */
  addModem(spec: ModemSpec = {}): string {
    if (spec.id !== undefined && this.#findById(spec.id))
      throw new Error(`mmsim: modem id '${spec.id}' exists`);
    const index = this.#next.modem++;
    const modem = new Modem(this.#modemHost(), index, `${MODEM_PATH_PREFIX}${index}`, spec);
    this.#modems.set(modem.path, modem);
    modem.attach();
    return modem.path;
  }

  modemPaths(): string[] {
    return [...this.#modems.keys()];
  }

  /** The current object path of a modem given by path or id; throws if it is not present. */
  pathOf(ref: ModemRef): string {
    return this.modem(ref).path;
  }

  /** The live modem model (read-only use in tests: state, bearers, sims). */
  modem(ref: ModemRef): Modem {
    const m = this.#modems.get(ref) ?? this.#findById(ref);
    if (!m) throw new Error(`mmsim: no modem '${ref}'`);
    return m;
  }

  /** Property values of an exported object, unwrapped (for assertions). */
  properties(path: string, iface: string): Record<string, unknown> {
    return unwrap(this.#iface(path, iface).allVariants()) as Record<string, unknown>;
  }

  #iface(path: string, iface: string): SimInterface {
    for (const m of this.#modems.values()) {
      const all = [
        ...m.ifaces.all.map((i) => ({ path: m.path, i })),
        ...m.bearers.map((b) => ({ path: b.path, i: b.iface })),
        ...m.sims.filter((s) => s !== null).map((s) => ({ path: s.path, i: s.iface })),
      ];
      const hit = all.find((x) => x.path === path && x.i.name === iface);
      if (hit) return hit.i;
    }
    throw new Error(`mmsim: no ${iface} on ${path}`);
  }

  #findById(id: string): Modem | undefined {
    for (const m of this.#modems.values()) if (m.spec.id === id) return m;
    return undefined;
  }

  #modemHost(): ModemHost {
    const self = this;
    return {
      // A getter, so that setTiming() also applies to modems that already exist.
      get timing() {
        return self.#timing;
      },
      exportObject: (path, ifaces) => this.#host.exportObject(path, ifaces),
      unexportObject: (path) => this.#host.unexportObject(path),
      allocBearerPath: () => `${BEARER_PATH_PREFIX}${this.#next.bearer++}`,
      allocSimPath: () => `${SIM_PATH_PREFIX}${this.#next.sim++}`,
      reprobe: (modem, spec) => {
        // After the method reply (as MM): the modem goes, then comes back once probed.
        this.#later(0, () => {
          if (this.#modems.get(modem.path) !== modem) return; // unplugged or restarted meanwhile
          modem.detach();
          this.#modems.delete(modem.path);
          this.#probe(spec);
        });
      },
    };
  }

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!this.#stopped) this.#safely(fn);
    }, ms);
    this.#timers.add(t);
  }

  /** Adds the modem after the probe delay. */
  #probe(spec: ModemSpec): void {
    const t = setTimeout(() => {
      this.#probing.delete(t);
      if (!this.#stopped) this.#safely(() => this.addModem(spec));
    }, this.#timing.probe);
    this.#probing.set(t, spec);
  }

  /** Timer callbacks must not throw into the event loop (that would kill the test process). */
  #safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      console.error('mmsim: scheduled action failed:', err);
    }
  }

  #cancelTimers(): ModemSpec[] {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    const pending = [...this.#probing.values()];
    for (const t of this.#probing.keys()) clearTimeout(t);
    this.#probing.clear();
    return pending;
  }

  // ---- faults and scripted changes ------------------------------------------------------------

  /** Registration / operator / access technology change as the network would cause it. */
  setRegistration(ref: ModemRef, change: NetworkSpec): void {
    this.modem(ref).setRegistration(change);
  }

  /** The connect failures still queued on the modem are dropped. */
  clearConnectFaults(ref: ModemRef): void {
    this.modem(ref).clearConnectFaults();
  }

  /** The next `times` connect attempts on the modem fail with this MM error name. */
  failNextConnect(
    ref: ModemRef,
    errorName: string = MMError.Failed,
    message = 'Call setup failed',
    times = 1,
  ): void {
    this.modem(ref).failNextConnect(errorName, message, times);
  }

  /** Network-initiated disconnect of the modem's connected bearers (or one bearer). */
  dropBearer(
    ref: ModemRef,
    errorName: string = MMError.NoCarrier,
    message = 'Connection dropped by the network',
    bearerPath?: string,
  ): string[] {
    return this.modem(ref).dropBearer(errorName, message, bearerPath);
  }

  removeSim(ref: ModemRef, slot?: number): void {
    this.modem(ref).removeSim(slot);
  }

  insertSim(ref: ModemRef, sim: SimSpec, slot?: number): string {
    return this.modem(ref).insertSim(sim, slot);
  }

  /** Hot-unplug: the modem, its SIMs and bearers disappear (InterfacesRemoved). */
  unplug(ref: ModemRef): void {
    const m = this.modem(ref);
    m.detach();
    this.#modems.delete(m.path);
    this.#unplugged.set(m.path, { ...m.spec, enabled: false });
  }

  /** Plugs an unplugged modem back in (power-cycled: disabled); resolves to its NEW path. */
  replug(oldPathOrId: ModemRef): string {
    let key = oldPathOrId;
    if (!this.#unplugged.has(key)) {
      for (const [p, s] of this.#unplugged) if (s.id === oldPathOrId) key = p;
    }
    const spec = this.#unplugged.get(key);
    if (!spec) throw new Error(`mmsim: '${oldPathOrId}' is not unplugged`);
    this.#unplugged.delete(key);
    return this.addModem(spec);
  }

  /** The next matching call(s) are received (and recorded) but never answered. */
  hangCall(member: string, opts: HangOptions = {}): void {
    this.#host.hang({ member, interface: opts.interface, path: opts.path, remaining: opts.times ?? 1 });
  }

  clearHangs(): void {
    this.#host.clearHangs();
  }

  /**
   * Garbage from ModemManager: a PropertiesChanged of `iface` on `path` carrying these Variants as
   * they are (wrong types, absurd values, unknown names) and `invalidated` names (a property gone),
   * storing nothing: Get/GetAll still answer the real values and `republishProperties` sends them.
   */
  emitRawProperties(
    path: string,
    iface: string,
    changed: Record<string, Variant>,
    invalidated: readonly string[] = [],
  ): void {
    this.#iface(path, iface).emitRawPropertiesChanged(changed, invalidated);
  }

  /** Sends every real property value of `iface` on `path` again, in one PropertiesChanged. */
  republishProperties(path: string, iface: string): void {
    const i = this.#iface(path, iface);
    i.emitRawPropertiesChanged(i.allVariants());
  }

  setSignal(ref: ModemRef, rat: Rat, values: SignalValues | undefined): void {
    this.modem(ref).setSignal(rat, values);
  }

  setLocation(ref: ModemRef, location: LocationSpec): void {
    this.modem(ref).setLocation(location);
  }

  setScanResults(ref: ModemRef, results: readonly ScanResultSpec[]): void {
    this.modem(ref).setScanResults(results);
  }

  setProfiles(ref: ModemRef, profiles: readonly ProfileSpec[]): void {
    this.modem(ref).setProfiles(profiles);
  }

  /** ModemManager restart: the name is released, then taken again by a new connection. */
  async restart(opts: RestartOptions = {}): Promise<void> {
    await this.#host.goOffline();
    if (!opts.keepObjects) {
      // A restarted MM re-probes what is plugged in, including modems whose probe was pending.
      const pending = this.#cancelTimers();
      const specs = [...[...this.#modems.values()].map((m) => m.spec), ...pending].map((s) => ({
        ...s,
        enabled: false,
      }));
      for (const m of this.#modems.values()) m.detach();
      this.#modems.clear();
      this.#host.dropAllObjects();
      this.#next = { modem: 0, sim: 0, bearer: 0 };
      for (const s of specs) this.addModem(s);
    }
    if (opts.downtimeMs) await sleep(opts.downtimeMs);
    await this.#host.goOnline();
  }

  /** Releases the name, closes the connection and cancels pending timers. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelTimers();
    for (const m of this.#modems.values()) m.detach();
    await this.#host.goOffline();
  }

  // ---- manager hooks -----------------------------------------------------------------------

  /** ReportKernelEvent as the real kit uses it: remove a port → unplug; add it back → re-probe. */
  #kernelEvent(ev: KernelEvent): void {
    if (ev.action === 'remove') {
      for (const m of [...this.#modems.values()]) {
        if (portNames(m.spec).includes(ev.name)) this.unplug(m.path);
      }
      return;
    }
    for (const [oldPath, spec] of this.#unplugged) {
      if (!portNames(spec).includes(ev.name)) continue;
      this.#unplugged.delete(oldPath);
      this.#probe(spec);
    }
  }
}

function portNames(spec: ModemSpec): string[] {
  const names = (spec.ports ?? []).map((p) => p.name);
  if (names.length === 0) names.push(spec.primaryPort ?? 'cdc-wdm0', spec.bearer?.interface ?? 'wwan0');
  return names;
}
