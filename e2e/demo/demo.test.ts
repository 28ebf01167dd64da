/**
 * `mmagent demo --no-wait` end to end, as a person runs it: the visualizer's URL before the story,
 * the seven steps named, as root the wwan interfaces and their netlink work, under a minute, exit
 * 0; as a non-root user the same story without the network side, saying so; and interrupted
 * half-way (Ctrl-C to the whole process group, or SIGTERM to the demo alone) it still leaves no
 * process and no namespace behind.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { skipUnless } from '../harness/require.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const needs = { root: true, commands: ['ip', 'dbus-daemon', 'python3'] } as const;
const NOBODY = 65534;

interface Run {
  readonly child: ChildProcess;
  out: string;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

function startDemo(opts: { uid?: number; env?: NodeJS.ProcessEnv; detached?: boolean } = {}): Run {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/demo/main.ts', '--no-wait'], {
    cwd: REPO,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {}),
    ...(opts.detached ? { detached: true } : {}),
  });
  const run: Run = {
    child,
    out: '',
    done: new Promise((resolve) =>
      child.once('close', (code, signal) => resolve({ code, signal, ms: Date.now() - started })),
    ),
  };
  child.stdout?.on('data', (d: Buffer) => {
    run.out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    run.out += d.toString();
  });
  // A failed assertion must not leave the demo running.
  setTimeout(() => child.kill('SIGKILL'), 120_000).unref();
  return run;
}

async function outputHas(run: Run, what: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = what.exec(run.out);
    if (m) return m;
    assert.ok(Date.now() < end && run.child.exitCode === null, `no ${what} in the output:\n${run.out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What the demo said it started: pids (dbus-daemon, agent, bridge), the namespace, its files. */
function started(out: string) {
  const pids = [...out.matchAll(/(?:dbus-daemon|agent) pid (\d+)|\(pid (\d+)\)/g)].map((m) =>
    Number(m[1] ?? m[2]),
  );
  const netns = /namespace (mmt-[\w-]+)/.exec(out)?.[1];
  const dir = /removing the demo's files \(([^)]+)\)/.exec(out)?.[1];
  return { pids: [...new Set(pids)], netns, dir };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function assertNothingLeft(out: string, opts: { netns: boolean }) {
  const s = started(out);
  assert.ok(s.pids.length >= 2, `the demo named the processes it started:\n${out}`);
  for (const pid of s.pids) assert.ok(!alive(pid), `pid ${pid} is gone`);
  if (opts.netns) {
    assert.ok(s.netns, 'the demo named its namespace');
    const list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    assert.ok(!list.includes(s.netns!), `namespace ${s.netns} deleted`);
  }
  if (s.dir) assert.ok(!existsSync(s.dir), `${s.dir} removed`);
  assert.match(out, /Nothing left behind\./);
}

const STEPS = [
  /== 1\/7 two modems come online: modem-a dual-stack \(ipv4v6\).*modem-b IPv4 with an attach APN/,
  /== 2\/7 APN change on modem-a/,
  /== 3\/7 MTU-only change on modem-b/,
  /== 4\/7 bearer drop on modem-b and its reconnect/,
  /== 5\/7 a connectivity probe failure on modem-a and its escalation/,
  /== 6\/7 radio silence on, then off/,
  /== 7\/7 modem-b unplugged, then plugged in again/,
];

/** The output of step `n` (from its title to the next one). */
const stepText = (out: string, n: number) =>
  out.slice(out.indexOf(`== ${n}/7`), out.indexOf(`== ${n + 1}/7`) >>> 0);

function assertStory(out: string) {
  const url = /^Visualizer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
  assert.ok(url, `the first line is the visualizer's URL:\n${out.slice(0, 300)}`);
  let at = 0;
  for (const step of STEPS) {
    const m = step.exec(out.slice(at));
    assert.ok(m, `step ${step} named, in order:\n${out}`);
    at += m.index;
  }
  assert.match(stepText(out, 2), /ModemManager calls on modem-a: 3 \(Disconnect, DeleteBearer, Connect\)/);
  assert.match(stepText(out, 2), /ModemManager calls on modem-b: 0\n/);
  assert.match(stepText(out, 3), /ModemManager calls on modem-a: 0\n[\s\S]*modem-b: 0\n/);
  assert.match(
    stepText(out, 4),
    /latency: drop -> Connect [\d.]+ ms \(on the bus\), drop -> online again \d+ ms/,
  );
  assert.match(stepText(out, 5), /probe failed: [\s\S]*repair due: reconnect[\s\S]*repair due: reenable/);
  assert.match(stepText(out, 6), /-- radio silence on[\s\S]*modem-a\s+radio-off[\s\S]*-- radio silence off/);
  assert.match(
    stepText(out, 7),
    /modem-b: modem not found[\s\S]*-- plugged in again[\s\S]*modem-b: 4 \(Enable/,
  );
  assert.match(out, /The story is done/);
  return url[1]!;
}

describe('npm run demo -- --no-wait', () => {
  test('as root: the whole story with the network side in a namespace, under a minute, nothing left behind', async (t) => {
    if (skipUnless(t, needs)) return;
    const run = startDemo();
    const url = (await outputHas(run, /^Visualizer: (\S+)/))[1]!;
    // While the story plays, the URL serves the agent's graph (through the bridge into the namespace).
    await outputHas(run, /== 1\/7/);
    const graph = await fetch(new URL('graph.json', url));
    assert.equal(graph.status, 200);
    assert.match(await graph.text(), /mm\.connection/);
    const { code, ms } = await run.done;
    t.diagnostic(`demo as root: ${(ms / 1000).toFixed(1)} s`);
    assert.equal(code, 0, run.out);
    assert.ok(ms < 60_000, `took ${ms} ms`);
    assertStory(run.out);
    assert.ok(
      run.out.indexOf('Visualizer:') < run.out.indexOf('Starting a private dbus-daemon'),
      'URL first',
    );
    // The wwan interfaces and their netlink work, and the kernel as it ends up.
    assert.match(stepText(run.out, 1), /\+ net\.address\/wwan0\/10\.64\.64\.10\/30/);
    assert.match(stepText(run.out, 1), /\+ net\.route\/wwan1\/ipv4\/default/);
    assert.match(
      stepText(run.out, 1),
      /kernel {2}wwan0 up mtu 1500 {2}addr 10\.64\.64\.10\/30 2001:db8:1::2\/64/,
    );
    assert.match(stepText(run.out, 3), /netlink: 1 requests:\n {4}~ net\.link\/wwan1\n/);
    assert.match(stepText(run.out, 3), /kernel {2}wwan1 up mtu 1400/);
    assert.match(stepText(run.out, 6), /kernel {2}wwan0 down mtu 1500 {2}addr - {2}route -/);
    assertNothingLeft(run.out, { netns: true });
  });

  test('not root: the same story without the network side, and it says what it leaves out and why', async (t) => {
    if (skipUnless(t, needs)) return;
    // As nobody when nobody can read the checkout (a root-only home directory cannot), else forced.
    let asNobody = true;
    try {
      execFileSync(
        process.execPath,
        ['-e', `require('fs').accessSync(${JSON.stringify(`${REPO}package.json`)})`],
        {
          uid: NOBODY,
          gid: NOBODY,
          stdio: 'ignore',
        },
      );
      accessSync(REPO, constants.R_OK);
    } catch {
      asNobody = false;
    }
    t.diagnostic(
      asNobody ? 'running as nobody' : 'the checkout is not readable by nobody: MMAGENT_DEMO_NO_NETNS=1',
    );
    const run = asNobody
      ? startDemo({ uid: NOBODY, env: { HOME: '/tmp' } })
      : startDemo({ env: { MMAGENT_DEMO_NO_NETNS: '1' } });
    const { code, ms } = await run.done;
    t.diagnostic(`demo without the network side: ${(ms / 1000).toFixed(1)} s`);
    assert.equal(code, 0, run.out);
    assert.ok(ms < 60_000, `took ${ms} ms`);
    assertStory(run.out);
    assert.match(
      run.out,
      asNobody ? /Without the network side: not root: / : /Without the network side: MMAGENT_DEMO_NO_NETNS/,
    );
    assert.match(run.out, /Left out: the namespace with tun wwan0\/wwan1[\s\S]*stay pending/);
    assert.doesNotMatch(run.out, /kernel {2}wwan/);
    assert.doesNotMatch(run.out, /namespace mmt-/);
    assertNothingLeft(run.out, { netns: false });
  });

  test('Ctrl-C half-way (SIGINT to the process group): everything stopped, exit 130', async (t) => {
    if (skipUnless(t, needs)) return;
    const run = startDemo({ detached: true });
    await outputHas(run, /== 2\/7/);
    process.kill(-run.child.pid!, 'SIGINT');
    const { code } = await run.done;
    assert.equal(code, 130, run.out);
    assert.match(run.out, /Interrupted \(SIGINT\) before the story was done/);
    assertNothingLeft(run.out, { netns: true });
  });

  test('SIGTERM to the demo alone while it waits for a probe: everything stopped, exit 143', async (t) => {
    if (skipUnless(t, needs)) return;
    const run = startDemo();
    await outputHas(run, /waiting for the first probe to fail/);
    run.child.kill('SIGTERM');
    const { code } = await run.done;
    assert.equal(code, 143, run.out);
    assertNothingLeft(run.out, { netns: true });
  });
});
