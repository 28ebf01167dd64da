/**
 * Typed netlink errors. netlink@0.3.0 rejects with a bare `Error('Request rejected: EEXIST')` (no
 * `.code`, no `.errno`), so the code is recovered from the message; timeouts and aborts get their own
 * classes so callers never parse messages themselves.
 */

/** The errno names the adapter's callers branch on; any other code is kept as a string. */
export type NetlinkErrorCode =
  | 'EEXIST'
  | 'ENODEV'
  | 'ESRCH'
  | 'ENOENT'
  | 'EADDRNOTAVAIL'
  | 'EINVAL'
  | 'EPERM'
  | 'EBUSY'
  | 'ENETUNREACH'
  | 'ENOBUFS'
  | 'EAFNOSUPPORT'
  | 'EOPNOTSUPP';

export class NetlinkError extends Error {
  override readonly name = 'NetlinkError';
  constructor(
    /** errno name as the kernel reported it, e.g. `EEXIST`; a number string when unknown to Node. */
    readonly code: NetlinkErrorCode | (string & {}),
    /** What the adapter was doing, e.g. `addRoute wwan0 default`. */
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation}: ${code}`, options);
  }
}

export class NetlinkTimeoutError extends Error {
  override readonly name = 'NetlinkTimeoutError';
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
  ) {
    super(`${operation}: no answer within ${timeoutMs} ms`);
  }
}

export class NetlinkAbortError extends Error {
  override readonly name = 'AbortError';
  constructor(
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation}: aborted`, options);
  }
}

const REJECTED = /Request rejected: (E[A-Z0-9]+|-?[0-9]+)/;

/** Converts whatever the library threw into a {@link NetlinkError} when it is a kernel rejection. */
export function mapNetlinkError(err: unknown, operation: string): Error {
  if (err instanceof NetlinkError || err instanceof NetlinkTimeoutError || err instanceof NetlinkAbortError) {
    return err;
  }
  const message = err instanceof Error ? err.message : String(err);
  const m = REJECTED.exec(message);
  if (m) return new NetlinkError(m[1]!, operation, { cause: err });
  // Socket-level failures (send errors) do carry a code from the native layer.
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) {
    return new NetlinkError(code, operation, { cause: err });
  }
  return err instanceof Error ? err : new Error(`${operation}: ${message}`);
}

/** True when `err` is a {@link NetlinkError} with one of `codes`. */
export function isNetlinkError(err: unknown, ...codes: readonly string[]): err is NetlinkError {
  return err instanceof NetlinkError && (codes.length === 0 || codes.includes(err.code));
}
