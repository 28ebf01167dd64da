/** Reconciler items of the ModemManager side: types, desired and observed builders, configurators. */
export * from './configurators.js';
export * from './credentials.js';
export * from './desired.js';
export * from './modes.js';
export * from './observe.js';
export * from './types.js';
