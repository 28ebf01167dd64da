/**
 * The wwan agent: WwanConfig and what ModemManager and the kernel report go in; a desired graph is
 * built, the reconciler's controller diffs it against the observed graph and acts on the difference;
 * WwanStatus / WwanMetrics / WwanLocationInfo come out. Everything is event-driven: ModemManager
 * signals (through the client's snapshot), netlink notifications, config changes, retry timers.
 */
import { type Clock, type Item, systemClock } from '../../reconciler/api.js';
import { Controller, type Logger } from '../../reconciler/controller.js';
import { exportGraph, type GraphExport } from '../../reconciler/export.js';
import { type Graph, syncGraph } from '../../reconciler/graph.js';
import { contentKey, item, keyOf } from '../../reconciler/item.js';
import { connectedBearer } from '../modemitems/desired.js';
import {
  createModemConfigurators,
  type ModemSecrets,
  modemPredicates,
  type PlacedItem,
  SecretStore,
} from '../modemitems/index.js';
import { SCAN_PERIOD_MS, ScanTracker, scanRound } from '../modemitems/scan.js';
import { isSimLocked, PinMemory } from '../modemitems/sim-pin.js';
import {
  ATTACH,
  CONNECTION,
  LOCATION,
  MODEM,
  MODES,
  RADIO,
  REPAIR,
  SCAN,
  SIGNAL,
  SIM_PIN,
  SIM_SLOT,
} from '../modemitems/types.js';
import type { ModemManagerCalls } from '../modemmanager/calls.js';
import type { ModemView, Snapshot } from '../modemmanager/snapshot.js';
import { IFACE, ModemState, type VarDict } from '../modemmanager/types.js';
import { createNetConfigurators } from '../netitems/configurators.js';
import { createNetObserver, type NetObserver } from '../netitems/observer.js';
import { netPredicates } from '../netitems/predicates.js';
import { ADDRESS, DNS, INTERFACE, LINK, ROUTE } from '../netitems/types.js';
import type { NetlinkAdapter } from '../netlink/adapter.js';
import type { WwanConfig } from '../schemas/types.generated.js';
import {
  ConnectivityMonitor,
  type ConnectivitySettings,
  type ProbeSubject,
  type RunProbes,
} from './connectivity.js';
import { Expectations } from './expectations.js';
import { type ModemFacts, PhysAddrMemo, type PhysAddrSource } from './facts.js';
import { MM_ABSENCE_GRACE_MS, MmAbsenceGrace } from './mm-absence.js';
import { buildModel, type Model, observedModemItems, withDepsOf } from './model.js';
import { ModemRecovery, type RecoveryActions, type RecoverySettingsNow } from './recovery.js';

const MM_TYPES = new Set([
  MODEM,
  RADIO,
  SIM_SLOT,
  SIM_PIN,
  MODES,
  ATTACH,
  CONNECTION,
  LOCATION,
  SIGNAL,
  SCAN,
  REPAIR,
]);
const NET_TYPES = new Set([INTERFACE, LINK, ADDRESS, ROUTE, DNS]);
/**
 * The kernel's state is dumped again this often as a net under a lost netlink event. Rarely: every
 * change comes as an event, an overflowing event socket ends the process (src/netlink/watch.ts) and
 * an undecodable event asks for a dump at once, while each dump wakes an idle agent for a rebuild
 * (at the observer's default of a minute, the largest part of its idle CPU time).
 */
const NET_RESYNC_MS = 600_000;
/** How long the read that confirms a Connect may take (the grace window covers it otherwise). */
const VERIFY_TIMEOUT_MS = 5_000;

/** What the agent needs of the ModemManager client (its state and its calls). */
export interface ModemManagerSource {
  readonly calls: ModemManagerCalls;
  readonly snapshot: Snapshot;
  on(event: 'snapshot', listener: () => void): unknown;
  off(event: 'snapshot', listener: () => void): unknown;
}

export interface WwanAgentOptions {
  readonly mm: ModemManagerSource;
  /** The kernel side; without it (e.g. no network namespace to work in) no network items are made. */
  readonly netlink?: NetlinkAdapter;
  /**
   * The adapter the kernel observer reads with (default: `netlink`). A separate one keeps the
   * requests the agent makes (writes) apart from the dumps it reads, e.g. for counting.
   */
  readonly observerNetlink?: NetlinkAdapter;
  readonly resolvDir: string;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly physAddrs: PhysAddrSource;
  readonly signalRateSeconds?: number;
  /** How long an applied step wins over a contradicting observation (default 15 s). */
  readonly expectationGraceMs?: number;
  /** How long ModemManager's last state stays in force while it is away (default 10 s, mm-absence.ts). */
  readonly mmAbsenceGraceMs?: number;
  /** Called after every change that may change the outputs. */
  readonly onChange?: () => void;
  /** Soft recovery of vanished modems (run.ts wires src/recovery); none: never recovered. */
  readonly recovery?: RecoveryActions;
  /** Connectivity probes (run.ts wires src/probe); none: modems are not probed. */
  readonly probe?: RunProbes;
}

/** What the agent knows, for the status projection and the CLI. */
export interface AgentView {
  readonly config: WwanConfig;
  readonly snapshot: Snapshot;
  readonly modems: readonly ModemFacts[];
  /** Item name (label or `unmanaged:<id>`) per present modem key. */
  readonly names: ReadonlyMap<string, string>;
  readonly controller: Controller;
  /** Why a modem's (by name) or, under '', the whole desired state could not be rebuilt. */
  readonly modelErrors: ReadonlyMap<string, string>;
  /** Modems that cannot be acted on for a reason outside the agent (name → why), e.g. a locked SIM. */
  readonly notices: ReadonlyMap<string, string>;
  /** The last visible-provider scan of a modem (ModemManager's dicts), while scanning is on. */
  visibleNetworks(name: string): readonly VarDict[] | undefined;
  /** The modem's connectivity probe error ('' when fine or not probed). */
  probeError(name: string): string;
}

/**
 * The desired items of the model, plus, for each modem whose items could not be built, the items it
 * had in force (the last good ones), so one modem's bad data changes nothing on it or on the others.
 */
function withKeptClusters(model: Model, desired: Graph): readonly PlacedItem[] {
  if (model.errors.size === 0) return model.desired;
  const kept: PlacedItem[] = [];
  for (const n of desired.nodes.values())
    if (model.errors.has(n.path[0] ?? '')) kept.push({ item: n.item, path: n.path });
  return [...model.desired, ...kept];
}

export class WwanAgent {
  readonly controller: Controller;
  private config: WwanConfig = {};
  private facts: ModemFacts[] = [];
  private names = new Map<string, string>();
  private assigned: ReadonlyMap<string, string> = new Map();
  private readonly secrets = new SecretStore();
  // ModemManager may report the SIM's new state before the SendPin reply: rebuild after the verdict.
  private readonly pins = new PinMemory(() => queueMicrotask(() => this.refresh('SIM PIN verdict')));
  private notices: ReadonlyMap<string, string> = new Map();
  private readonly scans = new ScanTracker({
    onResult: () => this.opts.onChange?.(),
    onError: (name, err) => this.opts.logger.warn({ modem: name, err }, 'visible-provider scan failed'),
  });
  /** When visible-provider scanning was switched on (the clock's time); undefined: off. */
  private scanSince: number | undefined;
  private scanTimer: unknown;
  private recoverySettings: RecoverySettingsNow = {
    reloadDrivers: false,
    restartModemManager: false,
    missingForMs: 120_000,
  };
  /** Soft recovery (recovery.ts), when the agent was given its actions. */
  readonly recovery: ModemRecovery | undefined;
  /** Connectivity probing and repair (connectivity.ts), when the agent was given a prober. */
  readonly connectivity: ConnectivityMonitor | undefined;
  private connectivitySettings: ConnectivitySettings = DEFAULT_CONNECTIVITY;
  private readonly expectations: Expectations;
  private readonly clock: Clock;
  private netObserver: NetObserver | undefined;
  private netIfnames: string[] = [];
  /** The interface set an observer is being started for. */
  private netTarget: string | undefined;
  private observedOnce = false;
  private buildErrors: ReadonlyMap<string, string> = new Map();
  private expiryTimer: unknown;
  private stopped = false;
  private locationRefreshSeconds: number | undefined;
  private readonly offSnapshot: () => void;
  /** ModemManager's state as acted on: its last one while it is briefly away (mm-absence.ts). */
  private readonly mmState: MmAbsenceGrace;
  private readonly physAddrs: PhysAddrMemo;
  /**
   * The model of the last rebuild and what it was built from. A kernel event changes none of it, so
   * it is observed against this model instead of rebuilding one (the rebuild was half of the work
   * per event, and a reconcile that sets up a link brings a dozen events). Dropped when a step on a
   * ModemManager item starts or ends (PIN, scan and repair memories may change with it).
   */
  private modelCache:
    | { model: Model; config: WwanConfig; snapshot: Snapshot; scanRound: number | undefined }
    | undefined;
  /** A rebuild asked for by events, done once per burst (one D-Bus or netlink read brings several). */
  private pendingRefresh: { reason: string; kernelOnly: boolean } | undefined;
  private rebuildCount = 0;

  constructor(private readonly opts: WwanAgentOptions) {
    this.connectivity = opts.probe
      ? new ConnectivityMonitor({
          clock: opts.clock ?? systemClock,
          logger: opts.logger,
          probe: opts.probe,
          settings: () => this.connectivitySettings,
          onChange: () => {
            this.refresh('connectivity probe');
            this.opts.onChange?.();
          },
        })
      : undefined;
    this.recovery = opts.recovery
      ? new ModemRecovery({
          clock: opts.clock ?? systemClock,
          logger: opts.logger,
          actions: opts.recovery,
          settings: () => this.recoverySettings,
        })
      : undefined;
    this.clock = opts.clock ?? systemClock;
    this.physAddrs = new PhysAddrMemo(opts.physAddrs);
    this.expectations = new Expectations(this.clock, opts.expectationGraceMs ?? 15_000);
    const modemConfs = createModemConfigurators({
      calls: opts.mm.calls,
      view: (name) => this.viewOf(name),
      secrets: (name) => this.secrets.get(name),
      pins: this.pins,
      scans: this.scans,
      repairs: {
        noteRepairDone: (name, step, round) => this.connectivity?.noteRepairDone(name, step, round),
      },
    });
    const netConfs = opts.netlink
      ? createNetConfigurators({ netlink: opts.netlink, resolvDir: opts.resolvDir })
      : {};
    this.controller = new Controller({
      name: 'wwan',
      configurators: { ...modemConfs, ...netConfs },
      predicates: { ...modemPredicates, ...netPredicates },
      clock: this.clock,
      logger: opts.logger,
    });
    this.controller.on((e) => {
      if (e.type === 'step-started' || e.type === 'step-finished') {
        if (MM_TYPES.has(e.step.ref.type)) this.modelCache = undefined;
        const k = keyOf(e.step.ref);
        const isDelete = e.step.op === 'delete' || e.step.phase === 'delete';
        const want = isDelete ? null : (this.controller.state().desired.nodes.get(k)?.item ?? null);
        if (e.type === 'step-started') this.expectations.stepStarted(k, want);
        else if (this.expectations.stepFinished(k, e.outcome.ok, want, this.markOf(e.step.ref)) && want)
          this.verifyConnected(e.step.ref);
      }
      if (e.type === 'run-finished') {
        // A step's effect is folded into the current graph when the run ends, over anything observed
        // meanwhile (a bearer that dropped while Connect returned): look again, so that is not lost.
        if (e.record.succeeded > 0) this.refresh('re-observe after applying');
        this.armExpiry();
        this.opts.onChange?.();
      }
    });
    this.mmState = new MmAbsenceGrace({
      clock: this.clock,
      logger: opts.logger,
      graceMs: opts.mmAbsenceGraceMs ?? MM_ABSENCE_GRACE_MS,
      latest: () => opts.mm.snapshot,
      onExpiry: () => this.refreshSoon('ModemManager is still gone', false),
    });
    const onSnapshot = () => {
      this.mmState.update();
      this.refreshSoon('ModemManager state changed', false);
    };
    opts.mm.on('snapshot', onSnapshot);
    this.offSnapshot = () => opts.mm.off('snapshot', onSnapshot);
  }

  /** Applies a new (validated) config. */
  setConfig(config: WwanConfig, secrets: ReadonlyMap<string, ModemSecrets>): void {
    this.config = config;
    this.secrets.replace(secrets);
    this.refresh('config changed');
  }

  /**
   * Visible-provider scanning (`wwan.query.visible.providers`): on, every managed modem is scanned at
   * once and then every hour (a new round each period); off, scans stop and their results go.
   */
  setScanning(on: boolean): void {
    if (on === (this.scanSince !== undefined)) return;
    this.scanSince = on ? this.clock.now() : undefined;
    this.scheduleScanRound();
    this.refresh(on ? 'visible-provider scanning on' : 'visible-provider scanning off');
  }

  private scheduleScanRound(): void {
    if (this.scanTimer !== undefined) this.clock.clearTimeout(this.scanTimer);
    this.scanTimer = undefined;
    if (this.scanSince === undefined || this.stopped) return;
    const next = this.scanSince + (scanRound(this.scanSince, this.clock.now()) + 1) * SCAN_PERIOD_MS;
    this.scanTimer = this.clock.setTimeout(() => {
      this.scanTimer = undefined;
      this.scheduleScanRound();
      this.refresh('visible-provider scan round');
    }, next - this.clock.now());
  }

  /** Probe and repair settings from the global config (wwan.probe.*). */
  setConnectivitySettings(s: ConnectivitySettings): void {
    this.connectivitySettings = s;
  }

  /** Soft-recovery settings from the global config (wwan.modem.recovery.*). */
  setRecoverySettings(s: RecoverySettingsNow): void {
    this.recoverySettings = s;
    this.recovery?.settingsChanged();
  }

  /** The tracking modem's GPS refresh rate (global config timer.location.*); a change is a modify. */
  setLocationRefresh(seconds: number): void {
    if (seconds === this.locationRefreshSeconds) return;
    this.locationRefreshSeconds = seconds;
    this.refresh('location refresh rate changed');
  }

  /** The merged desired/current graph with states and the last plan (schemas/graph-export.schema.json). */
  graphExport(): GraphExport {
    const st = this.controller.state();
    return exportGraph(st.current, st.desired, {
      ...(st.lastPlan ? { plan: st.lastPlan } : {}),
      statuses: st.statuses,
      predicates: { ...modemPredicates, ...netPredicates },
      inProgress: st.inProgress,
    });
  }

  /**
   * The kernel's state of the interfaces is being read for the first time. Until then the network
   * items look missing, so a status written now would say "interface does not exist" for a modem
   * that is online (seen after a restart): the writer waits, and is called again when it is read.
   */
  get readingKernel(): boolean {
    return this.netObserver === undefined && this.netTarget !== undefined;
  }

  view(): AgentView {
    return {
      config: this.config,
      snapshot: this.mmState.snapshot,
      modems: this.facts,
      names: this.names,
      controller: this.controller,
      modelErrors: this.buildErrors,
      notices: this.notices,
      visibleNetworks: (name) => this.scans.visible(name),
      probeError: (name) => this.connectivity?.probeError(name) ?? '',
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.offSnapshot();
    this.mmState.stop();
    if (this.expiryTimer !== undefined) this.clock.clearTimeout(this.expiryTimer);
    if (this.scanTimer !== undefined) this.clock.clearTimeout(this.scanTimer);
    for (const name of this.scans.names()) this.scans.stop(name);
    this.recovery?.stop();
    this.connectivity?.stop();
    this.netObserver?.close();
    await this.controller.stop();
  }

  /**
   * A rebuild after an event, once the burst it came in is handled (a microtask: before any reply
   * read after it is acted on, so the order of observations and step results stays as it was).
   */
  private refreshSoon(reason: string, kernelOnly: boolean): void {
    const pending = this.pendingRefresh;
    if (pending) {
      if (!kernelOnly && pending.kernelOnly) this.pendingRefresh = { reason, kernelOnly };
      return;
    }
    this.pendingRefresh = { reason, kernelOnly };
    queueMicrotask(() => {
      const p = this.pendingRefresh;
      this.pendingRefresh = undefined;
      if (!p || this.stopped) return;
      if (p.kernelOnly) this.refreshKernel(p.reason);
      else {
        this.refresh(p.reason);
        this.opts.onChange?.();
      }
    });
  }

  /** The kernel changed, nothing else: observe it against the model in force when it still holds. */
  private refreshKernel(reason: string): void {
    const c = this.modelCache;
    if (
      c === undefined ||
      c.config !== this.config ||
      c.snapshot !== this.mmState.snapshot ||
      c.scanRound !== this.scanRoundNow()
    ) {
      this.refresh(reason);
      return;
    }
    this.observe(c.model, reason);
  }

  private scanRoundNow(): number | undefined {
    return this.scanSince === undefined ? undefined : scanRound(this.scanSince, this.clock.now());
  }

  private viewOf(name: string): ModemView | undefined {
    for (const f of this.facts) if (this.names.get(f.key) === name) return f.view;
    return undefined;
  }

  /**
   * The repair step the desired graph holds for a modem. The connectivity state is updated only after
   * the model is built (it needs the model's inputs), so a config that just stopped probing (radio
   * silence, Probe.Disable) must not bring back a step the update is about to drop: the observed graph
   * would lack it and the plan would run the step again.
   */
  private repairWanted(name: string): ReturnType<ConnectivityMonitor['repair']> {
    if (this.config.RadioSilence) return undefined;
    const net = (this.config.Networks ?? []).find((n) => n.LogicalLabel === name);
    if (net?.Probe?.Disable) return undefined;
    return this.connectivity?.repair(name);
  }

  /** Rebuilds the desired graph and the observed items from the present inputs (level-triggered). */
  refresh(reason: string): void {
    if (this.stopped) return;
    let model: Model | undefined;
    this.modelCache = undefined;
    this.rebuildCount++;
    const config = this.config;
    const snapshot = this.mmState.snapshot;
    const round = this.scanRoundNow();
    try {
      model = buildModel({
        config,
        snapshot,
        physAddrs: this.physAddrs,
        previous: this.assigned,
        secrets: (name) => this.secrets.get(name),
        pinMemory: this.pins,
        network: this.opts.netlink !== undefined,
        ...(this.opts.signalRateSeconds ? { signalRateSeconds: this.opts.signalRateSeconds } : {}),
        ...(this.locationRefreshSeconds ? { locationRefreshSeconds: this.locationRefreshSeconds } : {}),
        ...(round !== undefined ? { scanRound: round } : {}),
        ...(this.connectivity ? { repairOf: (name: string) => this.repairWanted(name) } : {}),
      });
      this.physAddrs.sweep();
      this.facts = [...model.facts];
      this.assigned = model.assigned;
      this.names = new Map(model.names);
      this.noteModelErrors(model.errors);
      this.noteNotices(model.notices);
      for (const m of model.inputs) if (m.view && !isSimLocked(m.view)) this.pins.unlocked(m.name);
      // A modem that went away is scanned afresh when it comes back (EVE scans an added modem).
      const present = new Set(model.inputs.flatMap((m) => (m.view ? [m.name] : [])));
      for (const name of this.scans.names()) if (!present.has(name)) this.scans.stop(name);
      this.connectivity?.update(
        this.config.RadioSilence
          ? []
          : model.inputs.flatMap((m) =>
              m.config ? [{ name: m.name, config: m.config, ...probeLink(m.view) }] : [],
            ),
      );
      this.recovery?.update(
        model.inputs
          .filter((m) => m.config)
          .map((m) => ({
            name: m.name,
            ...(m.view
              ? {
                  device: m.view.modem.Device
                    ? { sysfsPath: m.view.modem.Device }
                    : { usb: m.config?.PhysAddrs?.USB, pci: m.config?.PhysAddrs?.PCI },
                }
              : {}),
          })),
      );
      const desired = this.controller.state().desired;
      this.controller.setDesired(syncGraph(desired, withKeptClusters(model, desired)), reason);
      this.ensureNetObserver(model.desired);
      this.modelCache = { model, config, snapshot, scanRound: round };
    } catch (err) {
      // Whatever goes wrong in building the desired state, the observations below must go on: the
      // items in force are still repaired when a bearer drops.
      this.noteModelErrors(new Map([['', err instanceof Error ? err.message : String(err)]]));
    }
    if (model) this.observe(model, reason);
  }

  /** How many times the desired state was rebuilt (for tests and benches: what an event costs). */
  get rebuilds(): number {
    return this.rebuildCount;
  }

  /** Expectations and step watches held (bounded: see expectations.ts). */
  get pendingExpectations(): number {
    return this.expectations.size;
  }

  /** Why a modem's (name) or the whole ('') desired state could not be rebuilt; logged once per change. */
  modelErrors(): ReadonlyMap<string, string> {
    return this.buildErrors;
  }

  /** Why a modem cannot be acted on (a locked SIM, ...): its ConfigError; logged once per change. */
  private noteNotices(notices: ReadonlyMap<string, string>): void {
    for (const [name, why] of notices)
      if (this.notices.get(name) !== why) this.opts.logger.warn({ modem: name }, why);
    this.notices = notices;
  }

  private noteModelErrors(errors: ReadonlyMap<string, string>): void {
    for (const [name, why] of errors) {
      if (this.buildErrors.get(name) === why) continue;
      this.opts.logger.error(
        { modem: name || undefined, err: why },
        name
          ? `cannot build the desired state of ${name}; keeping its items in force`
          : 'cannot build the desired state; keeping the items in force',
      );
    }
    for (const name of this.buildErrors.keys())
      if (!errors.has(name)) this.opts.logger.info({ modem: name || undefined }, 'desired state built again');
    this.buildErrors = errors;
  }

  /** Folds ModemManager's and the kernel's present state into the current graph. */
  private observe(model: Model, reason: string): void {
    const desired = this.controller.state().desired;
    const observed = observedModemItems(model, (k) => desired.nodes.get(k)?.item, {
      pins: this.pins,
      scans: this.scans,
      repairDone: (name) => this.connectivity?.repairDone(name),
    });
    const netItems = this.netObserver?.items() ?? [];
    const initial = !this.observedOnce;
    this.observedOnce = true;
    this.controller.observe((e) => {
      const current = this.controller.state().current;
      const seen = new Set<string>();
      const put = (p: PlacedItem | { item: Item; path: readonly string[] }) => {
        const k = keyOf(p.item);
        seen.add(k);
        p = {
          item: withDepsOf(p.item, desired.nodes.get(k)?.item ?? current.nodes.get(k)?.item),
          path: p.path,
        };
        if (!this.expectations.accept(k, p.item, this.markOf(p.item))) return;
        const old = current.nodes.get(k);
        if (old && contentKey(old.item) === contentKey(p.item)) return;
        // A change we did not make is drift; the very first look is just the starting point.
        e.put(p.item, { path: old?.path ?? p.path, observed: !initial && !p.item.external });
      };
      for (const p of observed) put(p);
      for (const [k, n] of current.nodes) {
        if (!MM_TYPES.has(n.item.type) || seen.has(k)) continue;
        if (this.expectations.accept(k, undefined, this.markOf(n.item))) e.delete(n.item);
      }
      if (this.netObserver) {
        // The kernel's picture of the managed interfaces replaces ours (same rules as above).
        const ifnames = new Set(this.netIfnames);
        for (const it of netItems) put({ item: it, path: current.nodes.get(keyOf(it))?.path ?? [] });
        // An observed link means its interface exists (external: the agent never creates one).
        for (const it of netItems) {
          if (it.type !== LINK) continue;
          put({
            item: item({ type: INTERFACE, name: it.name, spec: { present: true }, external: true }),
            path: [],
          });
        }
        for (const [k, n] of current.nodes) {
          if (!NET_TYPES.has(n.item.type) || seen.has(k)) continue;
          const ifname =
            n.item.type === LINK || n.item.type === INTERFACE
              ? n.item.name
              : (n.item.spec as { ifname?: string }).ifname;
          if (ifname !== undefined && ifnames.has(ifname) && this.expectations.accept(k, undefined))
            e.delete(n.item);
        }
      }
    }, reason);
  }

  /**
   * The ModemManager objects a connection is observed from: the modem's bearer objects (immutable in
   * the client's snapshot, so a new object means a new report). Anything ModemManager reports after
   * it replied to Connect is at least as new as the reply, so a bearer that changed since is news.
   */
  private markOf(ref: { type: string; name: string }): readonly unknown[] | undefined {
    if (ref.type !== CONNECTION) return undefined;
    const path = this.viewOf(ref.name)?.path;
    if (path === undefined) return [];
    const snap = this.mmState.snapshot;
    const bearers = (snap.objects[path]?.[IFACE.modem] as { Bearers?: readonly string[] } | undefined)
      ?.Bearers;
    return (bearers ?? []).map((b) => snap.objects[b]);
  }

  /**
   * A Connect whose effect was not reported yet: ask ModemManager directly (Simple.GetStatus answers
   * from its present state, while its property signals may lag the reply). A modem that says it is
   * registered but not connected dropped the bearer already: take the observations at once instead
   * of holding them for the grace window.
   */
  private verifyConnected(ref: { type: string; name: string }): void {
    if (ref.type !== CONNECTION) return;
    const path = this.viewOf(ref.name)?.path;
    if (path === undefined) return;
    this.opts.mm.calls.getStatus(path, { timeoutMs: VERIFY_TIMEOUT_MS }).then(
      (st) => {
        const state = (st as Partial<typeof st> | undefined)?.state;
        if (this.stopped || typeof state !== 'number' || state > ModemState.Registered) return;
        if (this.expectations.settle(keyOf(ref))) this.refresh('ModemManager reports the connection down');
      },
      (err: unknown) =>
        // The grace window still applies; this read only shortens it.
        this.opts.logger.debug({ err, modem: ref.name }, 'cannot read the modem state after Connect'),
    );
  }

  /** The network observer follows the interfaces of the connected bearers (and those it saw before). */
  private ensureNetObserver(desired: readonly PlacedItem[]): void {
    if (!this.opts.netlink) return;
    const ifnames = new Set(this.netIfnames);
    for (const p of desired) if (p.item.type === LINK) ifnames.add(p.item.name);
    const next = [...ifnames].sort();
    const key = next.join(',');
    if (next.length === 0 || key === this.netTarget) return;
    this.netTarget = key;
    // The new observer takes over only once it has read the kernel: before its first dump it knows
    // nothing, and "nothing" would read as "everything was deleted".
    const obs = createNetObserver({
      netlink: this.opts.observerNetlink ?? this.opts.netlink,
      ifnames: next,
      periodicResyncMs: NET_RESYNC_MS,
      resolvDir: this.opts.resolvDir,
      logger: this.opts.logger,
      onChange: () => {
        if (this.netObserver === obs) this.refreshSoon('kernel state changed', true);
      },
    });
    obs.start().then(
      () => {
        if (this.stopped || this.netTarget !== key) {
          obs.close();
          return;
        }
        const first = this.netObserver === undefined;
        this.netObserver?.close();
        this.netObserver = obs;
        this.netIfnames = next;
        this.refreshKernel('kernel state read');
        if (first) this.opts.onChange?.();
      },
      (err: unknown) => {
        obs.close();
        if (this.netTarget === key) this.netTarget = undefined;
        this.opts.logger.error({ err }, 'cannot watch the network interfaces');
        this.opts.onChange?.(); // a status held back for the first read is written without it
      },
    );
  }

  private armExpiry(): void {
    this.expectations.prune();
    const at = this.expectations.nextExpiry();
    if (this.expiryTimer !== undefined) this.clock.clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    if (at === undefined || this.stopped) return;
    this.expiryTimer = this.clock.setTimeout(
      () => {
        this.expiryTimer = undefined;
        this.refresh('expected observation overdue');
        this.armExpiry();
      },
      Math.max(0, at - this.clock.now()) + 1,
    );
  }
}

/** What probing needs of a connected modem: its data interface, an address and the DNS servers. */
function probeLink(view: ModemView | undefined): Pick<ProbeSubject, 'link'> {
  const bearer = view ? connectedBearer(view) : undefined;
  const ifname = bearer?.props.Interface;
  const v4 = bearer?.props.Ip4Config;
  const v6 = bearer?.props.Ip6Config;
  const source = v4?.address || v6?.address;
  if (!bearer || !ifname || !source) return {};
  const dns = [v4?.dns1, v4?.dns2, v4?.dns3, v6?.dns1, v6?.dns2, v6?.dns3].filter(
    (d): d is string => typeof d === 'string' && d !== '',
  );
  return { link: { ifname, source, dnsServers: dns } };
}

/** EVE's probe: every 5 min, 5 s per target; ours: 2 failures in a row, then the ladder. */
export const DEFAULT_CONNECTIVITY: ConnectivitySettings = {
  intervalMs: 300_000,
  timeoutMs: 5_000,
  threshold: 2,
  cooldownMs: { reconnect: 300_000, reenable: 600_000, reset: 1_800_000 },
};
