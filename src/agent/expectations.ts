/**
 * Expectations (as in Kubernetes controllers): after a step succeeds, ModemManager and the kernel
 * report its effect a little later (a bearer object is loaded after Connect returns, a state signal
 * follows Enable). Until the observation confirms the step, or a grace period passes, an observation
 * that contradicts it is stale and must not undo it, else the next plan would connect twice.
 *
 * Exact where it can be: each step is watched from its start, and an effect already observed while
 * the step ran (ModemManager often signals before it replies) needs no expectation at all, so a
 * contradiction that follows it (a bearer dropping a millisecond after Connect) is news, taken at once.
 * Only an effect not yet seen when the step returns gets a grace window; a contradiction inside it is
 * re-checked when the window closes (the owner looks again at `nextExpiry()`), never dropped.
 *
 * Bounded: a watch lives from a step's start to its end; an expectation until it is confirmed or its
 * window closes (`prune`).
 */
import type { Clock, Item } from '../../reconciler/api.js';
import { contentKey } from '../../reconciler/item.js';

interface Expectation {
  /** The content key expected to be observed, or null for its absence. */
  readonly want: string | null;
  readonly until: number;
  /** The source objects the observation is read from, as they were when the step ended. */
  readonly mark: readonly unknown[] | undefined;
}

interface Watch {
  readonly want: string | null;
  seen: boolean;
}

const sameRefs = (a: readonly unknown[], b: readonly unknown[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

const contentOf = (it: Item | null | undefined): string | null => (it ? contentKey(it) : null);

export class Expectations {
  private readonly pending = new Map<string, Expectation>();
  private readonly watches = new Map<string, Watch>();

  constructor(
    private readonly clock: Clock,
    private readonly graceMs: number,
  ) {}

  /** A step on `key` starts that should end with `want` observed (null: absent). */
  stepStarted(key: string, want: Item | null): void {
    this.watches.set(key, { want: contentOf(want), seen: false });
  }

  /**
   * The step on `key` ended. On success, `want` is what it applied (null: removed); unless its
   * effect was already observed while it ran, contradicting observations are held back for a while.
   * Returns whether they are (an expectation was set).
   */
  /**
   * `mark`: the (immutable) source objects the item's observation is read from, e.g. a modem's bearer
   * objects. Their replacement after the step ended is news from after it (the source answers in
   * order: whatever it says after its reply is at least as new), so it is taken even if it contradicts.
   */
  stepFinished(key: string, ok: boolean, want: Item | null, mark?: readonly unknown[]): boolean {
    const w = this.watches.get(key);
    this.watches.delete(key);
    if (!ok) return false;
    const c = contentOf(want);
    if (w?.seen && w.want === c) {
      this.pending.delete(key);
      return false;
    }
    this.pending.set(key, { want: c, until: this.clock.now() + this.graceMs, mark });
    return true;
  }

  /**
   * The source itself, asked directly after the step, says the effect is gone: the expectation is
   * void and observations are taken again. Returns whether there was one.
   */
  settle(key: string): boolean {
    return this.pending.delete(key);
  }

  /**
   * Whether an observation of `key` (undefined: absent) should be taken. A confirming observation
   * clears the expectation; a contradicting one is ignored until the grace period is over.
   */
  accept(key: string, observed: Item | undefined, mark?: readonly unknown[]): boolean {
    const c = contentOf(observed);
    const w = this.watches.get(key);
    if (w && w.want === c) w.seen = true;
    const e = this.pending.get(key);
    if (!e) return true;
    const news = e.mark !== undefined && mark !== undefined && !sameRefs(e.mark, mark);
    if (e.want === c || news || this.clock.now() >= e.until) {
      this.pending.delete(key);
      return true;
    }
    return false;
  }

  /** Drops expectations whose window has closed (their key may never be observed again). */
  prune(): void {
    const now = this.clock.now();
    for (const [k, e] of this.pending) if (now >= e.until) this.pending.delete(k);
  }

  /** When the earliest unconfirmed expectation runs out (to look again then), if any. */
  nextExpiry(): number | undefined {
    let t: number | undefined;
    for (const e of this.pending.values()) if (t === undefined || e.until < t) t = e.until;
    return t;
  }

  /** Expectations and watches held (for tests of boundedness). */
  get size(): number {
    return this.pending.size + this.watches.size;
  }
}
