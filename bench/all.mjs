/**
 * `npm run bench`: every benchmark in turn, each printing its own figures. A bench whose prerequisites
 * are missing (root for namespaces and tun devices, Debian's chromium) is listed as not run, with why;
 * nothing is skipped silently. Arguments after `--` go to the reconciler bench (e.g. `-- --quick`).
 * One bench alone: `npm run bench:reconciler`, `bench:agent`, `bench:footprint`, `bench:visualizer`,
 * `bench:dbus`, `bench:netlink`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = process.getuid?.() === 0;
const quick = process.argv.includes('--quick');
const tsx = ['--import', 'tsx'];
const benches = [
  {
    name: 'reconciler',
    args: ['--expose-gc', ...tsx, 'bench/reconciler.bench.ts', ...process.argv.slice(2)],
  },
  {
    name: 'footprint',
    args: [...tsx, 'bench/footprint.bench.ts', ...(quick ? ['--runs', '3'] : [])],
  },
  {
    name: 'agent',
    args: [...tsx, 'bench/agent.bench.ts'],
    env: quick ? { BENCH_EVENTS: '20', BENCH_IDLE_S: '10' } : {},
    missing: root ? undefined : 'needs root (network namespace and tun devices)',
  },
  {
    name: 'visualizer',
    args: [...tsx, 'bench/visualizer.bench.ts'],
    missing: existsSync('/usr/bin/chromium') ? undefined : 'needs Debian chromium (/usr/bin/chromium)',
  },
];

const notRun = [];
let failed = 0;
for (const b of benches) {
  console.log(`\n######## ${b.name} ########`);
  if (b.missing) {
    console.log(`not run: ${b.missing}`);
    notRun.push(`${b.name} (${b.missing})`);
    continue;
  }
  const r = spawnSync(process.execPath, b.args, { stdio: 'inherit', env: { ...process.env, ...b.env } });
  if (r.status !== 0) {
    failed++;
    console.log(`${b.name} bench failed (exit ${r.status ?? r.signal})`);
  }
}
if (notRun.length > 0) console.log(`\nnot run: ${notRun.join('; ')}`);
process.exit(failed > 0 ? 1 : 0);
