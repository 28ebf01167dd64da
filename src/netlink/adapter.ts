/**
 * The agent's only door to rtnetlink: links, addresses and routes over netlink@0.3.0, with a timeout
 * and an AbortSignal on every call, typed errors, and a count of the requests sent (so tests can prove
 * "an MTU change is one netlink operation"). Interfaces are named by ifname; the name -> index map is
 * cached and re-resolved once on ENODEV, because a modem that re-enumerates gets a new index.
 */
import { type CallOptions, withNetlinkDeadline } from './deadline.js';
import { decodeAddress, decodeLink, decodeRoute, RTNH_F_ONLINK } from './decode.js';
import { isNetlinkError, NetlinkError } from './errors.js';
import { afOf, type IpFamily, ipToBuffer, parseDestination } from './ip.js';
import { createRtNetlink, FlagsNew, rt } from './rtnetlink.js';
import type { AddressRequest, AddressState, LinkState, RouteRequest, RouteState } from './types.js';

export type { CallOptions } from './deadline.js';

export const RT_TABLE_MAIN = 254;

/** Kernel requests sent, total and per adapter operation. */
export interface NetlinkStats {
  readonly requests: number;
  readonly byOperation: Readonly<Record<string, number>>;
}

export interface LinkChange {
  readonly up?: boolean;
  readonly mtu?: number;
}

export interface NetlinkAdapter {
  listLinks(opts?: CallOptions): Promise<LinkState[]>;
  /** undefined when there is no such interface. */
  getLink(ifname: string, opts?: CallOptions): Promise<LinkState | undefined>;
  /** One request whatever the change (flags and MTU travel in the same RTM_NEWLINK). */
  setLink(ifname: string, change: LinkChange, opts?: CallOptions): Promise<void>;
  listAddresses(filter?: { ifname?: string; family?: IpFamily }, opts?: CallOptions): Promise<AddressState[]>;
  /** Fails with EEXIST if the address is already there. */
  addAddress(ifname: string, addr: AddressRequest, opts?: CallOptions): Promise<void>;
  /** Fails with EADDRNOTAVAIL if it is not there. */
  deleteAddress(ifname: string, addr: AddressRequest, opts?: CallOptions): Promise<void>;
  listRoutes(
    filter?: { ifname?: string; family?: IpFamily; table?: number },
    opts?: CallOptions,
  ): Promise<RouteState[]>;
  /** NLM_F_CREATE|NLM_F_EXCL: EEXIST if a route with the same key (dst, table, metric) exists. */
  addRoute(route: RouteRequest, opts?: CallOptions): Promise<void>;
  /** NLM_F_CREATE|NLM_F_REPLACE: creates, or replaces the route with the same key in place. */
  replaceRoute(route: RouteRequest, opts?: CallOptions): Promise<void>;
  /** Deletes only the route of this interface with this key and protocol; ESRCH if none. */
  deleteRoute(route: RouteRequest, opts?: CallOptions): Promise<void>;
  stats(): NetlinkStats;
  resetStats(): void;
  /**
   * Drops the cached name -> index map. A vanished interface is noticed by itself (ENODEV, then one
   * new lookup), but a rename is not: an old index would then address the renamed interface. Whoever
   * watches links (the observer) calls this on a link deletion or rename.
   */
  forgetIndexes(): void;
  close(): void;
}

export interface RtNetlinkAdapterOptions {
  /** Per-call timeout when the call gives none (default 5000 ms). */
  readonly defaultTimeoutMs?: number;
  /**
   * How long a request given up on (timeout, abort) may still hold the socket waiting for the
   * kernel's answer before the socket is replaced by a fresh one (default 30000 ms).
   */
  readonly stallMs?: number;
}

// A request-only socket: it joins no multicast group, so it never overflows; ref:false lets the
// process exit while no request is pending.
function openRequestSocket() {
  return createRtNetlink({ ref: false, recvBufferSize: 1 << 20, sendBufferSize: 256 << 10 });
}

function protocolNumber(name: string | undefined): number {
  if (name === undefined) return rt.RouteProtocol.STATIC;
  if (/^[0-9]+$/.test(name)) return Number(name);
  const n = (rt.RouteProtocol as unknown as Record<string, number | undefined>)[name.toUpperCase()];
  if (n === undefined) throw new NetlinkError('EINVAL', `unknown route protocol ${name}`);
  return n;
}

class RtNetlinkAdapter implements NetlinkAdapter {
  private sock = openRequestSocket();
  private readonly indexCache = new Map<string, number>();
  private readonly timeoutMs: number;
  private readonly stallMs: number;
  private count = 0;
  private readonly perOp = new Map<string, number>();
  private tail: Promise<void> = Promise.resolve();

  constructor(opts: RtNetlinkAdapterOptions) {
    this.timeoutMs = opts.defaultTimeoutMs ?? 5000;
    this.stallMs = opts.stallMs ?? 30_000;
  }

  /**
   * Requests go out one at a time. netlink@0.3.0 reassembles multipart (dump) answers in a single
   * per-socket buffer, so two dumps in flight interleave and it throws "Multipart message not
   * terminated properly" inside a native callback, which aborts the process (measured).
   * The deadline covers the wait for the turn too; a request given up on (timeout, abort) while
   * still queued is never sent. One given up on after it was sent keeps the socket until the
   * kernel's answer is in: the kernel refuses a second dump on a socket whose dump is still
   * answering (EBUSY; measured: 254 of 300 dumps sent right behind a given-up one), and the addon
   * would group the parts of the two answers wrongly. Should that answer never come, the socket is
   * replaced after `stallMs`.
   */
  private call<T>(op: string, detail: string, run: () => Promise<T>, opts?: CallOptions): Promise<T> {
    const timeoutMs = opts?.timeoutMs ?? this.timeoutMs;
    let gaveUp = false;
    let answer: Promise<unknown> | undefined;
    let released = false;
    let release: () => void = () => undefined;
    const finished = new Promise<void>((r) => {
      release = () => {
        released = true;
        r();
      };
    });
    const turn = this.tail;
    // The next request waits for the previous one to be answered (or dropped unsent) and for our own.
    this.tail = turn.then(() => finished);
    const counted = async () => {
      await turn;
      if (gaveUp) throw new Error('given up before sending'); // never send what nobody waits for
      this.count++;
      this.perOp.set(op, (this.perOp.get(op) ?? 0) + 1);
      try {
        const p = run();
        answer = p;
        p.then(release, release);
        return await p;
      } catch (err) {
        release();
        throw err;
      }
    };
    return withNetlinkDeadline(`${op} ${detail}`, counted, timeoutMs, opts?.signal).finally(() => {
      gaveUp = true;
      if (answer === undefined) release();
      else if (!released) this.watchStall(answer, release);
    });
  }

  /** A given-up request whose answer never comes would hold the socket forever: replace it. */
  private watchStall(answer: Promise<unknown>, release: () => void): void {
    const timer = setTimeout(() => {
      const stuck = this.sock;
      this.sock = openRequestSocket();
      stuck.socket.close();
      release();
    }, this.stallMs);
    timer.unref();
    const stop = () => clearTimeout(timer);
    answer.then(stop, stop);
  }

  private async index(ifname: string, opts?: CallOptions): Promise<number> {
    const cached = this.indexCache.get(ifname);
    if (cached !== undefined) return cached;
    const link = await this.getLink(ifname, opts);
    if (!link) throw new NetlinkError('ENODEV', `lookup ${ifname}`);
    return link.index;
  }

  /** Runs `fn` with the interface's index; on ENODEV with a cached index, re-resolves once. */
  private async withIndex<T>(ifname: string, opts: CallOptions | undefined, fn: (i: number) => Promise<T>) {
    const wasCached = this.indexCache.has(ifname);
    const idx = await this.index(ifname, opts);
    try {
      return await fn(idx);
    } catch (err) {
      if (!wasCached || !isNetlinkError(err, 'ENODEV')) throw err;
      this.indexCache.delete(ifname);
      return fn(await this.index(ifname, opts));
    }
  }

  private remember(links: LinkState[]): LinkState[] {
    for (const l of links) this.indexCache.set(l.name, l.index);
    return links;
  }

  async listLinks(opts?: CallOptions): Promise<LinkState[]> {
    const msgs = await this.call('listLinks', '', () => this.sock.getLinks(), opts);
    this.indexCache.clear();
    return this.remember(msgs.map(decodeLink).filter((l): l is LinkState => l !== undefined));
  }

  async getLink(ifname: string, opts?: CallOptions): Promise<LinkState | undefined> {
    try {
      const msgs = await this.call('getLink', ifname, () => this.sock.getLink({}, { ifname }), opts);
      const links = this.remember(msgs.map(decodeLink).filter((l): l is LinkState => l !== undefined));
      return links.find((l) => l.name === ifname);
    } catch (err) {
      if (isNetlinkError(err, 'ENODEV')) {
        this.indexCache.delete(ifname);
        return undefined;
      }
      throw err;
    }
  }

  async setLink(ifname: string, change: LinkChange, opts?: CallOptions): Promise<void> {
    // Addressed by IFLA_IFNAME with index 0 (the kernel looks the name up), so no lookup request:
    // an MTU change stays a single netlink operation.
    const data: rt.Link =
      change.up === undefined ? {} : { change: { up: true }, flags: change.up ? { up: true } : {} };
    const attrs = { ifname, ...(change.mtu !== undefined ? { mtu: change.mtu } : {}) };
    await this.call('setLink', ifname, () => this.sock.setLink(data, attrs), opts);
  }

  async listAddresses(
    filter: { ifname?: string; family?: IpFamily } = {},
    opts?: CallOptions,
  ): Promise<AddressState[]> {
    const index = filter.ifname === undefined ? undefined : await this.index(filter.ifname, opts);
    const data = filter.family === undefined ? {} : { family: afOf(filter.family) };
    const msgs = await this.call(
      'listAddresses',
      filter.ifname ?? '',
      () => this.sock.getAddresses(data),
      opts,
    );
    return msgs
      .map(decodeAddress)
      .filter((a): a is AddressState => a !== undefined)
      .filter(
        (a) => (index === undefined || a.index === index) && (!filter.family || a.family === filter.family),
      );
  }

  private addressMessage(index: number, a: AddressRequest): [rt.Address, rt.AddressAttrs] {
    const buf = ipToBuffer(a.address, a.family);
    // IFA_LOCAL = IFA_ADDRESS: no peer. On a point-to-point link this is what `ip addr add A/32` sends.
    return [
      {
        family: afOf(a.family),
        prefixlen: a.prefixLength,
        index,
        ...(a.nodad ? { flags: { nodad: true } } : {}),
      },
      { local: buf, address: buf, ...(a.nodad ? { flags: { nodad: true } } : {}) },
    ];
  }

  addAddress(ifname: string, addr: AddressRequest, opts?: CallOptions): Promise<void> {
    return this.withIndex(ifname, opts, async (index) => {
      const [data, attrs] = this.addressMessage(index, addr);
      await this.call(
        'addAddress',
        `${ifname} ${addr.address}/${addr.prefixLength}`,
        () => this.sock.newAddress(data, attrs, { flags: FlagsNew.CREATE | FlagsNew.EXCL }),
        opts,
      );
    });
  }

  deleteAddress(ifname: string, addr: AddressRequest, opts?: CallOptions): Promise<void> {
    return this.withIndex(ifname, opts, async (index) => {
      const [data, attrs] = this.addressMessage(index, { ...addr, nodad: false });
      await this.call(
        'deleteAddress',
        `${ifname} ${addr.address}/${addr.prefixLength}`,
        () => this.sock.delAddress(data, attrs),
        opts,
      );
    });
  }

  async listRoutes(
    filter: { ifname?: string; family?: IpFamily; table?: number } = {},
    opts?: CallOptions,
  ): Promise<RouteState[]> {
    const index = filter.ifname === undefined ? undefined : await this.index(filter.ifname, opts);
    const data = filter.family === undefined ? {} : { family: afOf(filter.family) };
    const msgs = await this.call('listRoutes', filter.ifname ?? '', () => this.sock.getRoutes(data), opts);
    return msgs
      .map(decodeRoute)
      .filter((r): r is RouteState => r !== undefined)
      .filter(
        (r) =>
          (index === undefined || r.oif === index) &&
          (!filter.family || r.family === filter.family) &&
          (filter.table === undefined || r.table === filter.table),
      );
  }

  private routeMessage(index: number, r: RouteRequest, forDelete: boolean): [rt.Route, rt.RouteAttrs] {
    const dst = parseDestination(r.dst, r.family);
    const table = r.table ?? RT_TABLE_MAIN;
    // A route without gateway on IPv4 is a device route: scope link, like `ip route add default dev X`.
    const scope = forDelete
      ? rt.RouteScope.NOWHERE // "any scope" for RTM_DELROUTE, as iproute2 sends
      : r.family === 4 && r.gateway === undefined
        ? rt.RouteScope.LINK
        : rt.RouteScope.UNIVERSE;
    const data: rt.Route = {
      family: afOf(r.family),
      dstLen: dst.prefixLength,
      // rtm_table holds 8 bits; larger ids go only in RTA_TABLE (RT_TABLE_UNSPEC here).
      table: table < 256 ? table : 0,
      protocol: protocolNumber(r.protocol),
      scope,
      type: forDelete ? rt.RouteType.UNSPEC : rt.RouteType.UNICAST,
      ...(r.onlink && !forDelete ? { flags: { __unknown: RTNH_F_ONLINK } } : {}),
    };
    const attrs: rt.RouteAttrs = {
      oif: index,
      priority: r.metric,
      table,
      ...(dst.bytes ? { dst: dst.bytes } : {}),
      ...(r.gateway !== undefined ? { gateway: ipToBuffer(r.gateway, r.family) } : {}),
    };
    return [data, attrs];
  }

  private newRoute(op: string, r: RouteRequest, flags: number, opts?: CallOptions): Promise<void> {
    return this.withIndex(r.ifname, opts, async (index) => {
      const [data, attrs] = this.routeMessage(index, r, false);
      await this.call(
        op,
        `${r.ifname} ${r.dst} metric ${r.metric}`,
        () => this.sock.newRoute(data, attrs, { flags }),
        opts,
      );
    });
  }

  addRoute(route: RouteRequest, opts?: CallOptions): Promise<void> {
    return this.newRoute('addRoute', route, FlagsNew.CREATE | FlagsNew.EXCL, opts);
  }

  replaceRoute(route: RouteRequest, opts?: CallOptions): Promise<void> {
    return this.newRoute('replaceRoute', route, FlagsNew.CREATE | FlagsNew.REPLACE, opts);
  }

  deleteRoute(route: RouteRequest, opts?: CallOptions): Promise<void> {
    return this.withIndex(route.ifname, opts, async (index) => {
      const [data, attrs] = this.routeMessage(index, route, true);
      await this.call(
        'deleteRoute',
        `${route.ifname} ${route.dst} metric ${route.metric}`,
        () => this.sock.delRoute(data, attrs),
        opts,
      );
    });
  }

  stats(): NetlinkStats {
    return { requests: this.count, byOperation: Object.fromEntries(this.perOp) };
  }

  resetStats(): void {
    this.count = 0;
    this.perOp.clear();
  }

  forgetIndexes(): void {
    this.indexCache.clear();
  }

  close(): void {
    this.sock.socket.close();
  }
}

/** Opens a request socket in the calling process's network namespace. */
export function createNetlinkAdapter(opts: RtNetlinkAdapterOptions = {}): NetlinkAdapter {
  return new RtNetlinkAdapter(opts);
}
