/**
 * Where items go: each cluster (a modem, or the items outside every modem) is laid out on its own by
 * dagre, then the clusters are packed in rows. Laying out per cluster is what keeps a 10,000-item graph
 * drawable: dagre's cost grows faster than linearly with the graph, a 100-item cluster takes tens of
 * milliseconds, and the page can yield to the browser between clusters. It is also what keeps the
 * picture stable: a cluster whose items and edges did not change keeps its drawing and its place.
 * No DOM here: the unit tests run it under Node.
 */
import dagre from '@dagrejs/dagre';
import type { GraphExport } from '../../../reconciler/export.js';
import { clusterOf } from './model.js';

/** An item's box in style.ts; dagre needs the sizes up front. */
export const ITEM_WIDTH = 150;
export const ITEM_HEIGHT = 42;
/** Space around a cluster's items (its border, padding and title) and between clusters. */
const CLUSTER_MARGIN = 50;

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** One cluster's items and the edges among them: what its drawing depends on. */
export interface ClusterShape {
  readonly cluster: string | null;
  readonly ids: readonly string[];
  readonly edges: readonly (readonly [from: string, to: string])[];
  /** Equal keys, equal drawings (dagre is deterministic). */
  readonly key: string;
}

/** The clusters of an export, in drawing order: the items outside every modem first, then by name. */
export function clusterShapes(g: Pick<GraphExport, 'items' | 'edges'>): ClusterShape[] {
  const members = new Map<string | null, string[]>();
  const clusterOfId = new Map<string, string | null>();
  for (const it of g.items) {
    const c = clusterOf(it);
    clusterOfId.set(it.id, c);
    const l = members.get(c);
    if (l) l.push(it.id);
    else members.set(c, [it.id]);
  }
  const edges = new Map<string | null, [string, string][]>();
  for (const e of g.edges) {
    const c = clusterOfId.get(e.from);
    if (c === undefined || !clusterOfId.has(e.to) || clusterOfId.get(e.to) !== c) continue;
    const l = edges.get(c);
    if (l) l.push([e.from, e.to]);
    else edges.set(c, [[e.from, e.to]]);
  }
  const names = [...members.keys()].sort((a, b) =>
    a === null ? -1 : b === null ? 1 : a < b ? -1 : a > b ? 1 : 0,
  );
  return names.map((cluster) => {
    const ids = [...(members.get(cluster) ?? [])].sort();
    const es = (edges.get(cluster) ?? []).sort((a, b) =>
      a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1,
    );
    return { cluster, ids, edges: es, key: JSON.stringify([ids, es]) };
  });
}

/** A cluster drawn: item centres relative to the cluster's top-left corner, and the box they fill. */
export interface ClusterDrawing {
  readonly positions: ReadonlyMap<string, Point>;
  readonly width: number;
  readonly height: number;
}

/** dagre on one cluster. Edges point from an item to what it needs: bottom to top puts the base at the top. */
export function drawCluster(shape: ClusterShape): ClusterDrawing {
  const g = new dagre.graphlib.Graph();
  // tight-tree ranks as well as network-simplex on these graphs (a modem's items form a tree with a
  // few shared needs) at two thirds of the cost, measured on the 100-item bench cluster.
  g.setGraph({ rankdir: 'BT', nodesep: 24, ranksep: 46, ranker: 'tight-tree' });
  g.setDefaultEdgeLabel(() => ({}));
  for (const id of shape.ids) g.setNode(id, { width: ITEM_WIDTH, height: ITEM_HEIGHT });
  for (const [from, to] of shape.edges) g.setEdge(from, to);
  dagre.layout(g);
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const id of shape.ids) {
    const n = g.node(id);
    minX = Math.min(minX, n.x);
    minY = Math.min(minY, n.y);
    maxX = Math.max(maxX, n.x);
    maxY = Math.max(maxY, n.y);
  }
  const positions = new Map<string, Point>();
  for (const id of shape.ids) {
    const n = g.node(id);
    positions.set(id, { x: n.x - minX + ITEM_WIDTH / 2, y: n.y - minY + ITEM_HEIGHT / 2 });
  }
  return shape.ids.length === 0
    ? { positions, width: 0, height: 0 }
    : { positions, width: maxX - minX + ITEM_WIDTH, height: maxY - minY + ITEM_HEIGHT };
}

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

function overlaps(a: Box, b: Box): boolean {
  return (
    a.x < b.x + b.width + CLUSTER_MARGIN &&
    b.x < a.x + a.width + CLUSTER_MARGIN &&
    a.y < b.y + b.height + CLUSTER_MARGIN &&
    b.y < a.y + a.height + CLUSTER_MARGIN
  );
}

/**
 * Places cluster boxes left to right in rows no wider than `rowWidth`, never on a box already taken
 * (kept clusters are reserved first, so a new or changed cluster goes around them).
 */
export class RowPacker {
  private readonly taken: Box[] = [];
  private x = 0;
  private y = 0;
  private rowHeight = 0;

  /** Set once the first cluster is drawn (rowWidthFor); a packer with no width yet keeps one row. */
  rowWidth = Number.POSITIVE_INFINITY;

  /** Marks a box as taken (a cluster kept where it was); rows start below the lowest one. */
  reserve(b: Box): void {
    this.taken.push(b);
  }

  /** Takes the box at `at` when it is free (a changed cluster back where it was), else null. */
  placeAt(at: Point, width: number, height: number): Point | null {
    const b = { x: at.x, y: at.y, width, height };
    if (this.taken.some((t) => overlaps(t, b))) return null;
    this.taken.push(b);
    return { x: at.x, y: at.y };
  }

  /** The top-left corner of a free `width` x `height` box. */
  place(width: number, height: number): Point {
    for (;;) {
      if (this.x > 0 && this.x + width > this.rowWidth) this.newRow();
      const b = { x: this.x, y: this.y, width, height };
      const hit = this.taken.find((t) => overlaps(t, b));
      if (!hit) {
        this.taken.push(b);
        this.x += width + CLUSTER_MARGIN;
        this.rowHeight = Math.max(this.rowHeight, height);
        return { x: b.x, y: b.y };
      }
      this.x = hit.x + hit.width + CLUSTER_MARGIN;
      // A box wider than the row still has to go somewhere: below what blocks it.
      if (this.x + width > this.rowWidth && this.x > 0) this.newRow(hit.y + hit.height);
    }
  }

  private newRow(below = 0): void {
    this.y = Math.max(this.y + this.rowHeight + CLUSTER_MARGIN, below + CLUSTER_MARGIN);
    this.x = 0;
    this.rowHeight = 0;
  }
}

/**
 * The row width for `items` items drawn like `sample` (the first cluster drawn): rows about 1.6 times as
 * wide as the whole drawing is tall (a screen's shape), and never narrower than two modems side by side.
 */
export function rowWidthFor(items: number, sample: { items: number; width: number; height: number }): number {
  const perItem =
    ((sample.width + CLUSTER_MARGIN) * (sample.height + CLUSTER_MARGIN)) / Math.max(1, sample.items);
  return Math.max(2400, Math.sqrt(perItem * items * 1.6));
}

/** A cluster on the page: its shape key, where its box is, and its items' absolute centres. */
export interface PlacedCluster {
  readonly key: string;
  readonly box: Box;
  readonly positions: ReadonlyMap<string, Point>;
}

/** The absolute item centres of a drawing put at `at`. */
export function placeDrawing(key: string, d: ClusterDrawing, at: Point): PlacedCluster {
  const positions = new Map<string, Point>();
  for (const [id, p] of d.positions) positions.set(id, { x: p.x + at.x, y: p.y + at.y });
  return { key, box: { x: at.x, y: at.y, width: d.width, height: d.height }, positions };
}
