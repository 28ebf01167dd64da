/**
 * A socketdriver subscriber (eve-pubsub.md §1.3, §1.5, §6.2): dials `<runDir>/<agent>/<Topic>.sock`,
 * sends `request <Topic>`, and hands every change to its callbacks as parsed JSON. It redials with
 * the shared Backoff after any failure and resyncs the full state; unlike Go, keys that vanished
 * while it was away are reported as deletes after the next `complete`.
 */

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../reconciler/api.js';
import { systemClock } from '../../reconciler/api.js';
import { Backoff, type BackoffPolicy } from '../../reconciler/backoff.js';
import type { Logger } from '../../reconciler/controller.js';
import { withDeadline } from '../../reconciler/deadline.js';
import { PubsubError } from './errors.js';
import { readLargeFields } from './large.js';
import { addressProblem, socketPath, type TopicAddress } from './paths.js';
import { connectSeqpacket, type SeqpacketConnection, type SeqpacketError } from './seqpacket.js';
import { decode, encode, type MalformedKind, type Message, READ_BUFFER } from './wire.js';

/** Quicker than Go's fixed 10 s, never a tight loop: 100 ms doubling to 10 s. */
export const defaultSubscriberBackoff: BackoffPolicy = { baseMs: 100, factor: 2, maxMs: 10_000, jitter: 0.2 };

export interface SubscriberOptions extends TopicAddress {
  readonly logger: Logger;
  /** A key was added or its value changed (not called for an unchanged value). */
  onUpdate(key: string, value: unknown): void;
  /** A key was removed (or vanished while the subscriber was disconnected). */
  onDelete(key: string): void;
  /** The publisher's full state has arrived (`complete`), after the first connect and each reconnect. */
  onSynchronized?(): void;
  /** The publisher's restart counter (`restarted N`). */
  onRestarted?(count: number): void;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly backoff?: BackoffPolicy;
  /** How long a dial may take before it counts as failed (default 5 s). */
  readonly connectTimeoutMs?: number;
  /**
   * A persistent publication's checkpoint directory (EVE: `/persist/status/<agent>/<Topic>`): its
   * `<key>.json` files are reported through onUpdate before the first dial, as Go's Load() does for
   * a persistent subscription (tpmmgr's EdgeNodeCert). The publisher's dump then supersedes them.
   */
  readonly preloadDir?: string;
}

/** Message kinds a frame can be dropped for: the wire's, plus JSON that does not parse. */
export type DropKind = MalformedKind | 'bad-json';

export interface SubscriberStats {
  readonly connects: number;
  readonly dialFailures: number;
  readonly dropped: Readonly<Partial<Record<DropKind, number>>>;
}

export class Subscriber {
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly values = new Map<string, unknown>();
  /** Keys held before this connection's `complete` that the publisher has not re-sent yet. */
  private unconfirmed: Set<string> | undefined;
  private conn: SeqpacketConnection | undefined;
  private timer: unknown;
  private readonly abort = new AbortController();
  private started = false;
  private closed = false;
  private synced = false;
  /** Messages are handled one at a time, in order (a side file read is asynchronous). */
  private queue: Promise<void> = Promise.resolve();
  private connects = 0;
  private dialFailures = 0;
  private readonly dropped: Partial<Record<DropKind, number>> = {};
  private topicMismatchLogged = false;
  readonly socketPath: string;

  constructor(private readonly opts: SubscriberOptions) {
    this.clock = opts.clock ?? systemClock;
    this.backoff = new Backoff(opts.backoff ?? defaultSubscriberBackoff, opts.random);
    this.socketPath = socketPath(opts);
  }

  /** Starts dialing (at once). Throws PubsubError `invalid-address` for an unusable address. */
  start(): void {
    const problem = addressProblem(this.opts);
    if (problem !== undefined) throw new PubsubError('invalid-address', problem, false);
    if (this.started || this.closed) return;
    this.started = true;
    const dir = this.opts.preloadDir;
    if (dir === undefined) {
      this.dial();
      return;
    }
    this.queue = this.queue.then(() => this.preload(dir)).then(() => this.dial());
  }

  /** True once a full state has arrived (stays true across reconnects: the last state is kept). */
  get synchronized(): boolean {
    return this.synced;
  }

  get connected(): boolean {
    return this.conn !== undefined;
  }

  /** The current state as last received (parsed JSON values). */
  get state(): ReadonlyMap<string, unknown> {
    return this.values;
  }

  get stats(): SubscriberStats {
    return { connects: this.connects, dialFailures: this.dialFailures, dropped: { ...this.dropped } };
  }

  /** Stops for good: no more callbacks, no more dials. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort(new Error('subscriber closed'));
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.conn?.close();
    this.conn = undefined;
    await this.queue;
  }

  private where(): Record<string, string> {
    return { agent: this.opts.agent, topic: this.opts.topic };
  }

  private dial(): void {
    this.timer = undefined;
    if (this.closed) return;
    let current: SeqpacketConnection | undefined;
    const attempt = connectSeqpacket(
      this.socketPath,
      {
        onMessage: (msg) => {
          if (current !== undefined && current === this.conn) this.enqueue(msg);
        },
        onClose: (err) => {
          if (current !== undefined && current === this.conn) this.lost(err);
        },
      },
      { readBufferSize: READ_BUFFER },
    );
    withDeadline(attempt.connected, {
      timeoutMs: this.opts.connectTimeoutMs ?? 5000,
      signal: this.abort.signal,
      clock: this.clock,
      onTimeout: () => new Error('connect timed out'),
      onAbort: () => new Error('subscriber closed'),
      cleanup: () => attempt.abort(),
    }).then(
      (conn) => {
        if (this.closed) {
          conn.close();
          return;
        }
        current = conn;
        this.conn = conn;
        this.connects++;
        this.unconfirmed = new Set(this.values.keys());
        try {
          conn.send(encode({ verb: 'request', topic: this.opts.topic }));
        } catch (err) {
          this.lost(err as SeqpacketError);
          return;
        }
        this.log('info', { failures: this.backoff.failures }, 'pubsub connected');
      },
      (err: unknown) => {
        if (this.closed) return;
        this.dialFailures++;
        // The first failure of a series says why; the rest of the series is routine (the
        // publisher is not up yet) and goes to debug, as in Go.
        const level = this.backoff.failures === 0 ? 'warn' : 'debug';
        this.retry(level, (err as Error).message, 'pubsub dial failed');
      },
    );
  }

  private async preload(dir: string): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
    } catch (err) {
      // No directory yet is normal on a first boot; the socket brings the state.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.log('warn', { dir, err: (err as Error).message }, 'pubsub preload failed');
      }
      return;
    }
    for (const name of names) {
      if (this.closed) return;
      const key = name.slice(0, -'.json'.length);
      let value: unknown;
      try {
        value = JSON.parse(await readFile(join(dir, name), 'utf8'));
      } catch (err) {
        this.log('warn', { dir, key, err: (err as Error).message }, 'pubsub preload file ignored');
        continue;
      }
      this.values.set(key, value);
      try {
        this.opts.onUpdate(key, value);
      } catch (err) {
        this.log('error', { key, err: (err as Error).message }, 'pubsub handler failed');
      }
    }
    this.log('info', { dir, keys: this.values.size }, 'pubsub preloaded');
  }

  private lost(err: SeqpacketError | undefined): void {
    this.conn?.close();
    this.conn = undefined;
    this.unconfirmed = undefined;
    if (this.closed) return;
    this.retry('warn', err?.message ?? 'publisher closed the connection', 'pubsub connection lost');
  }

  private retry(level: 'warn' | 'debug', reason: string, msg: string): void {
    const delayMs = this.backoff.next();
    this.log(level, { err: reason, retryInMs: delayMs, failures: this.backoff.failures }, msg);
    this.timer = this.clock.setTimeout(() => this.dial(), delayMs);
  }

  private enqueue(raw: Buffer): void {
    const conn = this.conn;
    this.queue = this.queue
      // Frames that arrived before their connection dropped are still news; those of an old
      // connection once a new one is up are not (the new one resends the full state).
      .then(() =>
        (conn === this.conn || this.conn === undefined) && !this.closed ? this.handle(raw) : undefined,
      )
      .catch((err: unknown) => {
        // A callback threw: the caller's bug, not the publisher's; the connection carries on.
        this.log('error', { err: (err as Error).message }, 'pubsub handler failed');
      });
  }

  private async handle(raw: Buffer): Promise<void> {
    const d = decode(raw);
    if (!d.ok) {
      this.drop(d.kind, { bytes: raw.length, ...(d.verb !== undefined ? { verb: d.verb } : {}) });
      return;
    }
    const msg: Message = d.msg;
    if (msg.topic !== this.opts.topic && !this.topicMismatchLogged) {
      // Go only logs this and carries on; the socket path already names the topic.
      this.topicMismatchLogged = true;
      this.log('warn', { got: msg.topic, verb: msg.verb }, 'pubsub topic mismatch');
    }
    switch (msg.verb) {
      case 'hello':
        if (msg.persistent === true) this.log('debug', {}, 'pubsub publisher is persistent');
        return;
      case 'request':
        this.drop('unknown-verb', { bytes: raw.length, verb: msg.verb });
        return;
      case 'update':
        return this.update(msg.key, msg.json, raw.length);
      case 'delete':
        this.unconfirmed?.delete(msg.key);
        if (this.values.delete(msg.key)) this.opts.onDelete(msg.key);
        return;
      case 'complete':
        this.complete();
        return;
      case 'restarted':
        this.opts.onRestarted?.(msg.count);
        return;
    }
  }

  private async update(key: string, json: string, bytes: number): Promise<void> {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      this.drop('bad-json', { bytes, key });
      return;
    }
    for (const p of await readLargeFields(value)) {
      this.log('warn', { key, field: p.field, file: p.file, reason: p.reason }, 'pubsub side file not used');
    }
    this.unconfirmed?.delete(key);
    if (this.values.has(key) && jsonEqual(this.values.get(key), value)) return;
    this.values.set(key, value);
    this.opts.onUpdate(key, value);
  }

  private complete(): void {
    const vanished = this.unconfirmed;
    this.unconfirmed = undefined;
    for (const key of vanished ?? []) {
      if (this.values.delete(key)) this.opts.onDelete(key);
    }
    this.synced = true;
    this.backoff.reset();
    this.opts.onSynchronized?.();
  }

  /**
   * One log line per dropped frame, except that a flood of one kind is folded: the 1st, 10th,
   * 100th, ... of a kind are logged with the running count (a broken publisher cannot flood the log).
   */
  private drop(kind: DropKind, fields: Record<string, unknown>): void {
    const n = (this.dropped[kind] ?? 0) + 1;
    this.dropped[kind] = n;
    if (Number.isInteger(Math.log10(n))) {
      this.log('warn', { kind, dropped: n, ...fields }, 'pubsub malformed message dropped');
    }
  }

  private log(level: keyof Logger, fields: Record<string, unknown>, msg: string): void {
    this.opts.logger[level]({ ...this.where(), ...fields }, msg);
  }
}

/** Structural equality of parsed JSON values (Go compares decoded values, not text). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  const ak = Object.keys(a);
  const bo = b as Record<string, unknown>;
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => Object.hasOwn(bo, k) && jsonEqual((a as Record<string, unknown>)[k], bo[k]));
}
