/**
 * The modem state machine (MMModemState). Stable states are derived from the modem's facts; the
 * transitional ones (enabling, disabling, connecting, disconnecting) are set by the operations
 * while they run. Every change updates the State property and emits Modem.StateChanged(old, new,
 * reason), in that order: real MM 1.20 sends the State PropertiesChanged first (observed on the kit).
 */

import { ModemState, ModemStateChangeReason } from './enums.js';
import { emitSignal, type SimInterface } from './iface.js';

export interface StateFacts {
  readonly failed: boolean;
  readonly locked: boolean;
  readonly enabled: boolean;
  readonly connected: boolean;
  readonly registered: boolean;
  readonly searching: boolean;
}

/** MM keeps CONNECTED while a bearer is connected, even if registration was just lost. */
export function stableState(f: StateFacts): number {
  if (f.failed) return ModemState.FAILED;
  if (f.locked) return ModemState.LOCKED;
  if (!f.enabled) return ModemState.DISABLED;
  if (f.connected) return ModemState.CONNECTED;
  if (f.registered) return ModemState.REGISTERED;
  if (f.searching) return ModemState.SEARCHING;
  return ModemState.ENABLED;
}

export class StateMachine {
  readonly #iface: SimInterface;
  readonly #listeners = new Set<() => void>();

  constructor(iface: SimInterface) {
    this.#iface = iface;
  }

  get state(): number {
    return this.#iface.prop('State') as number;
  }

  set(next: number, reason: number = ModemStateChangeReason.UNKNOWN): void {
    const old = this.state;
    if (old === next) return;
    this.#iface.update({ State: next });
    emitSignal(this.#iface, 'StateChanged', old, next, reason);
    for (const l of [...this.#listeners]) l();
  }

  /** Checks every pending `waitFor` again: a fact it waits on changed without a state change (removal). */
  recheck(): void {
    for (const l of [...this.#listeners]) l();
  }

  /** Resolves when `pred()` holds (checked now and after every state change), false on timeout. */
  waitFor(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    if (pred()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (!pred()) return;
        clearTimeout(timer);
        this.#listeners.delete(check);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        resolve(false);
      }, timeoutMs);
      this.#listeners.add(check);
    });
  }
}
