/**
 * The soak's accelerated clock: real time, plus jumps. `now()` is the wall clock plus every jump so
 * far; a timer is a real timer for its remaining time, and a jump re-arms every pending timer for
 * what is left of it then, so the timers a jump passes fire at once (in the order they were due).
 * The agent runs on it as on the system clock, except that the driver can make a minute pass
 * between two bearer drops without waiting for it: the flap damper's 60 s window, the expectations'
 * grace and the retry backoff all see the minute.
 */
import type { Clock } from '../../reconciler/api.js';

interface Pending {
  readonly due: number;
  readonly fn: () => void;
  real: NodeJS.Timeout;
}

export class JumpClock implements Clock {
  #offset = 0;
  #seq = 0;
  readonly #timers = new Map<number, Pending>();

  constructor(private readonly wall: () => number = Date.now) {}

  now(): number {
    return this.wall() + this.#offset;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    const due = this.now() + Math.max(0, ms);
    this.#timers.set(id, { due, fn, real: this.#arm(id, due, fn) });
    return id;
  }

  clearTimeout(handle: unknown): void {
    const t = this.#timers.get(handle as number);
    if (!t) return;
    clearTimeout(t.real);
    this.#timers.delete(handle as number);
  }

  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  /** The time jumped so far (ms). */
  get jumped(): number {
    return this.#offset;
  }

  /** Moves the clock `ms` forward; returns how many pending timers that made due. */
  jump(ms: number): number {
    this.#offset += Math.max(0, ms);
    const now = this.now();
    const order = [...this.#timers].sort((a, b) => a[1].due - b[1].due);
    let due = 0;
    for (const [id, t] of order) {
      clearTimeout(t.real);
      if (t.due <= now) due++;
      t.real = this.#arm(id, t.due, t.fn);
    }
    return due;
  }

  #arm(id: number, due: number, fn: () => void): NodeJS.Timeout {
    return setTimeout(
      () => {
        this.#timers.delete(id);
        fn();
      },
      Math.max(0, due - this.now()),
    );
  }
}
