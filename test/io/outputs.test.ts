import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { WriteOptions } from '../../src/io/atomic-write.js';
import { writeFileAtomic } from '../../src/io/atomic-write.js';
import { OUTPUT_FILES, OutputWriter } from '../../src/io/outputs.js';
import type { WwanLocationInfo, WwanMetrics, WwanStatus } from '../../src/schemas/types.generated.js';
import { FakeClock } from '../reconciler/harness.js';

/** Records log calls, as the reconciler's Logger interface sees them. */
function recordingLog() {
  const calls: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void calls.push({ level, obj, msg });
  return { calls, log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mmagent-outputs-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const status = (key = 'zedagent'): WwanStatus => ({
  DPCKey: key,
  DPCTimestamp: '2026-11-24T09:41:07.123456789Z',
  RSConfigTimestamp: '0001-01-01T00:00:00Z',
  Networks: null,
});
const metrics: WwanMetrics = { Networks: null };
const location: WwanLocationInfo = {
  LogicalLabel: 'modem-1',
  Latitude: 48.1,
  Longitude: 11.5,
  Altitude: 520,
  HorizontalUncertainty: 5,
  VerticalUncertainty: 8,
  HorizontalReliability: 'high',
  VerticalReliability: 'medium',
  UTCTimestamp: 1795566857,
};

test('each output goes to its EVE file name, in Go JSON form, timestamps verbatim', async () => {
  await withDir(async (dir) => {
    const { calls, log } = recordingLog();
    const w = new OutputWriter(dir, log);
    assert.equal(await w.writeStatus(status()), 'written');
    assert.equal(await w.writeMetrics(metrics), 'written');
    assert.equal(await w.writeLocation(location), 'written');
    assert.equal(
      await readFile(join(dir, OUTPUT_FILES.status), 'utf8'),
      '{"DPCKey":"zedagent","DPCTimestamp":"2026-11-24T09:41:07.123456789Z","RSConfigTimestamp":"0001-01-01T00:00:00Z","Networks":null}',
    );
    assert.equal(await readFile(join(dir, 'WwanMetrics.json'), 'utf8'), '{"Networks":null}');
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'WwanLocationInfo.json'), 'utf8')), location);
    assert.equal(calls.length, 0);
  });
});

test('byte-identical content is not rewritten (mtime untouched); a change is', async () => {
  await withDir(async (dir) => {
    const w = new OutputWriter(dir);
    const path = join(dir, OUTPUT_FILES.status);
    await w.writeStatus(status());
    const before = await stat(path);
    assert.equal(await w.writeStatus(status()), 'unchanged');
    assert.equal((await stat(path)).ino, before.ino);
    assert.equal(await w.writeStatus(status('other')), 'written');
    assert.notEqual((await stat(path)).ino, before.ino);
  });
});

test('a file left by a previous run with the same bytes is not rewritten either', async () => {
  await withDir(async (dir) => {
    await new OutputWriter(dir).writeMetrics(metrics);
    const ino = (await stat(join(dir, OUTPUT_FILES.metrics))).ino;
    assert.equal(await new OutputWriter(dir).writeMetrics(metrics), 'unchanged');
    assert.equal((await stat(join(dir, OUTPUT_FILES.metrics))).ino, ino);
  });
});

test('a file left by a previous run with the same bytes but another mode is rewritten 0644', async () => {
  await withDir(async (dir) => {
    const path = join(dir, OUTPUT_FILES.metrics);
    await writeFile(path, '{"Networks":null}', { mode: 0o600 });
    await chmod(path, 0o600);
    assert.equal(await new OutputWriter(dir).writeMetrics(metrics), 'written');
    assert.equal((await stat(path)).mode & 0o7777, 0o644);
  });
});

test('a schema violation is logged with its paths and the file is still written', async () => {
  await withDir(async (dir) => {
    const { calls, log } = recordingLog();
    const w = new OutputWriter(dir, log);
    const bad = { ...location, HorizontalReliability: 'great' } as unknown as WwanLocationInfo;
    assert.equal(await w.writeLocation(bad), 'written');
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.level, 'error');
    assert.match(JSON.stringify(calls[0]!.obj), /\/HorizontalReliability/);
    assert.match(await readFile(join(dir, OUTPUT_FILES.location), 'utf8'), /"great"/);
  });
});

test('writes are serialized in call order, the value is taken at call time, idle() waits', async () => {
  await withDir(async (dir) => {
    const w = new OutputWriter(dir);
    const s = status('first');
    const results = [w.writeStatus(s), w.writeStatus(status('second')), w.writeStatus(status('second'))];
    s.DPCKey = 'mutated after the call';
    await w.idle();
    assert.deepEqual(await Promise.all(results), ['written', 'written', 'unchanged']);
    assert.match(await readFile(join(dir, OUTPUT_FILES.status), 'utf8'), /"second"/);
  });
});

test('a failed write is logged once, never thrown, and does not wait for the next write', async () => {
  await withDir(async (dir) => {
    const { calls, log } = recordingLog();
    // The status dir is a file: nothing can be written under it.
    const blocked = join(dir, 'not-a-dir');
    await writeFile(blocked, '');
    const clock = new FakeClock();
    const w = new OutputWriter(blocked, log, { clock, watch: false, random: () => 0.5 });
    assert.equal(await w.writeMetrics(metrics), 'failed');
    assert.equal(await w.writeMetrics(metrics), 'failed');
    assert.equal(
      calls.filter((c) => c.level === 'error').length,
      1,
      'one line per file and error, not per try',
    );
    assert.equal(w.failing, true);
    const ok = new OutputWriter(join(dir, 'ok'), log);
    assert.equal(await ok.writeMetrics(metrics), 'written');
    await rm(blocked);
    assert.deepEqual(clock.dueTimes, [100]);
    await clock.advance(100);
    await w.idle();
    assert.equal(await readFile(join(blocked, OUTPUT_FILES.metrics), 'utf8'), '{"Networks":null}');
    assert.equal(w.failing, false);
    assert.deepEqual(clock.dueTimes, [], 'no retry left once written');
    assert.equal(calls.filter((c) => c.level === 'info' && /written again/.test(c.msg ?? '')).length, 1);
  });
});

test('background retries back off 100 ms doubling to a 5 s cap, write the newest bytes, status first', async () => {
  await withDir(async (dir) => {
    const blocker = join(dir, 'blocker');
    await writeFile(blocker, '');
    const statusDir = join(blocker, 'wwan'); // its parent is a file: ENOTDIR, as root too
    const clock = new FakeClock();
    const order: string[] = [];
    const writeFileSpy = (path: string, data: string, opts: WriteOptions) => {
      order.push(path.slice(statusDir.length + 1));
      return writeFileAtomic(path, data, opts);
    };
    const w = new OutputWriter(statusDir, undefined, {
      clock,
      watch: false,
      random: () => 0.5,
      writeFile: writeFileSpy,
    });
    assert.equal(await w.writeMetrics(metrics), 'failed');
    assert.equal(await w.writeStatus(status('old')), 'failed');
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      const due = clock.dueTimes[0]!;
      delays.push(due - clock.now());
      await clock.advance(due - clock.now());
      await w.idle();
      if (i === 4) assert.equal(await w.writeStatus(status('newest')), 'failed');
    }
    assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    assert.equal(clock.dueTimes.length, 1, 'exactly one retry pending');
    await rm(blocker);
    order.length = 0;
    await clock.advance(clock.dueTimes[0]! - clock.now());
    await w.idle();
    assert.deepEqual(order, [OUTPUT_FILES.status, OUTPUT_FILES.metrics], 'the status goes first');
    assert.match(await readFile(join(statusDir, OUTPUT_FILES.status), 'utf8'), /"newest"/);
    assert.equal((await stat(join(statusDir, OUTPUT_FILES.status))).mode & 0o777, 0o644);
    assert.deepEqual(clock.dueTimes, []);
    // The next failure starts from the base delay again.
    await rm(blocker, { recursive: true });
    await writeFile(blocker, '');
    assert.equal(await w.writeStatus(status('later')), 'failed');
    assert.deepEqual(
      clock.dueTimes.map((t) => t - clock.now()),
      [100],
    );
    w.close();
    assert.deepEqual(clock.dueTimes, [], 'close() cancels the retry');
  });
});

test('a fixed directory is rewritten at once, without another write call (directory watch)', async () => {
  await withDir(async (dir) => {
    const { calls, log } = recordingLog();
    // The status directory's name is taken by a file; its parent's watch sees it go away.
    const statusDir = join(dir, 'run', 'wwan');
    await mkdir(join(dir, 'run'));
    await writeFile(statusDir, 'in the way');
    // A backoff far beyond the wait below: only the watch can make the file appear in time.
    const w = new OutputWriter(statusDir, log, {
      retry: { baseMs: 60_000, factor: 2, maxMs: 60_000, jitter: 0 },
    });
    try {
      assert.equal(await w.writeStatus(status('wanted')), 'failed');
      const fixedAt = Date.now();
      await rm(statusDir);
      const text = await eventually(() => readFile(join(statusDir, OUTPUT_FILES.status), 'utf8'), 2_000);
      assert.match(text, /"wanted"/);
      assert.ok(Date.now() - fixedAt < 2_000);
      await w.idle();
      assert.equal(w.failing, false);
      assert.equal(calls.filter((c) => c.level === 'error').length, 1);
    } finally {
      w.close();
    }
  });
});

test('a status wanted while its directory was missing is written as soon as the directory is re-created', async () => {
  await withDir(async (dir) => {
    const statusDir = join(dir, 'wwan');
    const w = new OutputWriter(statusDir, undefined, {
      retry: { baseMs: 60_000, factor: 2, maxMs: 60_000, jitter: 0 },
      // The writer itself must not re-create the directory here: only the re-creation may fix it.
      writeFile: async (path, data, opts) => {
        await stat(statusDir);
        await writeFileAtomic(path, data, opts);
      },
    });
    try {
      assert.equal(await w.writeMetrics(metrics), 'failed');
      await mkdir(statusDir);
      const text = await eventually(() => readFile(join(statusDir, OUTPUT_FILES.metrics), 'utf8'), 2_000);
      assert.equal(text, '{"Networks":null}');
    } finally {
      w.close();
    }
  });
});

test('ENOSPC: the writer asks for room and writes at once; if no room is made it keeps retrying', async () => {
  await withDir(async (dir) => {
    const { calls, log } = recordingLog();
    let full = true;
    let roomCalls = 0;
    const clock = new FakeClock();
    const w = new OutputWriter(dir, log, {
      clock,
      watch: false,
      random: () => 0.5,
      makeRoom: async () => {
        roomCalls++;
        full = false;
      },
      writeFile: async (path, data, opts) => {
        if (full) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        await writeFileAtomic(path, data, opts);
      },
    });
    assert.equal(await w.writeStatus(status()), 'written');
    assert.equal(roomCalls, 1);
    assert.equal(calls.length, 0, 'a write that worked after making room is no failure');
    assert.deepEqual(clock.dueTimes, []);

    // makeRoom that frees nothing (and even throws): failed, logged once, retried on the backoff.
    const stuck = new OutputWriter(join(dir, 'stuck'), log, {
      clock,
      watch: false,
      random: () => 0.5,
      makeRoom: async () => {
        roomCalls++;
        throw new Error('cannot delete');
      },
      writeFile: async () => {
        throw Object.assign(new Error('quota'), { code: 'EDQUOT' });
      },
    });
    assert.equal(await stuck.writeStatus(status()), 'failed');
    assert.equal(roomCalls, 2);
    assert.equal(
      calls.filter((c) => c.level === 'error').length,
      2,
      'the write failure and the makeRoom failure',
    );
    assert.deepEqual(clock.dueTimes, [100]);
    stuck.close();
  });
});

test('idle() resolves while a directory stays unwritable; onRecovered fires once when all is written', async () => {
  await withDir(async (dir) => {
    const blocked = join(dir, 'not-a-dir');
    await writeFile(blocked, '');
    const clock = new FakeClock();
    const w = new OutputWriter(blocked, undefined, { clock, watch: false, random: () => 0.5 });
    let recovered = 0;
    w.onRecovered(() => recovered++);
    void w.writeStatus(status());
    void w.writeMetrics(metrics);
    await w.idle(); // must not wait for the background retries
    assert.equal(w.failing, true);
    assert.equal(recovered, 0);
    await rm(blocked);
    await clock.advance(clock.dueTimes[0]! - clock.now());
    await w.idle();
    assert.equal(w.failing, false);
    assert.equal(recovered, 1);
  });
});

/** Polls `read` until it succeeds; fails (rejects) when `ms` pass first. */
async function eventually<T>(read: () => Promise<T>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await read();
    } catch (e) {
      if (Date.now() > end) throw new Error(`not within ${ms} ms: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

test('a status dir under /proc: the write fails with its reason logged, and the writer goes idle', {
  timeout: 5000,
}, async (t) => {
  if (!existsSync('/proc/self')) return t.skip('no procfs');
  const { calls, log } = recordingLog();
  // Node's recursive mkdir never settled there: no line was logged and shutdown waited forever.
  const w = new OutputWriter('/proc/mmagent-no-such/status', log, { clock: new FakeClock(), watch: false });
  assert.equal(await w.writeStatus(status()), 'failed');
  await w.idle();
  w.close();
  const failed = calls.find((c) => c.level === 'error' && c.msg?.startsWith('writing output failed'));
  assert.equal((failed?.obj as { code?: string } | undefined)?.code, 'ENOENT');
});
