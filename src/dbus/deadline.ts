/**
 * Settles a promise with a timeout and an AbortSignal. dbus-next has no per-call timeout and a
 * dead bus leaves its promises pending forever, so every call goes through here. The clock is
 * injectable so unit tests need no real waiting.
 */

export interface Clock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const realClock: Clock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  now: () => Date.now(),
};

export interface DeadlineOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  readonly clock?: Clock;
  onTimeout(): Error;
  onAbort(): Error;
  /** Runs once when the deadline or the abort wins (e.g. to drop the pending-reply handler). */
  cleanup?(): void;
}

export function withDeadline<T>(work: Promise<T>, opts: DeadlineOptions): Promise<T> {
  const clock = opts.clock ?? realClock;
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      clock.clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const onAbort = (): void => {
      if (finish()) {
        opts.cleanup?.();
        reject(opts.onAbort());
      }
    };
    const timer = clock.setTimeout(() => {
      if (finish()) {
        opts.cleanup?.();
        reject(opts.onTimeout());
      }
    }, opts.timeoutMs);
    if (opts.signal?.aborted) {
      onAbort();
      return;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        if (finish()) resolve(v);
      },
      (e: unknown) => {
        if (finish()) reject(e);
      },
    );
  });
}
