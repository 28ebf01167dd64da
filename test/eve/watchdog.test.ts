/** EVE's watchdog files: touched on schedule while the loop beats, not once it is stuck; per-modem files. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Clock } from '../../reconciler/api.js';
import { Watchdog, type WatchdogFs } from '../../src/eve/watchdog.js';
import { FakeClock, LogSpy } from '../reconciler/harness.js';

/** Records every operation as `op path @t` (t in seconds of the fake clock). */
class FakeFs implements WatchdogFs {
  readonly ops: string[] = [];
  readonly files = new Map<string, string>();
  failTouch = false;
  async touch(path: string, at: Date): Promise<void> {
    if (this.failTouch) throw Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
    this.ops.push(`touch ${path} @${at.getTime() / 1000}`);
    if (!this.files.has(path)) this.files.set(path, '');
  }
  async writeFile(path: string, data: string): Promise<void> {
    this.ops.push(`write ${path}`);
    this.files.set(path, data);
  }
  async readFile(path: string): Promise<string | undefined> {
    return this.files.get(path);
  }
  async remove(path: string): Promise<void> {
    this.ops.push(`remove ${path}`);
    this.files.delete(path);
  }
  async mkdir(path: string): Promise<void> {
    this.ops.push(`mkdir ${path}`);
  }
  /** Times (s) at which `path` was touched. */
  touchedAt(path: string): number[] {
    return this.ops
      .filter((o) => o.startsWith(`touch ${path} @`))
      .map((o) => Number(o.slice(o.lastIndexOf('@') + 1)));
  }
}

function setup(opts: { stuckAfterMs?: number } = {}) {
  const clock = new FakeClock();
  const fs = new FakeFs();
  const log = new LogSpy();
  const wd = new Watchdog({ runDir: '/run', clock, fs, log, pid: 4242, ...opts });
  return { clock, fs, log, wd };
}

/** Advances the clock in 5 s steps, calling the loop's heartbeat at each step while `beating()`. */
async function run(clock: FakeClock, wd: Watchdog, untilMs: number, beating: (t: number) => boolean) {
  while (clock.now() < untilMs) {
    await clock.advance(5_000);
    if (beating(clock.now())) wd.heartbeat();
    await wd.idle();
  }
}

test('the pid file is written at start, and wwan.touch is touched at once and every 25 s while the loop beats', async () => {
  const { clock, fs, wd } = setup();
  await wd.start();
  assert.equal(fs.files.get('/run/wwan.pid'), '4242');
  assert.equal(fs.ops[0], 'write /run/wwan.pid');
  await run(clock, wd, 125_000, () => true);
  assert.deepEqual(fs.touchedAt('/run/wwan.touch'), [0, 25, 50, 75, 100, 125]);
  await wd.stop();
  await clock.advance(100_000);
  assert.deepEqual(fs.touchedAt('/run/wwan.touch'), [0, 25, 50, 75, 100, 125], 'no touch after stop');
});

test('start fails while the pid file names another live process, as Go agents do; a dead one or ours is replaced', async () => {
  const fs = new FakeFs();
  const alive = new Set([777]);
  const wd = (pid: number) =>
    new Watchdog({ runDir: '/run', clock: new FakeClock(), fs, pid, isAlive: (p) => alive.has(p) });
  fs.files.set('/run/wwan.pid', '777');
  await assert.rejects(
    wd(4242).start(),
    /another wwan agent is running: \/run\/wwan.pid names live process 777/,
  );
  assert.equal(fs.files.get('/run/wwan.pid'), '777');
  assert.deepEqual(fs.touchedAt('/run/wwan.touch'), [], 'nothing touched');
  alive.clear();
  const w = wd(4242);
  await w.start();
  assert.equal(fs.files.get('/run/wwan.pid'), '4242');
  await w.stop();
  // Our own pid in the file (a restart that got the same pid) is not another agent.
  alive.add(4242);
  const again = wd(4242);
  await again.start();
  await again.stop();
  for (const junk of ['', 'abc', '12 34']) {
    fs.files.set('/run/wwan.pid', junk);
    const j = wd(4242);
    await j.start();
    assert.equal(fs.files.get('/run/wwan.pid'), '4242');
    await j.stop();
  }
});

test('a stuck loop stops the touches (once its heartbeat is older than the limit); a beat resumes them at once', async () => {
  const { clock, fs, log, wd } = setup();
  await wd.start();
  // The loop beats until 10 s, then is stuck (no heartbeat) until 120 s.
  await run(clock, wd, 120_000, (t) => t <= 10_000);
  // 25 s and 50 s: last beat 15 s and 40 s ago (<= 60 s); at 75 s and 100 s it is 65 s and 90 s old.
  assert.deepEqual(fs.touchedAt('/run/wwan.touch'), [0, 25, 50]);
  assert.equal(log.at('error', /main loop is stuck/), 1, 'said once, not at every skipped touch');
  wd.heartbeat();
  await wd.idle();
  await run(clock, wd, 180_000, () => true);
  assert.deepEqual(fs.touchedAt('/run/wwan.touch'), [0, 25, 50, 120, 145, 170]);
  assert.equal(log.at('info', /alive again/), 1);
  await wd.stop();
});

test('the limit is configurable', async () => {
  const { clock, fs, wd } = setup({ stuckAfterMs: 30_000 });
  await wd.start();
  await run(clock, wd, 100_000, (t) => t <= 10_000);
  assert.deepEqual(fs.touchedAt('/run/wwan.touch'), [0, 25]);
  await wd.stop();
});

test('a late timer (event loop blocked) is logged with its lag', async () => {
  const pending: { fn: () => void; at: number }[] = [];
  let now = 0;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => pending.push({ fn, at: now + ms }),
    clearTimeout: () => undefined,
  };
  const fs = new FakeFs();
  const log = new LogSpy();
  const wd = new Watchdog({ runDir: '/run', clock, fs, log });
  await wd.start();
  now = 40_000; // the loop was blocked: the 25 s timer runs 15 s late
  wd.heartbeat();
  pending.shift()!.fn();
  await wd.idle();
  assert.equal(log.at('warn', /event loop was blocked/), 1);
  assert.equal((log.lines.find((l) => l.level === 'warn')!.obj as { lagMs: number }).lagMs, 15_000);
  await wd.stop();
});

test('per-modem watchdog: present modems touched (target before registration), absent ones left to go stale, disabled removes all', async () => {
  const { clock, fs, wd } = setup();
  await wd.start();
  const target = (l: string) => `/run/wwan-modem-${l}.touch`;
  const reg = (l: string) => `/run/watchdog/file/wwan-modem-${l}.touch`;

  await wd.updateModems({ enabled: true, configured: ['a', 'b'], present: ['a', 'x'] });
  const touchA = fs.ops.indexOf(`touch ${target('a')} @0`);
  assert.ok(touchA >= 0 && touchA < fs.ops.indexOf(`touch ${reg('a')} @0`), fs.ops.join('\n'));
  assert.ok(!fs.files.has(reg('b')) && !fs.files.has(target('x')), 'not present / not configured: no files');

  await run(clock, wd, 50_000, () => true);
  assert.deepEqual(fs.touchedAt(target('a')), [0, 25, 50]);
  assert.deepEqual(fs.touchedAt(reg('a')), [0], 'registered once');

  // a disappears, b appears: a keeps its registration (EVE reboots if it stays away), b is registered.
  await wd.updateModems({ enabled: true, configured: ['a', 'b'], present: ['b'] });
  await run(clock, wd, 100_000, () => true);
  assert.deepEqual(fs.touchedAt(target('a')), [0, 25, 50]);
  assert.deepEqual(fs.touchedAt(target('b')), [50, 75, 100]);
  assert.ok(fs.files.has(reg('a')) && fs.files.has(reg('b')));

  // b leaves the config: its files go; then the option is turned off: every file goes.
  await wd.updateModems({ enabled: true, configured: ['a'], present: [] });
  assert.ok(!fs.files.has(reg('b')) && !fs.files.has(target('b')) && fs.files.has(reg('a')));
  const removeReg = fs.ops.indexOf(`remove ${reg('b')}`);
  assert.ok(
    removeReg >= 0 && removeReg < fs.ops.indexOf(`remove ${target('b')}`),
    'registration removed first',
  );
  await wd.updateModems({ enabled: false, configured: ['a'], present: ['a'] });
  assert.deepEqual(
    [...fs.files.keys()].filter((f) => f.includes('modem')),
    [],
  );
  await run(clock, wd, 150_000, () => true);
  assert.deepEqual(fs.touchedAt(target('a')), [0, 25, 50]);
  await wd.stop();
});

test('a stuck loop stops the modem touches too', async () => {
  const { clock, fs, wd } = setup();
  await wd.start();
  await wd.updateModems({ enabled: true, configured: ['a'], present: ['a'] });
  await run(clock, wd, 120_000, (t) => t <= 10_000);
  assert.deepEqual(fs.touchedAt('/run/wwan-modem-a.touch'), [0, 25, 50]);
  await wd.stop();
});

test('a failing touch is logged once, its recovery once, and the schedule goes on', async () => {
  const { clock, fs, log, wd } = setup();
  fs.failTouch = true;
  await wd.start();
  await run(clock, wd, 75_000, () => true);
  assert.equal(log.at('error', /cannot touch the watchdog file/), 1);
  fs.failTouch = false;
  await run(clock, wd, 100_000, () => true);
  assert.deepEqual(fs.touchedAt('/run/wwan.touch'), [100]);
  assert.equal(log.at('info', /written again/), 1);
  await wd.stop();
});

test('real files: the pid file, and wwan.touch whose mtime advances while healthy and stops when the loop is blocked', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mmagent-wd-'));
  try {
    const clock = new FakeClock();
    await clock.advance(1_800_000_000_000); // a present-day mtime
    const wd = new Watchdog({ runDir: dir, clock, log: new LogSpy() });
    await wd.start();
    assert.equal(await readFile(join(dir, 'wwan.pid'), 'utf8'), String(process.pid));
    const mtime = async () => (await stat(join(dir, 'wwan.touch'))).mtimeMs;
    const t0 = clock.now();
    assert.equal(await mtime(), t0);
    await run(clock, wd, t0 + 50_000, () => true);
    assert.equal(await mtime(), t0 + 50_000);
    await run(clock, wd, t0 + 200_000, () => false);
    // Last touch at +100 s (heartbeat at +50 s, 50 s old); at +125 s it is 75 s old: no more.
    assert.equal(await mtime(), t0 + 100_000);
    await wd.updateModems({ enabled: true, configured: ['m1'], present: ['m1'] });
    await assert.rejects(stat(join(dir, 'wwan-modem-m1.touch')), 'stuck: no modem file either');
    wd.heartbeat();
    await wd.updateModems({ enabled: true, configured: ['m1'], present: ['m1'] });
    assert.equal((await stat(join(dir, 'wwan-modem-m1.touch'))).mtimeMs, clock.now());
    assert.ok((await stat(join(dir, 'watchdog', 'file', 'wwan-modem-m1.touch'))).isFile());
    await wd.stop();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
