/** The executor: async operations, concurrency limit, order across async steps, cancellation. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apply, type Configurator, emptyGraph, graphOf, plan, TimeoutError } from '../../reconciler/index.js';
import { FakeClock, Recorder, t } from './harness.js';

test('independent branches run concurrently up to the limit; dependents wait for async creates', async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  const order: string[] = [];
  const slow: Configurator = {
    async create(it) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 10));
      inFlight--;
      order.push(it.name);
    },
    modify() {},
    delete() {},
  };
  const items = Array.from({ length: 10 }, (_, i) => t(`leaf${i}`));
  items.push(t('top', {}, 'leaf0', 'leaf9'));
  const d = graphOf('G', items);
  const p = plan(emptyGraph('G'), d);
  const r = await apply(p, emptyGraph('G'), d, { configurators: { t: slow }, concurrency: 3 });
  assert.equal(r.succeeded, 11);
  assert.equal(maxInFlight, 3);
  assert.equal(order.at(-1), 'top');
  const top = r.log.find((e) => e.ref.name === 'top')!;
  for (const leaf of ['leaf0', 'leaf9']) {
    const l = r.log.find((e) => e.ref.name === leaf)!;
    assert.ok(l.endedAt! <= top.startedAt, `${leaf} ended before top started`);
  }
});

test('an abort signal cancels calls in flight and starts nothing new', async () => {
  const rec = new Recorder({ delayMs: new Map([['A', 'never']]) });
  const d = graphOf('G', [t('A'), t('B', {}, 'A')]);
  const ac = new AbortController();
  const p = plan(emptyGraph('G'), d);
  const running = apply(p, emptyGraph('G'), d, {
    configurators: { t: rec.configurator() },
    signal: ac.signal,
  });
  await new Promise((r) => setImmediate(r));
  ac.abort(new Error('shutting down'));
  const r = await running;
  assert.deepEqual(rec.aborted, ['create t/A']);
  assert.equal(r.outcomes.get('create:t/A')?.error, 'shutting down');
  assert.equal(r.outcomes.get('create:t/B')?.skipped, true);
  assert.equal(r.current.nodes.size, 0);
});

test('a configurator that throws synchronously is a failed step, not a crash', async () => {
  const bad: Configurator = {
    create() {
      throw new TypeError('boom');
    },
    modify() {},
    delete() {},
  };
  const d = graphOf('G', [t('A')]);
  const r = await apply(plan(emptyGraph('G'), d), emptyGraph('G'), d, { configurators: { t: bad } });
  assert.equal(r.failed, 1);
  assert.equal(r.outcomes.get('create:t/A')?.error, 'boom');
  assert.equal(r.log[0]?.error, 'boom');
});

test('a call past its deadline fails with a TimeoutError that its own signal also carries (manual clock)', async () => {
  const clock = new FakeClock();
  let seen: unknown;
  const hang: Configurator = {
    create: (_it, ctx) =>
      new Promise<void>((_, reject) => {
        ctx.signal.addEventListener('abort', () => {
          seen = ctx.signal.reason;
          reject(new Error('late rejection of the abandoned call'));
        });
      }),
    modify() {},
    delete() {},
  };
  const d = graphOf('G', [t('A')]);
  const running = apply(plan(emptyGraph('G'), d), emptyGraph('G'), d, {
    configurators: { t: { ...hang, timeoutMs: 250 } },
    clock,
  });
  await clock.advance(249);
  assert.deepEqual(clock.dueTimes, [250], 'still waiting, one timer');
  await clock.advance(1);
  const r = await running;
  assert.equal(r.outcomes.get('create:t/A')?.timedOut, true);
  assert.equal(r.outcomes.get('create:t/A')?.error, 'create t/A timed out after 250 ms');
  assert.ok(seen instanceof TimeoutError);
  assert.deepEqual(clock.dueTimes, [], 'no timer left behind');
});

test('a throwing progress listener after an async step rejects the apply instead of hanging it', async () => {
  const d = graphOf('G', [t('A')]);
  const async: Configurator = { create: async () => {}, modify() {}, delete() {} };
  await assert.rejects(
    apply(plan(emptyGraph('G'), d), emptyGraph('G'), d, {
      configurators: { t: async },
      onEvent: (e) => {
        if (e.type === 'step-finished') throw new Error('listener bug');
      },
    }),
    /listener bug/,
  );
});
