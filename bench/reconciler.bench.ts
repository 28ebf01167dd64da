/**
 * Reconciler benchmarks: plan and apply with no-op configurators.
 *  1. Scaling: 100, 1k, 10k, 100k items with ~3 dependencies each; from empty, after changing exactly
 *     one item, and with no change. Prints medians and the growth ratio between sizes.
 *  2. The eve-libs anchor workload (100 chains x 100 items, ~2.96 deps each; evelibs-bench.md) next to
 *     the Go figures measured on this kind of machine.
 * Usage: npm run bench [-- --quick]
 */
import {
  apply,
  type Configurator,
  emptyGraph,
  type Graph,
  graphOf,
  type Item,
  item,
  plan,
  syncGraph,
} from '../reconciler/index.js';

const quick = process.argv.includes('--quick');
const noop: Configurator = { create() {}, modify() {}, delete() {} };
const configurators = { n: noop, modem: noop, link: noop };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(runs: number, fn: () => unknown | Promise<unknown>): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(out);
}

/** Item i depends on i-1, i-7 and i-31 (when they exist): about 3 dependencies each. */
function layered(n: number, changed = -1): Item[] {
  const out: Item[] = [];
  for (let i = 0; i < n; i++) {
    const deps = [1, 7, 31]
      .filter((d) => i - d >= 0)
      .map((d) => ({ ref: { type: 'n', name: `${i - d}` }, description: 'bench' }));
    out.push(item({ type: 'n', name: `${i}`, spec: { attr: i === changed ? 1 : 0 }, deps }));
  }
  return out;
}

/** The eve-libs anchor: 100 roots, each heading a chain of 99; (c,k) -> (c,k-1), (c,0), ((c+1)%100,k-1). */
function anchor(leafAttr: number): Item[] {
  const out: Item[] = [];
  const name = (c: number, k: number) => `m${String(c).padStart(3, '0')}-${String(k).padStart(2, '0')}`;
  const ref = (c: number, k: number) =>
    k === 0
      ? { type: 'modem', name: `modem-${String(c).padStart(3, '0')}` }
      : { type: 'link', name: name(c, k) };
  for (let c = 0; c < 100; c++) {
    out.push(item({ type: 'modem', name: `modem-${String(c).padStart(3, '0')}`, spec: { attr: 0 } }));
    for (let k = 1; k < 100; k++) {
      const deps = [ref(c, k - 1)];
      if (k >= 2) deps.push(ref(c, 0));
      deps.push(ref((c + 1) % 100, k - 1));
      const unique = deps.filter(
        (d, i) => deps.findIndex((x) => x.type === d.type && x.name === d.name) === i,
      );
      const leaf = c === 0 && k === 99;
      out.push(
        item({
          type: 'link',
          name: name(c, k),
          spec: { attr: leaf ? leafAttr : 0 },
          deps: unique.map((r) => ({ ref: r, description: 'bench' })),
        }),
      );
    }
  }
  return out;
}

/** Plan and apply a prebuilt desired graph onto an empty current one (building it is timed apart). */
async function fromEmpty(d: Graph): Promise<Graph> {
  const items = [...d.nodes.values()];
  const cur = emptyGraph('G');
  const p = plan(cur, d, { configurators });
  const r = await apply(p, cur, d, { configurators, concurrency: 64 });
  if (r.succeeded !== items.length) throw new Error(`expected ${items.length} creates, got ${r.succeeded}`);
  return r.current;
}

async function scaling() {
  console.log('\n== Scaling: layered graph, ~3 dependencies per item, no-op configurators ==');
  console.log(
    'size     plan+apply empty   per item   edit 1 item   plan 1 change   plan full-diff   apply 1   no-change plan',
  );
  const sizes = quick ? [100, 1000, 10000] : [100, 1000, 10000, 100000];
  const rows: { n: number; empty: number; plan1: number }[] = [];
  for (const n of sizes) {
    const runs = n >= 100000 ? 3 : n >= 10000 ? 7 : 21;
    const items = layered(n);
    const built = graphOf('G', items);
    const empty = await time(runs, () => fromEmpty(built));
    // Steady state: a current graph reconciled to d0, then exactly one item changes.
    const d0 = syncGraph(emptyGraph('G'), items);
    const c0 = emptyGraph('G');
    const r0 = await apply(plan(c0, d0, { configurators }), c0, d0, { configurators, concurrency: 64 });
    const cur = r0.current;
    plan(cur, d0, { configurators }); // prime the diff cache for this pair
    const changedItems = layered(n, n - 1);
    let d1 = d0;
    const edit = await time(runs, () => {
      d1 = syncGraph(d0, changedItems);
    });
    const p1 = plan(cur, d1, { configurators });
    if (p1.steps.length !== 1 || p1.steps[0]!.op !== 'modify') throw new Error('expected exactly one modify');
    const plan1 = await time(runs * 5, () => plan(cur, d1, { configurators }));
    const full = await time(runs, () => plan(cur, d1, { configurators, incremental: false }));
    const apply1 = await time(runs * 5, () => apply(p1, cur, d1, { configurators }));
    const none = await time(runs * 5, () => plan(cur, d0, { configurators }));
    rows.push({ n, empty, plan1 });
    console.log(
      `${String(n).padEnd(8)} ${fmt(empty).padStart(12)}   ${`${((empty * 1000) / n).toFixed(2)} µs`.padStart(9)}   ${fmt(edit).padStart(11)}   ${fmt(plan1).padStart(13)}   ${fmt(full).padStart(14)}   ${fmt(apply1).padStart(7)}   ${fmt(none).padStart(14)}`,
    );
  }
  console.log('\ngrowth ratios (time ratio for 10x more items; 10.0 = linear, 1.0 = constant):');
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1]!;
    const b = rows[i]!;
    console.log(
      `  ${a.n} -> ${b.n}: plan+apply from empty x${(b.empty / a.empty).toFixed(1)}, plan one change x${(b.plan1 / a.plan1).toFixed(1)}`,
    );
  }
}

/** Go medians from ../shared/reference/evelibs-bench.md (eve-libs f808748a, Go 1.19, this machine kind). */
const go = { build: 19.64, createAll: 79.49, oneModify: 5.91, noChange: 5.66, diff: 0.424 };

async function anchorBench() {
  console.log('\n== eve-libs anchor workload: 10,000 items, 29,600 edges (100 chains x 100) ==');
  const a0 = anchor(0);
  const a1 = anchor(1);
  if (a0.reduce((s, i) => s + i.deps.length, 0) !== 29600) throw new Error('anchor edge count');
  const runs = quick ? 5 : 15;
  let d0 = emptyGraph('G');
  const build = await time(runs, () => {
    d0 = graphOf('G', a0);
  });
  const createAll = await time(runs, async () => {
    const c = emptyGraph('G');
    const r = await apply(plan(c, d0, { configurators }), c, d0, { configurators, concurrency: 64 });
    if (r.succeeded !== 10000) throw new Error('expected 10000 creates');
  });
  const base = syncGraph(emptyGraph('G'), a0);
  const c0 = emptyGraph('G');
  const cur = (await apply(plan(c0, base, { configurators }), c0, base, { configurators, concurrency: 64 }))
    .current;
  const intents = [base, syncGraph(base, a1)];
  plan(cur, base, { configurators });
  let i = 0;
  // (b) OneModify: alternate the two intents; each reconcile sees exactly one changed leaf.
  let state = cur;
  const oneModify = await time(runs * 5, async () => {
    const want = intents[(i++ + 1) % 2]!;
    const p = plan(state, want, { configurators });
    if (p.steps.length !== 1 || p.steps[0]!.op !== 'modify') throw new Error('expected one modify');
    state = (await apply(p, state, want, { configurators })).current;
  });
  const settled = state;
  const settledIntent = intents[i % 2]!;
  const noChange = await time(runs * 5, () => {
    const p = plan(settled, settledIntent, { configurators });
    if (p.steps.length !== 0) throw new Error('expected no change');
  });
  const diff = await time(runs * 5, () => plan(cur, intents[1]!, { configurators }));
  const row = (name: string, ts: number, g: number) => {
    const ratio = g / ts;
    const verdict = ratio >= 1 ? `${ratio.toFixed(1)}x faster` : `${(1 / ratio).toFixed(1)}x slower`;
    console.log(
      `  ${name.padEnd(28)} ${fmt(ts).padStart(10)}   eve-libs (Go) ${fmt(g).padStart(10)}   ${verdict}`,
    );
  };
  row('BuildIntent10k', build, go.build);
  row('(a) ReconcileCreateAll10k', createAll, go.createAll);
  row('(b) ReconcileOneModify10k', oneModify, go.oneModify);
  row('(b0) ReconcileNoChange10k', noChange, go.noChange);
  row('(c) DiffItems / plan 1 change', diff, go.diff);
  console.log(
    '  (eve-libs figures are medians measured on a 2-vCPU machine of this kind, see evelibs-bench.md;',
  );
  console.log('   timings on this VM drift by about ±20%: compare medians, interleave runs for close calls)');
}

function fmt(ms: number): string {
  return ms >= 10 ? `${ms.toFixed(1)} ms` : ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(0)} µs`;
}

console.log(`node ${process.version}, ${quick ? 'quick run' : 'full run'}`);
await scaling();
await anchorBench();
