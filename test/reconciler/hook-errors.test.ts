/**
 * Hooks and bugs never kill the loop: a throwing needsRecreate or predicate is that item's failure
 * (in the plan, in its status, logged once per change), and any other error in a run is logged,
 * recorded and retried while the controller keeps answering triggers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type Configurator,
  type Configurators,
  Controller,
  exportGraph,
  formatPlan,
  graphOf,
  type Item,
  type Json,
  plan,
  syncGraph,
} from '../../reconciler/index.js';
import { dep, FakeClock, flush, LogSpy, Recorder, stepList, t } from './harness.js';

// Any unhandled rejection while these tests run is a failure of the test that caused it.
const unhandled: unknown[] = [];
const onUnhandled = (r: unknown) => unhandled.push(r);
before(() => process.on('unhandledRejection', onUnhandled));
after(() => process.off('unhandledRejection', onUnhandled));

/** A configurator whose needsRecreate throws for the names in `throwFor`. */
function throwingRecreate(rec: Recorder, throwFor: Set<string>): Configurator {
  const base = rec.configurator();
  return {
    ...base,
    needsRecreate: (o: Item, n: Item, p) => {
      if (throwFor.has(n.name)) throw new Error(`cannot compare ${n.name}`);
      return base.needsRecreate!(o as never, n as never, p);
    },
  };
}

const isUp = (spec: Json) => {
  if ((spec as { broken?: boolean }).broken) throw new TypeError('spec.state is undefined');
  return (spec as { up?: boolean }).up === true;
};

describe('a throwing hook is that item failure', () => {
  test('needsRecreate throws: no step for the item, the error in Plan.hookErrors, others planned', () => {
    const cur = graphOf('G', [t('A', { v: 1 }), t('B', {}, 'A'), t('C', { v: 1 })]);
    const want = graphOf('G', [t('A', { v: 2 }), t('B', {}, 'A'), t('C', { v: 2 })]);
    const configurators = { t: throwingRecreate(new Recorder(), new Set(['A'])) };
    const p = plan(cur, want, { configurators });
    assert.deepEqual(stepList(p), ['modify t/C']);
    assert.deepEqual(p.hookErrors, [
      {
        ref: { type: 't', name: 'A' },
        hook: 'needsRecreate',
        error: 'cannot compare A',
        detail: 'needsRecreate threw: cannot compare A',
      },
    ]);
    // Deterministic, and the incremental planner agrees with the full comparison.
    assert.deepEqual(plan(cur, want, { configurators }), p);
    assert.deepEqual(plan(cur, want, { configurators, incremental: false }), p);
    assert.match(formatPlan(p, cur), /t\/A .*failed: needsRecreate threw: cannot compare A/);
  });

  test('a throwing predicate: the item that depends fails, its dependents wait for it, others go on', () => {
    const want = graphOf('G', [
      t('L', { broken: true }),
      t('X', {}, dep('L', 'isUp')),
      t('Y', {}, 'X'),
      t('Z', {}),
    ]);
    const p = plan(graphOf('G', [t('L', { broken: true })]), want, { predicates: { isUp } });
    assert.deepEqual(stepList(p), ['create t/Z']);
    assert.equal(p.hookErrors.length, 1);
    assert.equal(p.hookErrors[0]?.hook, 'predicate');
    assert.deepEqual(p.hookErrors[0]?.dependency, { type: 't', name: 'L' });
    assert.equal(p.hookErrors[0]?.detail, 'predicate isUp on t/L threw: spec.state is undefined');
    assert.deepEqual(
      p.pending.map((x) => [x.ref.name, x.waitingFor.name, x.why, x.detail]),
      [['Y', 'X', 'failed', 'failed: predicate isUp on t/L threw: spec.state is undefined']],
    );
  });

  test('controller: failed status naming the hook, logged once, retried on the backoff, then works', async () => {
    const rec = new Recorder();
    const throwFor = new Set(['A']);
    const clock = new FakeClock();
    const log = new LogSpy();
    const c = new Controller({
      name: 'G',
      configurators: { t: throwingRecreate(rec, throwFor) },
      clock,
      logger: log,
      random: () => 0.5,
      backoff: { baseMs: 1000, factor: 2, maxMs: 8000, jitter: 0.2 },
    });
    const want = (...items: Item[]) => c.setDesired(syncGraph(c.state().desired, items));
    want(t('A', { v: 1 }), t('B', {}, 'A'), t('C', { v: 1 }));
    await c.idle();
    rec.clear();
    want(t('A', { v: 2 }), t('B', {}, 'A'), t('C', { v: 2 }));
    await c.idle();
    assert.deepEqual(rec.calls, ['modify t/C'], 'the other item is unaffected');
    const st = c.state().statuses.get('t/A');
    assert.equal(st?.state, 'failed');
    assert.equal(st?.lastError, 'needsRecreate threw: cannot compare A');
    assert.equal(st?.attempts, 1);
    assert.equal(st?.nextAttemptAt, 1000);
    // Retries at 1 s, 2 s, 4 s: each calls the hook again, the log says it once.
    for (const step of [1000, 2000, 4000]) {
      await clock.advance(step);
      await c.idle();
    }
    assert.equal(c.state().statuses.get('t/A')?.attempts, 4);
    assert.equal(log.at('warn', /needsRecreate threw/), 1);
    // Triggers inside the backoff do not call the hook (the item is deferred).
    c.trigger('poke');
    await c.idle();
    assert.deepEqual(c.state().lastPlan?.hookErrors, []);
    assert.equal(c.state().lastPlan?.deferred[0]?.ref.name, 'A');
    // The export shows the failure.
    const x = exportGraph(c.state().current, c.state().desired, {
      ...(c.state().lastPlan ? { plan: c.state().lastPlan! } : {}),
      statuses: c.state().statuses,
    });
    assert.equal(x.items.find((i) => i.id === 't/A')?.state, 'failed');
    // Fixed: the next retry modifies it and the failure is gone.
    throwFor.clear();
    await clock.advance(8000);
    await c.idle();
    assert.deepEqual(rec.calls, ['modify t/C', 'modify t/A']);
    assert.equal(c.state().statuses.has('t/A'), false);
    assert.deepEqual(unhandled, []);
    await c.stop();
  });

  test('a hook error on an item in sync does not wake the loop again and again', async () => {
    const clock = new FakeClock();
    let runs = 0;
    const c = new Controller({
      name: 'G',
      configurators: { t: new Recorder().configurator() },
      predicates: { isUp },
      clock,
      random: () => 0.5,
    });
    c.on((e) => {
      if (e.type === 'run-started') runs++;
    });
    c.setDesired(syncGraph(c.state().desired, [t('X', {}, dep('ext/L', 'isUp'))]));
    c.observe((e) => e.put(item('L', { up: true })));
    await c.idle();
    assert.ok(c.state().current.nodes.has('t/X'));
    c.observe((e) => e.put(item('L', { broken: true })));
    await c.idle();
    assert.equal(c.state().statuses.get('t/X')?.state, 'failed');
    const before = runs;
    await clock.advance(60_000);
    await c.idle();
    assert.ok(runs - before <= 2, `${runs - before} runs in a quiet minute`);
    await c.stop();
  });
});

describe('retry wake-ups', () => {
  test('a failed item that turns pending does not spin the loop at its past retry time', async () => {
    const clock = new FakeClock();
    let runs = 0;
    const c = new Controller({
      name: 'G',
      configurators: { t: new Recorder({ failCreate: new Set(['X']) }).configurator() },
      clock,
      random: () => 0.5,
    });
    c.on((e) => {
      // A spinning loop would never let advance() return: stop it, the count below fails.
      if (e.type === 'run-started' && ++runs > 50) void c.stop();
    });
    c.observe((e) => e.put(item('L', {})));
    c.setDesired(syncGraph(c.state().desired, [t('X', {}, dep('ext/L'))]));
    await c.idle();
    assert.equal(c.state().statuses.get('t/X')?.state, 'failed');
    c.observe((e) => e.delete({ type: 'ext', name: 'L' }));
    await c.idle();
    await clock.advance(60_000);
    await c.idle();
    assert.ok(runs <= 4, `${runs} runs`);
    await c.stop();
  });
});

function item(name: string, spec: Json): Item {
  return { type: 'ext', name, spec, deps: [], external: true };
}

describe('a run never rejects', () => {
  test('a bug in planning: logged once, recorded, retried on the backoff; the next trigger runs', async () => {
    const rec = new Recorder();
    let broken = true;
    // Reading the configurators throws while `broken`: stands for any bug in planning or applying.
    const configurators = new Proxy({ t: rec.configurator() } as Configurators, {
      get(target, prop, recv) {
        if (broken && prop === 't') throw new RangeError('planner bug');
        return Reflect.get(target, prop, recv);
      },
    });
    const clock = new FakeClock();
    const log = new LogSpy();
    const c = new Controller({ name: 'G', configurators, clock, logger: log, random: () => 0.5 });
    const finished: (string | undefined)[] = [];
    c.on((e) => {
      if (e.type === 'run-finished') finished.push(e.record.error);
    });
    c.setDesired(syncGraph(c.state().desired, [t('A', { v: 1 })]));
    await c.idle();
    // The create broke inside apply (the executor reads the configurator too).
    assert.equal(log.at('error', /reconcile run failed/), 1);
    // Make the planner consult the configurator: a changed spec of an existing item.
    broken = false;
    await clock.advance(1000);
    await c.idle();
    assert.ok(c.state().current.nodes.has('t/A'));
    broken = true;
    c.setDesired(syncGraph(c.state().desired, [t('A', { v: 2 })]));
    await c.idle();
    c.trigger('again');
    await c.idle();
    assert.equal(log.at('info', /work again/), 1);
    assert.equal(log.at('error', /reconcile run failed/), 2, 'once per episode, not once per run');
    assert.equal(c.history().at(-1)?.error, 'planner bug');
    assert.equal(finished.at(-1), 'planner bug');
    assert.equal(c.state().running, false);
    assert.equal(c.state().inProgress.size, 0);
    assert.ok(clock.dueTimes.length > 0, 'a retry is scheduled');
    broken = false;
    await clock.advance(clock.dueTimes[0]! - clock.now());
    await c.idle();
    assert.ok(rec.calls.includes('modify t/A'), 'the retry after the error applies the change');
    assert.equal(c.history().at(-1)?.error, undefined);
    assert.equal(log.at('info', /work again/), 2);
    await flush();
    assert.deepEqual(unhandled, []);
    await c.stop();
  });
});
