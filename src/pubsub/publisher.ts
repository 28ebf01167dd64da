/**
 * A socketdriver publisher (eve-pubsub.md §1.2–1.3, §6.1): serves one topic of one agent on
 * `<runDir>/<agent>/<Topic>.sock` and checkpoints every key to `<runDir>/<agent>/<Topic>/<key>.json`.
 * Each subscriber sends `request <Topic>` and gets `hello <Topic> false`, an `update` per key,
 * `complete <Topic>`, then every later change as it happens. Non-persistent only: that is all the
 * wwan agent publishes.
 */
import { lstat, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../reconciler/controller.js';
import { type TimerClock, withDeadline } from '../../reconciler/deadline.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { marshalGoJson } from '../io/go-json.js';
import { makeDirectory } from '../io/make-directory.js';
import { PubsubError } from './errors.js';
import { addressProblem, checkpointDir, socketPath, type TopicAddress } from './paths.js';
import {
  type ConnectionHandlers,
  connectSeqpacket,
  listenSeqpacket,
  type SeqpacketConnection,
  type SeqpacketListener,
} from './seqpacket.js';
import { encode, keyProblem, MAX_SEND } from './wire.js';

export interface PublisherOptions extends TopicAddress {
  readonly logger: Logger;
  /** Timers for the stale-socket probe (default: the real ones). */
  readonly clock?: TimerClock;
  /** How long the stale-socket probe waits for a live publisher to answer (default 2 s). */
  readonly probeTimeoutMs?: number;
  /** Mode of checkpoint files (default 0o600: Go's os.CreateTemp mode, in a 0700 directory). */
  readonly checkpointMode?: number;
  /**
   * Serve the checkpoints found at start() until they are published again (default true), as Go's
   * populate() does: a subscriber sees the last state across a restart of the publisher.
   */
  readonly populate?: boolean;
}

type Peer = { conn: SeqpacketConnection; live: boolean };

export class Publisher {
  private readonly state = new Map<string, string>();
  /** Keys whose last checkpoint write failed: written again even if the value is unchanged. */
  private readonly unsaved = new Set<string>();
  private readonly peers = new Set<Peer>();
  private listener: SeqpacketListener | undefined;
  private io: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly log: Logger;
  readonly socketPath: string;
  readonly checkpointDir: string;

  constructor(private readonly opts: PublisherOptions) {
    this.socketPath = socketPath(opts);
    this.checkpointDir = checkpointDir(opts);
    this.log = opts.logger;
  }

  /**
   * Creates the directories (0700), loads old checkpoints, and listens. Throws PubsubError
   * (`invalid-address`, `in-use` when another publisher answers on the socket, `listen`).
   */
  async start(): Promise<void> {
    const problem = addressProblem(this.opts);
    if (problem !== undefined) throw new PubsubError('invalid-address', problem, false);
    if (this.closed) throw new PubsubError('closed', 'publisher closed', false);
    await makeDirectory(this.checkpointDir, 0o700);
    if (this.opts.populate ?? true) await this.populate();
    await this.clearStaleSocket();
    try {
      this.listener = listenSeqpacket(this.socketPath, (conn) => this.accept(conn), {
        onError: (err) => this.log.error({ ...this.where(), err: err.message }, 'pubsub listener error'),
      });
    } catch (err) {
      throw new PubsubError('listen', (err as Error).message, false, { cause: err });
    }
    this.log.info({ ...this.where(), keys: this.state.size }, 'pubsub publishing');
  }

  /**
   * Publishes `value` (any JSON value) under `key`: sends `update` to every subscriber, then writes
   * the checkpoint. Rejects with PubsubError: `invalid-key`, `not-json`, `too-large` (logged here,
   * nothing sent or written), `checkpoint` (logged here; subscribers did get the update), `closed`.
   */
  async publish(key: string, value: unknown): Promise<void> {
    this.checkKey(key);
    let json: string;
    try {
      json = marshalGoJson(value);
    } catch (err) {
      throw new PubsubError('not-json', `value of ${key} has no JSON form`, false, { cause: err });
    }
    const msg = encode({ verb: 'update', topic: this.opts.topic, key, json });
    if (msg.length > MAX_SEND) {
      this.log.error(
        { ...this.where(), key, bytes: msg.length, limit: MAX_SEND },
        'pubsub value too large: not published',
      );
      throw new PubsubError(
        'too-large',
        `${this.opts.topic}/${key}: message of ${msg.length} bytes exceeds ${MAX_SEND}`,
        true,
      );
    }
    if (this.state.get(key) === json && !this.unsaved.has(key)) return;
    const changed = this.state.get(key) !== json;
    this.state.set(key, json);
    if (changed) this.broadcast(msg);
    await this.checkpoint(key, () => writeFileAtomic(this.fileOf(key), json, { mode: this.mode }));
  }

  /** Removes `key`: sends `delete` to every subscriber and removes its checkpoint. No-op if absent. */
  async unpublish(key: string): Promise<void> {
    this.checkKey(key);
    if (!this.state.delete(key)) return;
    this.broadcast(encode({ verb: 'delete', topic: this.opts.topic, key }));
    await this.checkpoint(key, () => removeFile(this.fileOf(key)));
  }

  /** The published value of `key` (parsed JSON), or undefined. */
  get(key: string): unknown {
    const json = this.state.get(key);
    return json === undefined ? undefined : JSON.parse(json);
  }

  keys(): string[] {
    return [...this.state.keys()];
  }

  /** Subscribers that have sent their request and receive changes. */
  get subscribers(): number {
    let n = 0;
    for (const p of this.peers) if (p.live) n++;
    return n;
  }

  /**
   * Stops serving: closes the socket and every connection, removes the socket file and, as Go's
   * Close() of a non-persistent publication does, every checkpoint.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.listener !== undefined) {
      this.listener.close();
      await removeFile(this.socketPath).catch((err: unknown) =>
        this.log.warn({ ...this.where(), err: (err as Error).message }, 'pubsub socket not removed'),
      );
    }
    for (const p of this.peers) p.conn.close();
    this.peers.clear();
    const keys = [...this.state.keys()];
    this.state.clear();
    await this.io;
    for (const key of keys) {
      await removeFile(this.fileOf(key)).catch((err: unknown) =>
        this.log.warn({ ...this.where(), key, err: (err as Error).message }, 'pubsub checkpoint not removed'),
      );
    }
  }

  private get mode(): number {
    return this.opts.checkpointMode ?? 0o600;
  }

  private where(): Record<string, string> {
    return { agent: this.opts.agent, topic: this.opts.topic };
  }

  private fileOf(key: string): string {
    return join(this.checkpointDir, `${key}.json`);
  }

  private checkKey(key: string): void {
    if (this.closed) throw new PubsubError('closed', 'publisher closed', false);
    const problem = keyProblem(key);
    if (problem !== undefined) {
      throw new PubsubError('invalid-key', `${this.opts.topic}: ${problem}: ${JSON.stringify(key)}`, false);
    }
  }

  /** Checkpoint I/O runs in call order, so the file always ends as the last change left it. */
  private checkpoint(key: string, io: () => Promise<void>): Promise<void> {
    const run = this.io.then(async () => {
      try {
        await makeDirectory(this.checkpointDir, 0o700);
        await io();
        this.unsaved.delete(key);
      } catch (err) {
        this.unsaved.add(key);
        this.log.error({ ...this.where(), key, err: (err as Error).message }, 'pubsub checkpoint failed');
        throw new PubsubError('checkpoint', `${this.opts.topic}/${key}: ${(err as Error).message}`, true, {
          cause: err,
        });
      }
    });
    this.io = run.catch(() => undefined);
    return run;
  }

  private broadcast(msg: Buffer): void {
    for (const p of this.peers) if (p.live) this.send(p, msg);
  }

  private send(p: Peer, msg: Buffer): boolean {
    try {
      p.conn.send(msg);
      return true;
    } catch (err) {
      // The subscriber went away; its connection's close handler does the bookkeeping.
      this.log.debug(
        { ...this.where(), err: (err as Error).message },
        'pubsub send failed: dropping subscriber',
      );
      this.peers.delete(p);
      p.conn.close();
      return false;
    }
  }

  private accept(conn: SeqpacketConnection): ConnectionHandlers {
    const peer: Peer = { conn, live: false };
    this.peers.add(peer);
    if (this.closed) conn.close();
    const request = `request ${this.opts.topic}`;
    return {
      onMessage: (msg) => {
        if (peer.live) return; // Go reads nothing after the request
        if (msg.length > 256 || msg.toString('utf8') !== request) {
          // Go closes such a connection without a word; one line helps find a misdirected subscriber.
          this.log.warn({ ...this.where(), bytes: msg.length }, 'pubsub bad request: connection closed');
          this.peers.delete(peer);
          conn.close();
          return;
        }
        peer.live = true;
        this.dump(peer);
      },
      onClose: (err) => {
        this.peers.delete(peer);
        if (err !== undefined)
          this.log.debug({ ...this.where(), err: err.message }, 'pubsub subscriber gone');
      },
    };
  }

  /** The initial state of one subscriber, as Go's serveConnection sends it. */
  private dump(p: Peer): void {
    const topic = this.opts.topic;
    if (!this.send(p, encode({ verb: 'hello', topic, persistent: false }))) return;
    for (const [key, json] of this.state) {
      if (!this.send(p, encode({ verb: 'update', topic, key, json }))) return;
    }
    this.send(p, encode({ verb: 'complete', topic }));
  }

  private async populate(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.checkpointDir);
    } catch (err) {
      this.log.warn({ ...this.where(), err: (err as Error).message }, 'pubsub checkpoints not read');
      return;
    }
    for (const name of names.sort()) {
      if (!name.endsWith('.json')) continue;
      const key = name.slice(0, -'.json'.length);
      if (keyProblem(key) !== undefined || this.state.has(key)) continue;
      try {
        const json = await readFile(join(this.checkpointDir, name), 'utf8');
        JSON.parse(json);
        this.state.set(key, json);
      } catch (err) {
        this.log.warn({ ...this.where(), key, err: (err as Error).message }, 'pubsub old checkpoint ignored');
      }
    }
  }

  /** Go's check: a socket that answers belongs to a live publisher; one that does not is stale. */
  private async clearStaleSocket(): Promise<void> {
    let isSocket: boolean;
    try {
      isSocket = (await lstat(this.socketPath)).isSocket();
    } catch {
      return; // nothing there
    }
    if (!isSocket) throw new PubsubError('in-use', `${this.socketPath} exists and is not a socket`, false);
    const attempt = connectSeqpacket(this.socketPath, { onMessage: () => {}, onClose: () => {} });
    const live = await withDeadline(attempt.connected, {
      timeoutMs: this.opts.probeTimeoutMs ?? 2000,
      ...(this.opts.clock ? { clock: this.opts.clock } : {}),
      onTimeout: () => new Error('probe timed out'),
      onAbort: () => new Error('probe aborted'),
      cleanup: () => attempt.abort(),
    }).then(
      (conn) => {
        conn.close();
        return true;
      },
      () => false,
    );
    if (live) throw new PubsubError('in-use', `${this.socketPath} is served by a live publisher`, false);
    this.log.info({ ...this.where(), path: this.socketPath }, 'pubsub stale socket removed');
    await removeFile(this.socketPath);
  }
}

async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
