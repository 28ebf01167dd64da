/**
 * The watchdog's heartbeat from the agent's reconcile loop, so that a stuck loop (a run that never
 * ends) lets `wwan.touch` go stale, while a quiet one does not: every finished run beats, and a
 * periodic probe beats when the loop is idle (the controller's idle() resolves only between runs).
 * A probe still waiting is not repeated: a stuck loop does not pile up waiters.
 */
import { type Clock, systemClock } from '../../reconciler/api.js';

/** What is needed of the reconcile loop (reconciler/controller.ts Controller has both). */
export interface LoopLike {
  on(listener: (e: { readonly type: string }) => void): () => void;
  /** Resolves when no run is under way or asked for. */
  idle(): Promise<void>;
}

/** Half the watchdog's 25 s period: a quiet loop beats twice per touch. */
export const DEFAULT_PROBE_MS = 12_500;

/** Starts feeding `heartbeat` from `loop`; returns the function that stops it. */
export function heartbeatFromLoop(
  watchdog: { heartbeat(): void },
  loop: LoopLike,
  opts: { readonly clock?: Clock; readonly probeMs?: number } = {},
): () => void {
  const clock = opts.clock ?? systemClock;
  const probeMs = opts.probeMs ?? DEFAULT_PROBE_MS;
  let stopped = false;
  let probing = false;
  let timer: unknown;
  const unsubscribe = loop.on((e) => {
    if (e.type === 'run-finished') watchdog.heartbeat();
  });
  const probe = () => {
    timer = undefined;
    if (stopped) return;
    if (!probing) {
      probing = true;
      void loop.idle().then(() => {
        probing = false;
        if (!stopped) watchdog.heartbeat();
      });
    }
    timer = clock.setTimeout(probe, probeMs);
  };
  probe();
  return () => {
    stopped = true;
    unsubscribe();
    if (timer !== undefined) clock.clearTimeout(timer);
  };
}
