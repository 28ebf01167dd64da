/** EVE's DOT files: atomic, 0600, the newest graphs only. */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EVE_DOT_FILES, EveDotFiles } from '../../src/eve/dot-files.js';
import type { WriteOptions } from '../../src/io/atomic-write.js';
import { LogSpy } from '../reconciler/harness.js';

const dot = (name: string, n: number) => `digraph ${name} { n${n} }`;

test('both graphs are written to the files netdump collects, mode 0600, nothing else left behind', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mmagent-dot-'));
  try {
    const files = new EveDotFiles(dir, { log: new LogSpy(), freeBytes: async () => undefined });
    files.write({ current: dot('current', 1), intended: dot('intended', 1) });
    await files.idle();
    assert.deepEqual((await readdir(dir)).sort(), ['wwan-current-state.dot', 'wwan-intended-state.dot']);
    assert.equal(await readFile(join(dir, EVE_DOT_FILES.current), 'utf8'), dot('current', 1));
    assert.equal(await readFile(join(dir, EVE_DOT_FILES.intended), 'utf8'), dot('intended', 1));
    for (const f of Object.values(EVE_DOT_FILES))
      assert.equal((await stat(join(dir, f))).mode & 0o777, 0o600);
    files.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('coalesced: a burst of reconciles writes the newest graphs once each, an unchanged graph not again', async () => {
  const writes: { path: string; data: string; mode: number | undefined }[] = [];
  const files = new EveDotFiles('/run', {
    freeBytes: async () => undefined,
    writeFile: async (path: string, data: string, opts: WriteOptions) => {
      writes.push({ path, data, mode: opts.mode });
    },
  });
  for (let i = 1; i <= 100; i++) files.write({ current: dot('current', i), intended: dot('intended', 1) });
  await files.idle();
  assert.deepEqual(writes, [
    { path: '/run/wwan-current-state.dot', data: dot('current', 100), mode: 0o600 },
    { path: '/run/wwan-intended-state.dot', data: dot('intended', 1), mode: 0o600 },
  ]);
  files.write({ current: dot('current', 101), intended: dot('intended', 1) });
  await files.idle();
  assert.deepEqual(
    writes.slice(2).map((w) => w.data),
    [dot('current', 101)],
  );
  files.close();
});
