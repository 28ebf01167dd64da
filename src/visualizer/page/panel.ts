/** The detail panel of one item: state, plan, desired and observed spec side by side, their diff, links. */
import type { ExportedEdge, GraphExport } from '../../../reconciler/export.js';
import { h, json } from './dom.js';
import { detailOf, formatTime } from './model.js';
import { colourText } from './style.js';

export function renderPanel(
  root: HTMLElement,
  g: GraphExport,
  id: string | null,
  onSelect: (id: string) => void,
): void {
  root.replaceChildren();
  const d = id === null ? null : detailOf(g, id);
  if (!d) {
    root.append(h('p', {}, id === null ? 'Click an item for its details.' : `${id} is not in this graph.`));
    return;
  }
  const it = d.item;
  const link = (e: ExportedEdge, other: string) =>
    h(
      'li',
      e.satisfied ? {} : { class: 'unsatisfied' },
      h('button', { class: 'link', 'data-item': other }, other),
      ` — ${e.description}`,
      e.predicate ? ` [${e.predicate.name}]` : '',
      e.satisfied ? '' : ' (unsatisfied)',
    );
  const deps = h('ul', {}, ...d.dependencies.map((e) => link(e, e.to)));
  const dependants = h('ul', {}, ...d.dependants.map((e) => link(e, e.from)));
  const parts: (Node | null)[] = [
    h('h2', {}, it.label),
    h('div', {}, `${it.type} · ${it.id}${it.external ? ' · external (observed only)' : ''}`),
    h(
      'div',
      { 'data-field': 'state' },
      `state: ${it.state} (${colourText[d.colour]})`,
      d.action ? ` · plan: ${d.action}` : '',
    ),
    it.steps?.length
      ? h(
          'ul',
          {},
          ...it.steps.map((s) =>
            h(
              'li',
              {},
              `${s.op}${s.phase ? ` (${s.phase} phase)` : ''}: ${s.reason.kind} — ${s.reason.detail}`,
            ),
          ),
        )
      : null,
    it.pending
      ? h(
          'div',
          {},
          `waiting for ${it.pending.waitingFor.type}/${it.pending.waitingFor.name} (${it.pending.why}): ${it.pending.detail}`,
        )
      : null,
    d.lastError !== undefined ? h('h3', {}, 'last error') : null,
    d.lastError !== undefined ? h('div', { class: 'error', 'data-field': 'last-error' }, d.lastError) : null,
    d.attempts !== undefined || d.nextAttemptAt !== undefined
      ? h(
          'div',
          { 'data-field': 'retry' },
          d.attempts !== undefined ? `attempts: ${d.attempts}` : '',
          d.nextAttemptAt !== undefined ? ` · next retry: ${formatTime(d.nextAttemptAt)}` : '',
        )
      : null,
    it.status?.pendingReason ? h('div', {}, it.status.pendingReason) : null,
    h(
      'div',
      { class: 'specs' },
      h('div', {}, h('h3', {}, 'desired'), h('pre', { 'data-field': 'desired' }, json(it.desired))),
      h('div', {}, h('h3', {}, 'observed'), h('pre', { 'data-field': 'observed' }, json(it.current))),
    ),
    h('h3', {}, 'difference (JSON Patch, observed → desired)'),
    h('pre', { 'data-field': 'diff' }, d.diff.length ? json(d.diff) : 'none'),
    h('h3', {}, `depends on (${d.dependencies.length})`),
    deps,
    h('h3', {}, `needed by (${d.dependants.length})`),
    dependants,
  ];
  root.append(...parts.filter((p): p is Node => p !== null));
  for (const b of root.querySelectorAll<HTMLButtonElement>('button[data-item]')) {
    b.addEventListener('click', () => onSelect(b.dataset.item!));
  }
}
