/**
 * Expectations (as in Kubernetes controllers): after a step succeeds, ModemManager and the kernel
 * report its effect a little later (a bearer object is loaded after Connect returns, a state signal
 * follows Enable). Until the observation confirms the step, or a grace period passes, an observation
 * that contradicts it is stale and must not undo it — else the next plan would connect twice.
 */
import type { Clock, Item } from '../../reconciler/api.js';
import { contentKey } from '../../reconciler/item.js';

interface Expectation {
  /** The item expected to be observed, or null for its absence. */
  readonly item: Item | null;
  readonly until: number;
}

export class Expectations {
  private readonly pending = new Map<string, Expectation>();

  constructor(
    private readonly clock: Clock,
    private readonly graceMs: number,
  ) {}

  expect(key: string, item: Item | null): void {
    this.pending.set(key, { item, until: this.clock.now() + this.graceMs });
  }

  /**
   * Whether an observation of `key` (undefined: absent) should be taken. A confirming observation
   * clears the expectation; a contradicting one is ignored until the grace period is over.
   */
  accept(key: string, observed: Item | undefined): boolean {
    const e = this.pending.get(key);
    if (!e) return true;
    const confirms =
      e.item === null
        ? observed === undefined
        : observed !== undefined && contentKey(observed) === contentKey(e.item);
    if (confirms || this.clock.now() >= e.until) {
      this.pending.delete(key);
      return true;
    }
    return false;
  }

  /** When the earliest unconfirmed expectation runs out (to look again then), if any. */
  nextExpiry(): number | undefined {
    let t: number | undefined;
    for (const e of this.pending.values()) if (t === undefined || e.until < t) t = e.until;
    return t;
  }

  get size(): number {
    return this.pending.size;
  }
}
