/**
 * The status directory on real filesystems that fill up or turn read-only (needs root for the
 * mounts; each scenario runs in a child in its own private mount namespace, see in-mount-ns.ts).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { skipUnless } from '../harness/require.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const needs = { root: true, commands: ['unshare', 'mount'] } as const;

interface Logged {
  level: string;
  msg: string;
  code?: string;
}

async function inMountNamespace<T>(scenario: string): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'mmagent-statusdir-'));
  try {
    const { stdout } = await run(
      'unshare',
      [
        '-m',
        '--propagation',
        'private',
        process.execPath,
        '--import',
        'tsx',
        'e2e/io/in-mount-ns.ts',
        scenario,
        dir,
      ],
      { cwd: root, timeout: 30_000 },
    );
    // The mount lived and died in the child's namespace: the host never sees it.
    assert.ok(
      !(await readFile('/proc/self/mountinfo', 'utf8')).includes(dir),
      'the mount leaked out of its namespace',
    );
    return JSON.parse(stdout) as T;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('on a small tmpfs full of debug files the status is written at once: the debug files give way', async (t: TestContext) => {
  if (skipUnless(t, needs)) return;
  const r = await inMountNamespace<{
    filled: number;
    withoutRoom: string;
    first: string;
    afterFirst: string[];
    second: string;
    afterSecond: string[];
    statusMode: number;
    dotMode: number | undefined;
    failing: boolean;
    errors: Logged[];
  }>('tmpfs-full-of-debug-files');
  assert.ok(r.filled > 32 * 1024, `the debug file filled the tmpfs (${r.filled} bytes)`);
  assert.equal(r.withoutRoom, 'failed', 'control: the filesystem really is full');
  assert.equal(r.first, 'written');
  assert.deepEqual(r.afterFirst, ['WwanStatus.json'], 'the debug files (and nothing else) were deleted');
  // The oversized graph was refused for the reserve; the small one was written 0600 after the status.
  assert.equal(r.second, 'written');
  assert.deepEqual(r.afterSecond, ['WwanStatus.json', 'wwan-graph.dot']);
  assert.equal(r.statusMode, 0o644);
  assert.equal((r.dotMode ?? 0) & 0o777, 0o600);
  assert.equal(r.failing, false);
  assert.deepEqual(
    r.errors.map((e) => e.level),
    ['warn'],
    `one line, for the refused graph: ${JSON.stringify(r.errors)}`,
  );
});

test('on a full tmpfs the status is written as soon as space is freed, without another write call', async (t: TestContext) => {
  if (skipUnless(t, needs)) return;
  const r = await inMountNamespace<{
    first: string;
    failingBefore: boolean;
    appearedAfterMs: number;
    failingAfter: boolean;
    errors: Logged[];
  }>('tmpfs-freed-by-someone-else');
  t.diagnostic(`status written ${r.appearedAfterMs} ms after the space was freed`);
  assert.equal(r.first, 'failed');
  assert.equal(r.failingBefore, true);
  // The backoff is 10 minutes here: only the directory watch can have done it.
  assert.ok(r.appearedAfterMs >= 0 && r.appearedAfterMs < 1_000, `appeared after ${r.appearedAfterMs} ms`);
  assert.equal(r.failingAfter, false);
  assert.deepEqual(
    r.errors.map((e) => [e.level, e.code]),
    [['error', 'ENOSPC']],
  );
});

test('a read-only status directory made writable again gets the status within the backoff, no write call', async (t: TestContext) => {
  if (skipUnless(t, needs)) return;
  const r = await inMountNamespace<{
    first: string;
    appearedAfterMs: number;
    failingAfter: boolean;
    errors: Logged[];
  }>('read-only-remounted-rw');
  t.diagnostic(`status written ${r.appearedAfterMs} ms after the remount`);
  assert.equal(r.first, 'failed');
  // Failing for ~300 ms puts the next retry at most 800 ms (+20 %) away.
  assert.ok(r.appearedAfterMs >= 0 && r.appearedAfterMs < 1_500, `appeared after ${r.appearedAfterMs} ms`);
  assert.equal(r.failingAfter, false);
  assert.deepEqual(
    r.errors.map((e) => [e.level, e.code]),
    [['error', 'EROFS']],
    'one line for the whole episode, not one per retry',
  );
});
