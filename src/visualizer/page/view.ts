/**
 * The graph drawing: cytoscape, with positions from layout.ts (dagre per cluster). A state-only update
 * restyles the elements in place; a cluster whose items or edges changed is drawn again, and only it:
 * the other clusters keep their places, and the user's zoom and pan stay. A large graph is drawn a
 * slice at a time, yielding to the browser between slices, so the tab never freezes.
 */
import cytoscape from 'cytoscape';
import type { ExportedItem, GraphExport } from '../../../reconciler/export.js';
import {
  type ClusterShape,
  clusterShapes,
  drawCluster,
  type PlacedCluster,
  placeDrawing,
  RowPacker,
  rowWidthFor,
} from './layout.js';
import {
  clusterNodeId,
  type EdgeData,
  type Elements,
  type Filter,
  matches,
  noFilter,
  passes,
  toElements,
} from './model.js';
import { graphStyle } from './style.js';

/** How long the page works (its drawing by the browser included) before it lets the browser handle input. */
const SLICE_MS = 60;
/** Above this many items the page opens on a corner of the graph rather than all of it. */
const LARGE = 2000;
/** Room between a cluster's box and its items (the packer leaves more between clusters). */
const CLUSTER_PADDING = 14;

export interface DrawProgress {
  readonly placed: number;
  readonly total: number;
  readonly done: boolean;
}

/** After the browser has drawn a frame (a hidden tab draws none, so the drawing waits until it is shown). */
const nextFrame = () => new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0)));

export class GraphView {
  readonly cy: cytoscape.Core;
  private graph: GraphExport | null = null;
  private filter: Filter = noFilter;
  /** The clusters on the canvas, by name (null: the items outside every modem). */
  private readonly placed = new Map<string | null, PlacedCluster>();
  /** Where clusters were before they changed: a changed cluster goes back there when it still fits. */
  private readonly lastBox = new Map<string | null, PlacedCluster['box']>();
  /** Bumped by every render: a slow render that has been overtaken stops at its next slice. */
  private generation = 0;

  constructor(
    container: HTMLElement,
    onSelect: (id: string | null) => void,
    private readonly onProgress: (p: DrawProgress) => void = () => {},
  ) {
    this.cy = cytoscape({
      container,
      // Cytoscape's style types are a union per property; the table in style.ts is checked by the browser test.
      style: graphStyle() as unknown as cytoscape.StylesheetJson,
      wheelSensitivity: 0.3,
      minZoom: 0.05,
      maxZoom: 3,
    });
    this.cy.on('tap', 'node[kind = "item"]', (ev) => onSelect(ev.target.id()));
    this.cy.on('tap', (ev) => {
      if (ev.target === this.cy) onSelect(null);
    });
  }

  /** Draws `g`. Resolves true when it is on the canvas, false when a newer render took over. */
  async render(g: GraphExport): Promise<boolean> {
    const generation = ++this.generation;
    this.graph = g;
    const els = toElements(g);
    const nodes = new Map(els.nodes.map((n) => [n.data.id, n]));
    const edgesAt = new Map<string, { data: EdgeData; classes: string }[]>();
    for (const e of els.edges) {
      for (const end of [e.data.source, e.data.target]) {
        const l = edgesAt.get(end);
        if (l) l.push(e);
        else edgesAt.set(end, [e]);
      }
    }
    const shapes = clusterShapes(g);
    const wanted = new Map(shapes.map((s) => [s.cluster, s]));
    const selected = this.cy.$(':selected').map((e) => e.id());
    const firstDrawing = this.placed.size === 0;
    const packer = new RowPacker();

    // What stays is restyled; what changed is taken off, to be drawn again below.
    const todo: ClusterShape[] = [];
    this.cy.batch(() => {
      for (const [c, p] of this.placed) {
        const s = wanted.get(c);
        if (s?.key === p.key) {
          packer.reserve(p.box);
          continue;
        }
        for (const id of p.positions.keys()) this.cy.getElementById(id).remove();
        if (c !== null) this.cy.getElementById(clusterNodeId(c)).remove();
        this.lastBox.set(c, p.box);
        this.placed.delete(c);
      }
      for (const s of shapes) if (!this.placed.has(s.cluster)) todo.push(s);
      this.cy.nodes().forEach((el) => {
        const n = nodes.get(el.id());
        if (!n) return;
        el.data(n.data);
        el.classes(n.classes);
      });
      this.syncEdges(els.edges);
    });

    // Each cluster is laid out and put on the canvas in turn, a slice at a time. Cytoscape styles new
    // elements when it next draws, so a slice's cost shows after it: the next slice is sized by how
    // long the last one took, drawing included, to keep each near SLICE_MS.
    const total = g.items.length;
    const large = total > LARGE;
    let added = total - todo.reduce((sum, s) => sum + s.ids.length, 0);
    let perItemMs = 0.5;
    let started = false;
    let i = 0;
    while (i < todo.length) {
      const t0 = performance.now();
      let items = 0;
      this.cy.batch(() => {
        while (i < todo.length && (items === 0 || items * perItemMs < SLICE_MS)) {
          const s = todo[i++] as ClusterShape;
          const d = drawCluster(s);
          if (packer.rowWidth === Number.POSITIVE_INFINITY)
            packer.rowWidth = rowWidthFor(total, { items: s.ids.length, ...d });
          const old = this.lastBox.get(s.cluster);
          const at = (old && packer.placeAt(old, d.width, d.height)) || packer.place(d.width, d.height);
          const pc = placeDrawing(s.key, d, at);
          this.addCluster(s, pc, nodes);
          for (const id of s.ids) for (const e of edgesAt.get(id) ?? []) this.addEdge(e);
          this.placed.set(s.cluster, pc);
          this.lastBox.delete(s.cluster);
          items += s.ids.length;
        }
      });
      added += items;
      if (i === todo.length) break;
      if (!started) started = this.showStart(large, firstDrawing || todo.length === shapes.length);
      this.onProgress({ placed: added, total, done: false });
      await nextFrame();
      if (generation !== this.generation) return false;
      perItemMs = Math.max(0.01, (performance.now() - t0) / items);
    }
    if (!started) this.showStart(large, firstDrawing || todo.length === shapes.length);
    for (const id of selected) this.cy.getElementById(id).select();
    this.applyFilter(this.filter);
    this.onProgress({ placed: total, total, done: true });
    return true;
  }

  /**
   * The view when everything was drawn anew (else the user's zoom and pan stay): all of a small graph; the top-left corner of a large one at a readable zoom. A
   * frame costs cytoscape O(items on screen), so a large graph drawn zoomed out would freeze the tab.
   */
  private showStart(large: boolean, redrawn: boolean): true {
    if (!redrawn) return true;
    if (!large) {
      this.cy.fit(undefined, 20);
      return true;
    }
    this.cy.zoom(1);
    this.cy.pan({ x: 20, y: 40 });
    return true;
  }

  private addCluster(
    s: ClusterShape,
    pc: PlacedCluster,
    nodes: ReadonlyMap<string, Elements['nodes'][number]>,
  ): void {
    const cn = s.cluster === null ? undefined : nodes.get(clusterNodeId(s.cluster));
    if (cn) {
      const b = pc.box;
      this.cy.getElementById(cn.data.id).remove();
      this.cy.add({
        group: 'nodes',
        data: { ...cn.data, width: b.width + 2 * CLUSTER_PADDING, height: b.height + 2 * CLUSTER_PADDING },
        classes: cn.classes,
        position: { x: b.x + b.width / 2, y: b.y + b.height / 2 },
      });
    }
    this.cy.add(
      s.ids.flatMap((id) => {
        const n = nodes.get(id);
        const position = pc.positions.get(id);
        return n && position
          ? [{ group: 'nodes' as const, data: { ...n.data }, classes: n.classes, position: { ...position } }]
          : [];
      }),
    );
  }

  /** An edge whose two ends are drawn and which is not drawn yet. */
  private addEdge(e: { data: EdgeData; classes: string }): void {
    if (this.cy.getElementById(e.data.id).nonempty()) return;
    if (this.cy.getElementById(e.data.source).empty() || this.cy.getElementById(e.data.target).empty())
      return;
    this.cy.add({ group: 'edges', data: { ...e.data }, classes: e.classes });
  }

  /** Edges the graph no longer has go; the others are restyled (satisfied or not) or added. */
  private syncEdges(edges: readonly { data: EdgeData; classes: string }[]): void {
    const byId = new Map(edges.map((e) => [e.data.id, e]));
    this.cy.edges().forEach((el) => {
      const e = byId.get(el.id());
      if (!e) {
        el.remove();
        return;
      }
      el.data(e.data);
      el.classes(e.classes);
    });
    for (const e of edges) this.addEdge(e);
  }

  /** Filters hide items (and clusters left empty); the search text highlights matches and fades the rest. */
  applyFilter(f: Filter): void {
    this.filter = f;
    const g = this.graph;
    if (!g) return;
    const byId = new Map<string, ExportedItem>(g.items.map((i) => [i.id, i]));
    const searching = f.text.trim() !== '';
    this.cy.batch(() => {
      this.cy.elements().removeClass('hidden faded match');
      this.cy.nodes('[kind = "item"]').forEach((n) => {
        const it = byId.get(n.id());
        if (!it) return;
        if (!passes(it, f)) n.addClass('hidden');
        else if (searching) n.addClass(matches(it, f.text) ? 'match' : 'faded');
      });
      for (const [c, p] of this.placed) {
        if (c === null) continue;
        const shown = [...p.positions.keys()].some((id) => !this.cy.getElementById(id).hasClass('hidden'));
        if (!shown) this.cy.getElementById(clusterNodeId(c)).addClass('hidden');
      }
      this.cy.edges().forEach((e) => {
        if (e.source().hasClass('hidden') || e.target().hasClass('hidden')) e.addClass('hidden');
        else if (searching && !(e.source().hasClass('match') || e.target().hasClass('match')))
          e.addClass('faded');
      });
    });
  }

  select(id: string | null): void {
    this.cy.$(':selected').unselect();
    if (id === null) return;
    const n = this.cy.getElementById(id);
    if (n.nonempty()) {
      n.select();
      this.cy.animate({ center: { eles: n } }, { duration: 200 });
    }
  }

  firstMatch(): string | null {
    const m = this.cy.nodes('.match');
    return m.nonempty() ? m.first().id() : null;
  }
}
