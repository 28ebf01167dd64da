/**
 * Errors the adapter rejects with. A D-Bus error reply keeps its error name verbatim (e.g.
 * `org.freedesktop.ModemManager1.Error.Core.WrongState`) so the layers above can classify it.
 */

/** The peer answered with a D-Bus error message. */
export class DBusCallError extends Error {
  override readonly name = 'DBusCallError';
  constructor(
    /** The D-Bus error name, e.g. `org.freedesktop.ModemManager1.Error.Core.Failed`. */
    readonly errorName: string,
    readonly text: string,
    /** `interface.member` of the call that failed. */
    readonly method: string,
  ) {
    super(`${method}: ${errorName}: ${text}`);
  }
}

/** No reply within the call's timeout (dbus-next itself has none: a call can wait forever). */
export class DBusTimeoutError extends Error {
  override readonly name = 'DBusTimeoutError';
  constructor(
    readonly method: string,
    readonly timeoutMs: number,
  ) {
    super(`${method}: no reply in ${timeoutMs} ms`);
  }
}

/** The bus connection was lost (or closed) while the call was pending, or before it was sent. */
export class DBusDisconnectedError extends Error {
  override readonly name = 'DBusDisconnectedError';
  constructor(readonly method: string) {
    super(`${method}: D-Bus connection lost`);
  }
}

/** The caller's AbortSignal fired. */
export class DBusAbortedError extends Error {
  override readonly name = 'AbortError';
  constructor(readonly method: string) {
    super(`${method}: aborted`);
  }
}
