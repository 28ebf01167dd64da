/**
 * Child for e2e/probe: runs inside the modem namespace (`ip netns exec`), probes with the module under
 * test and prints one JSON report (world.ts ProbeReport). It spawns nothing; wwan0's tx_packets are
 * read from sysfs, which `ip netns exec` mounts for this namespace.
 */
import { readFileSync } from 'node:fs';
import { createProber, loadIcmpAddon, type ProbeRunResult } from '../../src/probe/index.js';
import type { ProbeResult } from '../../src/probe/types.js';
import type { ProbeReport, ProbeSpec } from './world.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as ProbeSpec;
const ifname = spec.ifname ?? 'wwan0';
const opts = { ifname, source: spec.source, timeoutMs: spec.timeoutMs };
const txPackets = () => Number(readFileSync('/sys/class/net/wwan0/statistics/tx_packets', 'utf8'));

let icmpKind: string | undefined;
if (spec.reportIcmpKind) {
  const load = loadIcmpAddon();
  if (!load.ok) throw new Error(load.reason);
  const handle = load.addon.open(spec.source.includes(':') ? 6 : 4, ifname, spec.source, () => undefined);
  icmpKind = handle.kind;
  load.addon.close(handle);
}

const prober = createProber();
const results: ProbeResult[] = [];
const elapsedMs: number[] = [];
let run: ProbeRunResult | undefined;
const wwanTxBefore = txPackets();
if (spec.inOrder) {
  const t0 = performance.now();
  run = await prober.probeInOrder(spec.targets, opts);
  elapsedMs.push(performance.now() - t0);
} else {
  for (const t of spec.targets) {
    const t0 = performance.now();
    results.push(await prober.probeTarget(t, opts));
    elapsedMs.push(performance.now() - t0);
  }
}
const report: ProbeReport = {
  results,
  elapsedMs,
  wwanTxBefore,
  wwanTxAfter: txPackets(),
  ...(run ? { run } : {}),
  ...(icmpKind ? { icmpKind } : {}),
};
process.stdout.write(`${JSON.stringify(report)}\n`);
