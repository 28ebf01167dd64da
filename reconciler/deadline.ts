/**
 * The one timeout + abort race of the project: settles a promise with a deadline and an AbortSignal.
 * Library promises (dbus-next, netlink, configurator calls) have no timeout of their own, or no abort,
 * and a dead peer leaves them pending forever; everything that waits on one goes through here. The
 * clock is injectable so tests need no real waiting. The late result of the abandoned work is
 * swallowed (never an unhandled rejection).
 */

/** The timer part of a clock (the reconciler's Clock satisfies it). */
export interface TimerClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: TimerClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface DeadlineOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  readonly clock?: TimerClock;
  /** The error to reject with when the deadline passes first. */
  onTimeout(): Error;
  /** The error to reject with when the signal aborts first (`reason` is the signal's reason). */
  onAbort(reason: unknown): Error;
  /** Runs once when the deadline or the abort wins (e.g. to drop a pending-reply handler). */
  cleanup?(): void;
}

export function withDeadline<T>(work: Promise<T> | (() => Promise<T>), opts: DeadlineOptions): Promise<T> {
  const clock = opts.clock ?? realTimers;
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let timer: unknown;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const lose = (err: () => Error) => {
      if (!finish()) return;
      opts.cleanup?.();
      reject(err());
    };
    const onAbort = (): void => lose(() => opts.onAbort(opts.signal?.reason));
    if (opts.signal?.aborted) {
      // Work already started is abandoned: its late rejection must not surface as unhandled.
      if (typeof work !== 'function') work.catch(() => {});
      onAbort();
      return;
    }
    timer = clock.setTimeout(() => lose(() => opts.onTimeout()), opts.timeoutMs);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let p: Promise<T>;
    try {
      p = typeof work === 'function' ? work() : work;
    } catch (e) {
      if (finish()) reject(e);
      return;
    }
    p.then(
      (v) => {
        if (finish()) resolve(v);
      },
      (e: unknown) => {
        if (finish()) reject(e);
      },
    );
  });
}

/**
 * Resolves when `signal` aborts, also when it already has: its 'abort' event fires only once, and a
 * wait begun after it never ends (a stop during start-up hung the agent that way).
 */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
