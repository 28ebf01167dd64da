/**
 * Flap damping: an item whose observed state keeps drifting away from what was applied (a bearer that
 * drops again right after each reconnect) is repaired at once the first few times; after `threshold`
 * drifts within `windowMs` each further repair waits, growing on the shared backoff, so a flapping
 * item costs a few repairs a minute instead of one per drop. A quiet period longer than the window
 * forgets the history. The damper only decides and explains; the planner defers held items
 * (`PlanOptions.holds`) and the controller shows the reason in the item's status.
 */
import type { Item, ItemStatus } from './api.js';
import { Backoff, type BackoffPolicy, defaultBackoff } from './backoff.js';
import type { Graph } from './graph.js';
import { changedKeys } from './graph.js';
import { contentKey, depKeys, formatRef, refFromKey } from './item.js';
import type { Hold } from './plan.js';

export interface DampingOptions {
  /** Drifts within the window that are still repaired at once (default 3); the next one waits. */
  readonly threshold?: number;
  /** How far back drifts count, and how long a quiet period forgets them (default 60 s). */
  readonly windowMs?: number;
  /** The growth of the wait (default: the shared backoff, 1 s doubling up to 5 min, ±20% jitter). */
  readonly backoff?: BackoffPolicy;
}

/** What the damper knows about one item, for status pages and tests. */
export interface DampingInfo {
  /** Drifts since the history began (each within the window of the one before). */
  readonly drifts: number;
  readonly firstAt: number;
  readonly lastAt: number;
  /** Set while a repair is held. */
  readonly heldUntil?: number;
  readonly reason?: string;
}

/** The pino subset the damper logs through. */
interface DampingLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

interface Record {
  /** The last drift times inside the window, at most threshold + 1 of them. */
  readonly times: number[];
  drifts: number;
  readonly firstAt: number;
  readonly backoff: Backoff;
  /** The desired item's content the drifts were about: a new spec starts over. */
  desiredKey: string;
  hold: (Hold & { readonly since: number }) | undefined;
  /** A hold was logged at warn in this history (later ones go to debug). */
  warned: boolean;
  /** The number of the last drift counted (see `mark()`). */
  lastSeq: number;
  /**
   * The last drift was seen while the item's repair was applied, and the merge of the apply's result
   * put the item back in sync: the next drift observed is that same one again, not another.
   */
  echo: boolean;
}

export class FlapDamper {
  private readonly threshold: number;
  private readonly windowMs: number;
  private readonly policy: BackoffPolicy;
  private readonly records = new Map<string, Record>();
  /** Drifts counted so far (all items): marks what an apply saw happen while it ran. */
  private seq = 0;

  constructor(
    opts: DampingOptions,
    private readonly random: (() => number) | undefined,
    private readonly logger: DampingLogger | undefined,
  ) {
    this.threshold = Math.max(0, Math.floor(opts.threshold ?? 3));
    this.windowMs = Math.max(0, opts.windowMs ?? 60_000);
    this.policy = opts.backoff ?? defaultBackoff;
  }

  /** How many items have a history (bounded by the desired items; for tests and metrics). */
  get size(): number {
    return this.records.size;
  }

  /**
   * Counts the drifts an observation made: a managed item that was in sync with the desired graph
   * and is now deleted, changed, or replaced by an external one (the planner must repair it).
   */
  observe(prev: Graph, next: Graph, desired: Graph, now: number): void {
    const keys = changedKeys(prev, next) ?? new Set([...prev.nodes.keys()]);
    for (const k of keys) {
      const d = desired.nodes.get(k);
      if (!d || d.item.external) continue;
      const want = contentKey(d.item);
      const n = next.nodes.get(k);
      if (n && !n.item.external && contentKey(n.item) === want) {
        // Seen in sync: a drift after this is a new one.
        const r = this.records.get(k);
        if (r) r.echo = false;
        continue;
      }
      const p = prev.nodes.get(k);
      if (!p || p.item.external) continue;
      if (contentKey(p.item) !== want) continue;
      // Knocked out with a dependency (routes gone with their link): the dependency's flap, not its own.
      if (!depsInSync(next, desired, d.item)) continue;
      this.drift(k, want, now);
    }
  }

  /** The drift count now, for `reinstated` after an apply. */
  mark(): number {
    return this.seq;
  }

  /**
   * An apply's result was merged onto a current graph that observations changed while it ran
   * (`observed` before the merge, `merged` after). An item whose drift was counted during the apply
   * (after `mark`) and which the merge put back in sync from the apply's own result will be seen
   * drifted again by the next observation: that is the same drift, not counted twice.
   */
  reinstated(observed: Graph, merged: Graph, desired: Graph, mark: number): void {
    for (const [k, r] of this.records) {
      if (r.lastSeq <= mark) continue;
      const d = desired.nodes.get(k);
      if (!d || d.item.external) continue;
      const want = contentKey(d.item);
      const o = observed.nodes.get(k);
      const m = merged.nodes.get(k);
      const inSync = (x: typeof o) => !!x && !x.item.external && contentKey(x.item) === want;
      if (!inSync(o) && inSync(m)) r.echo = true;
    }
  }

  private drift(k: string, desiredKey: string, now: number): void {
    let r = this.records.get(k);
    if (r?.echo && r.desiredKey === desiredKey) {
      r.echo = false;
      return;
    }
    const last = r?.times[r.times.length - 1];
    if (r && (r.desiredKey !== desiredKey || last === undefined || now - last > this.windowMs)) {
      this.forget(k, r, now, r.desiredKey !== desiredKey ? 'spec changed' : 'quiet');
      r = undefined;
    }
    if (!r) {
      r = {
        times: [],
        drifts: 0,
        firstAt: now,
        backoff: new Backoff(this.policy, this.random),
        desiredKey,
        hold: undefined,
        warned: false,
        lastSeq: 0,
        echo: false,
      };
      this.records.set(k, r);
    }
    r.drifts++;
    r.lastSeq = ++this.seq;
    r.times.push(now);
    while (r.times.length > 0 && now - r.times[0]! > this.windowMs) r.times.shift();
    while (r.times.length > this.threshold + 1) r.times.shift();
    if (r.times.length <= this.threshold) {
      // Spread out enough: repaired at once, and the wait starts from the base again next time.
      r.backoff.reset();
      r.hold = undefined;
      return;
    }
    const delay = r.backoff.next();
    const reason = `damped: ${r.drifts} drifts in ${seconds(now - r.firstAt)}, next repair in ${seconds(delay)}`;
    r.hold = { until: now + delay, reason, since: now };
    const fields = {
      item: formatRef(refFromKey(k)),
      drifts: r.drifts,
      delayMs: delay,
      windowMs: this.windowMs,
    };
    if (!r.warned) this.logger?.warn(fields, `flap damping: ${reason}`);
    else this.logger?.debug(fields, `flap damping: ${reason}`);
    r.warned = true;
  }

  /**
   * The holds in force for a plan at `now`: only for items still desired with the spec the drifts
   * were about. Drops histories that no longer apply (item gone from both graphs, spec changed, quiet
   * for longer than the window), so the map never outgrows the graphs.
   */
  holds(current: Graph, desired: Graph, now: number): Map<string, Hold> {
    const out = new Map<string, Hold>();
    for (const [k, r] of this.records) {
      const d = desired.nodes.get(k);
      if (!d && !current.nodes.has(k)) {
        this.records.delete(k);
        continue;
      }
      if (!d || d.item.external || contentKey(d.item) !== r.desiredKey) {
        this.forget(k, r, now, 'spec changed');
        continue;
      }
      if (r.hold && r.hold.until > now) {
        // Back in sync by itself: no repair to hold, nothing to report (the next drift holds again).
        const c = current.nodes.get(k);
        if (c && !c.item.external && contentKey(c.item) === r.desiredKey) continue;
        // While a dependency is out of sync too, the item waits for it anyway, and must follow its
        // repair at once: a hold of its own (from a drift seen before the dependency's) would lag it.
        if (depsInSync(current, desired, d.item)) out.set(k, { until: r.hold.until, reason: r.hold.reason });
        continue;
      }
      const last = r.times[r.times.length - 1] ?? r.firstAt;
      if (now - last > this.windowMs) this.forget(k, r, now, 'quiet');
    }
    return out;
  }

  /** The statuses with each held item shown as waiting, with the reason (a failure's status wins). */
  overlay(statuses: Map<string, ItemStatus>, holds: ReadonlyMap<string, Hold>): Map<string, ItemStatus> {
    for (const [k, h] of holds) {
      const st = statuses.get(k);
      if (st?.state === 'failed') continue;
      const since = this.records.get(k)?.hold?.since ?? 0;
      statuses.set(k, {
        state: 'pending',
        attempts: 0,
        pendingReason: h.reason,
        nextAttemptAt: h.until,
        updatedAt: since,
      });
    }
    return statuses;
  }

  /** The earliest end of a hold after `after` (the last plan's time: it deferred those), when to look again. */
  nextWakeAt(after: number): number | undefined {
    let t: number | undefined;
    for (const r of this.records.values()) {
      const u = r.hold?.until;
      if (u !== undefined && u > after && (t === undefined || u < t)) t = u;
    }
    return t;
  }

  info(): ReadonlyMap<string, DampingInfo> {
    const out = new Map<string, DampingInfo>();
    for (const [k, r] of this.records) {
      out.set(k, {
        drifts: r.drifts,
        firstAt: r.firstAt,
        lastAt: r.times[r.times.length - 1] ?? r.firstAt,
        ...(r.hold ? { heldUntil: r.hold.until, reason: r.hold.reason } : {}),
      });
    }
    return out;
  }

  clear(): void {
    this.records.clear();
  }

  private forget(k: string, r: Record, now: number, why: 'quiet' | 'spec changed'): void {
    this.records.delete(k);
    // Only a history that was damped is worth a line: it says the item is repaired at once again.
    if (r.warned)
      this.logger?.info(
        { item: formatRef(refFromKey(k)), drifts: r.drifts, forMs: now - r.firstAt, why },
        'flap damping ended',
      );
  }
}

/** Whether every dependency of the desired item `it` is in `g` as the desired graph wants it. */
function depsInSync(g: Graph, desired: Graph, it: Item): boolean {
  for (const k of depKeys(it)) {
    const have = g.nodes.get(k);
    if (!have) return false;
    const want = desired.nodes.get(k);
    if (want && !want.item.external && contentKey(have.item) !== contentKey(want.item)) return false;
  }
  return true;
}

/** "8 s", "1.5 s", "5 min": short and exact enough for a status line. */
function seconds(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
