/**
 * Folds the observer's picture into the reconciler's current graph: observed network items are put
 * with `observed: true` (a difference from the desired spec is drift), and network items of the
 * managed interfaces that the kernel no longer has are removed (so the planner creates them again).
 * Items of other types and other interfaces are left alone.
 */
import type { Item } from '../../reconciler/api.js';
import type { GraphEditor } from '../../reconciler/graph.js';
import { keyOf } from '../../reconciler/item.js';
import { ADDRESS, DNS, LINK, ROUTE } from './types.js';

export interface SyncScope {
  /** The interfaces the observer watches. */
  readonly ifnames: readonly string[];
  /** Whether DNS items are observed too (the observer was given a resolv dir). Default false. */
  readonly dns?: boolean;
}

function ifnameOf(it: Item): string | undefined {
  if (it.type === LINK) return it.name;
  const spec = it.spec as { readonly ifname?: unknown } | null;
  return typeof spec?.ifname === 'string' ? spec.ifname : undefined;
}

/** Use inside `controller.observe(e => syncObservedNetItems(e, current, observer.items(), scope))`. */
export function syncObservedNetItems(
  e: GraphEditor,
  currentItems: Iterable<Item>,
  observed: readonly Item[],
  scope: SyncScope,
): void {
  const types = new Set([LINK, ADDRESS, ROUTE, ...(scope.dns ? [DNS] : [])]);
  const ifnames = new Set(scope.ifnames);
  const seen = new Set<string>();
  for (const it of observed) {
    seen.add(keyOf(it));
    // Keep the cluster the agent put the item in; the observer does not know about clusters.
    const path = e.get(it)?.path;
    e.put(it, { observed: true, ...(path ? { path } : {}) });
  }
  for (const it of currentItems) {
    if (!types.has(it.type) || seen.has(keyOf(it))) continue;
    const ifname = ifnameOf(it);
    if (ifname !== undefined && ifnames.has(ifname)) e.delete(it);
  }
}
