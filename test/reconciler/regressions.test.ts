/** One regression test for each eve-libs defect this library exists to fix (depgraph.md §0, §5). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  apply,
  Controller,
  emptyGraph,
  exportGraph,
  graphOf,
  item,
  plan,
  syncGraph,
  toDot,
} from '../../reconciler/index.js';
import { FakeClock, flush, Recorder, stepList, t } from './harness.js';

describe('eve-libs defects', () => {
  test('a failed Create is retried (eve-libs: never, until the intended item changes)', async () => {
    const clock = new FakeClock();
    const rec = new Recorder({ failCreate: new Set(['A']) });
    const c = new Controller({
      name: 'G',
      configurators: { t: rec.configurator() },
      clock,
      random: () => 0.5,
    });
    c.setDesired(syncGraph(c.state().desired, [t('A')]));
    await c.idle();
    assert.deepEqual(rec.started, ['create t/A']);
    rec.opts = {}; // the fault goes away; the desired graph does not change
    await clock.advance(1000);
    await c.idle();
    assert.deepEqual(rec.calls, ['create t/A']);
    assert.ok(c.state().current.nodes.has('t/A'));
    await c.stop();
  });

  test('failed Modify and Delete are not hot-retried: new triggers inside the backoff make no call', async () => {
    const clock = new FakeClock();
    const rec = new Recorder();
    const c = new Controller({
      name: 'G',
      configurators: { t: rec.configurator() },
      clock,
      random: () => 0.5,
    });
    c.setDesired(syncGraph(c.state().desired, [t('A', { v: 1 }), t('B')]));
    await c.idle();
    rec.opts = { failModify: new Set(['A']), failDelete: new Set(['B']) };
    rec.started.length = 0;
    c.setDesired(syncGraph(c.state().desired, [t('A', { v: 2 })]));
    await c.idle();
    assert.deepEqual(rec.started.sort(), ['delete t/B', 'modify t/A']);
    for (let i = 0; i < 5; i++) c.trigger(`unrelated event ${i}`);
    await c.idle();
    assert.deepEqual(rec.started.sort(), ['delete t/B', 'modify t/A'], 'no call during the backoff');
    assert.deepEqual(
      c.preview().deferred.map((d) => d.ref.name),
      ['A', 'B'],
    );
    await c.stop();
  });

  test('items waiting on a missing dependency are reported with the dependency (eve-libs: silent)', () => {
    const p = plan(emptyGraph('G'), graphOf('G', [t('P', {}, 'missing')]));
    assert.deepEqual(p.pending, [
      {
        ref: { type: 't', name: 'P' },
        waitingFor: { type: 't', name: 'missing' },
        why: 'missing',
        detail: 'does not exist',
      },
    ]);
  });

  test('dependency cycles are reported with their path (eve-libs: silent)', () => {
    const p = plan(
      emptyGraph('G'),
      graphOf('G', [t('Y', {}, 'Z'), t('Z', {}, 'Y'), t('W', {}, 'Y'), t('free')]),
    );
    assert.deepEqual(
      p.cycles.map((c) => c.map((r) => r.name)),
      [['Y', 'Z', 'Y']],
    );
    assert.deepEqual(stepList(p), ['create t/free']);
    assert.deepEqual(
      p.pending.map((x) => `${x.ref.name}:${x.why}`),
      ['W:pending', 'Y:cycle', 'Z:cycle'],
    );
  });

  test('operation order is deterministic, whatever the insertion order (eve-libs: 7 orders in 50 runs)', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const orders = new Set<string>();
    for (let run = 0; run < 50; run++) {
      const shuffled = [...names].sort(() => Math.sin(run * 7919 + names.length) - 0.5 + Math.random() - 0.5);
      const p = plan(
        emptyGraph('G'),
        graphOf(
          'G',
          shuffled.map((n) => t(n)),
        ),
      );
      orders.add(JSON.stringify(p));
    }
    assert.equal(orders.size, 1);
  });

  test('there is a plan object with a field-level diff and a reason (eve-libs: MockRun mutates, no why)', () => {
    const cur = graphOf('G', [t('conn', { apn: 'old', user: 'u' })]);
    const p = plan(cur, graphOf('G', [t('conn', { apn: 'new', user: 'u' })]));
    assert.equal(p.steps.length, 1);
    assert.equal(p.steps[0]?.reason.detail, 'changed: /apn');
    assert.deepEqual(p.steps[0]?.patch, [{ op: 'replace', path: '/apn', value: 'new' }]);
    assert.equal(
      (cur.nodes.get('t/conn')?.item.spec as { apn: string } | undefined)?.apn,
      'old',
      'planning changed nothing',
    );
  });

  test('DOT export: names a-b, a_b, "has space" and say "hi" stay distinct and valid', () => {
    const items = ['a-b', 'a_b', 'has space'].map((n) => t(n));
    items.push(item({ type: 't', name: 'q', label: 'say "hi"', spec: {} }));
    const dot = toDot(exportGraph(emptyGraph('G'), graphOf('G', items)));
    assert.ok(dot.includes('"t/a-b" ['));
    assert.ok(dot.includes('"t/a_b" ['));
    assert.ok(dot.includes('"t/has space" ['));
    assert.ok(dot.includes('say \\"hi\\"'));
    assert.ok(!dot.includes('"say "hi""'));
  });

  test('DOT export of a cluster present only in the current graph does not crash (eve-libs: nil deref)', () => {
    const cur = graphOf('G', [{ item: t('A'), path: ['S'] }]);
    const dot = toDot(exportGraph(cur, emptyGraph('G'), { plan: plan(cur, emptyGraph('G')) }));
    assert.ok(dot.includes('subgraph "cluster_S"'));
    assert.ok(dot.includes('- A'));
  });

  test('one slow async delete does not block unrelated creates (eve-libs: global barrier)', async () => {
    const rec = new Recorder({ delayMs: new Map([['old', 200]]) });
    const cur = graphOf('G', [t('old')]);
    const des = graphOf('G', [t('new1'), t('new2', {}, 'new1')]);
    const p = plan(cur, des);
    const done = apply(p, cur, des, { configurators: { t: rec.configurator() } });
    await flush();
    assert.deepEqual(rec.calls, ['create t/new1', 'create t/new2'], 'creates finished while the delete runs');
    assert.ok(rec.started.includes('delete t/old'));
    await done;
    assert.deepEqual(rec.calls, ['create t/new1', 'create t/new2', 'delete t/old']);
  });
});
