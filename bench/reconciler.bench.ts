/**
 * The reconciler on the eve-libs anchor workload (../shared/reference/evelibs-bench.md §2), at 1k, 10k
 * and 100k items in the same shape: C chains of 100 items (C = N/100); chain c's root `modem-ccc` has no
 * dependencies, item (c,k) needs (c,k-1), (c,0) when k >= 2, and ((c+1) mod C, k-1): 296 edges a chain
 * (29,600 at 10k, asserted). No-op configurators. Each benchmark warms up, then reports the median and
 * p99 of many iterations:
 *   (a)  create all: plan + apply of a prebuilt intent onto an empty current graph;
 *   (b)  one modify, two independently built intents (graphOf twice), alternated: plan + apply;
 *   (b') one modify, the same intent edited (the leaf's put) and edited back: edit + plan + apply;
 *   (b0) no change: plan + apply.
 * Then peak RSS, bytes per item (heap after GC, with the current graph and two intents alive) and
 * allocations per step (v8 heap statistics around each GC, from GCProfiler).
 * Usage: npm run bench [-- --quick] (no eve-libs figure here: docs/PERFORMANCE.md has the interleaved
 * comparison and how to run it).
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { GCProfiler } from 'node:v8';
import {
  apply,
  type Configurator,
  editGraph,
  emptyGraph,
  type Graph,
  graphOf,
  type Item,
  item,
  plan,
} from '../reconciler/index.js';

const quick = process.argv.includes('--quick');
const noop: Configurator = { create() {}, modify() {}, delete() {} };
const configurators = { modem: noop, link: noop };
const gc = (globalThis as { gc?: () => void }).gc;

/** The anchor workload with `chains` chains of 100; the leaf m000-99 carries `leafAttr`. */
function anchor(chains: number, leafAttr: number): Item[] {
  const out: Item[] = [];
  const width = chains > 100 ? 4 : 3;
  const root = (c: number) => `modem-${String(c).padStart(width, '0')}`;
  const name = (c: number, k: number) => `m${String(c).padStart(width, '0')}-${String(k).padStart(2, '0')}`;
  const ref = (c: number, k: number) =>
    k === 0 ? { type: 'modem', name: root(c) } : { type: 'link', name: name(c, k) };
  for (let c = 0; c < chains; c++) {
    out.push(item({ type: 'modem', name: root(c), spec: { attr: 0 } }));
    for (let k = 1; k < 100; k++) {
      const deps = [ref(c, k - 1)];
      if (k >= 2) deps.push(ref(c, 0));
      deps.push(ref((c + 1) % chains, k - 1));
      const unique = deps.filter(
        (d, i) => deps.findIndex((x) => x.type === d.type && x.name === d.name) === i,
      );
      out.push(
        item({
          type: 'link',
          name: name(c, k),
          spec: { attr: c === 0 && k === 99 ? leafAttr : 0 },
          deps: unique.map((r) => ({ ref: r, description: 'bench' })),
        }),
      );
    }
  }
  const edges = out.reduce((s, i) => s + i.deps.length, 0);
  if (out.length !== chains * 100 || edges !== chains * 296)
    throw new Error(`anchor shape: ${out.length} items, ${edges} edges`);
  return out;
}

interface Timing {
  readonly median: number;
  readonly p99: number;
}

async function time(warmup: number, runs: number, fn: () => unknown | Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  out.sort((a, b) => a - b);
  return {
    median: out[Math.floor(out.length / 2)]!,
    p99: out[Math.min(out.length - 1, Math.floor(out.length * 0.99))]!,
  };
}

/** Bytes allocated by `fn` (v8 heap statistics: what each GC found, plus what is left at the end). */
async function allocated(fn: () => unknown | Promise<unknown>): Promise<number> {
  gc?.();
  const p = new GCProfiler();
  const start = process.memoryUsage().heapUsed;
  p.start();
  await fn();
  const end = process.memoryUsage().heapUsed;
  const { statistics } = p.stop();
  let total = 0;
  let from = start;
  for (const s of statistics) {
    total += s.beforeGC.heapStatistics.usedHeapSize - from;
    from = s.afterGC.heapStatistics.usedHeapSize;
  }
  return total + end - from;
}

async function reconcile(cur: Graph, want: Graph, expectSteps: number, op?: string): Promise<Graph> {
  const p = plan(cur, want, { configurators });
  if (p.steps.length !== expectSteps || (op && p.steps[0]?.op !== op))
    throw new Error(`expected ${expectSteps} step(s) ${op ?? ''}, got ${p.steps.length}`);
  const r = await apply(p, cur, want, { configurators, concurrency: 64 });
  if (r.succeeded !== expectSteps) throw new Error(`expected ${expectSteps} successes, got ${r.succeeded}`);
  return r.current;
}

function fmt(ms: number): string {
  return ms >= 10 ? `${ms.toFixed(1)} ms` : ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} µs`;
}
const both = (t: Timing) => `${fmt(t.median)} (p99 ${fmt(t.p99)})`;

interface Row {
  readonly n: number;
  readonly a: Timing;
  readonly b: Timing;
  readonly bEdit: Timing;
  readonly b0: Timing;
}

async function size(n: number): Promise<Row> {
  const chains = n / 100;
  const items0 = anchor(chains, 0);
  const items1 = anchor(chains, 1);
  const big = n >= 100_000;
  const iters = quick ? (big ? 3 : 10) : big ? 10 : n >= 10_000 ? 30 : 100;
  const small = quick ? 50 : big ? 200 : 500;

  const intent0 = graphOf('G', items0);
  const a = await time(big ? 1 : 3, iters, () => reconcile(emptyGraph('G'), intent0, n));
  const allocA = await allocated(() => reconcile(emptyGraph('G'), intent0, n));

  // (b): two intents built apart, as from two config files; the planner cannot share their history.
  const intent1 = graphOf('G', items1);
  let cur = await reconcile(emptyGraph('G'), intent0, n);
  const intents = [intent0, intent1];
  let i = 0;
  const b = await time(20, small, async () => {
    cur = await reconcile(cur, intents[++i % 2]!, 1, 'modify');
  });

  // (b'): the intent edited (one put) and edited back, then reconciled each time.
  const leaf0 = items0.find((x) => x.name.endsWith('-99') && /^m0+-/.test(x.name))!;
  const leaf1 = items1.find((x) => x.name === leaf0.name)!;
  let want = intent0;
  cur = await reconcile(cur, want, i % 2 === 0 ? 0 : 1);
  let j = 0;
  const bEdit = await time(20, small, async () => {
    const leaf = ++j % 2 === 1 ? leaf1 : leaf0;
    want = editGraph(want, (e) => e.put(leaf));
    cur = await reconcile(cur, want, 1, 'modify');
  });
  const allocB = await allocated(async () => {
    want = editGraph(want, (e) => e.put(++j % 2 === 1 ? leaf1 : leaf0));
    cur = await reconcile(cur, want, 1, 'modify');
  });

  const b0 = await time(20, small, () => reconcile(cur, want, 0));

  gc?.();
  const heap = process.memoryUsage().heapUsed;
  console.log(
    [
      `${String(n).padStart(6)} items, ${chains * 296} edges`,
      `  (a)  create all        ${both(a)}  ${((a.median * 1000) / n).toFixed(2)} µs/item, ${(allocA / n).toFixed(0)} B allocated/step`,
      `  (b)  one modify, 2 intents built apart  ${both(b)}`,
      `  (b') one modify, intent edited and back ${both(bEdit)}  ${allocB.toLocaleString('en')} B allocated`,
      `  (b0) no change          ${both(b0)}`,
      `  heap after GC with the current graph and 3 intents alive: ${(heap / 2 ** 20).toFixed(0)} MiB, ${((heap - baseHeap) / n).toFixed(0)} B/item`,
    ].join('\n'),
  );
  // Keep them alive until the heap is read.
  if (!cur || !intent1 || !want) throw new Error('unreachable');
  return { n, a, b, bEdit, b0 };
}

/**
 * `--create-all-only N`: a process that only creates the anchor graph of N items from nothing, 5 times,
 * and prints its peak RSS: the footprint of (a) without the other benchmarks' intents alive.
 */
const alone = process.argv.indexOf('--create-all-only');
if (alone >= 0) {
  const n = Number(process.argv[alone + 1]);
  const intent = graphOf('G', anchor(n / 100, 0));
  for (let i = 0; i < 5; i++) await reconcile(emptyGraph('G'), intent, n);
  console.log((process.resourceUsage().maxRSS / 1024).toFixed(0));
  process.exit(0);
}

console.log(
  `node ${process.version}, ${cpus().length} CPU (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${quick ? 'quick run' : 'full run'}${gc ? '' : ' (no --expose-gc: allocation and heap figures include garbage)'}`,
);
console.log('== eve-libs anchor workload, no-op configurators ==');
gc?.();
const baseHeap = process.memoryUsage().heapUsed;
const rows: Row[] = [];
for (const n of [1_000, 10_000, 100_000]) rows.push(await size(n));
console.log('\ngrowth (time ratio for 10x the items; 10 = linear, 1 = constant):');
for (let k = 1; k < rows.length; k++) {
  const x = rows[k - 1]!;
  const y = rows[k]!;
  const r = (f: (r: Row) => Timing) => `x${(f(y).median / f(x).median).toFixed(1)}`;
  console.log(
    `  ${x.n} -> ${y.n}: (a) ${r((q) => q.a)}, (b) ${r((q) => q.b)}, (b') ${r((q) => q.bEdit)}, (b0) ${r((q) => q.b0)}`,
  );
}
console.log(`\npeak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (whole run, 100k last)`);
const aloneRss = execFileSync(
  process.execPath,
  [...process.execArgv, fileURLToPath(import.meta.url), '--create-all-only', '100000'],
  { encoding: 'utf8' },
).trim();
console.log(`peak RSS ${aloneRss} MiB (a process doing only (a) at 100k, 5 times)`);
