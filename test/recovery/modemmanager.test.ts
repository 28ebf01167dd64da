/** ModemManager stop by a checked signal: fake /proc for every refusal, real /proc for the parser and the default kill. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { uptime } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  identifyProcess,
  inspectProcess,
  nodeRecoveryFs,
  parseProcStat,
  type RecoveryFs,
  type RestartResult,
  restartModemManager,
} from '../../src/recovery/index.js';
import { FakeClock } from '../reconciler/harness.js';
import { FakeTree, statLine, waitFor } from './tree.js';

/** A pid for the fake tree that is not ours (restartModemManager never signals this process). */
const MM_PID = process.pid === 4242 ? 4243 : 4242;
const START = '1904778';

/** Records each signal instead of sending it. */
class KillSpy {
  readonly sent: Array<[number, NodeJS.Signals]> = [];
  fail: (Error & { code?: string }) | undefined;
  readonly kill = (pid: number, sig: NodeJS.Signals): void => {
    if (this.fail) throw this.fail;
    this.sent.push([pid, sig]);
  };
}

async function withTree(fn: (t: FakeTree) => Promise<void>): Promise<void> {
  const t = await FakeTree.create();
  try {
    await fn(t);
  } finally {
    await t.remove();
  }
}

function failed(r: RestartResult): Extract<RestartResult, { ok: false }> {
  assert.equal(r.ok, false, `expected a failure, got ${JSON.stringify(r)}`);
  return r as Extract<RestartResult, { ok: false }>;
}

test('parseProcStat: field 22 counted after the last ")", names with spaces and parentheses', () => {
  assert.deepEqual(parseProcStat(statLine(77, 'ModemManager', '555'), 77), {
    comm: 'ModemManager',
    startTime: '555',
  });
  assert.deepEqual(parseProcStat(statLine(77, 'a) b (c', '556'), 77), { comm: 'a) b (c', startTime: '556' });
  assert.equal(parseProcStat(statLine(77, 'x', '555'), 78), undefined, 'another pid');
  assert.equal(parseProcStat('77 (x) S 1 2 3', 77), undefined, 'too short');
  assert.equal(parseProcStat(statLine(77, 'x', '-5'), 77), undefined, 'not a tick count');
});

test('the recorded ModemManager is signalled once, with SIGTERM', () =>
  withTree(async (t) => {
    await t.process(MM_PID, 'ModemManager', START);
    const spy = new KillSpy();
    const r = await restartModemManager(
      { pid: MM_PID, startTime: START },
      { roots: t.roots, kill: spy.kill, clock: new FakeClock() },
    );
    assert.deepEqual(r, { ok: true, pid: MM_PID, startTime: START, signal: 'SIGTERM' });
    assert.deepEqual(spy.sent, [[MM_PID, 'SIGTERM']]);
  }));

test('a recycled pid is never signalled: another name, or a ModemManager started at another time', () =>
  withTree(async (t) => {
    await t.process(MM_PID, 'bash', START);
    await t.process(MM_PID + 1, 'ModemManager', '1904779');
    const spy = new KillSpy();
    const opts = { roots: t.roots, kill: spy.kill, clock: new FakeClock() };

    const other = failed(await restartModemManager({ pid: MM_PID, startTime: START }, opts));
    assert.equal(other.reason, 'not-modemmanager');
    assert.equal(other.pid, MM_PID);
    assert.match(other.error, /is "bash", not ModemManager.*no signal sent/);

    const later = failed(await restartModemManager({ pid: MM_PID + 1, startTime: START }, opts));
    assert.equal(later.reason, 'recycled');
    assert.match(later.error, /started at tick 1904779, not the one seen at tick 1904778/);

    assert.deepEqual(spy.sent, []);
  }));

test('a pid file: read, the name checked, the start time too when known', () =>
  withTree(async (t) => {
    await t.process(MM_PID, 'ModemManager', START);
    const pidFile = join(t.dir, 'ModemManager.pid');
    await writeFile(pidFile, `${MM_PID}\n`);
    const spy = new KillSpy();
    const opts = { roots: t.roots, kill: spy.kill, clock: new FakeClock() };

    const stale = failed(await restartModemManager({ pidFile, startTime: '1' }, opts));
    assert.equal(stale.reason, 'recycled');
    assert.deepEqual(spy.sent, []);

    const r = await restartModemManager({ pidFile }, opts);
    assert.deepEqual(r, { ok: true, pid: MM_PID, startTime: START, signal: 'SIGTERM' });
    assert.deepEqual(spy.sent, [[MM_PID, 'SIGTERM']]);
  }));

test('pid files and pids that never lead to a signal', () =>
  withTree(async (t) => {
    // Every pid below has a ModemManager in the fake /proc: only the pid checks stand in the way.
    for (const pid of [1, 2, MM_PID, process.pid]) await t.process(pid, 'ModemManager', START);
    const spy = new KillSpy();
    const opts = { roots: t.roots, kill: spy.kill, clock: new FakeClock() };
    const pidFile = join(t.dir, 'mm.pid');
    const cases: Array<[content: string | undefined, reason: string]> = [
      [undefined, 'gone'],
      ['', 'invalid'],
      ['0\n', 'invalid'], // kill(0): our own process group
      ['-1\n', 'invalid'], // kill(-1): every process
      ['1\n', 'invalid'], // init
      [`${MM_PID}abc\n`, 'invalid'],
      [`${MM_PID} ${MM_PID}\n`, 'invalid'],
      ['99999999\n', 'invalid'],
      [`${process.pid}\n`, 'invalid'], // this agent
    ];
    for (const [content, reason] of cases) {
      await rm(pidFile, { force: true });
      if (content !== undefined) await writeFile(pidFile, content);
      const r = failed(await restartModemManager({ pidFile }, opts));
      assert.equal(r.reason, reason, `pid file ${JSON.stringify(content)}: ${r.error}`);
    }
    for (const bad of [
      { pidFile: 'mm.pid' },
      { pid: 0, startTime: START },
      { pid: -1, startTime: START },
      { pid: 2.5, startTime: START },
      { pid: MM_PID, startTime: '' },
      { pid: MM_PID, startTime: '12 3' },
    ]) {
      const r = failed(await restartModemManager(bad, opts));
      assert.equal(r.reason, 'invalid', JSON.stringify(bad));
    }
    assert.deepEqual(spy.sent, []);
    // The same files do lead to a signal with a good pid: the refusals above were the pid's doing.
    await writeFile(pidFile, `${MM_PID}\n`);
    assert.equal((await restartModemManager({ pidFile }, opts)).ok, true);
    assert.deepEqual(spy.sent, [[MM_PID, 'SIGTERM']]);
  }));

test('no process, unreadable /proc, comm and stat disagreeing, an abort: no signal', () =>
  withTree(async (t) => {
    const spy = new KillSpy();
    const clock = new FakeClock();
    const opts = { roots: t.roots, kill: spy.kill, clock };
    const expected = { pid: MM_PID, startTime: START };

    assert.equal(failed(await restartModemManager(expected, opts)).reason, 'gone');

    await t.process(MM_PID, 'ModemManager', START, 'bash');
    const changed = failed(await restartModemManager(expected, opts));
    assert.equal(changed.reason, 'io');
    assert.match(changed.error, /changed while read/);

    await t.process(MM_PID, 'ModemManager', START);
    const aborted = failed(await restartModemManager(expected, { ...opts, signal: AbortSignal.abort() }));
    assert.equal(aborted.reason, 'aborted');

    let reading = 0;
    const hung: RecoveryFs = {
      ...nodeRecoveryFs,
      readText: () => {
        reading++;
        return new Promise(() => {});
      },
    };
    const p = restartModemManager(expected, { ...opts, fs: hung, timeoutMs: 2000 });
    await waitFor(() => reading === 1, 'the /proc read');
    await clock.advance(2000);
    const slow = failed(await p);
    assert.equal(slow.reason, 'timeout');
    assert.match(slow.error, /comm: no answer in 2000 ms/);

    assert.deepEqual(spy.sent, []);
  }));

test('kill failures are results: ESRCH is a process already gone, EPERM a refusal', () =>
  withTree(async (t) => {
    await t.process(MM_PID, 'ModemManager', START);
    const spy = new KillSpy();
    const opts = { roots: t.roots, kill: spy.kill, clock: new FakeClock() };
    spy.fail = Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' });
    assert.equal(failed(await restartModemManager({ pid: MM_PID, startTime: START }, opts)).reason, 'gone');
    spy.fail = Object.assign(new Error('kill EPERM'), { code: 'EPERM' });
    const r = failed(await restartModemManager({ pid: MM_PID, startTime: START }, opts));
    assert.equal(r.reason, 'kill-failed');
    assert.match(r.error, /SIGTERM to pid \d+ failed: kill EPERM/);
  }));

test('real /proc: identifyProcess(process.pid) names this process and its start time in ticks after boot', async () => {
  const me = await identifyProcess(process.pid);
  assert.ok(me, 'this process must be found');
  assert.equal(me.pid, process.pid);
  assert.equal(me.comm, (await readFile('/proc/self/comm', 'utf8')).trimEnd());
  // Field 22 and not a neighbour: started (uptime - process uptime) seconds after boot, at USER_HZ 100.
  const startedSec = uptime() - process.uptime();
  assert.ok(
    Math.abs(Number(me.startTime) / 100 - startedSec) < 5,
    `start time ${me.startTime} ticks vs ${startedSec.toFixed(1)} s after boot`,
  );
  assert.deepEqual(await identifyProcess(process.pid), me, 'the same process, the same identity');
  const parent = await identifyProcess(process.ppid);
  assert.ok(parent && BigInt(parent.startTime) <= BigInt(me.startTime), 'the parent started first');
  // Pids stay below pid_max, and pid_max is at most PID_MAX: this pid exists nowhere.
  const none = await inspectProcess(4_194_304);
  assert.deepEqual(none.ok ? none : none.reason, 'gone');
});

test('real process: a child named ModemManager is stopped by the default kill; a wrong start time spares it', async () =>
  withTree(async (t) => {
    const exe = join(t.dir, 'ModemManager');
    await copyFile('/usr/bin/sleep', exe);
    await chmod(exe, 0o755);
    const child = spawn(exe, ['60'], { stdio: 'ignore' });
    try {
      await once(child, 'spawn');
      const pid = child.pid!;
      // The kernel sets comm at exec, just after the spawn event.
      let id = await identifyProcess(pid);
      for (let i = 0; i < 500 && id?.comm !== 'ModemManager'; i++) id = await identifyProcess(pid);
      assert.equal(id?.comm, 'ModemManager');
      const exited = once(child, 'exit');

      const wrong = failed(await restartModemManager({ pid, startTime: String(BigInt(id.startTime) + 1n) }));
      assert.equal(wrong.reason, 'recycled');
      assert.equal(child.exitCode, null);
      assert.equal(child.signalCode, null);

      const r = await restartModemManager({ pid, startTime: id.startTime });
      assert.deepEqual(r, { ok: true, pid, startTime: id.startTime, signal: 'SIGTERM' });
      const [code, sig] = await exited;
      assert.deepEqual([code, sig], [null, 'SIGTERM']);
    } finally {
      child.kill('SIGKILL');
    }
  }));
