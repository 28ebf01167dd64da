import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFileAtomic, writeJsonAtomic } from '../../src/io/atomic-write.js';
import { marshalGoJson } from '../../src/io/go-json.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mmagent-atomic-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('Go json.Marshal form: compact, keys in given order, HTML-safe escapes, no trailing newline', () => {
  assert.equal(marshalGoJson({ b: 1, a: [true, null, 'x'] }), '{"b":1,"a":[true,null,"x"]}');
  assert.equal(marshalGoJson({ s: '<a&b>\u2028\u2029' }), '{"s":"\\u003ca\\u0026b\\u003e\\u2028\\u2029"}');
  assert.equal(marshalGoJson('ü "q"\n'), '"ü \\"q\\"\\n"');
  assert.throws(() => marshalGoJson(undefined), TypeError);
});

test('writes the JSON, creates missing directories, leaves no temporary file', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'a', 'b', 'WwanStatus.json');
    const text = await writeJsonAtomic(path, { DPCKey: 'k', Networks: null });
    assert.equal(text, '{"DPCKey":"k","Networks":null}');
    assert.equal(await readFile(path, 'utf8'), text);
    assert.deepEqual(await readdir(join(dir, 'a', 'b')), ['WwanStatus.json']);
    assert.equal((await stat(path)).mode & 0o777, 0o644);
  });
});

test('a failed write leaves the old file intact and no temporary file behind', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'out.json');
    await writeFile(path, '{"old":true}');
    // A value with no JSON form fails before anything touches the disk...
    await assert.rejects(writeJsonAtomic(path, { n: 1n }));
    // ...and a target that cannot be replaced (a directory) fails at the rename.
    const blocked = join(dir, 'blocked.json');
    await writeFile(join(dir, 'keep'), 'x');
    await mkdir(join(blocked, 'sub'), { recursive: true });
    await assert.rejects(writeFileAtomic(blocked, 'new'));
    assert.equal(await readFile(path, 'utf8'), '{"old":true}');
    assert.deepEqual((await readdir(dir)).sort(), ['blocked.json', 'keep', 'out.json']);
  });
});

test('a concurrent reader only ever sees a whole old or a whole new file', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'WwanMetrics.json');
    // Large enough that a non-atomic write would be observable half done.
    const value = (n: number) => ({ n, pad: String(n % 10).repeat(200_000) });
    await writeJsonAtomic(path, value(0));
    const valid = new Set<number>([0]);
    let stop = false;
    let reads = 0;
    const reader = (async () => {
      while (!stop) {
        const text = await readFile(path, 'utf8');
        const parsed = JSON.parse(text) as { n: number; pad: string };
        assert.ok(valid.has(parsed.n), `read a value never written: ${parsed.n}`);
        assert.equal(parsed.pad.length, 200_000);
        reads++;
      }
    })();
    for (let n = 1; n <= 20; n++) {
      valid.add(n);
      await writeJsonAtomic(path, value(n));
    }
    stop = true;
    await reader;
    assert.ok(reads > 0);
    assert.equal((JSON.parse(await readFile(path, 'utf8')) as { n: number }).n, 20);
    assert.deepEqual(await readdir(dir), ['WwanMetrics.json']);
  });
});

const modeOf = async (path: string) => (await stat(path)).mode & 0o7777;

/** Runs `fn` under `mask`, restoring the previous umask after (node:test runs each file in its own process). */
async function withUmask(mask: number, fn: () => Promise<void>): Promise<void> {
  const old = process.umask(mask);
  try {
    await fn();
  } finally {
    process.umask(old);
  }
}

test('the mode is exactly the one asked for, whatever the umask (a umask cannot narrow 0644 away)', async () => {
  await withDir(async (dir) => {
    for (const mask of [0o077, 0o022, 0o000, 0o777]) {
      await withUmask(mask, async () => {
        await writeFileAtomic(join(dir, 'status.json'), 'x');
        assert.equal(
          await modeOf(join(dir, 'status.json')),
          0o644,
          `default mode under umask ${mask.toString(8)}`,
        );
        await writeFileAtomic(join(dir, 'debug.json'), 'x', { mode: 0o600 });
        assert.equal(await modeOf(join(dir, 'debug.json')), 0o600, `0600 under umask ${mask.toString(8)}`);
      });
    }
  });
});

test('an existing file with a wider mode has the new mode after the replacement (a fresh inode)', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'wwan-graph.json');
    await writeFile(path, 'old');
    await chmod(path, 0o666);
    const before = await stat(path);
    await writeFileAtomic(path, 'new', { mode: 0o600 });
    const after = await stat(path);
    assert.equal(after.mode & 0o7777, 0o600);
    assert.notEqual(after.ino, before.ino);
    assert.equal(await readFile(path, 'utf8'), 'new');
    // And back: a status file narrowed by someone else is readable again after the next write.
    await writeFileAtomic(path, 'newer', { mode: 0o644 });
    assert.equal(await modeOf(path), 0o644);
  });
});
