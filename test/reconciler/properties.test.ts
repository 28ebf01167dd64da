/**
 * Property-based tests: for random graphs and random changes, applying the plan yields the desired
 * graph (minus what must pend), never violates dependency order, converges in one run, and the
 * incremental planner agrees with the full comparison.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  apply,
  type Configurator,
  contentKey,
  emptyGraph,
  type Graph,
  type Item,
  item,
  type Json,
  keyOf,
  plan,
  syncGraph,
} from '../../reconciler/index.js';

interface Spec {
  readonly v: number;
  readonly r: number;
}
const predicates = { even: (spec: Json) => (spec as unknown as Spec).v % 2 === 0 };

const itemArb = (n: number) =>
  fc.array(
    fc.record({
      present: fc.boolean(),
      v: fc.nat(3),
      r: fc.nat(1),
      deps: fc.uniqueArray(fc.nat(n + 1), { maxLength: 3 }),
      evenPred: fc.boolean(),
    }),
    { minLength: n, maxLength: n },
  );

/** Item i may depend on items with a lower index, or on `missing` (index >= n). */
function build(
  rows: { present: boolean; v: number; r: number; deps: number[]; evenPred: boolean }[],
): Item[] {
  const n = rows.length;
  const out: Item[] = [];
  rows.forEach((row, i) => {
    if (!row.present) return;
    const deps = row.deps
      .filter((d) => d < i || d >= n)
      .map((d) => ({
        ref: { type: 't', name: d >= n ? 'missing' : `i${d}` },
        description: 'random',
        ...(row.evenPred ? { predicate: { name: 'even' } } : {}),
      }));
    const seen = new Set<string>();
    out.push(
      item({
        type: 't',
        name: `i${i}`,
        spec: { v: row.v, r: row.r },
        deps: deps.filter((d) => !seen.has(d.ref.name) && seen.add(d.ref.name)),
      }),
    );
  });
  return out;
}

/** A configurator over a simulated world that fails the test on any ordering violation. */
function world(start: Graph): { conf: Configurator; state: Map<string, Item>; violations: string[] } {
  const state = new Map<string, Item>([...start.nodes].map(([k, n]) => [k, n.item]));
  const violations: string[] = [];
  const depsOk = (it: Item, what: string) => {
    for (const d of it.deps) {
      const target = state.get(keyOf(d.ref));
      if (!target) violations.push(`${what}: dependency ${d.ref.name} does not exist`);
      else if (d.predicate && !predicates.even(target.spec))
        violations.push(`${what}: predicate on ${d.ref.name} fails`);
    }
  };
  const dependentsOk = (k: string, spec: Json | undefined, what: string) => {
    for (const other of state.values()) {
      for (const d of other.deps) {
        if (keyOf(d.ref) !== k) continue;
        if (spec === undefined) violations.push(`${what}: ${other.name} still depends on it`);
        else if (d.predicate && !predicates.even(spec))
          violations.push(`${what}: breaks ${other.name}'s predicate`);
      }
    }
  };
  const conf: Configurator = {
    create(it) {
      depsOk(it, `create ${it.name}`);
      if (state.has(keyOf(it))) violations.push(`create ${it.name}: already exists`);
      state.set(keyOf(it), it);
    },
    modify(old, it) {
      depsOk(it, `modify ${it.name}`);
      if (state.get(keyOf(old)) === undefined) violations.push(`modify ${it.name}: does not exist`);
      dependentsOk(keyOf(it), it.spec, `modify ${it.name}`);
      state.set(keyOf(it), it);
    },
    delete(it) {
      dependentsOk(keyOf(it), undefined, `delete ${it.name}`);
      state.delete(keyOf(it));
    },
    needsRecreate: (o, n) =>
      (o.spec as unknown as Spec).r !== (n.spec as unknown as Spec).r ? 'r changed' : false,
  };
  return { conf, state, violations };
}

/** What must exist after a full reconcile: desired items whose dependencies hold, transitively. */
function expected(items: Item[]): Map<string, string> {
  const byKey = new Map(items.map((i) => [keyOf(i), i]));
  const memo = new Map<string, boolean>();
  const ok = (k: string): boolean => {
    const known = memo.get(k);
    if (known !== undefined) return known;
    const it = byKey.get(k);
    const v =
      !!it &&
      it.deps.every((d) => {
        const target = byKey.get(keyOf(d.ref));
        return !!target && ok(keyOf(d.ref)) && (!d.predicate || predicates.even(target.spec));
      });
    memo.set(k, v);
    return v;
  };
  return new Map([...byKey.keys()].filter(ok).map((k) => [k, contentKey(byKey.get(k)!)]));
}

function contentOf(g: Graph): Map<string, string> {
  return new Map([...g.nodes].map(([k, n]) => [k, contentKey(n.item)]));
}

test('apply(plan(current, desired)) reaches the desired graph in dependency order, incrementally planned', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 10 }).chain((n) => fc.tuple(itemArb(n), itemArb(n))),
      async ([rows1, rows2]) => {
        const empty = emptyGraph('G');
        const d1 = syncGraph(emptyGraph('G'), build(rows1));
        const w1 = world(empty);
        const p1 = plan(empty, d1, { predicates, configurators: { t: w1.conf } });
        const r1 = await apply(p1, empty, d1, { configurators: { t: w1.conf } });
        assert.deepEqual(w1.violations, []);
        assert.deepEqual(contentOf(r1.current), expected(build(rows1)));

        const items2 = build(rows2);
        const d2 = syncGraph(d1, items2);
        const w2 = world(r1.current);
        const opts = { predicates, configurators: { t: w2.conf } };
        const incremental = plan(r1.current, d2, opts);
        const full = plan(r1.current, d2, { ...opts, incremental: false });
        assert.deepEqual(incremental, full, 'the incremental plan equals the full comparison');
        const r2 = await apply(incremental, r1.current, d2, { configurators: { t: w2.conf } });
        assert.deepEqual(
          w2.violations,
          [],
          'no operation ran before its dependencies or after its dependents',
        );
        assert.deepEqual(contentOf(r2.current), expected(items2), 'the current graph is the desired one');
        assert.deepEqual(
          new Map([...w2.state].map(([k, it]) => [k, contentKey(it)])),
          expected(items2),
          'the world agrees with the graph',
        );
        assert.deepEqual(plan(r2.current, d2, opts).steps, [], 'a second plan changes nothing');
      },
    ),
    {
      numRuns: Number(process.env.FC_RUNS ?? 1000),
      // A fixed seed keeps CI reproducible; FC_SEED=random explores, FC_SEED=<seed> FC_PATH=<path>
      // replays a reported failure.
      ...(process.env.FC_SEED === 'random'
        ? {}
        : {
            seed: Number(process.env.FC_SEED ?? 20261124),
            ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
          }),
    },
  );
});
