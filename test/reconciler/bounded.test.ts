/**
 * Every long-lived map of the controller stays bounded: 10,000 changes (items added, removed,
 * renamed, respecified, dropped by observation, some failing) on a manual clock, with the sizes of
 * the statuses, steps in progress, damping histories and run history checked all along and at the end.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Controller, type Item, syncGraph } from '../../reconciler/index.js';
import { FakeClock, Recorder, t } from './harness.js';

/** A small deterministic PRNG (mulberry32): the same 10,000 changes on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

describe('bounded state', () => {
  test('10,000 changes: statuses, in-progress steps, damping histories and run history stay bounded', async () => {
    const rand = prng(42);
    const failing = new Set<string>();
    const rec = new Recorder({ failCreate: failing });
    const clock = new FakeClock();
    const historyLimit = 50;
    const c = new Controller({
      name: 'G',
      configurators: { t: rec.configurator() },
      clock,
      random: () => 0.5,
      historyLimit,
    });
    const items = new Map<string, Item>();
    let serial = 0;
    const fresh = (): string => `n${serial++}`;
    const add = (name: string) => {
      // Every 7th new name fails its create: it keeps a failed status while desired.
      if (serial % 7 === 0) failing.add(name);
      // A third of the items depend on another one, so drops and removals cascade.
      const others = [...items.keys()];
      const on = others.length > 0 && rand() < 0.33 ? [others[Math.floor(rand() * others.length)]!] : [];
      items.set(name, t(name, { v: 0 }, ...on));
    };
    const removeOne = () => {
      const names = [...items.keys()];
      const victim = names[Math.floor(rand() * names.length)];
      if (victim === undefined) return;
      items.delete(victim);
      // Dependents of a removed item go too (their dependency would be pending forever).
      for (const [n, it] of items) if (it.deps.some((d) => d.ref.name === victim)) items.delete(n);
    };
    let maxStatuses = 0;
    let maxDamping = 0;
    const check = () => {
      const st = c.state();
      const keys = new Set([...st.desired.nodes.keys(), ...st.current.nodes.keys()]);
      for (const k of st.statuses.keys()) assert.ok(keys.has(k), `status of ${k}, which is in no graph`);
      for (const k of st.damping.keys()) assert.ok(keys.has(k), `damping history of ${k}, in no graph`);
      assert.ok(st.statuses.size <= keys.size);
      assert.ok(st.damping.size <= st.desired.nodes.size);
      assert.equal(st.inProgress.size, 0);
      assert.ok(c.history().length <= historyLimit);
      maxStatuses = Math.max(maxStatuses, st.statuses.size);
      maxDamping = Math.max(maxDamping, st.damping.size);
    };

    for (let i = 0; i < 10_000; i++) {
      const r = rand();
      const names = [...items.keys()];
      if (items.size < 20 || (r < 0.3 && items.size < 150)) add(fresh());
      else if (r < 0.5) removeOne();
      else if (r < 0.65) {
        // Rename: the old name goes, a new one comes.
        removeOne();
        add(fresh());
      } else if (r < 0.8) {
        const n = names[Math.floor(rand() * names.length)]!;
        const old = items.get(n)!;
        items.set(n, { ...t(n, { v: (old.spec as { v: number }).v + 1 }), deps: old.deps });
      } else {
        // Dropped by an observation (drift): counted by the damper.
        const n = names[Math.floor(rand() * names.length)]!;
        c.observe((e) => e.delete({ type: 't', name: n }), 'dropped');
      }
      c.setDesired(syncGraph(c.state().desired, [...items.values()]));
      await c.idle();
      if (i % 25 === 0) await clock.advance(Math.floor(rand() * 10_000));
      if (i % 100 === 0) check();
    }
    check();

    // Everything goes away: nothing may stay behind.
    items.clear();
    c.setDesired(syncGraph(c.state().desired, []));
    await c.idle();
    await clock.advance(10 * 60_000);
    c.trigger('final look');
    await c.idle();
    const st = c.state();
    assert.equal(st.current.nodes.size, 0);
    assert.equal(st.statuses.size, 0);
    assert.equal(st.damping.size, 0);
    assert.equal(st.inProgress.size, 0);
    assert.equal(c.history().length, historyLimit);
    assert.ok(maxDamping > 0 && maxStatuses > 0, 'the run exercised failures and damping');
    console.log(
      `# bounded: 10,000 changes, at most ${maxStatuses} statuses and ${maxDamping} damping histories`,
    );
    await c.stop();
  });

  test('distinct trigger reasons during a long run are capped', async () => {
    const rec = new Recorder({ delayMs: new Map([['A', 5]]) });
    const c = new Controller({ name: 'G', configurators: { t: rec.configurator() }, random: () => 0.5 });
    const seen: number[] = [];
    c.on((e) => {
      if (e.type === 'run-started') seen.push(e.reasons.length);
    });
    c.setDesired(syncGraph(c.state().desired, [t('A')]));
    await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 10_000; i++) c.trigger(`observed at ${i}`);
    await c.idle();
    assert.equal(seen.length, 2);
    assert.ok(seen[1]! <= 65, `${seen[1]} reasons in one run`);
    await c.stop();
  });
});
