/**
 * The one place that touches node-unix-socket: AF_UNIX SOCK_SEQPACKET listen, accept, connect,
 * one message per send, one message per receive, close. Node's `net` cannot open SEQPACKET
 * sockets, and EVE's pubsub speaks nothing else.
 *
 * Two behaviours of the addon (0.2.7) shape this adapter (eve-pubsub.md §1.7):
 * - connect() throws synchronously when nobody listens (ENOENT and ECONNREFUSED alike, both
 *   reported as "No such file or directory"): it becomes a rejected promise here;
 * - destroy() called synchronously inside a 'data' handler while more messages are queued aborts
 *   the process (a Rust panic): close() therefore always destroys on the next turn (setImmediate).
 */
import { createRequire } from 'node:module';
import type { SeqpacketSocket } from 'node-unix-socket';

type Addon = typeof import('node-unix-socket');
let addon: Addon | undefined;
/**
 * The addon is loaded on first use, not with this module: only `--pubsub` opens sockets, and loading
 * it costs a file-mode start ~11 ms (it asks `process.report` whether libc is musl). A runtime
 * require, so the bundle does not hoist it either.
 */
function unixSockets(): Addon {
  addon ??= createRequire(import.meta.url)('node-unix-socket') as Addon;
  return addon;
}

export type SeqpacketOp = 'listen' | 'connect' | 'send' | 'receive';

/** Any failure of the transport, with the operation and the socket path. */
export class SeqpacketError extends Error {
  override readonly name = 'SeqpacketError';
  constructor(
    readonly op: SeqpacketOp,
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${op} ${path}: ${message}`, options);
  }
}

export interface ConnectionHandlers {
  /** One received message, whole (or cut to the read buffer size: the caller checks the length). */
  onMessage(msg: Buffer): void;
  /** Called once when the connection ends, whoever ended it; `error` if it ended on an error. */
  onClose(error: SeqpacketError | undefined): void;
}

export interface SocketOptions {
  /** Bytes one receive can hold; a longer message is cut to this length by the kernel. */
  readonly readBufferSize?: number;
}

/** One connected SEQPACKET socket. */
export class SeqpacketConnection {
  private ended = false;
  private handlers: ConnectionHandlers | undefined;
  private closeError: SeqpacketError | undefined;

  /** @internal built by connectSeqpacket and listenSeqpacket only. */
  constructor(
    private readonly sock: SeqpacketSocket,
    readonly path: string,
  ) {
    sock.on('data', (buf: Buffer) => {
      if (!this.ended) this.handlers?.onMessage(buf);
    });
    // The peer closed: the addon does not destroy a half-closed socket by itself.
    sock.on('end', () => this.close());
    sock.on('error', (err: unknown) => {
      this.closeError ??= new SeqpacketError('receive', path, errorText(err), { cause: err });
    });
    sock.on('close', () => this.finish());
  }

  /** @internal */
  attach(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Sends one message (one write is one message). Throws SeqpacketError if the socket is closed. */
  send(msg: Uint8Array): void {
    if (this.ended) throw new SeqpacketError('send', this.path, 'connection closed');
    try {
      const buf = Buffer.isBuffer(msg) ? msg : Buffer.from(msg.buffer, msg.byteOffset, msg.length);
      this.sock.write(buf, 0, buf.length);
    } catch (err) {
      throw new SeqpacketError('send', this.path, errorText(err), { cause: err });
    }
  }

  /** Closes the connection (idempotent). onClose follows on a later turn. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    setImmediate(() => {
      this.sock.destroy();
      this.finish();
    });
  }

  private finish(): void {
    this.ended = true;
    const h = this.handlers;
    if (h === undefined) return;
    this.handlers = undefined;
    h.onClose(this.closeError);
  }
}

/**
 * Connects to a SEQPACKET listener at `path`. Rejects with SeqpacketError if nobody listens there.
 * The handlers are attached before the connection can receive anything.
 */
export function connectSeqpacket(
  path: string,
  handlers: ConnectionHandlers,
  opts: SocketOptions = {},
): { readonly connected: Promise<SeqpacketConnection>; abort(): void } {
  const sock = new (unixSockets().SeqpacketSocket)();
  if (opts.readBufferSize !== undefined) sock.setInternalReadBufferSize(opts.readBufferSize);
  const conn = new SeqpacketConnection(sock, path);
  let settle: { resolve(c: SeqpacketConnection): void; reject(e: unknown): void } | undefined;
  const connected = new Promise<SeqpacketConnection>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const fail = (err: unknown): void => {
    settle?.reject(new SeqpacketError('connect', path, errorText(err), { cause: err }));
    settle = undefined;
  };
  sock.once('error', fail);
  try {
    sock.connect(path, () => {
      sock.off('error', fail);
      conn.attach(handlers);
      settle?.resolve(conn);
      settle = undefined;
    });
  } catch (err) {
    fail(err);
    setImmediate(() => sock.destroy());
  }
  return {
    connected,
    abort: () => {
      if (settle === undefined) return;
      fail(new Error('connect aborted'));
      conn.close();
    },
  };
}

/** A listening SEQPACKET socket. */
export interface SeqpacketListener {
  readonly path: string;
  /** Stops accepting; existing connections stay. Does not unlink the socket file. */
  close(): void;
}

/**
 * Listens on `path` (which must not exist). `onConnection` must attach handlers synchronously via
 * the returned callback's argument: `accept(conn)` returns the handlers for that connection.
 * Throws SeqpacketError if the address cannot be bound.
 */
export function listenSeqpacket(
  path: string,
  accept: (conn: SeqpacketConnection) => ConnectionHandlers,
  opts: SocketOptions & { onError?(err: SeqpacketError): void } = {},
): SeqpacketListener {
  const server = new (unixSockets().SeqpacketServer)();
  server.on('connection', (sock: SeqpacketSocket) => {
    if (opts.readBufferSize !== undefined) sock.setInternalReadBufferSize(opts.readBufferSize);
    const conn = new SeqpacketConnection(sock, path);
    conn.attach(accept(conn));
  });
  server.on('error', (err: unknown) => {
    opts.onError?.(new SeqpacketError('listen', path, errorText(err), { cause: err }));
  });
  try {
    server.listen(path);
  } catch (err) {
    throw new SeqpacketError('listen', path, errorText(err), { cause: err });
  }
  let closed = false;
  return {
    path,
    close: () => {
      if (closed) return;
      closed = true;
      server.close();
    },
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
