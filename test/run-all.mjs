#!/usr/bin/env node
// Runs node:test over every *.test.ts below the given folders or files (default: test and e2e).
// Node 20 neither expands globs nor finds .ts files by itself, and `node --test` with no
// files "passes" with 0 tests; this lists the files explicitly and refuses an empty list.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const dirs = args.filter((a) => !a.startsWith('--'));
const roots = dirs.length > 0 ? dirs : ['test', 'e2e'];

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

// A root is a folder (every *.test.ts below it) or one test file.
const files = roots
  .flatMap((d) => (d.endsWith('.test.ts') ? [join(root, d)] : collect(join(root, d))))
  .map((f) => relative(root, f));
if (files.length === 0) {
  console.error(`no *.test.ts files found under ${roots.join(', ')}`);
  process.exit(1);
}
// Under CI a skipped test is a failure (it would hide a missing install step): a second reporter
// counts skips into a file next to the usual TAP output.
const inCI = process.env.CI === 'true' || process.env.CI === '1';
const reportDir = mkdtempSync(join(tmpdir(), 'mmagent-tests-'));
const skipReport = join(reportDir, 'skipped.json');
const reporters = flags.some((f) => f.startsWith('--test-reporter'))
  ? []
  : [
      '--test-reporter=tap',
      '--test-reporter-destination=stdout',
      `--test-reporter=${join(root, 'test/skip-guard.mjs')}`,
      '--test-reporter-destination=stderr',
    ];
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...reporters, ...flags, ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, MMAGENT_SKIP_REPORT: skipReport },
});
let skipped = [];
try {
  skipped = JSON.parse(readFileSync(skipReport, 'utf8'));
} catch {
  // No report: the runner died before its end; its exit status says so.
}
rmSync(reportDir, { recursive: true, force: true });
if (skipped.length > 0) {
  console.error(`${skipped.length} test(s) skipped:\n  ${skipped.join('\n  ')}`);
  if (inCI && r.status === 0) {
    console.error('skipped tests fail a CI run (CI=true): install what they need');
    process.exit(1);
  }
}
process.exit(r.status ?? 1);
