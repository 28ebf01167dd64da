/**
 * The immutable graph: items keyed by `type/name`, each in a cluster path (nested subgraphs), with a
 * reverse index of dependents. Graphs are never mutated: `editGraph` returns a new graph that shares
 * every unchanged node with the old one, in maps whose edit costs O(change + √size) (layered-map.ts),
 * and records which keys it changed in a journal so the planner can diff two related graphs in time
 * proportional to the change.
 */
import type { Item, ItemRef } from './api.js';
import { InvalidClusterError, NameCollisionError } from './errors.js';
import { contentKey, depKeys, keyOf, refFromKey } from './item.js';
import { LayeredMap } from './layered-map.js';

export type ClusterPath = readonly string[];

export interface GraphNode {
  readonly item: Item;
  /** The cluster the item is in ([] = the root). */
  readonly path: ClusterPath;
  /** Set when the node was last written by an observation rather than by applying a plan step. */
  readonly observed: boolean;
}

export interface Cluster {
  readonly path: ClusterPath;
  readonly description: string;
}

export interface Graph {
  readonly name: string;
  readonly nodes: ReadonlyMap<string, GraphNode>;
  /** For each required key (existing or not), the keys of the items that depend on it. */
  readonly dependents: ReadonlyMap<string, readonly string[]>;
  readonly clusters: ReadonlyMap<string, Cluster>;
}

/** Options for putting an item. */
export interface PutOptions {
  readonly path?: ClusterPath;
  readonly observed?: boolean;
}

export interface GraphEditor {
  /** The node as it is in this edit so far. */
  get(ref: ItemRef): GraphNode | undefined;
  /**
   * Adds or replaces an item. Putting an item equal to the present one (same content, path and origin)
   * changes nothing. Putting two different items with one (type, name) in one edit throws
   * NameCollisionError: a builder produced a duplicate.
   */
  put(item: Item, opts?: PutOptions): void;
  /** Removes an item; returns whether it was there. */
  delete(ref: ItemRef): boolean;
  /** Declares a cluster with a description (clusters of item paths also exist implicitly). */
  putCluster(path: ClusterPath, description?: string): void;
  /** Removes a cluster, its nested clusters and every item in them. */
  deleteCluster(path: ClusterPath): void;
}

// ---------------------------------------------------------------------------------------------------
// Journal: which keys changed between versions of one lineage of graphs.

interface Lineage {
  /** changes[i] = keys changed by the edit that produced version offset+i+1. */
  changes: (readonly string[])[];
  offset: number;
  tip: number;
}
interface Version {
  readonly lineage: Lineage;
  readonly version: number;
}
const versions = new WeakMap<Graph, Version>();
/**
 * How many edits of history a lineage keeps; older diffs fall back to a full comparison. The planner
 * diffs against the graphs of its last plan and the damper against the previous version, so a short
 * history serves them. Each entry holds the keys it changed: 4,096 of them, in the lineages of the
 * agent's current and desired graphs, took ~3.5 MiB of its ~16 MiB heap (the soak saw it grow for
 * the first ~2,000 bearer drops).
 */
export const JOURNAL_LIMIT = 256;

function newLineage(g: Graph): void {
  versions.set(g, { lineage: { changes: [], offset: 0, tip: 0 }, version: 0 });
}

/**
 * The keys that may differ between `from` and `to` when one descends from the other by edits (in either
 * direction: the keys changed between two versions are the same both ways), or undefined when that is
 * unknown (unrelated graphs, or history older than the journal keeps).
 */
export function changedKeys(from: Graph, to: Graph): ReadonlySet<string> | undefined {
  if (from === to) return new Set();
  const a = versions.get(from);
  const b = versions.get(to);
  if (!a || !b || a.lineage !== b.lineage) return undefined;
  const lin = a.lineage;
  const lo = Math.min(a.version, b.version);
  const hi = Math.max(a.version, b.version);
  if (lo < lin.offset) return undefined;
  const out = new Set<string>();
  for (let v = lo; v < hi; v++) {
    for (const k of lin.changes[v - lin.offset] ?? []) out.add(k);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------

export function emptyGraph(name: string): Graph {
  const g: Graph = Object.freeze({
    name,
    nodes: LayeredMap.empty<string, GraphNode>(),
    dependents: LayeredMap.empty<string, readonly string[]>(),
    clusters: LayeredMap.empty<string, Cluster>(),
  });
  newLineage(g);
  return g;
}

/** A graph holding exactly these items (each optionally with a path). */
export function graphOf(name: string, items: Iterable<Item | { item: Item; path?: ClusterPath }>): Graph {
  return editGraph(emptyGraph(name), (e) => {
    for (const x of items) {
      if ('item' in x) e.put(x.item, x.path ? { path: x.path } : {});
      else e.put(x);
    }
  });
}

/**
 * Makes `g` hold exactly `items` (putting each, deleting the rest) as one edit, so that a rebuilt
 * desired graph stays in `g`'s lineage and the next plan only looks at what really changed.
 */
export function syncGraph(g: Graph, items: Iterable<Item | { item: Item; path?: ClusterPath }>): Graph {
  return editGraph(g, (e) => {
    const keep = new Set<string>();
    for (const x of items) {
      const it = 'item' in x ? x.item : x;
      keep.add(keyOf(it));
      e.put(it, 'item' in x && x.path ? { path: x.path } : {});
    }
    for (const k of g.nodes.keys()) if (!keep.has(k)) e.delete(refFromKey(k));
  });
}

export function pathKey(path: ClusterPath): string {
  return path.join('/');
}

function validatePath(path: ClusterPath): void {
  for (const seg of path) {
    if (typeof seg !== 'string' || seg === '' || seg.includes('/')) {
      throw new InvalidClusterError(
        `cluster path segment ${JSON.stringify(seg)} must be non-empty, without '/'`,
      );
    }
  }
}

function samePath(a: ClusterPath, b: ClusterPath): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/** Returns a new graph with the recipe's changes; `g` is unchanged. */
export function editGraph(g: Graph, recipe: (e: GraphEditor) => void): Graph {
  const nodeChanges = new Map<string, GraphNode | null>();
  const depChanges = new Map<string, string[]>();
  const clusterChanges = new Map<string, Cluster | null>();
  const putThisEdit = new Set<string>();

  const getNode = (k: string): GraphNode | undefined => {
    const c = nodeChanges.get(k);
    return c === undefined ? g.nodes.get(k) : (c ?? undefined);
  };
  const dependentsOf = (k: string): string[] => {
    let d = depChanges.get(k);
    if (!d) {
      d = [...(g.dependents.get(k) ?? [])];
      depChanges.set(k, d);
    }
    return d;
  };
  const unlink = (k: string, it: Item) => {
    for (const dk of depKeys(it)) {
      const list = dependentsOf(dk);
      const i = list.indexOf(k);
      if (i >= 0) list.splice(i, 1);
    }
  };
  const link = (k: string, it: Item) => {
    for (const dk of depKeys(it)) dependentsOf(dk).push(k);
  };
  const ensureCluster = (path: ClusterPath) => {
    for (let i = 1; i <= path.length; i++) {
      const p = path.slice(0, i);
      const pk = pathKey(p);
      const existing = clusterChanges.has(pk) ? clusterChanges.get(pk) : g.clusters.get(pk);
      if (!existing) clusterChanges.set(pk, Object.freeze({ path: Object.freeze(p), description: '' }));
    }
  };

  const editor: GraphEditor = {
    get: (ref) => getNode(keyOf(ref)),
    put(it, opts = {}) {
      const k = keyOf(it);
      const path = opts.path ?? [];
      validatePath(path);
      const observed = opts.observed ?? false;
      const old = getNode(k);
      if (
        putThisEdit.has(k) &&
        old &&
        (contentKey(old.item) !== contentKey(it) || !samePath(old.path, path))
      ) {
        throw new NameCollisionError(it);
      }
      putThisEdit.add(k);
      if (old && old.observed === observed && samePath(old.path, path) && old.item.label === it.label) {
        if (old.item === it || contentKey(old.item) === contentKey(it)) return;
      }
      // The same dependency keys in a new array (an item rebuilt from config) keep their links.
      const depsChanged = !old || (old.item.deps !== it.deps && !sameKeys(depKeys(old.item), depKeys(it)));
      if (old && depsChanged) unlink(k, old.item);
      if (depsChanged) link(k, it);
      if (path.length > 0) ensureCluster(path);
      nodeChanges.set(
        k,
        Object.freeze({ item: it, path: old && samePath(old.path, path) ? old.path : path, observed }),
      );
    },
    delete(ref) {
      const k = keyOf(ref);
      const old = getNode(k);
      if (!old) return false;
      unlink(k, old.item);
      nodeChanges.set(k, null);
      return true;
    },
    putCluster(path, description = '') {
      validatePath(path);
      if (path.length === 0) return;
      ensureCluster(path.slice(0, -1));
      clusterChanges.set(pathKey(path), Object.freeze({ path: Object.freeze([...path]), description }));
    },
    deleteCluster(path) {
      validatePath(path);
      const pk = pathKey(path);
      const under = (p: ClusterPath) => p.length >= path.length && path.every((s, i) => p[i] === s);
      for (const [k, n] of g.nodes) if (under(n.path) && getNode(k)) editor.delete(refFromKey(k));
      for (const [k, c] of nodeChanges) if (c && under(c.path)) editor.delete(refFromKey(k));
      for (const [ck, c] of g.clusters) if (under(c.path)) clusterChanges.set(ck, null);
      for (const [ck, c] of clusterChanges) if (c && under(c.path)) clusterChanges.set(ck, null);
      if (path.length === 0) clusterChanges.set(pk, null);
    },
  };
  recipe(editor);

  // Drop no-op changes (put then delete of a new key, and so on) before touching the graph.
  const changed: string[] = [];
  const nodeEdits = new Map<string, GraphNode | null>();
  // forEach, not for-of over entries: no [key, value] array per entry on this bulk path.
  nodeChanges.forEach((c, k) => {
    if ((c ?? undefined) !== g.nodes.get(k)) {
      changed.push(k);
      nodeEdits.set(k, c);
    }
  });
  if (changed.length === 0 && depChanges.size === 0 && clusterChanges.size === 0) return g;
  const depEdits = new Map<string, readonly string[] | null>();
  depChanges.forEach((list, k) => {
    depEdits.set(k, list.length === 0 ? null : Object.freeze(list));
  });
  const next: Graph = Object.freeze({
    name: g.name,
    nodes: layered(g.nodes).with(nodeEdits),
    dependents: layered(g.dependents).with(depEdits),
    clusters: layered(g.clusters).with(clusterChanges),
  });
  recordVersion(g, next, changed);
  return next;
}

/** Every graph's maps are LayeredMaps (only this module builds graphs). */
function layered<V>(m: ReadonlyMap<string, V>): LayeredMap<string, V> {
  if (m instanceof LayeredMap) return m as LayeredMap<string, V>;
  throw new TypeError('graph maps are built by reconciler/graph.ts only');
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The current graph after every item of `desired` was created into an empty `current`: `desired`'s own
 * maps, shared (they are immutable), under `current`'s name and history. O(1) but for the journal entry,
 * where putting the items one by one costs O(items + edges). Undefined when it does not apply.
 */
export function adoptCreated(current: Graph, desired: Graph, created: number): Graph | undefined {
  if (current.nodes.size !== 0 || created !== desired.nodes.size) return undefined;
  const next: Graph = Object.freeze({
    name: current.name,
    nodes: desired.nodes,
    dependents: desired.dependents,
    clusters: desired.clusters,
  });
  const keys: string[] = [];
  // forEach: no iterator result per key.
  desired.nodes.forEach((_n, k) => {
    keys.push(k);
  });
  recordVersion(current, next, keys);
  return next;
}

function recordVersion(prev: Graph, next: Graph, changed: readonly string[]): void {
  const pv = versions.get(prev);
  if (!pv || pv.version !== pv.lineage.tip) {
    // Editing an older version forks the history: the fork starts its own lineage.
    newLineage(next);
    return;
  }
  const lin = pv.lineage;
  lin.changes.push(changed);
  lin.tip = pv.version + 1;
  if (lin.changes.length > JOURNAL_LIMIT) {
    const drop = lin.changes.length - JOURNAL_LIMIT;
    lin.changes.splice(0, drop);
    lin.offset += drop;
  }
  versions.set(next, { lineage: lin, version: lin.tip });
}

// ---------------------------------------------------------------------------------------------------
// Reading

export function getNode(g: Graph, ref: ItemRef): GraphNode | undefined {
  return g.nodes.get(keyOf(ref));
}

export interface NodeEntry extends GraphNode {
  readonly key: string;
}

/** Nodes ordered by cluster path, then type, then name; optionally only those under `under`. */
export function sortedNodes(g: Graph, under: ClusterPath = []): NodeEntry[] {
  const out: NodeEntry[] = [];
  for (const [key, n] of g.nodes) {
    if (under.length > 0 && !under.every((s, i) => n.path[i] === s)) continue;
    out.push({ key, ...n });
  }
  return out.sort((a, b) => comparePaths(a.path, b.path) || compareKeys(a.key, b.key));
}

export function comparePaths(a: ClusterPath, b: ClusterPath): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Orders keys by type, then name (a key is `type/name`, and types have no '/'). */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Every dependency cycle among the graph's items, each as the refs around it with the first repeated at
 * the end, in a deterministic order. Edges to items not in the graph are ignored.
 */
export function findCycles(g: Graph, among?: ReadonlySet<string>): ItemRef[][] {
  const keys = [...(among ?? g.nodes.keys())].filter((k) => g.nodes.has(k)).sort(compareKeys);
  const inSet = new Set(keys);
  const succ = (k: string) =>
    (g.nodes.get(k)?.item.deps ?? []).map((d) => keyOf(d.ref)).filter((x) => inSet.has(x));
  // Tarjan's strongly connected components, iteratively (deep chains must not overflow the stack).
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const sccs: string[][] = [];
  for (const root of keys) {
    if (idx.has(root)) continue;
    const work: { k: string; next: string[]; i: number }[] = [{ k: root, next: succ(root), i: 0 }];
    idx.set(root, index);
    low.set(root, index++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      if (top.i < top.next.length) {
        const w = top.next[top.i++]!;
        if (!idx.has(w)) {
          idx.set(w, index);
          low.set(w, index++);
          stack.push(w);
          onStack.add(w);
          work.push({ k: w, next: succ(w), i: 0 });
        } else if (onStack.has(w)) {
          low.set(top.k, Math.min(low.get(top.k)!, idx.get(w)!));
        }
      } else {
        work.pop();
        const parent = work[work.length - 1];
        if (parent) low.set(parent.k, Math.min(low.get(parent.k)!, low.get(top.k)!));
        if (low.get(top.k) === idx.get(top.k)) {
          const comp: string[] = [];
          let w: string;
          do {
            w = stack.pop()!;
            onStack.delete(w);
            comp.push(w);
          } while (w !== top.k);
          const selfLoop = comp.length === 1 && succ(comp[0]!).includes(comp[0]!);
          if (comp.length > 1 || selfLoop) sccs.push(comp);
        }
      }
    }
  }
  return sccs
    .map((comp) => cyclePath(comp, succ))
    .sort((a, b) => compareKeys(a[0]!, b[0]!))
    .map((c) => c.map(refFromKey));
}

/** One concrete cycle through a strongly connected component, starting at its smallest key. */
function cyclePath(comp: string[], succ: (k: string) => string[]): string[] {
  const inComp = new Set(comp);
  const start = [...comp].sort(compareKeys)[0]!;
  // Breadth-first search from start back to start inside the component: the shortest cycle.
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const k = queue.shift()!;
    for (const w of succ(k).sort(compareKeys)) {
      if (!inComp.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let x = k; x !== start; x = prev.get(x)!) path.push(x);
        path.reverse();
        path.unshift(start);
        path.pop();
        // path now is start ... k; close the loop.
        const cycle = [start, ...path.slice(1), start];
        return cycle.length === 2 ? [start, start] : cycle;
      }
      if (!prev.has(w)) {
        prev.set(w, k);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** An opaque token shared by a graph and every graph edited from it (used to cache diffs). */
export function lineageOf(g: Graph): object | undefined {
  return versions.get(g)?.lineage;
}
