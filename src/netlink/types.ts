/** Plain, decoded views of kernel objects: what the adapter returns and the watcher reports. */
import type { IpFamily } from './ip.js';

export interface LinkState {
  readonly index: number;
  readonly name: string;
  readonly mtu: number;
  /** Administratively up (IFF_UP). */
  readonly up: boolean;
  /** Carrier (IFF_LOWER_UP): for a tun, someone holds it open. */
  readonly lowerUp: boolean;
  readonly pointToPoint: boolean;
  /** IF_OPER_* (RFC 2863): 6 = up, 2 = down, 0 = unknown. */
  readonly operstate: number;
}

export interface AddressState {
  readonly index: number;
  readonly family: IpFamily;
  /** Canonical text of the local address. */
  readonly address: string;
  readonly prefixLength: number;
  /** The remote end of a point-to-point address, when it differs from the local one. */
  readonly peer?: string;
  /** RT_SCOPE_*: 0 universe, 253 link, 254 host. */
  readonly scope: number;
  readonly tentative: boolean;
}

/** A route protocol by its lower-case rtnetlink name (`static`, `kernel`, `boot`, `ra`, …) or number. */
export type RouteProtocolName = string;

export interface RouteState {
  readonly family: IpFamily;
  /** `default` or canonical `prefix/len`. */
  readonly dst: string;
  readonly gateway?: string;
  readonly oif?: number;
  /** RTA_PRIORITY; the kernel reports IPv6 routes added without one as 1024, IPv4 ones as 0. */
  readonly metric: number;
  readonly table: number;
  readonly protocol: RouteProtocolName;
  /** RT_SCOPE_* name in lower case (`universe`, `link`, `host`, …). */
  readonly scope: string;
  /** RTN_* name in lower case (`unicast`, `local`, `multicast`, …). */
  readonly type: string;
  /** RTNH_F_ONLINK: the gateway is taken as directly reachable on the link. */
  readonly onlink: boolean;
}

/** What {@link NetlinkAdapter.addAddress} puts on an interface. */
export interface AddressRequest {
  readonly family: IpFamily;
  readonly address: string;
  readonly prefixLength: number;
  /** Skip duplicate address detection (IPv6): a modem's address is usable at once. */
  readonly nodad?: boolean;
}

/** What {@link NetlinkAdapter.addRoute} and friends put in a routing table. */
export interface RouteRequest {
  readonly ifname: string;
  readonly family: IpFamily;
  readonly dst: string;
  /** Absent: a device route (`dev wwan0 scope link`), as a point-to-point /32 bearer needs. */
  readonly gateway?: string;
  readonly metric: number;
  /** Default 254 (main). */
  readonly table?: number;
  /** Default `static`. */
  readonly protocol?: RouteProtocolName;
  /**
   * RTNH_F_ONLINK: use the gateway even though no address of the interface covers it, as a
   * point-to-point `/32` bearer that still names a gateway needs (else the kernel says ENETUNREACH).
   */
  readonly onlink?: boolean;
}
