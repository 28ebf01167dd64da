/** The eve-libs reconciler scenario list (depgraph.md §3), reproduced on plan + apply. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  apply,
  editGraph,
  emptyGraph,
  type Graph,
  graphOf,
  type Item,
  item,
  type Plan,
  type PlanOptions,
  plan,
} from '../../reconciler/index.js';
import { assertOrder, dep, ext, Recorder, stepList, t } from './harness.js';

/** plan + apply; returns the new current graph, the plan, and the calls made. */
async function reconcile(current: Graph, desired: Graph, rec: Recorder, opts: PlanOptions = {}) {
  rec.clear();
  const configurators = { t: rec.configurator() };
  const p = plan(current, desired, { configurators, ...opts });
  const r = await apply(p, current, desired, { configurators });
  return { current: r.current, plan: p, calls: [...rec.calls], result: r };
}

const G = (...items: Item[]) => graphOf('G', items);

describe('items without dependencies', () => {
  test('create three, modify one, identical put is a no-op, delete two', async () => {
    const rec = new Recorder();
    let s = await reconcile(emptyGraph('G'), G(t('A'), t('B'), t('C')), rec);
    assert.deepEqual(s.calls.sort(), ['create t/A', 'create t/B', 'create t/C']);
    s = await reconcile(s.current, G(t('A'), t('B', { v: 2 }), t('C')), rec);
    assert.deepEqual(s.calls, ['modify t/B']);
    assert.deepEqual(s.plan.steps[0]?.patch, [{ op: 'add', path: '/v', value: 2 }]);
    s = await reconcile(s.current, G(t('A'), t('B', { v: 2 }), t('C')), rec);
    assert.deepEqual(s.calls, []);
    s = await reconcile(s.current, G(t('B', { v: 2 })), rec);
    assert.deepEqual(s.calls.sort(), ['delete t/A', 'delete t/C']);
    assert.deepEqual([...s.current.nodes.keys()], ['t/B']);
  });
});

describe('dependencies', () => {
  test('dependencies are created first; modifying one leaves dependents alone; deleting it deletes them first', async () => {
    const rec = new Recorder();
    let s = await reconcile(emptyGraph('G'), G(t('A', {}, 'C'), t('B', {}, 'C'), t('C')), rec);
    assertOrder(s.calls, 'create t/C', 'create t/A');
    assertOrder(s.calls, 'create t/C', 'create t/B');
    s = await reconcile(s.current, G(t('A', {}, 'C'), t('B', {}, 'C'), t('C', { v: 2 })), rec);
    assert.deepEqual(s.calls, ['modify t/C']);
    s = await reconcile(s.current, G(t('A', {}, 'C'), t('B', {}, 'C')), rec);
    assertOrder(s.calls, 'delete t/A', 'delete t/C');
    assertOrder(s.calls, 'delete t/B', 'delete t/C');
    assert.deepEqual(
      s.plan.pending.map((p) => [p.ref.name, p.waitingFor.name, p.why]),
      [
        ['A', 'C', 'missing'],
        ['B', 'C', 'missing'],
      ],
    );
    const delA = s.plan.steps.find((x) => x.id === 'delete:t/A');
    assert.equal(delA?.reason.kind, 'dependency-unsatisfied');
  });

  test('transitive dependencies: A and B pend until C exists, then all are created in order', async () => {
    const rec = new Recorder();
    let s = await reconcile(emptyGraph('G'), G(t('A', {}, 'B'), t('B', {}, 'C')), rec);
    assert.deepEqual(s.calls, []);
    assert.deepEqual(
      s.plan.pending.map((p) => `${p.ref.name}:${p.why}`),
      ['A:pending', 'B:missing'],
    );
    s = await reconcile(s.current, G(t('A', {}, 'B'), t('B', {}, 'C'), t('C')), rec);
    assert.deepEqual(s.calls, ['create t/C', 'create t/B', 'create t/A']);
    s = await reconcile(s.current, G(t('A', {}, 'B'), t('B', {}, 'C')), rec);
    assert.deepEqual(s.calls, ['delete t/A', 'delete t/B', 'delete t/C']);
  });

  test('an unsatisfied dependency keeps the item pending; removing the item is a no-op', async () => {
    const rec = new Recorder();
    let s = await reconcile(emptyGraph('G'), G(t('A', {}, 'B', 'C'), t('B')), rec);
    assert.deepEqual(s.calls, ['create t/B']);
    assert.equal(s.plan.pending[0]?.waitingFor.name, 'C');
    s = await reconcile(s.current, G(t('B')), rec);
    assert.deepEqual(s.calls, []);
    assert.deepEqual(s.plan.pending, []);
  });
});

describe('recreate', () => {
  test('needsRecreate on B wraps the delete and create of its dependent A', async () => {
    const rec = new Recorder({ recreateOn: ['static'] });
    let s = await reconcile(emptyGraph('G'), G(t('A', {}, 'B'), t('B', { static: 1 })), rec);
    s = await reconcile(s.current, G(t('A', {}, 'B'), t('B', { static: 2 })), rec);
    assert.deepEqual(s.calls, ['delete t/A', 'delete t/B', 'create t/B', 'create t/A']);
    const stepB = s.plan.steps.find((x) => x.id === 'recreate-delete:t/B');
    assert.equal(stepB?.reason.kind, 'needs-recreate');
    assert.equal(stepB?.reason.detail, 'static changed');
    const stepA = s.plan.steps.find((x) => x.id === 'recreate-create:t/A');
    assert.equal(stepA?.reason.kind, 'dependency-recreated');
    assert.deepEqual(stepA?.reason.cause, { type: 't', name: 'B' });
  });

  test('an identical desired graph after a recreate does nothing', async () => {
    const rec = new Recorder({ recreateOn: ['static'] });
    let s = await reconcile(emptyGraph('G'), G(t('A', {}, 'B'), t('B', { static: 1 })), rec);
    s = await reconcile(s.current, G(t('A', {}, 'B'), t('B', { static: 2 })), rec);
    s = await reconcile(s.current, G(t('A', {}, 'B'), t('B', { static: 2 })), rec);
    assert.deepEqual(s.calls, []);
  });
});

describe('predicates', () => {
  const predicates = { isUp: (spec: unknown) => (spec as { up?: boolean }).up === true };

  test('A pends until B is modified so that the predicate holds', async () => {
    const rec = new Recorder();
    let s = await reconcile(emptyGraph('G'), G(t('A', {}, dep('B', 'isUp')), t('B', { up: false })), rec, {
      predicates,
    });
    assert.deepEqual(s.calls, ['create t/B']);
    assert.equal(s.plan.pending[0]?.why, 'predicate');
    assert.deepEqual(s.plan.pending[0]?.predicate, { name: 'isUp' });
    s = await reconcile(s.current, G(t('A', {}, dep('B', 'isUp')), t('B', { up: true })), rec, {
      predicates,
    });
    assert.deepEqual(s.calls, ['modify t/B', 'create t/A']);
  });

  test('a dependent dropping its predicate is modified before its dependency changes (found by the property test)', async () => {
    const rec = new Recorder();
    let s = await reconcile(emptyGraph('G'), G(t('B', { up: true }), t('A', {}, dep('B', 'isUp'))), rec, {
      predicates,
    });
    s = await reconcile(s.current, G(t('B', { up: false }), t('A', {}, 'B')), rec, { predicates });
    assert.deepEqual(s.calls, ['modify t/A', 'modify t/B']);
  });

  test('a dependent whose predicate breaks and is still wanted is recreated around the change', async () => {
    const rec = new Recorder();
    const needsUp = dep('B', 'isUp');
    let s = await reconcile(emptyGraph('G'), G(t('B', { up: true }), t('A', { v: 1 }, needsUp)), rec, {
      predicates,
    });
    // A changes too and keeps needing B up, but B goes down: A cannot exist meanwhile.
    s = await reconcile(s.current, G(t('B', { up: false }), t('A', { v: 2 }, needsUp)), rec, { predicates });
    assert.deepEqual(s.calls, ['delete t/A', 'modify t/B']);
    assert.equal(s.plan.pending[0]?.ref.name, 'A');
  });

  test('a dependent whose current predicate breaks while its new one needs the change is recreated around it', async () => {
    const rec = new Recorder();
    const preds = { ...predicates, isDown: (spec: unknown) => (spec as { up?: boolean }).up === false };
    let s = await reconcile(emptyGraph('G'), G(t('B', { up: true }), t('A', {}, dep('B', 'isUp'))), rec, {
      predicates: preds,
    });
    s = await reconcile(s.current, G(t('B', { up: false }), t('A', {}, dep('B', 'isDown'))), rec, {
      predicates: preds,
    });
    assert.deepEqual(s.calls, ['delete t/A', 'modify t/B', 'create t/A']);
    assert.match(s.plan.steps[0]?.reason.detail ?? '', /t\/B changes under its predicate/);
  });

  test('a modify that breaks the predicate deletes the dependent first', async () => {
    const rec = new Recorder();
    let s = await reconcile(emptyGraph('G'), G(t('A', {}, dep('B', 'isUp')), t('B', { up: true })), rec, {
      predicates,
    });
    s = await reconcile(s.current, G(t('A', {}, dep('B', 'isUp')), t('B', { up: false })), rec, {
      predicates,
    });
    assert.deepEqual(s.calls, ['delete t/A', 'modify t/B']);
  });

  test('an unknown predicate name is unsatisfied and says so', () => {
    const p = plan(emptyGraph('G'), G(t('A', {}, dep('B', 'noSuch')), t('B')));
    assert.match(p.pending[0]?.detail ?? '', /unknown predicate noSuch/);
  });
});

describe('modified dependencies', () => {
  test("A's dependency moves from B to a missing C: A is deleted, then re-created when C appears", async () => {
    const rec = new Recorder();
    let s = await reconcile(emptyGraph('G'), G(t('A', {}, 'B'), t('B')), rec);
    s = await reconcile(s.current, G(t('A', {}, 'C'), t('B')), rec);
    assert.deepEqual(s.calls, ['delete t/A']);
    s = await reconcile(s.current, G(t('A', {}, 'C'), t('B'), t('C')), rec);
    assert.deepEqual(s.calls, ['create t/C', 'create t/A']);
  });

  test('B deleted and A modified to depend on C in the same run', async () => {
    const rec = new Recorder();
    let s = await reconcile(emptyGraph('G'), G(t('A', { v: 1 }, 'B'), t('B'), t('C')), rec);
    s = await reconcile(s.current, G(t('A', { v: 2 }, 'C'), t('C')), rec);
    assert.deepEqual(s.calls, ['modify t/A', 'delete t/B']);
    assert.equal(s.current.nodes.get('t/A')?.item.deps[0]?.ref.name, 'C');
  });
  test('a dependent moving from B to C is relinked before B is deleted, while C changes (found by the property test)', async () => {
    const rec = new Recorder();
    let s = await reconcile(emptyGraph('G'), G(t('C', { v: 0 }), t('B', {}, 'C'), t('A', {}, 'B')), rec);
    s = await reconcile(s.current, G(t('C', { v: 1 }), t('A', {}, 'C')), rec);
    // A needs C to exist, not C's new spec (no predicate): A may go first; B goes only after A let go.
    assertOrder(s.calls, 'modify t/A', 'delete t/B');
    assert.ok(s.calls.includes('modify t/C'));
  });
});

describe('modified dependencies (found by the property test)', () => {
  test('a dependent moving from a recreated item to a new one hanging on it is recreated around both', async () => {
    const rec = new Recorder({ recreateOn: ['static'] });
    let s = await reconcile(emptyGraph('G'), G(t('B', { static: 1 }), t('A', {}, 'B')), rec);
    s = await reconcile(s.current, G(t('B', { static: 2 }), t('C', {}, 'B'), t('A', {}, 'C')), rec);
    assertOrder(s.calls, 'delete t/A', 'delete t/B', 'create t/B', 'create t/C', 'create t/A');
  });
});

describe('subgraphs and selective reconcile', () => {
  test('a scope limits the plan to one cluster; cascades still follow dependencies', async () => {
    const rec = new Recorder({ recreateOn: ['static'] });
    const d1 = graphOf('G', [
      { item: t('A', {}, 'C'), path: [] },
      { item: t('B'), path: [] },
      { item: t('C', { static: 1 }), path: ['sub'] },
      { item: t('D'), path: ['sub'] },
    ]);
    let s = await reconcile(emptyGraph('G'), d1, rec);
    const d2 = graphOf('G', [
      { item: t('A', {}, 'C'), path: [] },
      { item: t('B', { v: 2 }), path: [] },
      { item: t('C', { static: 2 }), path: ['sub'] },
      { item: t('D'), path: ['sub'] },
    ]);
    const scoped = plan(s.current, d2, { scope: ['sub'], configurators: { t: rec.configurator() } });
    assert.deepEqual(stepList(scoped), [
      'recreate-delete t/A',
      'recreate-delete t/C',
      'recreate-create t/C',
      'recreate-create t/A',
    ]);
    s = await reconcile(s.current, d2, rec);
    assert.ok(s.calls.includes('modify t/B'));
  });

  test('moving an item to another cluster is no operation', () => {
    const a = graphOf('G', [{ item: t('A'), path: ['x'] }]);
    const b = graphOf('G', [{ item: t('A'), path: ['y'] }]);
    assert.deepEqual(plan(a, b).steps, []);
  });
});

describe('external items', () => {
  test('dependents pend until the external item appears, and go when it goes', async () => {
    const rec = new Recorder();
    const desired = G(ext('E'), t('A', {}, dep('ext/E')));
    let s = await reconcile(emptyGraph('G'), desired, rec);
    assert.deepEqual(s.calls, []);
    assert.equal(s.plan.pending[0]?.waitingFor.name, 'E');
    const observed = graphOf('G', [...s.current.nodes.values()].map((n) => n.item).concat([ext('E')]));
    s = await reconcile(observed, desired, rec);
    assert.deepEqual(s.calls, ['create t/A']);
    const gone = graphOf('G', [t('A', {}, dep('ext/E'))]);
    s = await reconcile(gone, desired, rec);
    assert.deepEqual(s.calls, ['delete t/A']);
  });

  test('an external item is never created, modified or deleted', async () => {
    const rec = new Recorder();
    const s = await reconcile(graphOf('G', [ext('E', { v: 1 })]), G(ext('E', { v: 2 })), rec);
    assert.deepEqual(s.calls, []);
    assert.deepEqual(s.plan.steps, []);
  });

  test('an observed external change that breaks a predicate deletes the dependent', async () => {
    const rec = new Recorder();
    const predicates = { isUp: (spec: unknown) => (spec as { up?: boolean }).up === true };
    const desired = G(ext('E'), t('A', {}, dep('ext/E', 'isUp')));
    let s = await reconcile(graphOf('G', [ext('E', { up: true })]), desired, rec, { predicates });
    assert.deepEqual(s.calls, ['create t/A']);
    const down = graphOf('G', [ext('E', { up: false }), t('A', {}, dep('ext/E', 'isUp'))]);
    s = await reconcile(down, desired, rec, { predicates });
    assert.deepEqual(s.calls, ['delete t/A']);
  });
});

describe('failures', () => {
  test('a failed create skips its dependents and records the error', async () => {
    const rec = new Recorder({ failCreate: new Set(['C']) });
    const s = await reconcile(emptyGraph('G'), G(t('A', {}, 'B'), t('B', {}, 'C'), t('C')), rec);
    assert.deepEqual(s.calls, []);
    assert.equal(s.result.failed, 1);
    assert.equal(s.result.skipped, 2);
    assert.equal(s.result.outcomes.get('create:t/C')?.error, 'create t/C failed');
    assert.match(s.result.outcomes.get('create:t/A')?.error ?? '', /skipped/);
    assert.equal(s.current.nodes.size, 0);
  });

  test('a failed delete of a dependent blocks the removal of its dependency', async () => {
    const rec = new Recorder();
    let s = await reconcile(emptyGraph('G'), G(t('A', {}, 'B'), t('B')), rec);
    rec.opts = { failDelete: new Set(['A']) };
    s = await reconcile(s.current, G(), rec);
    assert.deepEqual(s.calls, []);
    assert.deepEqual([...s.current.nodes.keys()].sort(), ['t/A', 't/B']);
  });

  test('a missing configurator is a permanent failure naming the type', async () => {
    const d = graphOf('G', [item({ type: 'noconf', name: 'N', spec: {} })]);
    const p = plan(emptyGraph('G'), d);
    const r = await apply(p, emptyGraph('G'), d, { configurators: {} });
    assert.equal(r.outcomes.get('create:noconf/N')?.error, 'no configurator for item type noconf');
    assert.equal(r.outcomes.get('create:noconf/N')?.permanent, true);
  });
});

describe('plans are data', () => {
  test('a plan is serialisable and says why', () => {
    const p: Plan = plan(graphOf('G', [t('A', { apn: 'a', mtu: 1500 })]), G(t('A', { apn: 'b', mtu: 1500 })));
    const copy = JSON.parse(JSON.stringify(p));
    assert.deepEqual(copy, p);
    assert.equal(p.steps[0]?.reason.kind, 'changed');
    assert.deepEqual(p.steps[0]?.reason.fields, ['/apn']);
    assert.deepEqual(p.steps[0]?.patch, [{ op: 'replace', path: '/apn', value: 'b' }]);
  });

  test('planning mutates nothing', () => {
    const cur = graphOf('G', [t('A', { v: 1 }), t('X')]);
    const des = G(t('A', { v: 2 }), t('B', {}, 'A'));
    const before = JSON.stringify([[...cur.nodes], [...des.nodes]]);
    plan(cur, des);
    assert.equal(JSON.stringify([[...cur.nodes], [...des.nodes]]), before);
  });

  test('drift: an observed managed item that differs from the desired one is put back, reason says so', () => {
    const desired = G(t('A', { mtu: 1500 }));
    const applied = graphOf('G', [t('A', { mtu: 1500 })]);
    const drifted = editGraph(applied, (e) => e.put(t('A', { mtu: 1400 }), { observed: true }));
    const p = plan(drifted, desired);
    assert.equal(p.steps[0]?.reason.kind, 'drift');
    assert.match(p.steps[0]?.reason.detail ?? '', /changed outside: \/mtu/);
    assert.deepEqual(p.steps[0]?.patch, [{ op: 'replace', path: '/mtu', value: 1500 }]);
  });
});
