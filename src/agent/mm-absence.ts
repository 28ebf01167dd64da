/**
 * ModemManager's state as the agent acts on it. When ModemManager goes away (its bus name released,
 * or the agent's own bus connection lost), its last state stays in force for a grace period: an
 * absent ModemManager says nothing about the modems, and acting on "no modems" would tear down every
 * connection's addresses and routes, only to put them back a moment later when the bus or
 * ModemManager returns with the bearers still up. Past the grace its absence is taken as it is (the
 * modems are gone, as EVE's agent treats them when it restarts ModemManager).
 */
import type { Clock } from '../../reconciler/api.js';
import type { Logger } from '../../reconciler/controller.js';
import type { Snapshot } from '../modemmanager/snapshot.js';

/** Long enough for a bus or ModemManager restart, short of EVE's 25 s health check. */
export const MM_ABSENCE_GRACE_MS = 10_000;

export class MmAbsenceGrace {
  #inForce: Snapshot;
  #timer: unknown;

  constructor(
    private readonly opts: {
      readonly clock: Clock;
      readonly logger: Logger;
      readonly graceMs: number;
      /** ModemManager's latest state (the client's snapshot). */
      readonly latest: () => Snapshot;
      /** The grace ran out with ModemManager still away: act on its absence now. */
      readonly onExpiry: () => void;
    },
  ) {
    this.#inForce = opts.latest();
  }

  /** The state to act on. */
  get snapshot(): Snapshot {
    return this.#inForce;
  }

  /** Whether ModemManager is away and its last state is still in force. */
  get holding(): boolean {
    return this.#timer !== undefined;
  }

  /** Call on every new snapshot from the client. */
  update(): void {
    const latest = this.opts.latest();
    if (latest.owner !== undefined) {
      if (this.#timer !== undefined) {
        this.opts.clock.clearTimeout(this.#timer);
        this.#timer = undefined;
        this.opts.logger.info({ owner: latest.owner }, 'ModemManager is back');
      }
      this.#inForce = latest;
      return;
    }
    // Away, and nothing of it is kept (never seen, or the grace ran out): its absence is the state.
    if (this.#inForce.owner === undefined) {
      this.#inForce = latest;
      return;
    }
    if (this.#timer !== undefined) return;
    this.opts.logger.warn(
      { graceMs: this.opts.graceMs, owner: this.#inForce.owner },
      'ModemManager is gone: its last state stays in force until it is back or the grace ends',
    );
    this.#timer = this.opts.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#inForce = this.opts.latest();
      if (this.#inForce.owner === undefined) {
        this.opts.logger.warn(
          { graceMs: this.opts.graceMs },
          'ModemManager is still gone: its modems count as gone',
        );
      }
      this.opts.onExpiry();
    }, this.opts.graceMs);
  }

  stop(): void {
    if (this.#timer !== undefined) this.opts.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
