/** makeDirectory: `mkdir -p` that ends, also where Node's recursive mkdir spins forever (procfs). */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { makeDirectory } from '../../src/io/make-directory.js';

async function scratch(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mmagent-mkdir-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('creates every missing level, each with the mode given', async (t) => {
  const dir = await scratch(t);
  const deep = join(dir, 'a', 'b', 'c');
  await makeDirectory(deep, 0o700);
  for (const p of [join(dir, 'a'), join(dir, 'a', 'b'), deep]) {
    const st = await stat(p);
    assert.ok(st.isDirectory(), p);
    assert.equal(st.mode & 0o777, 0o700, p);
  }
});

test('an existing directory is fine; concurrent callers on one path all succeed', async (t) => {
  const dir = await scratch(t);
  await makeDirectory(dir);
  const p = join(dir, 'x', 'y');
  await Promise.all(Array.from({ length: 8 }, () => makeDirectory(p)));
  assert.ok((await stat(p)).isDirectory());
});

test('a file in the way is an error, at the path or above it', async (t) => {
  const dir = await scratch(t);
  const file = join(dir, 'f');
  await writeFile(file, '');
  await assert.rejects(makeDirectory(file), { code: 'EEXIST' });
  await assert.rejects(makeDirectory(join(file, 'sub')), { code: 'ENOTDIR' });
});

test('under /proc it rejects with ENOENT at once (recursive mkdir never settles there)', {
  timeout: 5000,
}, async (t) => {
  if (!existsSync('/proc/self')) return t.skip('no procfs');
  const t0 = Date.now();
  await assert.rejects(makeDirectory('/proc/mmagent-no-such/status'), { code: 'ENOENT' });
  assert.ok(Date.now() - t0 < 1000, `${Date.now() - t0} ms`);
});
