/** The immutable graph: identity, no-op puts, clusters, typed errors, cycles, the edit journal. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JOURNAL_LIMIT } from '../../reconciler/graph.js';
import {
  changedKeys,
  DuplicateDependencyError,
  ExternalWithDependenciesError,
  editGraph,
  emptyGraph,
  findCycles,
  graphOf,
  InvalidClusterError,
  InvalidItemError,
  item,
  NameCollisionError,
  sortedNodes,
  syncGraph,
} from '../../reconciler/index.js';
import { t } from './harness.js';

describe('items', () => {
  test('specs are deep-frozen plain JSON', () => {
    const it = item({ type: 't', name: 'A', spec: { nested: { list: [1, 2] } } });
    assert.ok(Object.isFrozen(it.spec));
    assert.throws(() => {
      (it.spec as { nested: { list: number[] } }).nested.list.push(3);
    }, TypeError);
  });

  test('malformed items are typed errors naming the problem', () => {
    assert.throws(() => item({ type: 'a/b', name: 'x', spec: {} }), InvalidItemError);
    assert.throws(() => item({ type: 't', name: '', spec: {} }), InvalidItemError);
    assert.throws(
      () => item({ type: 't', name: 'x', spec: { when: new Date() } as never }),
      (e: Error) => e instanceof InvalidItemError && /spec\/when: Date is not plain JSON/.test(e.message),
    );
    assert.throws(() => item({ type: 't', name: 'x', spec: { n: Number.NaN } }), InvalidItemError);
    assert.throws(
      () =>
        item({
          type: 't',
          name: 'x',
          spec: {},
          deps: [
            { ref: { type: 't', name: 'y' }, description: '1' },
            { ref: { type: 't', name: 'y' }, description: '2' },
          ],
        }),
      DuplicateDependencyError,
    );
    assert.throws(
      () =>
        item({
          type: 'e',
          name: 'x',
          spec: {},
          external: true,
          deps: [{ ref: { type: 't', name: 'y' }, description: '' }],
        }),
      ExternalWithDependenciesError,
    );
  });
});

describe('graph', () => {
  test('edits return a new graph and leave the old one unchanged', () => {
    const g1 = graphOf('G', [t('A')]);
    const g2 = editGraph(g1, (e) => e.put(t('B', {}, 'A')));
    assert.deepEqual([...g1.nodes.keys()], ['t/A']);
    assert.deepEqual([...g2.nodes.keys()].sort(), ['t/A', 't/B']);
    assert.equal(g2.nodes.get('t/A'), g1.nodes.get('t/A'), 'unchanged nodes are shared');
    assert.deepEqual(g2.dependents.get('t/A'), ['t/B']);
    assert.ok(Object.isFrozen(g2));
  });

  test('putting an equal item changes nothing, not even the graph object', () => {
    const g1 = graphOf('G', [t('A', { v: 1 })]);
    const g2 = editGraph(g1, (e) => e.put(t('A', { v: 1 })));
    assert.equal(g2, g1);
  });

  test('two different items with one name in one edit is a NameCollisionError', () => {
    assert.throws(() => graphOf('G', [t('A', { v: 1 }), t('A', { v: 2 })]), NameCollisionError);
  });

  test('dependents are re-linked when dependencies change, including dangling ones', () => {
    let g = graphOf('G', [t('A', {}, 'B')]);
    assert.deepEqual(g.dependents.get('t/B'), ['t/A']);
    g = editGraph(g, (e) => e.put(t('A', {}, 'C')));
    assert.equal(g.dependents.get('t/B'), undefined);
    assert.deepEqual(g.dependents.get('t/C'), ['t/A']);
    g = editGraph(g, (e) => e.delete({ type: 't', name: 'A' }));
    assert.equal(g.dependents.size, 0);
  });

  test('clusters: iteration gives each item with its path; deleting a cluster deletes its items', () => {
    let g = graphOf('G', [
      { item: t('B'), path: ['x', 'y'] },
      { item: t('A'), path: ['x'] },
      { item: t('C') },
    ]);
    g = editGraph(g, (e) => e.putCluster(['x'], 'modem x'));
    assert.deepEqual(
      sortedNodes(g).map((n) => `${n.path.join('/')}:${n.item.name}`),
      [':C', 'x:A', 'x/y:B'],
    );
    assert.deepEqual(
      sortedNodes(g, ['x']).map((n) => n.item.name),
      ['A', 'B'],
    );
    assert.equal(g.clusters.get('x')?.description, 'modem x');
    g = editGraph(g, (e) => e.deleteCluster(['x']));
    assert.deepEqual([...g.nodes.keys()], ['t/C']);
    assert.equal(g.clusters.size, 0);
    assert.throws(() => graphOf('G', [{ item: t('A'), path: ['a/b'] }]), InvalidClusterError);
  });

  test('findCycles reports each cycle once, from its smallest member', () => {
    const g = graphOf('G', [
      t('a', {}, 'b'),
      t('b', {}, 'c'),
      t('c', {}, 'a'),
      t('d', {}, 'd'),
      t('e', {}, 'a'),
    ]);
    assert.deepEqual(
      findCycles(g).map((c) => c.map((r) => r.name).join('>')),
      ['a>b>c>a', 'd>d'],
    );
  });

  test('the journal knows which keys changed between related graphs', () => {
    const g0 = emptyGraph('G');
    const g1 = syncGraph(g0, [t('A'), t('B')]);
    const g2 = syncGraph(g1, [t('A'), t('B', { v: 2 })]);
    const g3 = syncGraph(g2, [t('A'), t('B', { v: 2 })]);
    assert.equal(g3, g2);
    assert.deepEqual([...(changedKeys(g1, g2) ?? [])], ['t/B']);
    assert.deepEqual([...(changedKeys(g0, g2) ?? [])].sort(), ['t/A', 't/B']);
    // Back along the journal: the same keys differ (an intent edited and edited back stays incremental).
    assert.deepEqual([...(changedKeys(g2, g1) ?? [])], ['t/B']);
    assert.deepEqual([...(changedKeys(g2, g0) ?? [])].sort(), ['t/A', 't/B']);
    assert.equal(changedKeys(g1, graphOf('G', [t('A')])), undefined, 'unrelated');
    // Editing an old version forks the history.
    const fork = syncGraph(g1, [t('A', { v: 9 })]);
    assert.equal(changedKeys(g2, fork), undefined);
  });

  test('the journal keeps the last JOURNAL_LIMIT edits, not every edit ever (the soak saw it take MiBs)', () => {
    const versions = [emptyGraph('G')];
    for (let i = 1; i <= JOURNAL_LIMIT + 1; i++)
      versions.push(syncGraph(versions[i - 1]!, [t('A', { v: i }), t(`B${i % 3}`)]));
    const last = versions[JOURNAL_LIMIT + 1]!;
    assert.equal(changedKeys(versions[0]!, last), undefined, 'older than the journal: a full comparison');
    assert.deepEqual(
      [...(changedKeys(versions[1]!, last) ?? [])].sort(),
      ['t/A', 't/B0', 't/B1', 't/B2'],
      'the last JOURNAL_LIMIT edits are known',
    );
    assert.deepEqual([...(changedKeys(versions[JOURNAL_LIMIT]!, last) ?? [])].sort(), [
      't/A',
      't/B1',
      't/B2',
    ]);
  });
});
