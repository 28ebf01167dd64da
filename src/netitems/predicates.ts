/** Predicate implementations for the network items' dependencies (give them to `plan()`). */
import type { Json, Predicates } from '../../reconciler/api.js';

function field(spec: Json, key: string): Json | undefined {
  return spec !== null && typeof spec === 'object' && !Array.isArray(spec)
    ? (spec as { readonly [k: string]: Json })[key]
    : undefined;
}

export const netPredicates: Predicates = {
  /** The required link item is administratively up. */
  linkUp: (spec) => field(spec, 'up') === true,
  /** The required link item's MTU is at least `args` (a number). */
  mtuAtLeast: (spec, args) => {
    const mtu = field(spec, 'mtu');
    return typeof mtu === 'number' && typeof args === 'number' && mtu >= args;
  },
};
