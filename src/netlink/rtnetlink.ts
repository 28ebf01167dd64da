/**
 * The parts of the netlink package the agent uses: rtnetlink (links, addresses, routes) and the
 * message flags. The package's index also loads its nl80211, generic-netlink and WireGuard families,
 * ~400 KB of CommonJS the agent never calls, on every start: requiring rtnetlink alone takes 18 ms
 * instead of 31 (median of 9 fresh processes, Node 20). Every other module imports netlink from here.
 */
export { FlagsNew } from 'netlink/dist/constants.js';
export { createRtNetlink } from 'netlink/dist/rt/rt.js';
export * as rt from 'netlink/dist/rt/structs.js';
export type { NetlinkMessage } from 'netlink/dist/structs.js';
