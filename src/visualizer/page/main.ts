/** The page's entry: builds the controls, reads the boot data, then shows one graph (offline) or follows the agent (live). */
import './page.css';
import type { GraphExport } from '../../../reconciler/export.js';
import { type Boot, bootElementId, type History, type HistoryEntry } from './boot.js';
import { h } from './dom.js';
import { type Colour, choices, colours, type Filter } from './model.js';
import { renderPanel } from './panel.js';
import { actionBorder, colourFill, colourText, unsatisfiedColour } from './style.js';
import { GraphView } from './view.js';

const boot = JSON.parse(document.getElementById(bootElementId)?.textContent ?? '{}') as Boot;

const search = h('input', { id: 'search', type: 'search', placeholder: 'search by name' });
const clusterSel = h('select', { id: 'filter-cluster', title: 'modem' });
const typeSel = h('select', { id: 'filter-type', title: 'item type' });
const colourSel = h(
  'select',
  { id: 'filter-state', title: 'state' },
  h('option', { value: '' }, 'every state'),
  ...colours.map((c) => h('option', { value: c }, colourText[c])),
);
const status = h('span', { id: 'status' });
const timeline = h('nav', { id: 'timeline' });
const cyBox = h('div', { id: 'cy' });
const panel = h('div', { id: 'panel' });
const legend = h('div', { id: 'legend' });
document.body.append(
  h('header', {}, h('h1', {}, boot.title ?? 'mmagent graph'), search, clusterSel, typeSel, colourSel, status),
  timeline,
  cyBox,
  h('aside', {}, legend, panel),
);

for (const c of colours) {
  legend.append(h('span', {}, swatch({ background: colourFill[c] }), colourText[c]));
}
for (const [a, b] of Object.entries(actionBorder)) {
  legend.append(
    h('span', {}, swatch({ background: '#fff', border: `3px ${b.style} ${b.color}` }), `plan: ${a}`),
  );
}
legend.append(
  h('span', {}, swatch({ background: '#fff' }, 'edge-swatch'), 'needs'),
  h('span', {}, swatch({ borderTop: `2px solid ${unsatisfiedColour}` }, 'edge-swatch'), 'unsatisfied need'),
);

function swatch(style: Partial<CSSStyleDeclaration>, cls = 'swatch'): HTMLElement {
  const s = h('span', { class: cls });
  Object.assign(s.style, style);
  return s;
}

let shown: GraphExport | null = null;
let selected: string | null = null;
let statusText = '';
const view = new GraphView(
  cyBox,
  (id) => select(id),
  (p) => {
    // Large graphs are drawn a slice at a time; the status says how far, the body when it is done.
    document.body.dataset.drawn = p.done ? 'yes' : 'no';
    status.textContent = p.done ? statusText : `${statusText} · drawing ${p.placed} of ${p.total} items`;
  },
);
// The cytoscape instance on window: for the browser tests and for poking at the graph from the console.
(window as unknown as { mmagentCy: unknown }).mmagentCy = view.cy;

function select(id: string | null): void {
  selected = id;
  view.select(id);
  if (shown) renderPanel(panel, shown, id, (other) => select(other));
}

function currentFilter(): Filter {
  return {
    text: search.value,
    cluster: clusterSel.value,
    type: typeSel.value,
    colour: colourSel.value as Colour | '',
  };
}

/** Refills a select with the choices of the shown graph, keeping the user's pick when still offered. */
function fill(sel: HTMLSelectElement, all: string, values: readonly [string, string][]): void {
  const keep = sel.value;
  sel.replaceChildren(
    h('option', { value: '' }, all),
    ...values.map(([v, t]) => h('option', { value: v }, t)),
  );
  sel.value = values.some(([v]) => v === keep) ? keep : '';
}

function show(g: GraphExport): void {
  shown = g;
  const ch = choices(g);
  fill(clusterSel, 'every modem', [
    ...ch.clusters.map((c) => [c, c] as [string, string]),
    ['-', '(no modem)'],
  ]);
  fill(
    typeSel,
    'every type',
    ch.types.map((t) => [t, t]),
  );
  view.applyFilter(currentFilter());
  renderPanel(panel, g, selected, (other) => select(other));
  void view.render(g).then((drawn) => {
    if (drawn && selected !== null) view.select(selected);
  });
}

function setStatus(text: string): void {
  statusText = text;
  status.textContent = text;
}

for (const el of [clusterSel, typeSel, colourSel])
  el.addEventListener('change', () => view.applyFilter(currentFilter()));
search.addEventListener('input', () => view.applyFilter(currentFilter()));
search.addEventListener('keydown', (ev) => {
  if (ev.key !== 'Enter') return;
  const id = view.firstMatch();
  if (id !== null) select(id);
});

// Live mode: the timeline lists runs; a click pins one, "live" follows the newest again.
let entries: HistoryEntry[] = [];
let maxEntries = 100;
let pinned: number | null = null;

function describe(e: HistoryEntry): string {
  return `run #${e.id} at ${e.at} · ${e.durationMs} ms · ${e.steps.length} step(s)${e.failed ? ` · ${e.failed} failed` : ''}${e.reasons.length ? ` · ${e.reasons.join(', ')}` : ''}`;
}

function renderTimeline(): void {
  const live = h('button', { class: pinned === null ? 'current' : '', 'data-run': 'live' }, 'live');
  live.addEventListener('click', () => pin(null));
  timeline.replaceChildren(
    live,
    ...entries.map((e) => {
      const cls = [e.failed ? 'failed' : '', pinned === e.id ? 'current' : ''].filter(Boolean).join(' ');
      const b = h(
        'button',
        { class: cls, title: describe(e), 'data-run': String(e.id) },
        `#${e.id} ${e.at.slice(11, 19)}`,
      );
      b.addEventListener('click', () => pin(e.id));
      return b;
    }),
  );
}

function pin(id: number | null): void {
  pinned = id;
  const e = id === null ? entries.at(-1) : entries.find((x) => x.id === id);
  if (e) {
    show(e.graph);
    setStatus(`${id === null ? 'live' : 'history'} · ${describe(e)}`);
  }
  renderTimeline();
}

async function live(): Promise<void> {
  setStatus('live · connecting');
  try {
    const [graph, history] = await Promise.all([
      fetch('/graph.json').then((r) => r.json() as Promise<GraphExport>),
      fetch('/history.json').then((r) => r.json() as Promise<History>),
    ]);
    entries = [...history.entries];
    maxEntries = history.maxEntries;
    show(graph);
    setStatus(entries.length ? `live · ${describe(entries.at(-1)!)}` : 'live');
    renderTimeline();
  } catch (err) {
    setStatus(`live · cannot load the graph: ${String(err)}`);
  }
  const events = new EventSource('/events');
  events.addEventListener('run', (ev) => {
    const e = JSON.parse((ev as MessageEvent<string>).data) as HistoryEntry;
    entries.push(e);
    if (entries.length > maxEntries) entries.splice(0, entries.length - maxEntries);
    if (pinned === null) pin(null);
    else renderTimeline();
  });
  events.addEventListener('error', () => {
    // EventSource reconnects by itself; the status says the view may be stale meanwhile.
    if (events.readyState !== EventSource.OPEN) setStatus('live · disconnected, retrying');
  });
}

if (boot.mode === 'offline') {
  setStatus(`offline · ${boot.graph.name}`);
  show(boot.graph);
} else {
  void live();
}
