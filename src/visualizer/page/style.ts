/**
 * Cytoscape's style sheet and the legend's swatches from one table, so the legend cannot drift
 * from what the graph draws.
 */
import type { Action, Colour } from './model.js';

export const colourFill: Record<Colour, string> = {
  'in-force': '#bfe8c4',
  pending: '#f3e7a6',
  failed: '#f4a6a6',
  'in-progress': '#a9c8f5',
};

export const colourText: Record<Colour, string> = {
  'in-force': 'in force',
  pending: 'pending',
  failed: 'failed',
  'in-progress': 'in progress',
};

export const actionBorder: Record<
  Action,
  { color: string; style: 'solid' | 'dashed' | 'double' | 'dotted' }
> = {
  create: { color: '#15803d', style: 'solid' },
  modify: { color: '#d97706', style: 'dashed' },
  recreate: { color: '#c2410c', style: 'double' },
  delete: { color: '#b91c1c', style: 'dotted' },
};

export const unsatisfiedColour = '#dc2626';

type Rule = { selector: string; style: Record<string, string | number> };

export function graphStyle(): Rule[] {
  const rules: Rule[] = [
    // Cluster boxes under edges under items: by z-index alone (not cytoscape's nodes-over-edges rule).
    { selector: 'node, edge', style: { 'z-index-compare': 'manual' } },
    {
      selector: 'node[kind = "item"]',
      style: {
        shape: 'round-rectangle',
        width: 150,
        height: 42,
        label: 'data(label)',
        'text-wrap': 'wrap',
        'text-max-width': '140px',
        'text-valign': 'center',
        'text-halign': 'center',
        'font-size': 10,
        // Labels too small to read are not drawn (a zoomed-out 10,000-item graph draws boxes only).
        'min-zoomed-font-size': 6,
        'z-index': 2,
        'border-width': 1,
        'border-color': '#555',
        'background-color': '#ddd',
      },
    },
    { selector: 'node.external', style: { shape: 'cut-rectangle' } },
    {
      selector: 'node.cluster',
      style: {
        label: 'data(label)',
        'text-valign': 'top',
        'text-halign': 'center',
        'font-size': 13,
        'font-weight': 'bold',
        'background-color': '#f5f7fa',
        'border-color': '#94a3b8',
        'border-style': 'dashed',
        'border-width': 1,
        // A box behind its items, not a compound parent: compound nodes make cytoscape walk every
        // parent and child on each style change, which took most of the time at 10,000 items.
        shape: 'round-rectangle',
        width: 'data(width)',
        height: 'data(height)',
        'z-index': 0,
        events: 'no',
      },
    },
    {
      selector: 'edge',
      style: {
        width: 1.5,
        // Straight: one edge per pair here, and bezier's search for parallel edges costs O(edges) per frame.
        'curve-style': 'straight',
        'line-color': '#64748b',
        'target-arrow-color': '#64748b',
        'target-arrow-shape': 'triangle',
        label: 'data(label)',
        'font-size': 9,
        // Level text with a thin outline: a label box along a short edge hid the whole line.
        'text-outline-color': '#fff',
        'text-outline-width': 2,
        'text-rotation': 'none',
        'min-zoomed-font-size': 6,
        'z-index': 1,
      },
    },
    {
      selector: 'edge.unsatisfied',
      style: { 'line-color': unsatisfiedColour, 'target-arrow-color': unsatisfiedColour, width: 2.5 },
    },
    { selector: '.hidden', style: { display: 'none' } },
    { selector: '.faded', style: { opacity: 0.25 } },
    {
      selector: 'node.match',
      style: { 'underlay-color': '#facc15', 'underlay-padding': 6, 'underlay-opacity': 0.8 },
    },
    { selector: 'node:selected', style: { 'overlay-color': '#2563eb', 'overlay-opacity': 0.2 } },
  ];
  for (const [c, fill] of Object.entries(colourFill)) {
    rules.push({ selector: `node.c-${c}`, style: { 'background-color': fill } });
  }
  for (const [a, b] of Object.entries(actionBorder)) {
    rules.push({
      selector: `node.a-${a}`,
      style: {
        'border-color': b.color,
        'border-style': b.style,
        'border-width': b.style === 'double' ? 6 : 4,
      },
    });
  }
  return rules;
}
