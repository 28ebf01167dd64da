/**
 * Our one shared D-Bus connection (a single dbus-next MessageBus at a time).
 *
 * Why the low-level API (Message + bus.call + 'message' events) and not proxy objects:
 *  - every signature we send is written down explicitly (taken from ModemManager's XML), so
 *    nothing depends on an Introspect round trip or on what the peer happens to export;
 *  - proxies cache the peer's unique name and are bound to one MessageBus; after a reconnect or a
 *    ModemManager restart they would have to be rebuilt. Here signals are matched by our own
 *    rules (re-added on every reconnect) and sender filtering is done by the layer that knows
 *    the current owner (the ModemManager client, via NameOwnerChanged).
 *
 * Robustness: each call has a timeout and an optional AbortSignal; a lost connection ('error'
 * on a closed stream, 'end', 'close') rejects every pending call at once with
 * DBusDisconnectedError and reconnects on the project's one backoff; listeners get 'disconnected'
 * then 'connected' (reconnect=true) and are expected to resync. A match rule the bus refuses to
 * re-add after a reconnect is retried on the same backoff until it is in (or the connection drops
 * and the next reconnect redoes them all): a missing rule would silently lose its signals.
 */
import { EventEmitter } from 'node:events';
import { Message, type MessageBus, MessageType, sessionBus } from '@particle/dbus-next';
import { type Logger, pino } from 'pino';
import { Backoff, type BackoffPolicy } from '../../reconciler/backoff.js';
import { withDeadline } from '../../reconciler/deadline.js';
import { type Clock, realClock, withCallDeadline } from './deadline.js';
import { DBusAbortedError, DBusCallError, DBusDisconnectedError, DBusTimeoutError } from './errors.js';
import { type DBusPlain, type OutValue, toWire, unwrap } from './values.js';

export interface CallRequest {
  readonly destination: string;
  readonly path: string;
  readonly interface: string;
  readonly member: string;
  /** Input signature exactly as in the service's introspection XML ('' or omitted: no args). */
  readonly signature?: string;
  readonly body?: readonly OutValue[];
  /** Overrides the connection's default timeout. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal | undefined;
}

export interface SignalMessage {
  readonly sender: string;
  readonly path: string;
  readonly interface: string;
  readonly member: string;
  readonly body: readonly DBusPlain[];
}

/** The reconnect and match-rule retry schedule: any part of a {@link BackoffPolicy}. */
export type BackoffOptions = Partial<BackoffPolicy>;

/** 100 ms doubling up to 5 s: a restarted dbus-daemon is back within a second or two. */
export const DEFAULT_DBUS_BACKOFF: BackoffPolicy = { baseMs: 100, factor: 2, maxMs: 5_000, jitter: 0.2 };

export interface DBusConnectionOptions {
  /** D-Bus address, e.g. `unix:path=/run/dbus/system_bus_socket`. */
  readonly address: string;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Default per-call timeout (25 s, libdbus's and GDBus's default). */
  readonly defaultTimeoutMs?: number;
  /** Time allowed for socket + auth + Hello. */
  readonly connectTimeoutMs?: number;
  readonly backoff?: BackoffOptions;
  /** Jitter source of the backoff (tests pin it). */
  readonly random?: () => number;
}

export interface DBusConnectionEvents {
  /** A (re)connection is established; `reconnect` is false for the first one. */
  connected: [uniqueName: string, reconnect: boolean];
  disconnected: [reason: Error];
  signal: [msg: SignalMessage];
}

/** The address a systemd/Debian system bus uses when DBUS_SYSTEM_BUS_ADDRESS is unset. */
export const DEFAULT_SYSTEM_BUS = 'unix:path=/var/run/dbus/system_bus_socket';

export function systemBusAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.DBUS_SYSTEM_BUS_ADDRESS || DEFAULT_SYSTEM_BUS;
}

/** The private parts of dbus-next we rely on (pinned 0.11.4): the raw connection and reply table. */
interface BusInternals {
  _connection?: EventEmitter & { stream?: { writable?: boolean; destroyed?: boolean } & EventEmitter };
  _methodReturnHandlers?: Record<number, unknown>;
}

const DBUS = {
  destination: 'org.freedesktop.DBus',
  path: '/org/freedesktop/DBus',
  interface: 'org.freedesktop.DBus',
};

export class DBusConnection extends EventEmitter<DBusConnectionEvents> {
  private bus: MessageBus | undefined;
  private name: string | undefined;
  private closed = false;
  private reconnectTimer: unknown;
  private readonly reconnects: Backoff;
  private readonly pending = new Set<() => void>();
  /** Match rules with refcounts; re-added on every reconnect. */
  private readonly matches = new Map<string, number>();
  /** Rules the current bus refused to (re-)add, retried on {@link matchRetries}. */
  private readonly unmatched = new Set<string>();
  private matchTimer: unknown;
  private readonly matchRetries: Backoff;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly defaultTimeoutMs: number;
  private readonly connectTimeoutMs: number;

  private constructor(private readonly opts: DBusConnectionOptions) {
    super();
    this.log = (opts.logger ?? pino({ level: 'warn' })).child({ mod: 'dbus' });
    this.clock = opts.clock ?? realClock;
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 25_000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5_000;
    const policy = { ...DEFAULT_DBUS_BACKOFF, ...opts.backoff };
    this.reconnects = new Backoff(policy, opts.random);
    this.matchRetries = new Backoff(policy, opts.random);
  }

  /** Connects (first attempt must succeed) and returns the connection. */
  static async open(opts: DBusConnectionOptions): Promise<DBusConnection> {
    const c = new DBusConnection(opts);
    await c.connectOnce(false);
    return c;
  }

  get connected(): boolean {
    return this.bus !== undefined;
  }

  /** Our unique name on the bus (`:1.42`), undefined while disconnected. */
  get uniqueName(): string | undefined {
    return this.name;
  }

  get address(): string {
    return this.opts.address;
  }

  /** Match rules the bus has refused and that are being retried (diagnostics, tests). */
  get missingMatches(): readonly string[] {
    return [...this.unmatched];
  }

  /** Calls a method; resolves with the unwrapped reply body (plain values, no Variant, no bigint). */
  call(req: CallRequest): Promise<DBusPlain[]> {
    const method = `${req.interface}.${req.member}`;
    const bus = this.bus;
    if (!bus) return Promise.reject(new DBusDisconnectedError(method));
    if (req.signal?.aborted) return Promise.reject(new DBusAbortedError(method));
    const msg = new Message({
      type: MessageType.METHOD_CALL,
      destination: req.destination,
      path: req.path,
      interface: req.interface,
      member: req.member,
      signature: req.signature ?? '',
      body: (req.body ?? []).map(toWire),
    });
    let rejectLost: ((e: Error) => void) | undefined;
    const lost = new Promise<never>((_, reject) => {
      rejectLost = reject;
    });
    const onLost = (): void => rejectLost?.(new DBusDisconnectedError(method));
    this.pending.add(onLost);
    const work = Promise.race([bus.call(msg), lost]).then(
      (reply) => (reply?.body ?? []).map(unwrap),
      (e: unknown) => {
        throw toCallError(e, method);
      },
    );
    const timeoutMs = req.timeoutMs ?? this.defaultTimeoutMs;
    return withCallDeadline(work, {
      method,
      timeoutMs,
      signal: req.signal,
      clock: this.clock,
      // a reply that never comes would otherwise keep its handler in dbus-next's table forever
      cleanup: () => {
        const handlers = (bus as unknown as BusInternals)._methodReturnHandlers;
        if (handlers && msg.serial !== null) delete handlers[msg.serial];
      },
    }).finally(() => this.pending.delete(onLost));
  }

  /** Adds a match rule (refcounted); it is re-added automatically after a reconnect. */
  /**
   * Adds a match rule (refcounted); it is re-added automatically after a reconnect. Rejects when the
   * bus refuses it, and then holds no reference (the caller may try again).
   */
  async addMatch(rule: string, signal?: AbortSignal): Promise<void> {
    const n = this.matches.get(rule) ?? 0;
    this.matches.set(rule, n + 1);
    const bus = this.bus;
    if (n !== 0 || !bus) return;
    try {
      await this.busCall('AddMatch', rule, signal);
    } catch (e) {
      this.release(rule);
      // Someone else took a reference meanwhile and believes the rule is in: keep trying for them.
      if (this.matches.has(rule)) this.retryMatch(bus, rule, e);
      throw e;
    }
  }

  async removeMatch(rule: string): Promise<void> {
    const n = this.matches.get(rule) ?? 0;
    this.release(rule);
    if (n !== 1 || !this.bus) return;
    await this.busCall('RemoveMatch', rule).catch((e: unknown) =>
      // harmless beyond a few unwanted signals (the layers above filter), and gone on the next reconnect
      this.log.warn({ err: e, rule }, 'RemoveMatch failed'),
    );
  }

  private release(rule: string): void {
    const n = this.matches.get(rule) ?? 0;
    if (n <= 1) {
      this.matches.delete(rule);
      this.unmatched.delete(rule);
    } else this.matches.set(rule, n - 1);
  }

  /** Closes for good: no reconnect; pending calls reject. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer !== undefined) this.clock.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.stopMatchRetries();
    const bus = this.bus;
    this.dropBus(new Error('connection closed'));
    if (bus) {
      try {
        bus.disconnect();
      } catch {
        // already gone
      }
    }
  }

  /** Test hook and last-resort recovery: treat the connection as lost and reconnect. */
  forceReconnect(reason = 'forced'): void {
    const bus = this.bus;
    this.lost(new Error(reason));
    try {
      bus?.disconnect();
    } catch {
      // already gone
    }
  }

  private busCall(member: 'AddMatch' | 'RemoveMatch', rule: string, signal?: AbortSignal): Promise<void> {
    return this.call({ ...DBUS, member, signature: 's', body: [rule], timeoutMs: 5_000, signal }).then(
      () => undefined,
    );
  }

  private async connectOnce(reconnect: boolean): Promise<void> {
    // sessionBus() is only "a MessageBus on this address": the bus type is irrelevant on the wire,
    // and systemBus() cannot take an address (it reads the environment itself).
    const bus = sessionBus({ busAddress: this.opts.address });
    const internals = bus as unknown as BusInternals;
    const name = await withDeadline<string>(
      new Promise<string>((resolve, reject) => {
        bus.once('connect', () => resolve((bus as unknown as { name: string }).name));
        // `on`, not `once`: a failing socket can emit several errors, and an 'error' event with
        // no listener would crash the process
        bus.on('error', (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
      }),
      {
        timeoutMs: this.connectTimeoutMs,
        clock: this.clock,
        onTimeout: () =>
          new Error(`D-Bus connect to ${this.opts.address}: no answer in ${this.connectTimeoutMs} ms`),
        onAbort: () => new Error('aborted'),
      },
    ).catch((e: unknown) => {
      try {
        bus.disconnect();
      } catch {
        // never connected
      }
      throw e;
    });
    bus.removeAllListeners('error');
    if (this.closed) {
      bus.disconnect();
      throw new Error('connection closed');
    }
    const onLoss = (why: string) => (e?: unknown) => {
      if (this.bus !== bus) return;
      const stream = internals._connection?.stream;
      // dbus-next reports per-message decode problems as 'error' too; only a dead stream is a loss
      if (why === 'error' && stream && stream.writable !== false && !stream.destroyed) {
        this.log.warn({ err: e }, 'D-Bus error on a live connection');
        return;
      }
      this.lost(e instanceof Error ? e : new Error(`D-Bus connection ${why}`));
    };
    bus.on('error', onLoss('error'));
    internals._connection?.on('end', onLoss('end'));
    internals._connection?.stream?.on('close', onLoss('close'));
    bus.on('message', (msg) => {
      if (msg.type !== MessageType.SIGNAL) return;
      let body: DBusPlain[];
      try {
        body = (msg.body ?? []).map(unwrap);
      } catch (e) {
        this.log.warn({ err: e, member: msg.member }, 'cannot convert signal body');
        return;
      }
      this.emit('signal', {
        sender: msg.sender,
        path: msg.path,
        interface: msg.interface,
        member: msg.member,
        body,
      });
    });
    this.bus = bus;
    this.name = name;
    this.reconnects.reset();
    for (const rule of [...this.matches.keys()]) {
      if (this.bus !== bus) return; // lost again meanwhile: the next reconnect redoes them all
      await this.busCall('AddMatch', rule).catch((e: unknown) => this.retryMatch(bus, rule, e));
    }
    if (this.bus !== bus) return;
    this.log.debug({ name, reconnect }, 'D-Bus connected');
    this.emit('connected', name, reconnect);
  }

  /** Puts a refused rule on the retry schedule; the first refusal of a streak is logged. */
  private retryMatch(bus: MessageBus, rule: string, err: unknown): void {
    if (this.bus !== bus) return; // that connection is gone: the next one re-adds every rule
    if (this.unmatched.size === 0 && this.matchRetries.failures === 0) {
      this.log.warn({ err, rule }, 'AddMatch failed; retrying (its signals are missing until then)');
    }
    this.unmatched.add(rule);
    this.scheduleMatchRetry();
  }

  private scheduleMatchRetry(): void {
    const bus = this.bus;
    if (this.closed || !bus || this.matchTimer !== undefined || this.unmatched.size === 0) return;
    const delay = this.matchRetries.next();
    this.matchTimer = this.clock.setTimeout(() => {
      this.matchTimer = undefined;
      if (this.bus === bus) void this.readdMatches(bus);
    }, delay);
  }

  private async readdMatches(bus: MessageBus): Promise<void> {
    for (const rule of [...this.unmatched]) {
      if (this.bus !== bus) return;
      if (!this.matches.has(rule)) {
        this.unmatched.delete(rule); // released meanwhile
        continue;
      }
      try {
        await this.busCall('AddMatch', rule);
        this.unmatched.delete(rule);
      } catch (e) {
        this.log.debug({ err: e, rule, failures: this.matchRetries.failures }, 'AddMatch retry failed');
      }
    }
    if (this.bus !== bus) return;
    if (this.unmatched.size > 0) {
      this.scheduleMatchRetry();
      return;
    }
    this.log.info({ failures: this.matchRetries.failures }, 'AddMatch recovered: every match rule is in');
    this.matchRetries.reset();
  }

  /** A new connection re-adds every rule, so the old connection's retries end with it. */
  private stopMatchRetries(): void {
    if (this.matchTimer !== undefined) this.clock.clearTimeout(this.matchTimer);
    this.matchTimer = undefined;
    this.unmatched.clear();
    this.matchRetries.reset();
  }

  private dropBus(_reason: Error): void {
    this.bus?.removeAllListeners('message');
    this.bus = undefined;
    this.name = undefined;
    this.stopMatchRetries();
    for (const reject of this.pending) reject();
    this.pending.clear();
  }

  private lost(reason: Error): void {
    if (!this.bus) return;
    this.log.warn({ err: reason.message }, 'D-Bus connection lost; reconnecting');
    this.dropBus(reason);
    this.emit('disconnected', reason);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== undefined) return;
    const delay = this.reconnects.next();
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connectOnce(true).catch((e: unknown) => {
        this.log.debug({ err: e, failures: this.reconnects.failures }, 'D-Bus reconnect failed');
        this.scheduleReconnect();
      });
    }, delay);
  }
}

function toCallError(e: unknown, method: string): Error {
  if (e instanceof DBusDisconnectedError || e instanceof DBusTimeoutError) return e;
  const maybe = e as { type?: unknown; text?: unknown };
  if (typeof maybe?.type === 'string') {
    return new DBusCallError(maybe.type, typeof maybe.text === 'string' ? maybe.text : '', method);
  }
  if (e instanceof Error && /closed stream|connection closed|forced/.test(e.message)) {
    return new DBusDisconnectedError(method);
  }
  return e instanceof Error ? e : new Error(String(e));
}
