/**
 * One bounded attempt: the single place where a probe's timeout, its AbortSignal and its cleanup meet.
 *
 * `attempt(opts, start)` calls `start(finish)`, which opens its sockets, arranges for `finish(result)`
 * and returns its cleanup. The promise settles exactly once, with the first of: `finish(result)`, the
 * timeout (`opts.onTimeout()`), the abort (`opts.onAbort()`), or a throw from `start`
 * (`opts.onError(err)`). The cleanup runs exactly once, whichever came first, even when `finish` was
 * called from inside `start`; a throwing cleanup is swallowed (a close error must not turn a result
 * into a crash). The promise never rejects.
 */
export interface AttemptOptions<T> {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  readonly onTimeout: () => T;
  readonly onAbort: () => T;
  readonly onError: (err: unknown) => T;
}

export type Finish<T> = (result: T) => void;
export type Cleanup = () => void;

export function attempt<T>(opts: AttemptOptions<T>, start: (finish: Finish<T>) => Cleanup): Promise<T> {
  return new Promise<T>((resolve) => {
    const { signal } = opts;
    if (signal?.aborted) {
      resolve(opts.onAbort());
      return;
    }
    let settled = false;
    let cleanup: Cleanup | undefined;
    const runCleanup = () => {
      const c = cleanup;
      cleanup = undefined;
      try {
        c?.();
      } catch {
        // Closing a socket that failed half-way may throw; the result is already decided.
      }
    };
    const onAbort = () => finish(opts.onAbort());
    const timer = setTimeout(() => finish(opts.onTimeout()), opts.timeoutMs);
    function finish(result: T): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      runCleanup();
      resolve(result);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      cleanup = start(finish);
    } catch (err) {
      finish(opts.onError(err));
      return;
    }
    if (settled) runCleanup(); // finish() ran inside start(), before the cleanup was known
  });
}
