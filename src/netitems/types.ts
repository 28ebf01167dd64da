/**
 * Item types of the network layer and their specs (plain JSON, as the reconciler requires).
 * Names: link `wwan0`; address `wwan0/10.64.1.2/30`; route `wwan0/ipv4/default/table254` (the metric
 * is not part of the name, so a metric change is a modify of the same item); dns `wwan0`.
 */
import type { IpFamily } from '../netlink/ip.js';

export const LINK = 'net.link';
/** External: the interface exists in the kernel (the modem driver creates it; the agent never does). */
export const INTERFACE = 'net.interface';
export const ADDRESS = 'net.address';
export const ROUTE = 'net.route';
export const DNS = 'net.dns';

/** The link (its name is the interface name). The agent never creates or deletes the interface itself. */
export type LinkSpec = {
  readonly mtu: number;
  readonly up: boolean;
};

export type AddressSpec = {
  readonly ifname: string;
  /** Canonical text (see canonicalIp). */
  readonly address: string;
  readonly prefixLength: number;
  readonly family: IpFamily;
};

export type RouteSpec = {
  readonly ifname: string;
  readonly family: IpFamily;
  /** `default` or canonical `prefix/len`. */
  readonly dst: string;
  /** Absent: a device route (point-to-point bearer without gateway). */
  readonly gateway?: string;
  readonly metric: number;
  readonly table: number;
  /** rtnetlink protocol name in lower case, e.g. `static`. */
  readonly protocol: string;
  /** Present (true) only when the gateway is outside every address of the link: RTNH_F_ONLINK. */
  readonly onlink?: true;
};

export type DnsSpec = {
  readonly ifname: string;
  readonly servers: readonly string[];
};

/** The spec of an observed interface: it exists. */
export type InterfaceSpec = { readonly present: true };
