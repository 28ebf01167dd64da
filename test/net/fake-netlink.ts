/** A scripted NetlinkAdapter for unit tests: records calls, serves canned state, fails on demand. */
import type { CallOptions, LinkChange, NetlinkAdapter, NetlinkStats } from '../../src/netlink/adapter.js';
import { NetlinkError } from '../../src/netlink/errors.js';
import type {
  AddressRequest,
  AddressState,
  LinkState,
  RouteRequest,
  RouteState,
} from '../../src/netlink/types.js';

export interface Call {
  readonly op: string;
  readonly args: readonly unknown[];
  readonly signal?: AbortSignal;
}

export class FakeNetlink implements NetlinkAdapter {
  calls: Call[] = [];
  links: LinkState[] = [];
  addresses: AddressState[] = [];
  routes: RouteState[] = [];
  /** op -> errno codes to throw on the next calls of that op, in order. */
  failures = new Map<string, string[]>();

  private rec(op: string, opts: CallOptions | undefined, ...args: unknown[]): void {
    this.calls.push({ op, args, ...(opts?.signal ? { signal: opts.signal } : {}) });
    const queue = this.failures.get(op);
    const code = queue?.shift();
    if (code) throw new NetlinkError(code, op);
  }

  ops(): string[] {
    return this.calls.map((c) => c.op);
  }

  async listLinks(opts?: CallOptions) {
    this.rec('listLinks', opts);
    return [...this.links];
  }
  async getLink(ifname: string, opts?: CallOptions) {
    this.rec('getLink', opts, ifname);
    return this.links.find((l) => l.name === ifname);
  }
  async setLink(ifname: string, change: LinkChange, opts?: CallOptions) {
    this.rec('setLink', opts, ifname, change);
  }
  async listAddresses(filter?: { ifname?: string }, opts?: CallOptions) {
    this.rec('listAddresses', opts, filter);
    return [...this.addresses];
  }
  async addAddress(ifname: string, a: AddressRequest, opts?: CallOptions) {
    this.rec('addAddress', opts, ifname, a);
  }
  async deleteAddress(ifname: string, a: AddressRequest, opts?: CallOptions) {
    this.rec('deleteAddress', opts, ifname, a);
  }
  async listRoutes(filter?: { ifname?: string; family?: 4 | 6; table?: number }, opts?: CallOptions) {
    this.rec('listRoutes', opts, filter);
    const idx = this.links.find((l) => l.name === filter?.ifname)?.index;
    return this.routes.filter((r) => filter?.ifname === undefined || r.oif === idx);
  }
  async addRoute(r: RouteRequest, opts?: CallOptions) {
    this.rec('addRoute', opts, r);
  }
  async replaceRoute(r: RouteRequest, opts?: CallOptions) {
    this.rec('replaceRoute', opts, r);
  }
  async deleteRoute(r: RouteRequest, opts?: CallOptions) {
    this.rec('deleteRoute', opts, r);
  }
  stats(): NetlinkStats {
    return { requests: this.calls.length, byOperation: {} };
  }
  resetStats(): void {
    this.calls = [];
  }
  forgotten = 0;
  forgetIndexes(): void {
    this.forgotten++;
  }
  close(): void {}
}

export function link(index: number, name: string, over: Partial<LinkState> = {}): LinkState {
  return { index, name, mtu: 1500, up: true, lowerUp: true, pointToPoint: true, operstate: 0, ...over };
}
