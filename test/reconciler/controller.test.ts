/** The controller loop: coalescing, backoff schedule (with a fake clock), permanent errors, observation. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  backoffDelay,
  Controller,
  type ControllerEvent,
  defaultBackoff,
  syncGraph,
} from '../../reconciler/index.js';
import { FakeClock, flush, Recorder, t } from './harness.js';

function setup(rec: Recorder, clock = new FakeClock()) {
  const c = new Controller({
    name: 'G',
    configurators: { t: rec.configurator() },
    clock,
    random: () => 0.5, // no jitter: delay * (1 - j + 2j * 0.5) = delay
    backoff: { baseMs: 1000, factor: 2, maxMs: 8000, jitter: 0.2 },
  });
  const want = (...items: ReturnType<typeof t>[]) => c.setDesired(syncGraph(c.state().desired, items));
  return { c, clock, want };
}

describe('backoff', () => {
  test('the delay doubles from the base up to the cap, jitter spreads it within ±jitter', () => {
    const p = { baseMs: 1000, factor: 2, maxMs: 8000, jitter: 0.2 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, p, () => 0.5)),
      [1000, 2000, 4000, 8000, 8000, 8000],
    );
    assert.equal(
      backoffDelay(1, p, () => 0),
      800,
    );
    assert.equal(
      backoffDelay(1, p, () => 1),
      1200,
    );
    assert.ok(defaultBackoff.maxMs >= 60_000);
  });

  test('a failing create is retried at 1 s, 2 s, 4 s, 8 s, 8 s after each failure', async () => {
    const rec = new Recorder({ failCreate: new Set(['A']) });
    const { c, clock, want } = setup(rec);
    want(t('A'));
    await c.idle();
    const attemptsAt: number[] = [clock.now()];
    for (let i = 0; i < 5; i++) {
      const due = clock.dueTimes[0];
      assert.ok(due !== undefined, 'a retry is scheduled');
      await clock.advance(due - clock.now());
      await c.idle();
      attemptsAt.push(clock.now());
    }
    assert.deepEqual(attemptsAt, [0, 1000, 3000, 7000, 15000, 23000]);
    assert.equal(rec.started.length, 6);
    const st = c.state().statuses.get('t/A');
    assert.equal(st?.state, 'failed');
    assert.equal(st?.attempts, 6);
    assert.equal(st?.lastError, 'create t/A failed');
    await c.stop();
  });

  test('a permanent error is not retried until the spec changes; a new spec resets the backoff', async () => {
    const rec = new Recorder({ permanent: new Set(['A']) });
    const { c, clock, want } = setup(rec);
    want(t('A', { v: 1 }));
    await c.idle();
    assert.deepEqual(clock.dueTimes, [], 'no retry timer for a permanent failure');
    await clock.advance(3_600_000);
    await c.idle();
    assert.equal(rec.started.length, 1);
    rec.opts = {};
    want(t('A', { v: 2 }));
    await c.idle();
    assert.deepEqual(rec.calls, ['create t/A']);
    await c.stop();
  });

  test('a changed spec is tried at once even inside the backoff window', async () => {
    const rec = new Recorder({ failCreate: new Set(['A']) });
    const { c, want } = setup(rec);
    want(t('A', { v: 1 }));
    await c.idle();
    want(t('A', { v: 2 }));
    await c.idle();
    assert.equal(rec.started.length, 2);
    assert.equal(c.state().statuses.get('t/A')?.attempts, 1, 'the count restarts for the new spec');
    await c.stop();
  });
});

describe('controller loop', () => {
  test('triggers are coalesced into one run with all reasons', async () => {
    const rec = new Recorder();
    const { c } = setup(rec);
    const runs: string[][] = [];
    c.on((e: ControllerEvent) => {
      if (e.type === 'run-started') runs.push([...e.reasons]);
    });
    c.trigger('b');
    c.trigger('a');
    c.trigger('b');
    await c.idle();
    assert.deepEqual(runs, [['a', 'b']]);
    await c.stop();
  });

  test('observations during a run are kept and trigger another run', async () => {
    const rec = new Recorder({ delayMs: new Map([['A', 20]]) });
    const { c, want } = setup(rec);
    want(t('A'), t('B'));
    await flush();
    c.observe((e) => e.put(t('X', { seen: true }), { observed: true }), 'X appeared');
    await c.idle();
    const cur = c.state().current;
    assert.ok(cur.nodes.has('t/A') && cur.nodes.has('t/B'));
    // X is managed but not desired: the second run deletes it.
    assert.ok(!cur.nodes.has('t/X'));
    assert.ok(rec.calls.includes('delete t/X'));
    assert.deepEqual(
      c.history().map((r) => r.reasons),
      [['desired state changed'], ['X appeared']],
    );
    await c.stop();
  });

  test('drift: a managed item changed outside is put back', async () => {
    const rec = new Recorder();
    const { c, want } = setup(rec);
    want(t('A', { mtu: 1500 }));
    await c.idle();
    rec.clear();
    c.observe((e) => e.put(t('A', { mtu: 1400 }), { observed: true }), 'netlink: mtu changed');
    await c.idle();
    assert.deepEqual(rec.calls, ['modify t/A']);
    const last = c.history().at(-1);
    assert.equal(last?.plan.steps[0]?.reason.kind, 'drift');
    await c.stop();
  });

  test('stop() cancels calls in flight through their AbortSignal', async () => {
    const rec = new Recorder({ delayMs: new Map([['A', 'never']]) });
    const { c, want } = setup(rec);
    want(t('A'));
    await flush();
    await c.stop();
    assert.deepEqual(rec.aborted, ['create t/A']);
    assert.equal(c.state().running, false);
  });

  test('a hanging configurator call is abandoned at its timeout and counted as failed', async () => {
    const rec = new Recorder({ delayMs: new Map([['A', 'never']]) });
    const clock = new FakeClock();
    const c = new Controller({
      name: 'G',
      configurators: { t: { ...rec.configurator(), timeoutMs: 5000 } },
      clock,
      random: () => 0.5,
    });
    c.setDesired(syncGraph(c.state().desired, [t('A')]));
    await flush();
    assert.equal(c.state().running, true);
    await clock.advance(5000);
    await c.idle();
    const st = c.state().statuses.get('t/A');
    assert.equal(st?.state, 'failed');
    assert.match(st?.lastError ?? '', /timed out after 5000 ms/);
    assert.deepEqual(rec.aborted, ['create t/A']);
    await c.stop();
  });
});
