/** rtnetlink message objects (netlink@0.3.0) -> the plain views of ./types.ts. */
import { bufferToIp, familyOfAf, formatDestination } from './ip.js';
import type { rt } from './rtnetlink.js';
import type { AddressState, LinkState, RouteState } from './types.js';

/** RTNH_F_ONLINK from <linux/rtnetlink.h>. */
export const RTNH_F_ONLINK = 4;

function enumName(v: string | number | undefined, fallback: string): string {
  if (v === undefined) return fallback;
  return typeof v === 'string' ? v.toLowerCase() : String(v);
}

export function decodeLink(m: rt.LinkMessage): LinkState | undefined {
  const index = m.data.index;
  const name = m.attrs.ifname;
  if (index === undefined || name === undefined) return undefined;
  const f = m.data.flags ?? {};
  return {
    index,
    name,
    mtu: m.attrs.mtu ?? 0,
    up: f.up === true,
    lowerUp: f.lowerUp === true,
    pointToPoint: f.pointopoint === true,
    operstate: m.attrs.operstate ?? 0,
  };
}

export function decodeAddress(m: rt.AddressMessage): AddressState | undefined {
  const family = familyOfAf(m.data.family ?? 0);
  const index = m.data.index;
  // IPv4 always sends IFA_LOCAL (ours) and IFA_ADDRESS (peer or the same); IPv6 sends IFA_LOCAL only
  // when there is a peer. So "local, else address" is ours in both families.
  const local = m.attrs.local ?? m.attrs.address;
  if (!family || index === undefined || !local) return undefined;
  const address = bufferToIp(local);
  const other = m.attrs.local && m.attrs.address ? bufferToIp(m.attrs.address) : undefined;
  const flags = m.attrs.flags ?? m.data.flags ?? {};
  return {
    index,
    family,
    address,
    prefixLength: m.data.prefixlen ?? 0,
    ...(other !== undefined && other !== address ? { peer: other } : {}),
    scope: m.data.scope ?? 0,
    tentative: flags.tentative === true,
  };
}

export function decodeRoute(m: rt.RouteMessage): RouteState | undefined {
  const family = familyOfAf(m.data.family ?? 0);
  if (!family) return undefined;
  const gateway = m.attrs.gateway ? bufferToIp(m.attrs.gateway) : undefined;
  return {
    family,
    dst: formatDestination(m.attrs.dst, m.data.dstLen ?? 0),
    ...(gateway !== undefined ? { gateway } : {}),
    ...(m.attrs.oif !== undefined ? { oif: m.attrs.oif } : {}),
    metric: m.attrs.priority ?? 0,
    // RTA_TABLE carries ids above 255; rtm_table is only the low byte.
    table: m.attrs.table ?? m.data.table ?? 0,
    protocol: enumName(m.data.protocol, 'unspec'),
    scope: enumName(m.data.scope, 'universe'),
    type: enumName(m.data.type, 'unspec'),
    // netlink@0.3.0 has no name for the RTNH_F_* bits of rtm_flags; they land in __unknown.
    onlink: ((m.data.flags?.__unknown ?? 0) & RTNH_F_ONLINK) !== 0,
  };
}
