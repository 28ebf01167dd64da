/**
 * The page's pure half: how a graph export becomes clusters, colours, outlines, element data and
 * detail facts. No DOM here, so the unit tests (and the root tsconfig) check it under Node.
 */
import jsonpatch, { type Operation } from 'fast-json-patch';
import type { ExportedEdge, ExportedItem, GraphExport } from '../../../reconciler/export.js';

/** The four colours the issue asks for: an item's standing, read from the export's state and status. */
export type Colour = 'in-force' | 'pending' | 'failed' | 'in-progress';
/** The outline: what the current plan does to an item. */
export type Action = 'create' | 'modify' | 'recreate' | 'delete';

export const colours: readonly Colour[] = ['in-force', 'pending', 'failed', 'in-progress'];
export const actions: readonly Action[] = ['create', 'modify', 'recreate', 'delete'];

/** The cluster an item is drawn in: its modem (`path[0]`), or none for items outside every modem. */
export function clusterOf(item: Pick<ExportedItem, 'path'>): string | null {
  return item.path[0] ?? null;
}

/** Cytoscape ids share one namespace: clusters get a prefix no item key can start with. */
export function clusterNodeId(cluster: string): string {
  return `cluster\u0000${cluster}`;
}

export function colourOf(item: Pick<ExportedItem, 'state' | 'status' | 'current'>): Colour {
  if (item.state === 'in-progress' || item.status?.state === 'in-progress') return 'in-progress';
  if (item.state === 'failed' || item.state === 'deferred' || item.status?.state === 'failed')
    return 'failed';
  if (item.state === 'pending') return 'pending';
  // Present in the current graph (and not failing) means in force, even with a change planned:
  // the outline shows the change.
  return item.current !== null ? 'in-force' : 'pending';
}

/** The plan's action on an item, with the export's precedence (recreate over create over modify). */
export function actionOf(item: Pick<ExportedItem, 'steps'>): Action | null {
  const ops = new Set((item.steps ?? []).map((s) => s.op));
  for (const a of ['recreate', 'create', 'modify', 'delete'] as const) if (ops.has(a)) return a;
  return null;
}

/** Item ids grouped by cluster, in export order; items outside clusters under `null`. */
export function groupByCluster(items: readonly ExportedItem[]): Map<string | null, string[]> {
  const groups = new Map<string | null, string[]>();
  for (const it of items) {
    const c = clusterOf(it);
    const l = groups.get(c) ?? [];
    l.push(it.id);
    groups.set(c, l);
  }
  return groups;
}

export function edgeId(e: Pick<ExportedEdge, 'from' | 'to'>): string {
  return `edge\u0000${e.from}\u0000${e.to}`;
}

export interface NodeData {
  readonly id: string;
  /** The id of the cluster node the item is drawn in. */
  readonly cluster?: string;
  readonly label: string;
  readonly kind: 'item' | 'cluster';
  readonly type?: string;
  readonly colour?: Colour;
  readonly action?: Action | 'none';
  readonly external?: boolean;
}
export interface EdgeData {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly label: string;
  readonly satisfied: boolean;
}
export interface Elements {
  readonly nodes: readonly { readonly data: NodeData; readonly classes: string }[];
  readonly edges: readonly { readonly data: EdgeData; readonly classes: string }[];
}

function itemClasses(it: ExportedItem): string {
  const a = actionOf(it);
  return [`c-${colourOf(it)}`, a ? `a-${a}` : '', it.external ? 'external' : ''].filter(Boolean).join(' ');
}

/** Cytoscape element definitions (plain data) for an export: clusters first, then items, then edges. */
export function toElements(g: GraphExport): Elements {
  const groups = groupByCluster(g.items);
  const nodes: { data: NodeData; classes: string }[] = [];
  for (const c of groups.keys()) {
    if (c !== null)
      nodes.push({ data: { id: clusterNodeId(c), label: c, kind: 'cluster' }, classes: 'cluster' });
  }
  for (const it of g.items) {
    const c = clusterOf(it);
    nodes.push({
      data: {
        id: it.id,
        ...(c !== null ? { cluster: clusterNodeId(c) } : {}),
        label: `${it.label}\n${it.type}`,
        kind: 'item',
        type: it.type,
        colour: colourOf(it),
        action: actionOf(it) ?? 'none',
        external: it.external,
      },
      classes: itemClasses(it),
    });
  }
  const ids = new Set(g.items.map((i) => i.id));
  const edges = g.edges
    // An edge to an item the export does not list cannot be drawn; exportGraph lists such targets
    // as 'missing' items, so this only guards hand-written exports.
    .filter((e) => ids.has(e.from) && ids.has(e.to))
    .map((e) => ({
      data: {
        id: edgeId(e),
        source: e.from,
        target: e.to,
        label: e.predicate?.name ?? '',
        satisfied: e.satisfied,
      },
      classes: e.satisfied ? 'satisfied' : 'unsatisfied',
    }));
  return { nodes, edges };
}

/** The JSON Patch from the observed spec to the desired one (what the agent would change). */
export function specDiff(current: unknown, desired: unknown): Operation[] {
  // compare() needs objects at the root; wrapping lets null and scalar specs diff too.
  const ops = jsonpatch.compare({ spec: current ?? null }, { spec: desired ?? null });
  return ops.map((op) => ({ ...op, path: op.path.slice('/spec'.length) || '' }) as Operation);
}

export interface Detail {
  readonly item: ExportedItem;
  readonly colour: Colour;
  readonly action: Action | null;
  readonly diff: Operation[];
  /** Items this one needs (edges from it), with whether each dependency holds. */
  readonly dependencies: readonly ExportedEdge[];
  /** Items that need this one (edges to it). */
  readonly dependants: readonly ExportedEdge[];
  readonly lastError?: string;
  readonly attempts?: number;
  readonly nextAttemptAt?: number;
}

export function detailOf(g: GraphExport, id: string): Detail | null {
  const item = g.items.find((i) => i.id === id);
  if (!item) return null;
  return {
    item,
    colour: colourOf(item),
    action: actionOf(item),
    diff: specDiff(item.current, item.desired),
    dependencies: g.edges.filter((e) => e.from === id),
    dependants: g.edges.filter((e) => e.to === id),
    ...(item.status?.lastError !== undefined ? { lastError: item.status.lastError } : {}),
    ...(item.status ? { attempts: item.status.attempts } : {}),
    ...(item.status?.nextAttemptAt !== undefined ? { nextAttemptAt: item.status.nextAttemptAt } : {}),
  };
}

export interface Filter {
  readonly text: string;
  /** '' means every cluster; '-' means items outside clusters. */
  readonly cluster: string;
  readonly type: string;
  readonly colour: Colour | '';
}

export const noFilter: Filter = { text: '', cluster: '', type: '', colour: '' };

/** Whether an item passes the modem, type and state filters (the search text only highlights). */
export function passes(item: ExportedItem, f: Filter): boolean {
  if (f.cluster === '-' && clusterOf(item) !== null) return false;
  if (f.cluster !== '' && f.cluster !== '-' && clusterOf(item) !== f.cluster) return false;
  if (f.type !== '' && item.type !== f.type) return false;
  if (f.colour !== '' && colourOf(item) !== f.colour) return false;
  return true;
}

/** Search by name: case-insensitive substring of the item's name, label or id. */
export function matches(item: ExportedItem, text: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === '') return false;
  return [item.name, item.label, item.id].some((s) => s.toLowerCase().includes(t));
}

/** The filter choices an export offers, sorted. */
export function choices(g: GraphExport): { clusters: string[]; types: string[] } {
  const clusters = new Set<string>();
  const types = new Set<string>();
  for (const it of g.items) {
    const c = clusterOf(it);
    if (c !== null) clusters.add(c);
    types.add(it.type);
  }
  return { clusters: [...clusters].sort(), types: [...types].sort() };
}

/** A retry time as text: the reconciler's clocks are epoch milliseconds. */
export function formatTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}
