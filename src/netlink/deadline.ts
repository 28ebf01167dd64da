/**
 * The netlink face of the project's one timeout + abort race (reconciler/deadline.ts).
 * netlink@0.3.0 has a `timeout` option but no abort; neither can withdraw a request already sent, so
 * on timeout/abort we stop waiting (the adapter decides when the socket is free again). This module
 * only maps what the call loses with: NetlinkTimeoutError, NetlinkAbortError, or the library's own
 * error through mapNetlinkError.
 */
import { type TimerClock, withDeadline } from '../../reconciler/deadline.js';
import { mapNetlinkError, NetlinkAbortError, NetlinkTimeoutError } from './errors.js';

export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Default: the adapter's default timeout. */
  readonly timeoutMs?: number;
}

/** Runs `run` within `timeoutMs` and the signal, every failure as one of the netlink error types. */
export function withNetlinkDeadline<T>(
  operation: string,
  run: () => Promise<T>,
  timeoutMs: number,
  signal?: AbortSignal,
  clock?: TimerClock,
): Promise<T> {
  return withDeadline(run, {
    timeoutMs,
    signal,
    clock,
    onTimeout: () => new NetlinkTimeoutError(operation, timeoutMs),
    onAbort: (reason) => new NetlinkAbortError(operation, { cause: reason }),
  }).catch((err: unknown) => {
    throw mapNetlinkError(err, operation);
  });
}
