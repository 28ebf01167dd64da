/**
 * Exports of the merged desired/current graph: JSON (schema: schemas/graph-export.schema.json) with
 * each item's desired and current spec, state, status and plan overlay; and Graphviz DOT built from that
 * JSON, with quoted IDs and escaped labels so no name can break or collide.
 */
import type {
  Dependency,
  ItemRef,
  ItemStatus,
  Json,
  PendingItem,
  Plan,
  PlanStep,
  Predicates,
} from './api.js';
import type { Graph, GraphNode } from './graph.js';
import { compareKeys, comparePaths, pathKey } from './graph.js';
import { keyOf, refFromKey } from './item.js';

export type ExportState =
  | 'in-sync'
  | 'to-create'
  | 'to-modify'
  | 'to-recreate'
  | 'to-delete'
  | 'pending'
  | 'failed'
  | 'deferred'
  | 'in-progress'
  | 'observed'
  | 'missing';

export interface ExportedItem {
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly label: string;
  readonly path: readonly string[];
  readonly external: boolean;
  readonly desired: Json | null;
  readonly current: Json | null;
  readonly state: ExportState;
  readonly status?: ItemStatus;
  readonly steps?: readonly Omit<PlanStep, 'ref' | 'label'>[];
  readonly pending?: Omit<PendingItem, 'ref' | 'label'>;
}

export interface ExportedEdge {
  readonly from: string;
  readonly to: string;
  readonly description: string;
  readonly predicate?: Dependency['predicate'];
  /** The dependency holds in the current graph (target exists and the predicate is true). */
  readonly satisfied: boolean;
}

export interface GraphExport {
  readonly schemaVersion: 1;
  readonly name: string;
  readonly clusters: readonly {
    readonly id: string;
    readonly path: readonly string[];
    readonly description: string;
  }[];
  readonly items: readonly ExportedItem[];
  readonly edges: readonly ExportedEdge[];
  readonly cycles: readonly (readonly ItemRef[])[];
  readonly summary: {
    readonly create: number;
    readonly modify: number;
    readonly recreate: number;
    readonly delete: number;
    readonly pending: number;
    readonly failed: number;
  };
}

export interface ExportOptions {
  readonly plan?: Plan;
  readonly statuses?: ReadonlyMap<string, ItemStatus>;
  readonly predicates?: Predicates;
  /** Step ids under way (from the controller), to mark items in progress. */
  readonly inProgress?: ReadonlySet<string> | ReadonlyMap<string, unknown>;
}

export function exportGraph(current: Graph, desired: Graph, opts: ExportOptions = {}): GraphExport {
  const stepsByKey = new Map<string, PlanStep[]>();
  for (const s of opts.plan?.steps ?? []) {
    const k = keyOf(s.ref);
    const l = stepsByKey.get(k) ?? [];
    l.push(s);
    stepsByKey.set(k, l);
  }
  const pendingByKey = new Map((opts.plan?.pending ?? []).map((p) => [keyOf(p.ref), p]));
  const deferredKeys = new Set((opts.plan?.deferred ?? []).map((d) => keyOf(d.ref)));
  const inProgress = new Set(opts.inProgress ? [...opts.inProgress.keys()] : []);
  const keys = new Set<string>([...desired.nodes.keys(), ...current.nodes.keys()]);
  const edges: ExportedEdge[] = [];
  const missing = new Set<string>();
  const items: ExportedItem[] = [];
  for (const k of keys) {
    const d = desired.nodes.get(k);
    const c = current.nodes.get(k);
    const node = (d ?? c) as GraphNode;
    const st = opts.statuses?.get(k);
    const steps = stepsByKey.get(k);
    const pend = pendingByKey.get(k);
    let state: ExportState = 'in-sync';
    if (steps?.some((s) => inProgress.has(s.id))) state = 'in-progress';
    else if (steps?.some((s) => s.op === 'recreate')) state = 'to-recreate';
    else if (steps?.some((s) => s.op === 'create')) state = 'to-create';
    else if (steps?.some((s) => s.op === 'modify')) state = 'to-modify';
    else if (steps?.some((s) => s.op === 'delete')) state = 'to-delete';
    else if (pend) state = 'pending';
    else if (deferredKeys.has(k) || st?.state === 'failed')
      state = st?.state === 'failed' ? 'failed' : 'deferred';
    else if (node.item.external) state = c ? 'observed' : 'missing';
    else if (!c) state = 'missing';
    const { ref: _r, label: _l, ...pendingRest } = pend ?? ({} as PendingItem);
    items.push({
      id: k,
      type: node.item.type,
      name: node.item.name,
      label: node.item.label ?? node.item.name,
      path: node.path,
      external: node.item.external,
      desired: d ? d.item.spec : null,
      current: c ? c.item.spec : null,
      state,
      ...(st ? { status: st } : {}),
      ...(steps ? { steps: steps.map(({ ref: _x, label: _y, ...rest }) => rest) } : {}),
      ...(pend ? { pending: pendingRest } : {}),
    });
    for (const dep of node.item.deps) {
      const to = keyOf(dep.ref);
      if (!keys.has(to)) missing.add(to);
      const target = current.nodes.get(to);
      let satisfied = !!target;
      if (target && dep.predicate) {
        const fn = opts.predicates?.[dep.predicate.name];
        try {
          satisfied = fn ? fn(target.item.spec, dep.predicate.args) === true : false;
        } catch {
          satisfied = false;
        }
      }
      edges.push({
        from: k,
        to,
        description: dep.description,
        ...(dep.predicate ? { predicate: dep.predicate } : {}),
        satisfied,
      });
    }
  }
  for (const k of missing) {
    const ref = refFromKey(k);
    items.push({
      id: k,
      type: ref.type,
      name: ref.name,
      label: ref.name,
      path: [],
      external: false,
      desired: null,
      current: null,
      state: 'missing',
    });
  }
  items.sort((a, b) => comparePaths(a.path, b.path) || compareKeys(a.id, b.id));
  edges.sort((a, b) => compareKeys(a.from, b.from) || compareKeys(a.to, b.to));
  const clusterMap = new Map<string, { id: string; path: readonly string[]; description: string }>();
  for (const g of [current, desired]) {
    for (const c of g.clusters.values()) clusterMap.set(pathKey(c.path), { id: pathKey(c.path), ...c });
  }
  const count = (op: string) =>
    (opts.plan?.steps ?? []).filter((s) => s.op === op && s.phase !== 'create').length;
  return {
    schemaVersion: 1,
    name: desired.name,
    clusters: [...clusterMap.values()].sort((a, b) => comparePaths(a.path, b.path)),
    items,
    edges,
    cycles: opts.plan?.cycles ?? [],
    summary: {
      create: count('create'),
      modify: count('modify'),
      recreate: count('recreate'),
      delete: count('delete'),
      pending: opts.plan?.pending.length ?? 0,
      failed: items.filter((i) => i.state === 'failed').length,
    },
  };
}

/** A DOT double-quoted string: backslashes and quotes escaped, newlines as DOT line breaks. */
export function dotString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

const stateStyle: Record<ExportState, { mark: string; color: string; fill: string; style?: string }> = {
  'in-sync': { mark: '', color: 'black', fill: '#d9f2d9' },
  'to-create': { mark: '+ ', color: 'darkgreen', fill: '#b3e6b3' },
  'to-modify': { mark: '~ ', color: 'darkorange', fill: '#ffe0b3' },
  'to-recreate': { mark: '-/+ ', color: 'orangered', fill: '#ffc2b3' },
  'to-delete': { mark: '- ', color: 'red', fill: '#ffb3b3' },
  pending: { mark: '… ', color: 'grey40', fill: '#eeeeee', style: 'dashed' },
  failed: { mark: '! ', color: 'red', fill: '#ff8080' },
  deferred: { mark: '⏲ ', color: 'red', fill: '#ffd6d6' },
  'in-progress': { mark: '⟳ ', color: 'blue', fill: '#cce0ff' },
  observed: { mark: '', color: 'black', fill: '#e6e6ff' },
  missing: { mark: '? ', color: 'grey', fill: 'white', style: 'dashed' },
};

/** Graphviz DOT of an export: clusters, items marked by plan/state, edges red when unsatisfied, a legend. */
export function toDot(x: GraphExport): string {
  const lines: string[] = [`digraph ${dotString(x.name)} {`, '  rankdir=RL;', '  node [style=filled];'];
  const node = (it: ExportedItem, indent: string) => {
    const st = stateStyle[it.state];
    const shape = it.external ? 'doubleoctagon' : it.state === 'in-progress' ? 'cds' : 'box';
    const style = st.style ? `filled,${st.style}` : 'filled';
    const tip = [`${it.type}/${it.name}`, `state: ${it.state}`];
    if (it.pending)
      tip.push(
        `waiting for ${it.pending.waitingFor.type}/${it.pending.waitingFor.name}: ${it.pending.detail}`,
      );
    if (it.status?.lastError) tip.push(`error: ${it.status.lastError}`);
    // A damped item has no pending entry: its status carries why its repair waits.
    else if (it.status?.pendingReason && !it.pending) tip.push(it.status.pendingReason);
    for (const s of it.steps ?? []) tip.push(`${s.op}${s.phase ? `-${s.phase}` : ''}: ${s.reason.detail}`);
    lines.push(
      `${indent}${dotString(it.id)} [label=${dotString(`${st.mark}${it.label}\n${it.type}`)}, shape=${shape}, color=${dotString(st.color)}, fillcolor=${dotString(st.fill)}, style=${dotString(style)}, tooltip=${dotString(tip.join('\n'))}];`,
    );
  };
  // Items grouped into (nested) clusters.
  const byCluster = new Map<string, ExportedItem[]>();
  for (const it of x.items) {
    const k = pathKey(it.path);
    byCluster.set(k, [...(byCluster.get(k) ?? []), it]);
  }
  const clusterPaths = new Map(x.clusters.map((c) => [c.id, c]));
  for (const k of byCluster.keys()) {
    if (k !== '' && !clusterPaths.has(k)) clusterPaths.set(k, { id: k, path: k.split('/'), description: '' });
  }
  const children = (parent: readonly string[]) =>
    [...clusterPaths.values()]
      .filter((c) => c.path.length === parent.length + 1 && parent.every((s, i) => c.path[i] === s))
      .sort((a, b) => comparePaths(a.path, b.path));
  const emitCluster = (path: readonly string[], indent: string) => {
    for (const it of byCluster.get(pathKey(path)) ?? []) node(it, indent);
    for (const c of children(path)) {
      lines.push(`${indent}subgraph ${dotString(`cluster_${c.id}`)} {`);
      lines.push(`${indent}  label=${dotString(c.path[c.path.length - 1]!)};`);
      if (c.description) lines.push(`${indent}  tooltip=${dotString(c.description)};`);
      emitCluster(c.path, `${indent}  `);
      lines.push(`${indent}}`);
    }
  };
  emitCluster([], '  ');
  for (const e of x.edges) {
    const tip = e.predicate ? `${e.description} [${e.predicate.name}]` : e.description;
    lines.push(
      `  ${dotString(e.from)} -> ${dotString(e.to)} [color=${e.satisfied ? 'black' : 'red'}, tooltip=${dotString(tip)}];`,
    );
  }
  lines.push('  subgraph "cluster_legend" {', '    label="legend"; style=dashed;');
  for (const [state, st] of Object.entries(stateStyle)) {
    const style = st.style ? `filled,${st.style}` : 'filled';
    lines.push(
      `    ${dotString(`legend:${state}`)} [label=${dotString(`${st.mark}${state}`)}, shape=box, color=${dotString(st.color)}, fillcolor=${dotString(st.fill)}, style=${dotString(style)}];`,
    );
  }
  lines.push('  }', '}');
  return `${lines.join('\n')}\n`;
}
