/** The page's pure helpers: grouping by modem, colours and outlines, diff, filters. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  actionOf,
  choices,
  clusterNodeId,
  colourOf,
  detailOf,
  groupByCluster,
  matches,
  noFilter,
  passes,
  specDiff,
  toElements,
} from '../../src/visualizer/page/model.js';
import { smallGraph } from './fixture.js';

test('items are grouped by path[0]; items without a path stay outside clusters', () => {
  const g = groupByCluster(smallGraph().items);
  assert.deepEqual(g.get(null), ['dns/global']);
  assert.deepEqual(g.get('modem1'), ['radio/modem1', 'bearer/modem1', 'connection/modem1']);
  assert.deepEqual(g.get('unmanaged:123'), ['radio/123']);
});

test('elements: one cluster node per modem, items in it, edges styled by satisfaction', () => {
  const els = toElements(smallGraph());
  const clusters = els.nodes.filter((n) => n.data.kind === 'cluster').map((n) => n.data.label);
  assert.deepEqual(clusters, ['modem1', 'unmanaged:123']);
  const byId = new Map(els.nodes.map((n) => [n.data.id, n]));
  assert.equal(byId.get('dns/global')?.data.cluster, undefined);
  assert.equal(byId.get('bearer/modem1')?.data.cluster, clusterNodeId('modem1'));
  assert.equal(byId.get('bearer/modem1')?.classes, 'c-in-force a-modify');
  assert.equal(byId.get('connection/modem1')?.classes, 'c-failed');
  assert.equal(byId.get('radio/123')?.classes, 'c-in-force external');
  const bad = els.edges.find((e) => !e.data.satisfied);
  assert.equal(bad?.classes, 'unsatisfied');
  assert.equal(bad?.data.label, 'registered');
  assert.equal(els.edges.find((e) => e.data.satisfied)?.data.label, '');
});

test('colours follow state and status; outlines follow the plan op with the export precedence', () => {
  const base = { current: { a: 1 }, status: undefined };
  assert.equal(colourOf({ ...base, state: 'in-sync' }), 'in-force');
  assert.equal(colourOf({ ...base, state: 'to-delete' }), 'in-force');
  assert.equal(colourOf({ ...base, current: null, state: 'to-create' }), 'pending');
  assert.equal(colourOf({ ...base, state: 'pending' }), 'pending');
  assert.equal(colourOf({ ...base, current: null, state: 'missing' }), 'pending');
  assert.equal(colourOf({ ...base, state: 'deferred' }), 'failed');
  assert.equal(colourOf({ ...base, state: 'in-progress' }), 'in-progress');
  assert.equal(
    colourOf({ ...base, state: 'in-sync', status: { state: 'failed', attempts: 1, updatedAt: 0 } }),
    'failed',
  );
  const step = (op: 'create' | 'modify' | 'recreate' | 'delete') => ({
    id: op,
    op,
    reason: { kind: 'new' as const, detail: '' },
    after: [],
  });
  assert.equal(actionOf({}), null);
  assert.equal(actionOf({ steps: [step('delete'), step('modify')] }), 'modify');
  assert.equal(actionOf({ steps: [step('create'), step('recreate')] }), 'recreate');
});

test('the diff is a JSON Patch from observed to desired, also for null and scalar specs', () => {
  assert.deepEqual(specDiff({ apn: 'old', u: 1 }, { apn: 'new', u: 1 }), [
    { op: 'replace', path: '/apn', value: 'new' },
  ]);
  assert.deepEqual(specDiff(null, { on: true }), [{ op: 'replace', path: '', value: { on: true } }]);
  assert.deepEqual(specDiff(3, 3), []);
});

test('detail: dependencies, dependants, last error, attempts and next retry', () => {
  const d = detailOf(smallGraph(), 'connection/modem1');
  assert.ok(d);
  assert.deepEqual(
    d.dependencies.map((e) => e.to),
    ['bearer/modem1'],
  );
  assert.deepEqual(d.dependants, []);
  assert.match(d.lastError ?? '', /timed out/);
  assert.equal(d.attempts, 3);
  assert.equal(d.nextAttemptAt, Date.UTC(2030, 0, 1));
  const b = detailOf(smallGraph(), 'bearer/modem1');
  assert.deepEqual(
    b?.dependants.map((e) => e.from),
    ['connection/modem1'],
  );
  assert.equal(b?.lastError, undefined);
  assert.equal(detailOf(smallGraph(), 'nope/x'), null);
});

test('filters by modem, type and state; search by name', () => {
  const items = smallGraph().items;
  const ids = (f: Partial<typeof noFilter>) =>
    items.filter((i) => passes(i, { ...noFilter, ...f })).map((i) => i.id);
  assert.equal(ids({}).length, items.length);
  assert.deepEqual(ids({ cluster: '-' }), ['dns/global']);
  assert.deepEqual(ids({ cluster: 'unmanaged:123' }), ['radio/123']);
  assert.deepEqual(ids({ type: 'radio' }), ['radio/modem1', 'radio/123']);
  assert.deepEqual(ids({ colour: 'failed' }), ['connection/modem1']);
  assert.deepEqual(
    items.filter((i) => matches(i, 'BEARER')).map((i) => i.id),
    ['bearer/modem1'],
  );
  assert.equal(
    items.some((i) => matches(i, '  ')),
    false,
  );
  assert.deepEqual(choices(smallGraph()), {
    clusters: ['modem1', 'unmanaged:123'],
    types: ['bearer', 'connection', 'dns', 'radio'],
  });
});
