/**
 * Netlink operation latency (prints figures; not a test). Needs root and iproute2.
 *
 *   node --import tsx bench/netlink.bench.ts [iterations]
 *
 * Creates its own network namespace with a held-open tun wwan0 (e2e/harness/netns.ts) and re-runs
 * itself inside it (`--inside`), where it times the adapter's requests one at a time:
 *  - address add: addAddress of 10.64.1.2/24 (then an untimed delete);
 *  - route replace: replaceRoute (NLM_F_REPLACE) of `default via 10.64.1.1|10.64.1.254 metric 700`,
 *    alternating the gateway so every call is a real change;
 *  - for context: address delete, MTU set, the route configurator's metric change (add + delete),
 *    an address dump.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { OpContext } from '../reconciler/api.js';
import { createNetConfigurators, ROUTE, routeItem } from '../src/netitems/index.js';
import { createNetlinkAdapter } from '../src/netlink/adapter.js';
import { withNetns } from '../src/sandbox/netns.js';

const iterations = Number(process.argv.find((a) => /^[0-9]+$/.test(a)) ?? 500);

interface Figures {
  readonly n: number;
  readonly medianUs: number;
  readonly p99Us: number;
  readonly meanUs: number;
}

function figures(samplesMs: number[]): Figures {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 1000;
  return {
    n: s.length,
    medianUs: Math.round(at(0.5)),
    p99Us: Math.round(at(0.99)),
    meanUs: Math.round((s.reduce((a, b) => a + b, 0) / s.length) * 1000),
  };
}

async function time(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function inside(): Promise<Record<string, Figures>> {
  const nl = createNetlinkAdapter();
  const ctx: OpContext = {
    signal: new AbortController().signal,
    attempt: 1,
    step: {
      id: 'bench',
      op: 'modify',
      ref: { type: ROUTE, name: 'bench' },
      reason: { kind: 'changed', detail: '' },
      after: [],
    },
  };
  try {
    await nl.setLink('wwan0', { up: true, mtu: 1500 });
    const a = { family: 4 as const, address: '10.64.1.2', prefixLength: 24 };
    // Warm-up: caches, JIT.
    for (let i = 0; i < 20; i++) {
      await nl.addAddress('wwan0', a);
      await nl.deleteAddress('wwan0', a);
    }
    const add: number[] = [];
    const del: number[] = [];
    for (let i = 0; i < iterations; i++) {
      add.push(await time(() => nl.addAddress('wwan0', a)));
      del.push(await time(() => nl.deleteAddress('wwan0', a)));
    }
    await nl.addAddress('wwan0', a);
    const route = { ifname: 'wwan0', family: 4 as const, dst: 'default', metric: 700 };
    await nl.addRoute({ ...route, gateway: '10.64.1.1' });
    const replace: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const gateway = i % 2 === 0 ? '10.64.1.254' : '10.64.1.1';
      replace.push(await time(() => nl.replaceRoute({ ...route, gateway })));
    }
    const mtu: number[] = [];
    for (let i = 0; i < iterations; i++)
      mtu.push(await time(() => nl.setLink('wwan0', { mtu: 1400 + (i % 2) })));
    const c = createNetConfigurators({ netlink: nl, resolvDir: '/nonexistent' });
    await nl
      .deleteRoute({ ...route, gateway: '10.64.1.254' })
      .catch(() => nl.deleteRoute({ ...route, gateway: '10.64.1.1' }));
    let cur = routeItem({ ...route, gateway: '10.64.1.1', metric: 700 });
    await c[ROUTE].create(cur, ctx);
    const metric: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const next = routeItem({ ...route, gateway: '10.64.1.1', metric: i % 2 === 0 ? 800 : 700 });
      const prev = cur;
      metric.push(await time(async () => c[ROUTE].modify(prev, next, ctx)));
      cur = next;
    }
    const dump: number[] = [];
    for (let i = 0; i < iterations; i++) dump.push(await time(async () => void (await nl.listAddresses())));
    return {
      'address add (addAddress)': figures(add),
      'address delete (deleteAddress)': figures(del),
      'route replace (replaceRoute, NLM_F_REPLACE)': figures(replace),
      'MTU set (setLink)': figures(mtu),
      'route metric change (configurator: add new + delete old)': figures(metric),
      'address dump (listAddresses)': figures(dump),
    };
  } finally {
    nl.close();
  }
}

if (process.argv.includes('--inside')) {
  process.stdout.write(`${JSON.stringify(await inside())}\n`);
} else {
  const script = fileURLToPath(import.meta.url);
  await withNetns({ tuns: ['wwan0'] }, async (ns) => {
    const r = await ns.runNode(script, ['--inside', String(iterations)], { timeoutMs: 300_000 });
    if (r.code !== 0) throw new Error(`bench failed (${r.code}): ${r.stderr}`);
    const results = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, Figures>;
    console.log(
      `netlink@0.3.0 via src/netlink, ${iterations} iterations each, in netns ${ns.name} (tun wwan0)`,
    );
    console.log(`node ${process.version}, ${new Date().toISOString()}`);
    for (const [name, f] of Object.entries(results)) {
      console.log(
        `${name.padEnd(58)} median ${String(f.medianUs).padStart(5)} µs   p99 ${String(f.p99Us).padStart(6)} µs   mean ${String(f.meanUs).padStart(5)} µs`,
      );
    }
  });
}
