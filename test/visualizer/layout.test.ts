/** The page's layout: per-cluster shapes and keys, dagre per cluster, boxes packed without overlap. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GraphExport } from '../../reconciler/export.js';
import {
  type Box,
  clusterShapes,
  drawCluster,
  ITEM_HEIGHT,
  ITEM_WIDTH,
  placeDrawing,
  RowPacker,
  rowWidthFor,
} from '../../src/visualizer/page/layout.js';
import { smallGraph } from './fixture.js';

const keys = (g: Pick<GraphExport, 'items' | 'edges'>) =>
  new Map(clusterShapes(g).map((s) => [s.cluster, s.key]));

test('clusters in drawing order (outside items first), each with its own items and inner edges', () => {
  const shapes = clusterShapes(smallGraph());
  assert.deepEqual(
    shapes.map((s) => s.cluster),
    [null, 'modem1', 'unmanaged:123'],
  );
  const m1 = shapes[1];
  assert.deepEqual(m1?.ids, ['bearer/modem1', 'connection/modem1', 'radio/modem1']);
  // Only edges with both ends in the cluster shape its drawing.
  for (const [from, to] of m1?.edges ?? []) assert.ok(m1?.ids.includes(from) && m1.ids.includes(to));
});

test("a cluster's key ignores states and order and changes only with its own items or edges", () => {
  const g = smallGraph();
  const k = keys(g);
  const restated: GraphExport = {
    ...g,
    items: [...g.items].reverse().map((i) => ({ ...i, state: 'failed' as const, current: null })),
    edges: [...g.edges].reverse().map((e) => ({ ...e, satisfied: !e.satisfied })),
  };
  assert.deepEqual(keys(restated), k);
  const inner = g.edges.find(
    (e) => e.from.endsWith('/modem1') && e.to.endsWith('/modem1') && e.from !== e.to,
  );
  assert.ok(inner);
  const fewer = keys({ ...g, edges: g.edges.filter((e) => e !== inner) });
  assert.notEqual(fewer.get('modem1'), k.get('modem1'));
  assert.equal(fewer.get('unmanaged:123'), k.get('unmanaged:123'));
  const moved = keys({
    ...g,
    items: g.items.map((i) => (i.id === 'dns/global' ? { ...i, path: ['modem1'] } : i)),
  });
  assert.notEqual(moved.get('modem1'), k.get('modem1'));
  assert.equal(moved.has(null), false);
  assert.equal(moved.get('unmanaged:123'), k.get('unmanaged:123'));
});

/** A tree of n items in one cluster, each needing its parent (the bench's shape). */
function tree(cluster: string, n: number) {
  const ids = Array.from({ length: n }, (_, i) => `${cluster}/${String(i).padStart(3, '0')}`).sort();
  const edges: [string, string][] = [];
  for (let i = 1; i < n; i++)
    edges.push([
      `${cluster}/${String(i).padStart(3, '0')}`,
      `${cluster}/${String((i - 1) >> 1).padStart(3, '0')}`,
    ]);
  return { cluster, ids, edges, key: JSON.stringify([ids, edges]) };
}

test('a drawing: no two items overlap, what an item needs sits above it, all inside the box, deterministic', () => {
  const shape = tree('m', 40);
  const d = drawCluster(shape);
  const ps = [...d.positions.values()];
  assert.equal(ps.length, 40);
  for (let i = 0; i < ps.length; i++)
    for (let j = i + 1; j < ps.length; j++) {
      const a = ps[i]!;
      const b = ps[j]!;
      assert.ok(Math.abs(a.x - b.x) >= ITEM_WIDTH || Math.abs(a.y - b.y) >= ITEM_HEIGHT, 'items overlap');
    }
  for (const [from, to] of shape.edges) assert.ok(d.positions.get(to)!.y < d.positions.get(from)!.y);
  for (const p of ps) {
    assert.ok(p.x - ITEM_WIDTH / 2 >= 0 && p.x + ITEM_WIDTH / 2 <= d.width + 0.001);
    assert.ok(p.y - ITEM_HEIGHT / 2 >= 0 && p.y + ITEM_HEIGHT / 2 <= d.height + 0.001);
  }
  assert.deepEqual(drawCluster(shape), d);
  assert.deepEqual(drawCluster({ cluster: null, ids: [], edges: [], key: '[]' }).positions.size, 0);
});

const apart = (a: Box, b: Box) =>
  a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;

test('packing: rows no wider than asked (unless one box is), never on a reserved box, never overlapping', () => {
  const p = new RowPacker();
  p.rowWidth = 1000;
  const kept: Box = { x: 300, y: 0, width: 400, height: 300 };
  p.reserve(kept);
  const boxes: Box[] = [kept];
  for (const [w, h] of [
    [200, 100],
    [300, 200],
    [500, 100],
    [1500, 80],
    [100, 100],
    [250, 400],
  ] as const) {
    const at = p.place(w, h);
    const b = { ...at, width: w, height: h };
    if (w <= 1000) assert.ok(b.x + b.width <= 1000, JSON.stringify(b));
    for (const o of boxes) assert.ok(apart(o, b), `${JSON.stringify(b)} overlaps ${JSON.stringify(o)}`);
    boxes.push(b);
  }
  assert.deepEqual(p.place(10, 10).x >= 0, true);
  // A changed cluster goes back to its old place when it is free, not when it would overlap.
  const q = new RowPacker();
  q.rowWidth = 1000;
  q.reserve({ x: 0, y: 0, width: 200, height: 100 });
  assert.equal(q.placeAt({ x: 100, y: 0 }, 200, 100), null);
  assert.deepEqual(q.placeAt({ x: 400, y: 0 }, 200, 100), { x: 400, y: 0 });
  assert.equal(q.placeAt({ x: 500, y: 50 }, 10, 10), null);
});

test("two modems' clusters fit side by side; 10,000 items make rows about 1.6 times as wide as tall", () => {
  const small = drawCluster(tree('m', 15));
  assert.equal(rowWidthFor(30, { items: 15, ...small }), 2400);
  const d = drawCluster(tree('m', 100));
  const p = new RowPacker();
  p.rowWidth = rowWidthFor(10_000, { items: 100, ...d });
  let bottom = 0;
  let right = 0;
  for (let c = 0; c < 100; c++) {
    const b = placeDrawing('k', d, p.place(d.width, d.height)).box;
    bottom = Math.max(bottom, b.y + b.height);
    right = Math.max(right, b.x + b.width);
  }
  const ratio = right / bottom;
  assert.ok(ratio > 0.8 && ratio < 3.2, `width/height ${ratio.toFixed(2)}`);
});
