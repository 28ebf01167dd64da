#!/usr/bin/env node
// Runs node:test over every *.test.ts below the given folders (default: test and e2e).
// Node 20 neither expands globs nor finds .ts files by itself, and `node --test` with no
// files "passes" with 0 tests; this lists the files explicitly and refuses an empty list.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
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

const files = roots.flatMap((d) => collect(join(root, d))).map((f) => relative(root, f));
if (files.length === 0) {
  console.error(`no *.test.ts files found under ${roots.join(', ')}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...flags, ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
