/**
 * Timeout + AbortSignal around a library promise. netlink@0.3.0 has a `timeout` option but no abort;
 * neither can withdraw a request already sent, so on timeout/abort we stop waiting and the late answer
 * is dropped by the library (its sequence-number callback is removed when the promise settles).
 */
import { mapNetlinkError, NetlinkAbortError, NetlinkTimeoutError } from './errors.js';

export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Default: the adapter's default timeout. */
  readonly timeoutMs?: number;
}

export async function withDeadline<T>(
  operation: string,
  run: () => Promise<T>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<T> {
  if (signal?.aborted) throw new NetlinkAbortError(operation, { cause: signal.reason });
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NetlinkTimeoutError(operation, timeoutMs)), timeoutMs);
    if (signal) {
      onAbort = () => reject(new NetlinkAbortError(operation, { cause: signal.reason }));
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  try {
    return await Promise.race([run(), guard]);
  } catch (err) {
    throw mapNetlinkError(err, operation);
  } finally {
    clearTimeout(timer);
    if (signal && onAbort) signal.removeEventListener('abort', onAbort);
  }
}
