/** Reconciler items for the network layer: builders, predicates, configurators and the observer. */
export * from './builders.js';
export * from './configurators.js';
export * from './observer.js';
export * from './predicates.js';
export * from './sync.js';
export * from './types.js';
