/**
 * The observed side of the network items: the kernel's current state of the managed interfaces, as
 * the same items the builders produce, so the reconciler sees drift (an address deleted from outside)
 * as a difference between observed and desired items.
 *
 * State comes from a dump at start, then from the watcher's NEW/DEL events. The kernel removes some
 * things without telling: deleting the last IPv4 address of an interface or taking the link down
 * flushes its IPv4 routes with no RTM_DELROUTE, and a link going down drops its IPv6 addresses and
 * routes. The observer applies those rules at once (so it never reports a route the kernel has
 * dropped) and schedules a resync dump to confirm. A dump that events raced is not adopted (it may
 * be older than they are) but done again; only the first dump is taken raced or not.
 *
 * Only what the agent could manage is reported: the link, global/site addresses (not the kernel's
 * link-local ones), unicast routes of the wanted protocols outside the local table, and (when given
 * the directory) the DNS files, read at each items() call.
 *
 * A resync that fails (the kernel busy, a timeout) is retried on the project's one backoff, 50 ms
 * growing to 5 s: a netlink socket in trouble is not hammered every 50 ms, and the first failure and
 * the recovery are logged once each, so an observer stuck on stale state is visible.
 */

import { readFileSync } from 'node:fs';
import type { Clock, Item, ItemRef } from '../../reconciler/api.js';
import { Backoff, type BackoffPolicy } from '../../reconciler/backoff.js';
import type { Logger } from '../../reconciler/controller.js';
import { parseResolvConf, resolvFileName } from '../dns/resolvconf.js';
import type { NetlinkAdapter } from '../netlink/adapter.js';
import type { AddressState, LinkState, RouteState } from '../netlink/types.js';
import { type NetEvent, type NetWatcher, watchNetlink } from '../netlink/watch.js';
import { addressItem, dnsItem, linkItem, routeItem } from './builders.js';

const RT_TABLE_LOCAL = 255;
const RT_SCOPE_LINK = 253;

export interface NetObserverOptions {
  readonly netlink: NetlinkAdapter;
  /** Interfaces whose items are reported (e.g. the wwan interfaces); others are ignored entirely. */
  readonly ifnames: readonly string[];
  /** Route protocols the agent owns (default ['static']). */
  readonly protocols?: readonly string[];
  /** Called (synchronously, possibly often) after the observed state of a managed interface changed. */
  readonly onChange?: () => void;
  /** Debounce of the confirming resync (default 50 ms). */
  readonly resyncDelayMs?: number;
  /** Also dump every this many ms, as a net under any loss nobody noticed (default 60000; 0: never). */
  readonly periodicResyncMs?: number;
  /** Also report the DNS items from the `<ifname>.dhcp` files of this directory. */
  readonly resolvDir?: string;
  /** Injected for tests; default: the real netlink watcher. */
  readonly watch?: (onEvent: (e: NetEvent) => void, onInvalid: (err: unknown) => void) => NetWatcher;
  /** Failed resyncs, their recovery, undecodable events and unreadable DNS files; default: silent. */
  readonly logger?: Logger;
  /** Schedule of the retries after a failed resync (default {@link RESYNC_RETRY}). */
  readonly resyncRetry?: Partial<BackoffPolicy>;
  /** Timers of the resync and its retries (tests inject a manual clock); default: the real ones. */
  readonly clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
  /** Jitter source of the retry backoff (tests pin it). */
  readonly random?: () => number;
}

/** 50 ms (the debounce) growing to 5 s: quick after a blip, gentle on a socket in trouble. */
export const RESYNC_RETRY: BackoffPolicy = { baseMs: 50, factor: 2, maxMs: 5_000, jitter: 0.2 };

const realTimers: Pick<Clock, 'setTimeout' | 'clearTimeout'> = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** How many recent events {@link NetObserver.events} keeps. */
export const OBSERVER_EVENT_HISTORY = 256;

export interface NetObserver {
  /** Starts watching, then dumps. Resolves once the first dump is in. */
  start(): Promise<void>;
  /** The observed items of the managed interfaces, in a stable order. */
  items(): Item[];
  /** Re-reads everything from the kernel (after suspected loss). */
  resync(): Promise<void>;
  /** The last {@link OBSERVER_EVENT_HISTORY} events seen for managed interfaces (diagnostics, tests). */
  readonly events: readonly NetEvent[];
  close(): void;
}

/**
 * The servers in an interface's DNS file, read when asked: no event says the file changed, and it is
 * one small file per managed interface. Unreadable or malformed: reported as absent.
 */
function readDnsNow(dir: string, ifname: string): { servers?: string[]; err?: unknown } {
  try {
    const servers = parseResolvConf(readFileSync(resolvFileName(dir, ifname), 'utf8'));
    dnsItem(ifname, servers); // validates: a hand-edited bad line must not make items() throw
    return { servers };
  } catch (err) {
    // No file is the normal "no DNS for this interface"; anything else is worth a trace.
    return (err as { code?: unknown } | null)?.code === 'ENOENT' ? {} : { err };
  }
}

const addrKey = (a: AddressState) => `${a.index}/${a.address}/${a.prefixLength}`;
const routeKey = (r: RouteState) =>
  `${r.family}/${r.table}/${r.dst}/${r.metric}/${r.oif ?? 0}/${r.gateway ?? ''}`;

export function createNetObserver(opts: NetObserverOptions): NetObserver {
  const managed = new Set(opts.ifnames);
  const protocols = new Set((opts.protocols ?? ['static']).map((p) => p.toLowerCase()));
  const links = new Map<number, LinkState>();
  const addrs = new Map<string, AddressState>();
  const routes = new Map<string, RouteState>();
  const events: NetEvent[] = [];
  let periodic: NodeJS.Timeout | undefined;
  let watcher: NetWatcher | undefined;
  let dumping = false;
  let racedDump = false;
  /** A dump was adopted (the first one is, raced or not: there is nothing else to go on). */
  let dumped = false;
  let timer: unknown;
  let closed = false;
  const clock = opts.clock ?? realTimers;
  const log = opts.logger;
  const retries = new Backoff({ ...RESYNC_RETRY, ...opts.resyncRetry }, opts.random);
  let invalidSeen = false;
  /** DNS files whose read failed, so each failure is logged once (until the file reads again). */
  const badDnsFiles = new Set<string>();

  const isManagedIndex = (index: number | undefined) => {
    const l = index === undefined ? undefined : links.get(index);
    return l !== undefined && managed.has(l.name);
  };
  const changed = () => opts.onChange?.();

  /** Debounced resync; after a failure, the next attempt waits on the backoff instead. */
  function scheduleResync(delayMs = opts.resyncDelayMs ?? 50): void {
    if (closed || timer !== undefined) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      if (closed) return;
      resync().then(
        () => {
          if (retries.failures === 0) return;
          log?.info({ failures: retries.failures }, 'netlink resync recovered');
          retries.reset();
        },
        (err: unknown) => {
          if (closed) return;
          if (retries.failures === 0) {
            log?.warn({ err }, 'netlink resync failed; retrying with backoff (observed state may be stale)');
          }
          scheduleResync(retries.next());
        },
      );
    }, delayMs);
  }

  function dropRoutes(index: number, family?: 4 | 6): void {
    for (const [k, r] of routes)
      if (r.oif === index && (family === undefined || r.family === family)) routes.delete(k);
  }

  function apply(e: NetEvent): void {
    if (e.kind === 'link') {
      const l = e.link;
      const before = links.get(l.index);
      if (e.op === 'del' || (before !== undefined && before.name !== l.name)) opts.netlink.forgetIndexes();
      if (e.op === 'del') {
        links.delete(l.index);
        for (const [k, a] of addrs) if (a.index === l.index) addrs.delete(k);
        dropRoutes(l.index);
      } else {
        links.set(l.index, l);
        if (before?.up && !l.up) {
          // Admin down: the kernel flushes the link's routes and its IPv6 addresses, silently.
          dropRoutes(l.index);
          for (const [k, a] of addrs) if (a.index === l.index && a.family === 6) addrs.delete(k);
          scheduleResync();
        }
      }
    } else if (e.kind === 'address') {
      const a = e.address;
      if (e.op === 'del') {
        addrs.delete(addrKey(a));
        if (a.family === 4 && ![...addrs.values()].some((x) => x.index === a.index && x.family === 4)) {
          // The last IPv4 address went: the kernel flushes the interface's IPv4 routes, silently.
          dropRoutes(a.index, 4);
        }
        scheduleResync();
      } else {
        addrs.set(addrKey(a), a);
      }
    } else {
      const r = e.route;
      if (e.op === 'del') routes.delete(routeKey(r));
      else routes.set(routeKey(r), r);
    }
  }

  function onEvent(e: NetEvent): void {
    if (dumping) racedDump = true;
    const index = e.kind === 'link' ? e.link.index : e.kind === 'address' ? e.address.index : e.route.oif;
    const relevant = (e.kind === 'link' && managed.has(e.link.name)) || isManagedIndex(index);
    apply(e);
    if (relevant) {
      events.push(e);
      if (events.length > OBSERVER_EVENT_HISTORY) events.splice(0, events.length - OBSERVER_EVENT_HISTORY);
      changed();
    }
  }

  async function resync(): Promise<void> {
    dumping = true;
    racedDump = false;
    try {
      const [l, a, r] = await Promise.all([
        opts.netlink.listLinks(),
        opts.netlink.listAddresses(),
        opts.netlink.listRoutes(),
      ]);
      if (racedDump && dumped) {
        // The dump may be older than an event that arrived meanwhile (the kernel answered before it
        // deleted an address we were told it deleted): adopting it would bring the address back.
        // The state the events kept stays; the next dump confirms it.
        scheduleResync();
        return;
      }
      dumped = true;
      links.clear();
      for (const x of l) links.set(x.index, x);
      addrs.clear();
      for (const x of a) addrs.set(addrKey(x), x);
      routes.clear();
      for (const x of r) routes.set(routeKey(x), x);
    } finally {
      dumping = false;
    }
    // An event that arrived while the dump ran may be older or newer than what the dump read.
    if (racedDump) scheduleResync();
    changed();
  }

  function items(): Item[] {
    const out: Item[] = [];
    const byName = [...links.values()]
      .filter((l) => managed.has(l.name))
      .sort((x, y) => x.name.localeCompare(y.name));
    for (const l of byName) {
      out.push(linkItem(l.name, { mtu: l.mtu, up: l.up }));
      const firstAddr: Partial<Record<4 | 6, ItemRef>> = {};
      const mine = [...addrs.values()]
        .filter((a) => a.index === l.index && a.scope !== RT_SCOPE_LINK)
        .sort(
          (x, y) =>
            x.family - y.family || x.address.localeCompare(y.address) || x.prefixLength - y.prefixLength,
        );
      for (const a of mine) {
        const it = addressItem({
          ifname: l.name,
          address: a.address,
          prefixLength: a.prefixLength,
          family: a.family,
        });
        firstAddr[a.family] ??= { type: it.type, name: it.name };
        out.push(it);
      }
      const seen = new Set<string>();
      const myRoutes = [...routes.values()]
        .filter(
          (r) =>
            r.oif === l.index &&
            r.table !== RT_TABLE_LOCAL &&
            r.type === 'unicast' &&
            protocols.has(r.protocol),
        )
        .sort(
          (x, y) =>
            x.family - y.family || x.dst.localeCompare(y.dst) || x.table - y.table || x.metric - y.metric,
        );
      for (const r of myRoutes) {
        const it = routeItem(
          {
            ifname: l.name,
            family: r.family,
            dst: r.dst,
            ...(r.gateway !== undefined ? { gateway: r.gateway } : {}),
            metric: r.metric,
            table: r.table,
            protocol: r.protocol,
            onlink: r.onlink,
          },
          firstAddr[r.family],
        );
        // Two kernel routes differing only in metric map to one item: report the preferred one.
        if (seen.has(it.name)) continue;
        seen.add(it.name);
        out.push(it);
      }
      const servers = opts.resolvDir === undefined ? undefined : dnsOf(opts.resolvDir, l.name);
      if (servers) out.push(dnsItem(l.name, servers));
    }
    return out;
  }

  function dnsOf(dir: string, ifname: string): string[] | undefined {
    const { servers, err } = readDnsNow(dir, ifname);
    const file = resolvFileName(dir, ifname);
    if (err === undefined) badDnsFiles.delete(file);
    else if (!badDnsFiles.has(file)) {
      badDnsFiles.add(file);
      log?.warn({ err, file, ifname }, 'cannot read the DNS file; reporting no DNS for the interface');
    }
    return servers;
  }

  return {
    events,
    async start() {
      // An undecodable message means our picture may be wrong: resync.
      const onInvalid = (err: unknown) => {
        if (!invalidSeen) log?.warn({ err }, 'undecodable netlink event; resyncing');
        else log?.debug({ err }, 'undecodable netlink event; resyncing');
        invalidSeen = true;
        scheduleResync();
      };
      watcher = (opts.watch ?? ((cb, inv) => watchNetlink(cb, { onInvalid: inv })))(onEvent, onInvalid);
      await resync();
      const every = opts.periodicResyncMs ?? 60_000;
      if (every > 0) {
        periodic = setInterval(() => scheduleResync(), every);
        periodic.unref();
      }
    },
    items,
    resync,
    close() {
      closed = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      clearInterval(periodic);
      watcher?.close();
    },
  };
}
