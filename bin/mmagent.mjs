#!/usr/bin/env node
/**
 * `mmagent` (npx mmagent, npm's bin): the esbuild bundle dist/mmagent.mjs when `npm run build` made it
 * and no source is newer, otherwise the TypeScript sources through tsx, so the command works right
 * after `npm ci` and never runs a build older than the code beside it. `MMAGENT_FROM=src` or
 * `MMAGENT_FROM=dist` forces one (dist fails if it was not built).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'dist', 'mmagent.mjs');
const sources = join(root, 'src', 'cli', 'main.ts');

/** Newest modification time (ms) of the files the bundle is built from; stops early once past `limit`. */
function newestSource(dir, limit) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'build') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path, limit));
    else if (/\.(ts|json|mjs|js)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
    if (newest > limit) break;
  }
  return newest;
}

function useBundle() {
  const from = process.env.MMAGENT_FROM;
  if (from === 'dist') return true;
  if (from === 'src' || !existsSync(bundle)) return false;
  // The demo (and its simulator) is left out of the bundle: it runs from the sources.
  if (process.argv[2] === 'demo' && existsSync(sources)) return false;
  if (!existsSync(sources)) return true;
  const built = statSync(bundle).mtimeMs;
  return ['src', 'reconciler', 'schemas'].every(
    (d) => !existsSync(join(root, d)) || newestSource(join(root, d), built) <= built,
  );
}

if (useBundle()) {
  await import(pathToFileURL(bundle).href);
} else {
  try {
    await import('tsx');
  } catch {
    process.stderr.write('mmagent: neither dist/mmagent.mjs (npm run build) nor tsx (npm ci) is here\n');
    process.exit(1);
  }
  await import(pathToFileURL(sources).href);
}
