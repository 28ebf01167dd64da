/**
 * Flap damping, on a manual clock: an isolated drift is repaired in the same run; after 3 drifts in
 * 60 s each further repair waits 1 s, 2 s, 4 s …, with the reason in the status, the plan, the export
 * and one log line; a quiet minute forgets; a new spec is applied at once.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Controller,
  type ControllerOptions,
  exportGraph,
  type Item,
  syncGraph,
  toDot,
} from '../../reconciler/index.js';
import { FakeClock, LogSpy, Recorder, t } from './harness.js';

function setup(opts: Partial<ControllerOptions> = {}) {
  const rec = new Recorder();
  const clock = new FakeClock();
  const log = new LogSpy();
  const c = new Controller({
    name: 'G',
    configurators: { t: rec.configurator() },
    clock,
    logger: log,
    random: () => 0.5, // no jitter: the waits are exact
    ...opts,
  });
  const want = (...items: Item[]) => c.setDesired(syncGraph(c.state().desired, items));
  const drop = async (name = 'A') => {
    c.observe((e) => e.delete({ type: 't', name }), `${name} dropped`);
    await c.idle();
  };
  const creates = (name = 'A') => rec.calls.filter((x) => x === `create t/${name}`).length;
  return { c, rec, clock, log, want, drop, creates };
}

/** Drops A every 600 ms for a minute whenever it is there; returns how many drops happened. */
async function flapForAMinute(s: ReturnType<typeof setup>): Promise<number> {
  let drops = 0;
  for (let i = 0; i < 100; i++) {
    if (s.c.state().current.nodes.has('t/A')) {
      drops++;
      await s.drop();
    }
    await s.clock.advance(600);
    await s.c.idle();
  }
  return drops;
}

describe('flap damping', () => {
  test('an isolated drift is repaired in the same run', async () => {
    const s = setup();
    s.want(t('A'));
    await s.c.idle();
    await s.drop();
    assert.equal(s.creates(), 2);
    assert.equal(s.clock.now(), 0, 'no time passed');
    assert.ok(s.c.state().current.nodes.has('t/A'));
    assert.equal(s.c.state().statuses.size, 0);
    await s.c.stop();
  });

  test('a flapping item: 3 repairs at once, then waits of 1 s, 2 s, 4 s …, visible everywhere', async () => {
    const s = setup();
    s.want(t('A'));
    await s.c.idle();
    const holds: string[] = [];
    s.c.on((e) => {
      if (e.type === 'run-started') for (const d of e.plan.deferred) if (d.damped) holds.push(d.damped);
    });
    // Three drops within the window: each repaired at once.
    for (let i = 0; i < 3; i++) {
      await s.drop();
      await s.clock.advance(600);
    }
    assert.equal(s.creates(), 4);
    // The fourth: held for 1 s, visible everywhere.
    await s.drop();
    assert.equal(s.creates(), 4);
    const st = s.c.state();
    const status = st.statuses.get('t/A');
    assert.equal(status?.state, 'pending');
    assert.equal(status?.pendingReason, 'damped: 4 drifts in 1.8 s, next repair in 1 s');
    assert.equal(status?.nextAttemptAt, 2800);
    assert.deepEqual(st.lastPlan?.deferred, [
      {
        ref: { type: 't', name: 'A' },
        nextAttemptAt: 2800,
        lastError: '',
        attempts: 0,
        damped: 'damped: 4 drifts in 1.8 s, next repair in 1 s',
      },
    ]);
    assert.equal(st.damping.get('t/A')?.heldUntil, 2800);
    const x = exportGraph(st.current, st.desired, {
      ...(st.lastPlan ? { plan: st.lastPlan } : {}),
      statuses: st.statuses,
    });
    const a = x.items.find((i) => i.id === 't/A');
    assert.equal(a?.state, 'deferred');
    assert.match(toDot(x), /damped: 4 drifts in 1\.8 s, next repair in 1 s/);
    assert.equal(s.log.at('warn', /^flap damping: damped/), 1);
    await s.clock.advance(999);
    await s.c.idle();
    assert.equal(s.creates(), 4, 'not before the hold ends');
    await s.clock.advance(1);
    await s.c.idle();
    assert.equal(s.creates(), 5, 'repaired when the hold ends');
    assert.equal(s.c.state().statuses.has('t/A'), false, 'the hold is over');

    // The rest of the minute, dropped whenever it is up: the waits double.
    await s.clock.advance(200);
    const more = await flapForAMinute(s);
    const repairs = s.creates() - 1;
    assert.deepEqual(
      holds.map((h) => h.replace(/.*next repair in /, '')),
      ['1 s', '2 s', '4 s', '8 s', '16 s', '32 s', '1 min', '1 min'].slice(0, holds.length),
    );
    assert.ok(repairs <= 12, `${repairs} repairs for ${more + 4} drops in ${s.clock.now() / 1000} s`);
    assert.equal(s.log.at('warn', /^flap damping/), 1, 'the damping is logged once');
    console.log(`# flap damping: ${more + 4} drops in ${s.clock.now() / 1000} s -> ${repairs} repairs`);
    await s.c.stop();
  });

  test('without damping every drop is repaired (the figure the damping is measured against)', async () => {
    const s = setup({ damping: false });
    s.want(t('A'));
    await s.c.idle();
    const drops = await flapForAMinute(s);
    assert.equal(drops, 100);
    assert.equal(s.creates() - 1, 100);
    await s.c.stop();
  });

  test('an item knocked out every 600 ms for a minute (100 repairs undamped) gets far fewer', async () => {
    const s = setup();
    s.want(t('A'));
    await s.c.idle();
    const drops = await flapForAMinute(s);
    const repairs = s.creates() - 1;
    assert.ok(repairs <= 10, `${repairs} repairs`);
    console.log(
      `# flap damping: knocked out every 600 ms for 60 s: ${drops} drops, ${repairs} repairs (100 undamped)`,
    );
    await s.c.stop();
  });

  test('a quiet period longer than the window forgets the history', async () => {
    const s = setup();
    s.want(t('A'));
    await s.c.idle();
    for (let i = 0; i < 4; i++) await s.drop();
    assert.equal(s.creates(), 4, 'the fourth drop is held');
    await s.clock.advance(1000);
    await s.c.idle();
    assert.equal(s.creates(), 5);
    await s.clock.advance(61_000);
    s.c.trigger('look');
    await s.c.idle();
    assert.equal(s.c.state().damping.size, 0, 'the history is dropped');
    assert.equal(s.log.at('info', /flap damping ended/), 1);
    await s.drop();
    assert.equal(s.creates(), 6, 'repaired at once again');
    assert.equal(s.c.state().damping.get('t/A')?.drifts, 1);
    await s.c.stop();
  });

  test('a changed observation (put observed) counts as a drift like a delete', async () => {
    const s = setup();
    s.want(t('A', { mtu: 1500 }));
    await s.c.idle();
    const change = async (mtu: number) => {
      s.c.observe((e) => e.put(t('A', { mtu }), { observed: true }), 'mtu changed');
      await s.c.idle();
    };
    for (let i = 0; i < 4; i++) await change(1400 - i);
    const modifies = s.rec.calls.filter((x) => x === 'modify t/A').length;
    assert.equal(modifies, 3);
    assert.equal(s.c.state().lastPlan?.deferred[0]?.damped, 'damped: 4 drifts in 0 s, next repair in 1 s');
    await s.clock.advance(1000);
    await s.c.idle();
    assert.equal(s.rec.calls.filter((x) => x === 'modify t/A').length, 4);
    await s.c.stop();
  });

  test('dependents wait for a held item, with the reason; a new spec is applied at once', async () => {
    const s = setup();
    s.want(t('A', { v: 1 }), t('B', {}, 'A'));
    await s.c.idle();
    for (let i = 0; i < 4; i++) {
      s.c.observe((e) => {
        e.delete({ type: 't', name: 'B' });
        e.delete({ type: 't', name: 'A' });
      }, 'dropped');
      await s.c.idle();
    }
    const p = s.c.state().lastPlan!;
    assert.deepEqual(
      p.pending.map((x) => [x.ref.name, x.waitingFor.name, x.detail]),
      [['B', 'A', 'damped: 4 drifts in 0 s, next repair in 1 s']],
    );
    s.rec.clear();
    s.want(t('A', { v: 2 }), t('B', {}, 'A'));
    await s.c.idle();
    assert.deepEqual(s.rec.calls, ['create t/A', 'create t/B']);
    assert.equal(s.c.state().damping.size, 0, 'a new spec starts over');
    await s.c.stop();
  });

  test('a dependent held longer than its dependency comes back with it, not after', async () => {
    const s = setup();
    s.want(t('A'), t('B', {}, 'A'));
    await s.c.idle();
    // B flaps alone: its fifth drop is held 2 s (until 3 s).
    for (let i = 0; i < 4; i++) await s.drop('B');
    await s.clock.advance(1000);
    await s.c.idle();
    await s.drop('B');
    assert.equal(s.c.state().damping.get('t/B')?.heldUntil, 3000);
    // Then A flaps: its fourth drop is held 1 s (until 2 s).
    for (let i = 0; i < 4; i++) await s.drop('A');
    assert.equal(s.c.state().damping.get('t/A')?.heldUntil, 2000);
    s.rec.clear();
    await s.clock.advance(1000);
    await s.c.idle();
    assert.deepEqual(s.rec.calls, ['create t/A', 'create t/B'], 'B follows A at 2 s');
    await s.c.stop();
  });

  test('a drop seen while its repair is applied counts once, not again when the repair result is merged', async () => {
    const s = setup();
    s.want(t('A'));
    await s.c.idle();
    await s.drop(); // drift 1: repaired at once
    // The next repair takes 20 ms; while it runs, the item is seen up and dropped again at once (drift 3).
    s.rec.opts = { delayMs: new Map([['A', 20]]) };
    s.c.observe((e) => e.delete({ type: 't', name: 'A' }), 'A dropped'); // drift 2: repaired
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(s.rec.started.filter((x) => x === 'create t/A').length, 3, 'the repair is under way');
    s.c.observe((e) => e.put(t('A'), { observed: true }), 'A up');
    s.c.observe((e) => e.delete({ type: 't', name: 'A' }), 'A dropped again');
    await s.c.idle();
    assert.equal(s.c.state().damping.get('t/A')?.drifts, 3);
    // The merge of the repair's result says A is there; the next observation sees it gone: the same drop.
    s.rec.opts = {};
    await s.drop();
    assert.equal(
      s.c.state().damping.get('t/A')?.drifts,
      3,
      'the drop seen during the repair is not counted twice',
    );
    assert.equal(s.creates(), 4, 'three drifts in the window: repaired at once');
    // A new drop after the item was seen up again is a fourth drift: held.
    s.c.observe((e) => e.put(t('A'), { observed: true }), 'A up');
    await s.drop();
    assert.equal(s.c.state().damping.get('t/A')?.drifts, 4);
    assert.equal(s.creates(), 4, 'the fourth drift waits');
    await s.c.stop();
  });

  test('a held item back in sync by itself is not reported held; its next drift is', async () => {
    const s = setup();
    s.want(t('A'));
    await s.c.idle();
    for (let i = 0; i < 4; i++) await s.drop();
    assert.equal(s.c.state().statuses.get('t/A')?.state, 'pending', 'the fourth drop is held');
    s.c.observe((e) => e.put(t('A'), { observed: true }), 'A back');
    await s.c.idle();
    assert.equal(s.c.state().statuses.has('t/A'), false, 'in sync: nothing pending, no damping reason');
    assert.deepEqual(s.c.state().lastPlan?.deferred, []);
    await s.drop();
    assert.equal(
      s.c.state().statuses.get('t/A')?.pendingReason,
      'damped: 5 drifts in 0 s, next repair in 2 s',
    );
    assert.equal(s.creates(), 4);
    await s.c.stop();
  });

  test('options: threshold and window', async () => {
    const s = setup({ damping: { threshold: 1, windowMs: 10_000 } });
    s.want(t('A'));
    await s.c.idle();
    await s.drop();
    assert.equal(s.creates(), 2);
    await s.drop();
    assert.equal(s.creates(), 2, 'the second drift in 10 s waits');
    await s.clock.advance(1000);
    await s.c.idle();
    assert.equal(s.creates(), 3);
    await s.clock.advance(10_001);
    await s.drop();
    assert.equal(s.creates(), 4, 'after a quiet window, at once');
    await s.c.stop();
  });
});
