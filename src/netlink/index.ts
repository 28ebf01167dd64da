/** The netlink adapter: the only module that talks rtnetlink. */
export * from './adapter.js';
export * from './errors.js';
export * from './ip.js';
export type * from './types.js';
export * from './watch.js';
