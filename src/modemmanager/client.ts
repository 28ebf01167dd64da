/**
 * The ModemManager client: keeps an immutable Snapshot of everything ModemManager exports and
 * offers the typed calls.
 *
 * Consistency rules:
 *  - A full resync (GetNameOwner, Version once per MM process, GetManagedObjects) runs at start,
 *    whenever ModemManager's bus name changes owner (NameOwnerChanged: MM restarted or started
 *    late) and after our bus connection is re-established. Resyncs are serialized; a request
 *    during a resync schedules one more.
 *  - Incremental signals (InterfacesAdded/Removed, PropertiesChanged) are only accepted from the
 *    current owner's unique name, so a late signal from a dead ModemManager cannot corrupt the
 *    tree; signals arriving while a resync is in flight are queued and replayed on top of it.
 *  - The resync queries go to the owner's unique name, not the well-known one, so the tree and
 *    its `owner` always describe the same process.
 */
import { EventEmitter } from 'node:events';
import { type Logger, pino } from 'pino';
import { withDeadline } from '../../reconciler/deadline.js';
import {
  DBusConnection,
  DBusDisconnectedError,
  type DBusPlain,
  DBusTimeoutError,
  type OutValue,
  type SignalMessage,
  systemBusAddress,
} from '../dbus/index.js';
import { type CallOptions, type MethodSpec, ModemManagerCalls } from './calls.js';
import { ModemManagerError, toModemManagerError } from './errors.js';
import type { IgnoredProperty } from './shapes.js';
import {
  emptySnapshot,
  fromManagedObjects,
  interfacesAdded,
  interfacesRemoved,
  missingObjects,
  modemPaths,
  propertiesChanged,
  pruneUnreferenced,
  type Snapshot,
  vanished,
} from './snapshot.js';
import { IFACE, MM_PATH, MM_SERVICE, type VarDict } from './types.js';
import { type Feature, supports, versionAtLeast } from './version.js';

export interface ModemManagerClientOptions {
  /** A shared connection; when absent the client opens (and on close() closes) its own. */
  readonly connection?: DBusConnection;
  /** Bus address when no connection is given; default DBUS_SYSTEM_BUS_ADDRESS or the system bus. */
  readonly address?: string;
  readonly logger?: Logger;
  /** Timeout of each resync query (GetNameOwner, Version, GetManagedObjects). */
  readonly resyncTimeoutMs?: number;
}

export interface ModemManagerClientEvents {
  /** Any change of the tree (including a resync); `next` is the new current snapshot. */
  snapshot: [next: Snapshot, prev: Snapshot];
  'modem-added': [path: string];
  'modem-removed': [path: string];
  /**
   * A new ModemManager process owns the name (at start or after a restart); fired after the
   * snapshot of that process is in place (so after its modem-added events).
   */
  'mm-appeared': [owner: string, version: string | undefined];
  /** ModemManager lost its bus name (exit, crash, restart in progress). */
  'mm-vanished': [];
  'properties-changed': [path: string, iface: string, changed: VarDict];
  /** Modem.StateChanged(old i, new i, reason u). */
  'state-changed': [path: string, oldState: number, newState: number, reason: number];
  'resync-failed': [err: unknown];
  /**
   * ModemManager did not answer UNRESPONSIVE_AFTER calls in a row within their timeouts (fired once
   * per such streak; an answer ends it).
   */
  unresponsive: [timeoutsInARow: number];
}

/** Calls to ModemManager timing out in a row before it counts as not answering. */
export const UNRESPONSIVE_AFTER = 3;

const NAME_OWNER_RULE = `type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='${MM_SERVICE}'`;
// sender= a well-known name matches whichever process owns it at delivery time (dbus-daemon
// tracks ownership), so this one rule keeps working across ModemManager restarts
const MM_SIGNALS_RULE = `type='signal',sender='${MM_SERVICE}',path_namespace='${MM_PATH}'`;

export class ModemManagerClient extends EventEmitter<ModemManagerClientEvents> {
  readonly calls: ModemManagerCalls;
  private current: Snapshot = emptySnapshot();
  private resyncing: Promise<void> | undefined;
  private resyncAgain = false;
  private subSyncing = false;
  /** Signals for not-yet-loaded objects received while their GetAll is in flight. */
  private subQueue: SignalMessage[] = [];
  private queued: SignalMessage[] = [];
  private closed = false;
  private readonly log: Logger;
  private readonly resyncTimeoutMs: number;
  private timeoutsInARow = 0;
  /** Properties already reported with a value of the wrong type (the first report is a warning). */
  private readonly ignoredBefore = new Set<string>();
  private readonly onIgnored = (x: IgnoredProperty): void => {
    const key = `${x.path} ${x.iface}.${x.property}`;
    const first = !this.ignoredBefore.has(key) && this.ignoredBefore.size < 1000;
    if (first) this.ignoredBefore.add(key);
    const fields = { path: x.path, property: `${x.iface}.${x.property}`, expected: x.expected, got: x.got };
    const msg = 'ignored a ModemManager property value of the wrong type';
    if (first) this.log.warn(fields, msg);
    else this.log.debug(fields, msg);
  };
  private readonly onSignal = (m: SignalMessage): void => this.handleSignal(m);
  private readonly onConnected = (_name: string, reconnect: boolean): void => {
    if (reconnect) this.requestResync('bus reconnected');
  };

  private constructor(
    readonly connection: DBusConnection,
    private readonly ownsConnection: boolean,
    opts: ModemManagerClientOptions,
  ) {
    super();
    this.log = (opts.logger ?? pino({ level: 'warn' })).child({ mod: 'mm-client' });
    this.resyncTimeoutMs = opts.resyncTimeoutMs ?? 25_000;
    this.calls = new ModemManagerCalls((path, spec, args, o) => this.invoke(path, spec, args, o), MM_PATH);
  }

  /** Connects, subscribes and loads the first snapshot (ModemManager need not be running). */
  static async connect(opts: ModemManagerClientOptions = {}): Promise<ModemManagerClient> {
    const conn =
      opts.connection ??
      (await DBusConnection.open({
        address: opts.address ?? systemBusAddress(),
        ...(opts.logger ? { logger: opts.logger } : {}),
      }));
    const c = new ModemManagerClient(conn, !opts.connection, opts);
    conn.on('signal', c.onSignal);
    conn.on('connected', c.onConnected);
    try {
      await conn.addMatch(NAME_OWNER_RULE);
      await conn.addMatch(MM_SIGNALS_RULE);
      await c.resync();
    } catch (e) {
      await c.close();
      throw e;
    }
    return c;
  }

  get snapshot(): Snapshot {
    return this.current;
  }

  /** The running ModemManager's Version, e.g. `1.20.4`; undefined when MM is not running. */
  get version(): string | undefined {
    return this.current.version;
  }

  versionAtLeast(want: string): boolean {
    return versionAtLeast(this.current.version, want);
  }

  supports(feature: Feature): boolean {
    return supports(this.current.version, feature);
  }

  /**
   * Resolves with the first truthy value of `pick(snapshot)`, checked now and on every change.
   * Rejects on timeout (default 30 s) or abort.
   */
  waitFor<T>(
    pick: (s: Snapshot) => T | undefined | null | false,
    opts: { timeoutMs?: number; signal?: AbortSignal; what?: string } = {},
  ): Promise<T> {
    let listener: ((s: Snapshot) => void) | undefined;
    const work = new Promise<T>((resolve) => {
      const check = (s: Snapshot): boolean => {
        const v = pick(s);
        if (v === undefined || v === null || v === false) return false;
        resolve(v);
        return true;
      };
      if (check(this.current)) return;
      listener = (s) => {
        if (check(s) && listener) this.off('snapshot', listener);
      };
      this.on('snapshot', listener);
    });
    const timeoutMs = opts.timeoutMs ?? 30_000;
    return withDeadline(work, {
      timeoutMs,
      signal: opts.signal,
      onTimeout: () =>
        new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'a snapshot condition'}`),
      onAbort: () => new Error(`aborted waiting for ${opts.what ?? 'a snapshot condition'}`),
      cleanup: () => {
        if (listener) this.off('snapshot', listener);
      },
    });
  }

  /** Reads one property straight from ModemManager (bypassing the snapshot). */
  async getProperty(
    path: string,
    iface: string,
    name: string,
    opts?: CallOptions,
  ): Promise<DBusPlain | undefined> {
    const [v] = await this.invoke(
      path,
      { iface: IFACE.properties, member: 'Get', in: 'ss', out: 'v', timeoutMs: 25_000 },
      [iface, name],
      opts,
    );
    return v;
  }

  /** Forces a full resync; resolves when the snapshot reflects ModemManager's state. */
  resync(): Promise<void> {
    if (this.resyncing) {
      this.resyncAgain = true;
      return this.resyncing;
    }
    this.resyncing = (async () => {
      try {
        do {
          this.resyncAgain = false;
          await this.resyncOnce();
        } while (this.resyncAgain && !this.closed);
      } finally {
        this.resyncing = undefined;
      }
    })();
    return this.resyncing;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connection.off('signal', this.onSignal);
    this.connection.off('connected', this.onConnected);
    if (this.ownsConnection) await this.connection.close();
    else {
      await this.connection.removeMatch(MM_SIGNALS_RULE);
      await this.connection.removeMatch(NAME_OWNER_RULE);
    }
  }

  /* ------------------------------------------------------------------------------ internals */

  /** The pid of the process owning ModemManager's bus name (for a checked restart, src/recovery). */
  async modemManagerPid(opts?: CallOptions): Promise<number> {
    const [pid] = await this.invoke(
      '/org/freedesktop/DBus',
      {
        iface: 'org.freedesktop.DBus',
        member: 'GetConnectionUnixProcessID',
        in: 's',
        out: 'u',
        timeoutMs: 25_000,
      },
      [MM_SERVICE],
      opts,
      'org.freedesktop.DBus',
    );
    if (typeof pid !== 'number') throw new Error('GetConnectionUnixProcessID gave no pid');
    return pid;
  }

  private async invoke(
    path: string,
    spec: MethodSpec,
    args: readonly OutValue[],
    opts?: CallOptions,
    destination: string = MM_SERVICE,
  ): Promise<DBusPlain[]> {
    const method = `${spec.iface}.${spec.member}`;
    const t0 = performance.now();
    try {
      const out = await this.connection.call({
        destination,
        path,
        interface: spec.iface,
        member: spec.member,
        signature: spec.in,
        body: args,
        timeoutMs: opts?.timeoutMs ?? spec.timeoutMs,
        signal: opts?.signal,
      });
      this.log.debug({ method, path, ms: Math.round(performance.now() - t0) }, 'call ok');
      if (destination === MM_SERVICE) this.timeoutsInARow = 0;
      return out;
    } catch (e) {
      if (e instanceof DBusTimeoutError && destination === MM_SERVICE) {
        this.timeoutsInARow++;
        if (this.timeoutsInARow === UNRESPONSIVE_AFTER) this.emit('unresponsive', this.timeoutsInARow);
      } else if (destination === MM_SERVICE && !(e instanceof DBusDisconnectedError)) {
        this.timeoutsInARow = 0;
      }
      const err = toModemManagerError(e, method);
      this.log.debug({ method, path, err: (err as Error).message }, 'call failed');
      throw err;
    }
  }

  private requestResync(why: string): void {
    if (this.closed) return;
    this.log.info({ why }, 'resync');
    this.resync().catch((e: unknown) => {
      this.log.warn({ err: e }, 'resync failed');
      this.emit('resync-failed', e);
    });
  }

  private async resyncOnce(): Promise<void> {
    this.queued = [];
    const q = { timeoutMs: this.resyncTimeoutMs };
    let owner: string | undefined;
    try {
      const [o] = await this.invoke(
        '/org/freedesktop/DBus',
        { iface: 'org.freedesktop.DBus', member: 'GetNameOwner', in: 's', out: 's', timeoutMs: 25_000 },
        [MM_SERVICE],
        q,
        'org.freedesktop.DBus',
      );
      owner = typeof o === 'string' ? o : undefined;
    } catch (e) {
      if (!(e instanceof ModemManagerError && e.errorName === 'org.freedesktop.DBus.Error.NameHasNoOwner'))
        throw e;
    }
    if (!owner) {
      this.queued = [];
      if (this.current.owner !== undefined) {
        this.commit(vanished(this.current));
        this.emit('mm-vanished');
      }
      return;
    }
    let version = this.current.owner === owner ? this.current.version : undefined;
    if (version === undefined) {
      const [v] = await this.invoke(
        MM_PATH,
        { iface: IFACE.properties, member: 'Get', in: 'ss', out: 'v', timeoutMs: 25_000 },
        [IFACE.manager, 'Version'],
        q,
        owner,
      );
      version = typeof v === 'string' ? v : undefined;
    }
    const [managed] = await this.invoke(
      MM_PATH,
      {
        iface: IFACE.objectManager,
        member: 'GetManagedObjects',
        in: '',
        out: 'a{oa{sa{sv}}}',
        timeoutMs: 25_000,
      },
      [],
      q,
      owner,
    );
    const appeared = this.current.owner !== owner;
    let next = fromManagedObjects(this.current, managed, { owner, version }, this.onIgnored);
    next = await this.loadSubObjects(next, owner, q);
    const replay = this.queued;
    this.queued = [];
    for (const m of replay) if (m.sender === owner) next = this.reduce(next, m);
    this.commit(next);
    if (appeared) this.emit('mm-appeared', owner, version);
  }

  /**
   * GetAll for every referenced SIM/bearer not in `s` (they are not in GetManagedObjects); the paths
   * that could not be loaded are added to `failed`.
   */
  private async loadSubObjects(
    s: Snapshot,
    owner: string,
    opts?: CallOptions,
    failed?: Set<string>,
  ): Promise<Snapshot> {
    let next = s;
    for (const [path, iface] of missingObjects(s)) {
      try {
        const [props] = await this.invoke(
          path,
          { iface: IFACE.properties, member: 'GetAll', in: 's', out: 'a{sv}', timeoutMs: 25_000 },
          [iface],
          opts,
          owner,
        );
        next = interfacesAdded(next, path, { [iface]: props ?? {} }, this.onIgnored);
      } catch (e) {
        // gone in the meantime (bearer deleted, modem removed): the next change will tell
        failed?.add(path);
        this.log.debug({ path, err: (e as Error).message }, 'cannot load object');
      }
    }
    return next;
  }

  /** After an incremental change: load newly referenced SIM/bearer objects, in order. */
  private syncSubObjects(): void {
    if (this.subSyncing || this.resyncing || this.closed) return;
    const owner = this.current.owner;
    if (!owner || missingObjects(this.current).size === 0) return;
    this.subSyncing = true;
    const failed = new Set<string>();
    this.loadSubObjects(this.current, owner, { timeoutMs: this.resyncTimeoutMs }, failed)
      .then((loaded) => {
        if (this.resyncing || this.current.owner !== owner) return;
        // merge only what was loaded onto the (possibly newer) current snapshot
        let next = this.current;
        for (const [path, ifaces] of Object.entries(loaded.objects)) {
          if (!next.objects[path]) next = interfacesAdded(next, path, ifaces as DBusPlain);
        }
        // signals for these objects that raced with GetAll (a reply and the signals after it can
        // be parsed from one socket read, before our continuation runs): apply them on top
        const replay = this.subQueue;
        this.subQueue = [];
        for (const m of replay) if (m.sender === owner) next = this.reduce(next, m);
        this.commit(next);
      })
      .finally(() => {
        this.subSyncing = false;
        this.subQueue = [];
        // More may have been referenced meanwhile. Not those that just failed: loading them again at
        // once would spin (a dangling path never loads); the next change of the tree tries again.
        if ([...missingObjects(this.current).keys()].some((p) => !failed.has(p))) this.syncSubObjects();
      });
  }

  private handleSignal(m: SignalMessage): void {
    if (this.closed) return;
    if (m.interface === 'org.freedesktop.DBus' && m.member === 'NameOwnerChanged') {
      if (m.sender !== 'org.freedesktop.DBus' || m.body[0] !== MM_SERVICE) return;
      const newOwner = m.body[2];
      this.log.info({ old: m.body[1], new: newOwner }, 'ModemManager name owner changed');
      if (newOwner === '' && !this.resyncing) {
        // fast path: no query needed to know it is gone
        this.commit(vanished(this.current));
        this.emit('mm-vanished');
        return;
      }
      this.requestResync('NameOwnerChanged');
      return;
    }
    if (this.resyncing) {
      this.queued.push(m);
      return;
    }
    if (!this.current.owner || m.sender !== this.current.owner) return;
    if (this.subSyncing && !this.current.objects[m.path]) {
      this.subQueue.push(m);
      return;
    }
    if (m.interface === IFACE.modem && m.member === 'StateChanged') {
      const [o, n, r] = m.body;
      if (typeof o === 'number' && typeof n === 'number' && typeof r === 'number') {
        this.emit('state-changed', m.path, o, n, r);
      }
      return;
    }
    const next = this.reduce(this.current, m);
    if (next !== this.current) this.commit(next);
    if (m.interface === IFACE.properties && m.member === 'PropertiesChanged') {
      const [iface, changed] = m.body;
      if (typeof iface === 'string' && changed && typeof changed === 'object' && !Array.isArray(changed)) {
        this.emit('properties-changed', m.path, iface, changed as VarDict);
      }
    }
  }

  /** Applies one ObjectManager / Properties signal to a snapshot. */
  private reduce(s: Snapshot, m: SignalMessage): Snapshot {
    if (m.interface === IFACE.objectManager && m.member === 'InterfacesAdded') {
      const [path, ifaces] = m.body;
      return typeof path === 'string' ? interfacesAdded(s, path, ifaces, this.onIgnored) : s;
    }
    if (m.interface === IFACE.objectManager && m.member === 'InterfacesRemoved') {
      const [path, names] = m.body;
      if (typeof path !== 'string' || !Array.isArray(names)) return s;
      return interfacesRemoved(
        s,
        path,
        names.filter((n): n is string => typeof n === 'string'),
      );
    }
    if (m.interface === IFACE.properties && m.member === 'PropertiesChanged') {
      const [iface, changed, invalidated] = m.body;
      if (typeof iface !== 'string') return s;
      const inv = Array.isArray(invalidated)
        ? invalidated.filter((n): n is string => typeof n === 'string')
        : [];
      return propertiesChanged(s, m.path, iface, changed, inv, this.onIgnored);
    }
    return s;
  }

  private commit(candidate: Snapshot): void {
    const prev = this.current;
    const next = pruneUnreferenced(candidate);
    if (next === prev) return;
    this.current = next;
    const before = new Set(modemPaths(prev));
    const after = new Set(modemPaths(next));
    for (const p of before) if (!after.has(p)) this.emit('modem-removed', p);
    for (const p of after) if (!before.has(p)) this.emit('modem-added', p);
    this.emit('snapshot', next, prev);
    if (!this.resyncing) this.syncSubObjects();
  }
}
