/**
 * The graph drawing: cytoscape with the dagre layout. A layout runs only when the set of items and
 * edges changes (model.layoutKey); a state-only update restyles the elements in place, so items keep
 * their places and the user's zoom and pan stay.
 */
import cytoscape from 'cytoscape';
import cytoscapeDagre from 'cytoscape-dagre';
import type { ExportedItem, GraphExport } from '../../../reconciler/export.js';
import { type Filter, layoutKey, matches, noFilter, passes, toElements } from './model.js';
import { graphStyle } from './style.js';

cytoscape.use(cytoscapeDagre);

type Positions = Map<string, { x: number; y: number }>;

export class GraphView {
  readonly cy: cytoscape.Core;
  private key = '';
  private graph: GraphExport | null = null;
  private filter: Filter = noFilter;
  /** Places per layout key (a few), so going back in the timeline to an earlier shape redraws it as it was. */
  private readonly places = new Map<string, Positions>();

  constructor(container: HTMLElement, onSelect: (id: string | null) => void) {
    this.cy = cytoscape({
      container,
      // Cytoscape's style types are a union per property; the table in style.ts is checked by the browser test.
      style: graphStyle() as unknown as cytoscape.StylesheetJson,
      wheelSensitivity: 0.3,
      minZoom: 0.1,
      maxZoom: 3,
    });
    this.cy.on('tap', 'node[kind = "item"]', (ev) => onSelect(ev.target.id()));
    this.cy.on('tap', (ev) => {
      if (ev.target === this.cy) onSelect(null);
    });
  }

  render(g: GraphExport): void {
    const els = toElements(g);
    const key = layoutKey(g);
    this.graph = g;
    if (key === this.key) {
      this.cy.batch(() => {
        for (const n of [...els.nodes, ...els.edges]) {
          const el = this.cy.getElementById(n.data.id);
          el.data(n.data);
          el.classes(n.classes);
        }
      });
    } else {
      const selected = this.cy.$(':selected').map((e) => e.id());
      // Where every item is now, before the elements are replaced (see layout()).
      const before = new Map<string, { parent: string; x: number; y: number }>();
      this.cy.nodes('[kind = "item"]').forEach((n) => {
        before.set(n.id(), { parent: String(n.data('parent') ?? ''), ...n.position() });
      });
      this.cy.batch(() => {
        this.cy.elements().remove();
        this.cy.add([
          ...els.nodes.map((n) => ({ group: 'nodes' as const, data: { ...n.data }, classes: n.classes })),
          ...els.edges.map((e) => ({ group: 'edges' as const, data: { ...e.data }, classes: e.classes })),
        ]);
      });
      this.layout(key, before);
      this.key = key;
      for (const id of selected) this.cy.getElementById(id).select();
    }
    this.applyFilter(this.filter);
  }

  private layout(key: string, before: ReadonlyMap<string, { parent: string; x: number; y: number }>): void {
    const known = this.places.get(key);
    if (known) {
      this.cy.nodes('[kind = "item"]').positions((n) => known.get(n.id()) ?? n.position());
      this.cy.fit(undefined, 20);
      return;
    }
    // What stays the same keeps its place: a cluster whose items are the same as before (another
    // modem's change) goes back where it was after the new layout, so only what changed moves.
    this.cy
      .layout({
        name: 'dagre',
        // Edges point from an item to what it needs: bottom to top puts the modem's base at the top.
        rankDir: 'BT',
        nodeSep: 24,
        rankSep: 46,
        padding: 20,
        fit: true,
        animate: false,
      } as cytoscape.LayoutOptions)
      .run();
    const members = (parentOf: (id: string) => string | undefined, ids: Iterable<string>) => {
      const m = new Map<string, string[]>();
      for (const id of ids) {
        const p = parentOf(id) ?? '';
        m.set(p, [...(m.get(p) ?? []), id]);
      }
      for (const v of m.values()) v.sort();
      return m;
    };
    const oldSets = members((id) => before.get(id)?.parent, before.keys());
    const items = this.cy.nodes('[kind = "item"]');
    const newSets = members(
      (id) => String(this.cy.getElementById(id).data('parent') ?? ''),
      items.map((n) => n.id()),
    );
    items.forEach((n) => {
      const old = before.get(n.id());
      const cluster = String(n.data('parent') ?? '');
      if (
        old &&
        cluster !== '' &&
        JSON.stringify(oldSets.get(cluster)) === JSON.stringify(newSets.get(cluster))
      )
        n.position({ x: old.x, y: old.y });
    });
    const pos: Positions = new Map();
    this.cy.nodes('[kind = "item"]').forEach((n) => {
      pos.set(n.id(), { ...n.position() });
    });
    this.places.set(key, pos);
    while (this.places.size > 16) this.places.delete(this.places.keys().next().value as string);
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
      this.cy.nodes('.cluster').forEach((c) => {
        if (c.children().not('.hidden').length === 0) c.addClass('hidden');
      });
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
