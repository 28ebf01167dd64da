/**
 * Pure builders of the network items. The observer uses the same builders, so an item observed in
 * the kernel and the item the agent wants compare equal when the kernel is as wanted.
 */
import type { Dependency, Item, ItemRef } from '../../reconciler/api.js';
import { item } from '../../reconciler/item.js';
import { canonicalIp, type IpFamily, inPrefix, maxPrefix, parseDestination, parseIp } from '../netlink/ip.js';
import {
  ADDRESS,
  type AddressSpec,
  DNS,
  type DnsSpec,
  LINK,
  type LinkSpec,
  ROUTE,
  type RouteSpec,
} from './types.js';

export const DEFAULT_TABLE = 254;
export const DEFAULT_PROTOCOL = 'static';

function make<S extends LinkSpec | AddressSpec | RouteSpec | DnsSpec>(
  type: string,
  name: string,
  spec: S,
  deps: readonly Dependency[],
): Item<S> {
  // item() validates and deep-freezes: a builder can never hand the planner a mutable spec.
  return item({ type, name, spec, deps });
}

export function linkRef(ifname: string): ItemRef {
  return { type: LINK, name: ifname };
}

function linkUpDep(ifname: string, why: string): Dependency {
  return { ref: linkRef(ifname), predicate: { name: 'linkUp' }, description: why };
}

export function linkItem(ifname: string, spec: LinkSpec): Item<LinkSpec> {
  if (!Number.isInteger(spec.mtu) || spec.mtu < 68)
    throw new RangeError(`MTU ${spec.mtu} of ${ifname} is invalid`);
  return make(LINK, ifname, { mtu: spec.mtu, up: spec.up }, []);
}

export function addressName(spec: Pick<AddressSpec, 'ifname' | 'address' | 'prefixLength'>): string {
  return `${spec.ifname}/${spec.address}/${spec.prefixLength}`;
}

export function addressItem(input: AddressSpec): Item<AddressSpec> {
  const { family } = parseIp(input.address);
  if (family !== input.family) throw new RangeError(`${input.address} is not IPv${input.family}`);
  if (
    !Number.isInteger(input.prefixLength) ||
    input.prefixLength < 1 ||
    input.prefixLength > maxPrefix(family)
  ) {
    throw new RangeError(`prefix length ${input.prefixLength} of ${input.address} is invalid`);
  }
  const spec: AddressSpec = {
    ifname: input.ifname,
    address: canonicalIp(input.address),
    prefixLength: input.prefixLength,
    family,
  };
  // IPv6 addresses vanish when the link goes down, so an address needs the link up, not just present.
  return make(ADDRESS, addressName(spec), spec, [linkUpDep(spec.ifname, 'an address lives on an up link')]);
}

export function routeName(spec: Pick<RouteSpec, 'ifname' | 'family' | 'dst' | 'table'>): string {
  return `${spec.ifname}/ipv${spec.family}/${spec.dst}/table${spec.table}`;
}

/**
 * A route; `via` is the address item it needs (same interface and family): the kernel refuses a
 * gateway route without a source address on the link and flushes IPv4 routes when the last address goes.
 */
export function routeItem(
  input: Omit<RouteSpec, 'table' | 'protocol' | 'onlink'> & {
    table?: number;
    protocol?: string;
    onlink?: boolean;
  },
  via?: ItemRef,
): Item<RouteSpec> {
  const dst = parseDestination(input.dst, input.family).canonical;
  if (!Number.isInteger(input.metric) || input.metric < 0 || input.metric > 0xffffffff) {
    throw new RangeError(`metric ${input.metric} is invalid`);
  }
  const gateway = input.gateway === undefined ? undefined : canonicalIp(input.gateway);
  if (gateway !== undefined && parseIp(gateway).family !== input.family) {
    throw new RangeError(`gateway ${gateway} is not IPv${input.family}`);
  }
  const spec: RouteSpec = {
    ifname: input.ifname,
    family: input.family,
    dst,
    ...(gateway !== undefined ? { gateway } : {}),
    metric: input.metric,
    table: input.table ?? DEFAULT_TABLE,
    protocol: (input.protocol ?? DEFAULT_PROTOCOL).toLowerCase(),
    ...(input.onlink && gateway !== undefined ? { onlink: true as const } : {}),
  };
  const deps: Dependency[] = [linkUpDep(spec.ifname, 'a route needs its link up')];
  if (via)
    deps.push({ ref: via, description: `an IPv${spec.family} route needs an IPv${spec.family} address` });
  return make(ROUTE, routeName(spec), spec, deps);
}

export function dnsItem(ifname: string, servers: readonly string[]): Item<DnsSpec> {
  const spec: DnsSpec = { ifname, servers: servers.map(canonicalIp) };
  return make(DNS, ifname, spec, [linkUpDep(ifname, 'DNS servers are published while the link is up')]);
}

/** The bearer's IP settings for one family, as ModemManager gives them. */
export interface FamilySettings {
  readonly address: string;
  readonly prefixLength: number;
  /** Absent: point-to-point without gateway (`/32`), which gets a device route. */
  readonly gateway?: string;
}

export interface InterfaceSettings {
  readonly ifname: string;
  readonly mtu: number;
  readonly ipv4?: FamilySettings;
  readonly ipv6?: FamilySettings;
  readonly dns?: readonly string[];
  /** Metric of the default routes. */
  readonly metric: number;
  readonly table?: number;
  readonly protocol?: string;
}

/** Every item of a connected interface: link up with its MTU, addresses, default routes, DNS. */
export function interfaceItems(s: InterfaceSettings): Item[] {
  const items: Item[] = [linkItem(s.ifname, { mtu: s.mtu, up: true })];
  const families: [IpFamily, FamilySettings | undefined][] = [
    [4, s.ipv4],
    [6, s.ipv6],
  ];
  for (const [family, f] of families) {
    if (!f) continue;
    const addr = addressItem({ ifname: s.ifname, address: f.address, prefixLength: f.prefixLength, family });
    items.push(addr);
    items.push(
      routeItem(
        {
          ifname: s.ifname,
          family,
          dst: 'default',
          ...(f.gateway !== undefined ? { gateway: f.gateway } : {}),
          // A /32 (or any prefix) that does not cover the IPv4 gateway: the kernel needs `onlink`.
          // IPv6 gateways are link-local and always reachable.
          ...(family === 4 && f.gateway !== undefined && !inPrefix(f.gateway, f.address, f.prefixLength)
            ? { onlink: true }
            : {}),
          metric: s.metric,
          ...(s.table !== undefined ? { table: s.table } : {}),
          ...(s.protocol !== undefined ? { protocol: s.protocol } : {}),
        },
        { type: addr.type, name: addr.name },
      ),
    );
  }
  if (s.dns && s.dns.length > 0) items.push(dnsItem(s.ifname, s.dns));
  return items;
}
