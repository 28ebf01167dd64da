/**
 * Waiting in the demo: every wait names what it waits for (so a stuck demo says what it is stuck
 * on), is bounded, and ends at once when the demo is interrupted.
 */

/** Thrown when the demo is interrupted (Ctrl-C, SIGTERM): the story unwinds and cleans up. */
export class Interrupted extends Error {
  constructor(readonly signalName: string) {
    super(`interrupted by ${signalName}`);
  }
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Interrupted('abort');
}

/** Sleeps `ms`, or rejects when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  throwIfAborted(signal);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason instanceof Error ? signal.reason : new Interrupted('abort'));
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Polls `check` every `everyMs` until it returns a value other than undefined; fails with `what` and
 * the last state `describe` gives when `timeoutMs` passes.
 */
export async function until<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  o: { signal: AbortSignal; timeoutMs?: number; everyMs?: number; describe?: () => string | Promise<string> },
): Promise<T> {
  const end = Date.now() + (o.timeoutMs ?? 15_000);
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() >= end) {
      const last = o.describe ? `; last seen: ${await o.describe()}` : '';
      throw new Error(`timed out after ${o.timeoutMs ?? 15_000} ms waiting for ${what}${last}`);
    }
    await sleep(o.everyMs ?? 20, o.signal);
  }
}
