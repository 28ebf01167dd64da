/**
 * Connectivity probing and its escalation (reference eve-mmagent.md §4.9; ours where EVE has none).
 *
 * Every managed, connected modem with an address is probed every `intervalMs`, in EVE's order,
 * first success wins (src/probe): TCP to the config's proxies given as IP literals, a DNS query to
 * the bearer's DNS servers, then the user probe (ICMP to its host or 8.8.8.8, or TCP host:port).
 * `Probe.Disable` and radio silence mean no probing. Results are the modem's ProbeError, worded as
 * EVE words them.
 *
 * `threshold` failures in a row start the repair ladder, one step at a time, each only after the
 * previous step's cooldown and `threshold` new failures: reconnect (a disconnect; the reconciler
 * connects again, nothing else is touched), then disable and enable the modem (the reconciler
 * enables it), then Modem.Reset (again no more often than its cooldown). A success at any point
 * ends the ladder. EVE reconnects on one failure and has no further step.
 *
 * The steps are items (`mm.repair/<name> {step, round}`): what is due is desired; a step done is
 * observed from here (ModemManager cannot show it), so the plan and the graph say which step ran and
 * why. Schedules run on the agent's clock.
 */
import type { Clock } from '../../reconciler/api.js';
import type { Logger } from '../../reconciler/controller.js';
import type { ProbeOptions, ProbeRunResult, ProbeTarget } from '../probe/index.js';
import type { WwanNetworkConfig } from '../schemas/types.generated.js';

export type RepairStep = 'reconnect' | 'reenable' | 'reset';
export const REPAIR_LADDER: readonly RepairStep[] = ['reconnect', 'reenable', 'reset'];

export interface ConnectivitySettings {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Failures in a row before each step. */
  readonly threshold: number;
  /** After a step, how long before the next one may run. */
  readonly cooldownMs: Readonly<Record<RepairStep, number>>;
}

/** EVE's default target of the user probe (8.8.8.8). */
export const DEFAULT_PROBE_HOST = '8.8.8.8';

/** One managed modem as the last refresh saw it. */
export interface ProbeSubject {
  readonly name: string;
  readonly config: WwanNetworkConfig;
  /** Present with a connected data bearer, its interface and an address. */
  readonly link?: {
    readonly ifname: string;
    readonly source: string;
    readonly dnsServers: readonly string[];
  };
}

export type RunProbes = (targets: readonly ProbeTarget[], o: ProbeOptions) => Promise<ProbeRunResult>;

const isIp = (s: string) => /^[0-9.]+$/.test(s) || s.includes(':');

/** The targets in EVE's order for this modem. */
export function probeTargets(cfg: WwanNetworkConfig, dnsServers: readonly string[]): ProbeTarget[] {
  const out: ProbeTarget[] = [];
  for (const p of cfg.Proxies ?? []) {
    if (p.server && isIp(p.server) && p.port) out.push({ kind: 'tcp', host: p.server, port: p.port });
  }
  for (const server of dnsServers) out.push({ kind: 'dns', server });
  const user = cfg.Probe?.UserDefinedProbe;
  if (user?.Method === 2 && user.ProbeHost && user.ProbePort) {
    out.push({ kind: 'tcp', host: user.ProbeHost, port: user.ProbePort });
  } else {
    out.push({
      kind: 'icmp',
      host: user?.Method === 1 && user.ProbeHost ? user.ProbeHost : DEFAULT_PROBE_HOST,
    });
  }
  return out;
}

interface ModemProbe {
  subject: ProbeSubject;
  timer: unknown;
  running: AbortController | undefined;
  error: string;
  failures: number;
  /** Index into the ladder of the next step. */
  nextStep: number;
  /** The step due now (desired), if any. */
  due: { step: RepairStep; round: number } | undefined;
  /** The last step done (observed). */
  done: { step: RepairStep; round: number; at: number } | undefined;
  /** When a probe last succeeded: a step done before it no longer holds the ladder back. */
  lastOkAt: number;
}

export class ConnectivityMonitor {
  private readonly modems = new Map<string, ModemProbe>();
  private stopped = false;

  constructor(
    private readonly opts: {
      readonly clock: Clock;
      readonly logger: Logger;
      readonly probe: RunProbes;
      readonly settings: () => ConnectivitySettings;
      /** A probe result or a repair decision changed (the owner rebuilds and publishes). */
      readonly onChange: () => void;
    },
  ) {}

  /** After each refresh: the managed modems to probe (none in radio silence or with Probe.Disable). */
  update(subjects: readonly ProbeSubject[]): void {
    if (this.stopped) return;
    const wanted = new Map(subjects.filter((s) => !s.config.Probe?.Disable).map((s) => [s.name, s]));
    for (const [name, m] of this.modems) {
      if (!wanted.has(name)) {
        this.cancel(m);
        this.modems.delete(name);
      }
    }
    for (const [name, subject] of wanted) {
      const m = this.modems.get(name);
      if (!m) {
        const fresh: ModemProbe = {
          subject,
          timer: undefined,
          running: undefined,
          error: '',
          failures: 0,
          nextStep: 0,
          due: undefined,
          done: undefined,
          lastOkAt: Number.NEGATIVE_INFINITY,
        };
        this.modems.set(name, fresh);
        // The first probe one interval after the connection, as EVE's ticker: a fresh connection has
        // just proved itself, and probing at once would only add traffic.
        if (subject.link) this.schedule(fresh, this.opts.settings().intervalMs);
        continue;
      }
      const linked = !!m.subject.link;
      m.subject = subject;
      if (!subject.link) {
        // Not connected: nothing to probe until it is (the reconciler is reconnecting it).
        this.cancel(m);
      } else if (!linked) {
        this.schedule(m, this.opts.settings().intervalMs);
      }
    }
  }

  /** The modem's ProbeError: '' after a success or before any probe. */
  probeError(name: string): string {
    const m = this.modems.get(name);
    if (!m) return '';
    if (!m.subject.link && m.error === '') return '';
    return m.error;
  }

  /** The repair step wanted now (due, or the last one done, so that it stays in sync), if any. */
  repair(name: string): { step: RepairStep; round: number } | undefined {
    const m = this.modems.get(name);
    return m?.due ?? (m?.done ? { step: m.done.step, round: m.done.round } : undefined);
  }

  /** The last step done (what the graph observes). */
  repairDone(name: string): { step: RepairStep; round: number } | undefined {
    const d = this.modems.get(name)?.done;
    return d ? { step: d.step, round: d.round } : undefined;
  }

  /** The configurator did the step. */
  noteRepairDone(name: string, step: RepairStep, round: number): void {
    const m = this.modems.get(name);
    if (!m) return;
    m.done = { step, round, at: this.opts.clock.now() };
    if (m.due?.round === round) m.due = undefined;
    m.failures = 0;
    m.nextStep = Math.min(REPAIR_LADDER.indexOf(step) + 1, REPAIR_LADDER.length - 1);
    this.opts.logger.warn({ modem: name, step, round }, 'connectivity repair done');
  }

  stop(): void {
    this.stopped = true;
    for (const m of this.modems.values()) this.cancel(m);
  }

  private cancel(m: ModemProbe): void {
    if (m.timer !== undefined) this.opts.clock.clearTimeout(m.timer);
    m.timer = undefined;
    m.running?.abort(new Error('probing stopped'));
    m.running = undefined;
  }

  private schedule(m: ModemProbe, delayMs: number): void {
    if (m.timer !== undefined) this.opts.clock.clearTimeout(m.timer);
    m.timer = this.opts.clock.setTimeout(() => {
      m.timer = undefined;
      void this.run(m);
    }, delayMs);
  }

  private async run(m: ModemProbe): Promise<void> {
    const link = m.subject.link;
    if (!link || m.running || this.stopped) return;
    const s = this.opts.settings();
    const abort = new AbortController();
    m.running = abort;
    const name = m.subject.name;
    let r: ProbeRunResult;
    try {
      r = await this.opts.probe(probeTargets(m.subject.config, link.dnsServers), {
        ifname: link.ifname,
        source: link.source,
        timeoutMs: s.timeoutMs,
        signal: abort.signal,
      });
    } catch (err) {
      r = { ok: false, results: [], error: err instanceof Error ? err.message : String(err) };
    }
    if (m.running !== abort || abort.signal.aborted) return;
    m.running = undefined;
    if (this.modems.get(name) !== m) return;
    if (r.ok) {
      if (m.failures > 0 || m.error !== '' || m.done)
        this.opts.logger.info({ modem: name }, 'connectivity probe ok');
      m.error = '';
      m.failures = 0;
      m.nextStep = 0;
      m.due = undefined;
      m.lastOkAt = this.opts.clock.now();
    } else {
      m.failures++;
      m.error = r.error;
      this.opts.logger.warn({ modem: name, failures: m.failures, err: r.error }, 'connectivity probe failed');
      this.escalate(m, s);
    }
    this.opts.onChange();
    this.schedule(m, s.intervalMs);
  }

  private escalate(m: ModemProbe, s: ConnectivitySettings): void {
    if (m.due || m.failures < s.threshold) return;
    const now = this.opts.clock.now();
    if (m.done && m.done.at > m.lastOkAt) {
      const since = now - m.done.at;
      const cooldown = s.cooldownMs[m.done.step];
      if (since < cooldown) {
        m.error = `${m.error} (next repair ${REPAIR_LADDER[m.nextStep]} after the ${m.done.step} cooldown, in ${Math.ceil((cooldown - since) / 1000)} s)`;
        return;
      }
    }
    const step = REPAIR_LADDER[m.nextStep] ?? 'reset';
    const round = (m.done?.round ?? 0) + 1;
    m.due = { step, round };
    m.error = `${m.error} (${m.failures} failures in a row: ${step})`;
    this.opts.logger.warn(
      { modem: m.subject.name, step, round, failures: m.failures },
      'connectivity repair due',
    );
  }
}
