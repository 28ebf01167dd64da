/**
 * DBusConnection against a real dbus-daemon on a private socket: round trips, error names,
 * timeouts and aborts on a peer that never answers, a dead bus rejecting pending calls at once,
 * and reconnect + match rules re-added after the daemon comes back.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { getEventListeners, once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Message, type MessageBus, sessionBus, Variant } from '@particle/dbus-next';
import { pino } from 'pino';
import { skipUnless } from '../../e2e/harness/require.js';
import {
  DBusAbortedError,
  DBusCallError,
  DBusConnection,
  DBusDisconnectedError,
  DBusTimeoutError,
  type SignalMessage,
} from '../../src/dbus/index.js';

const NEEDS = { commands: ['dbus-daemon'] };

/**
 * A dbus-daemon on a fixed socket path, so it can be killed and started again at the same address.
 * `setMatchLimit` rewrites its config (max_match_rules_per_connection, 0: every AddMatch is refused)
 * for the next start, or for the running daemon after `reload`.
 */
async function fixedBus(dir: string) {
  const socket = join(dir, 'bus');
  const conf = join(dir, 'bus.conf');
  let matchLimit = 50_000;
  const writeConf = () =>
    writeFile(
      conf,
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>unix:path=${socket}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_type="method_call"/>
<allow send_type="signal"/><allow send_requested_reply="true" send_type="method_return"/>
<allow send_requested_reply="true" send_type="error"/><allow receive_type="method_call"/>
<allow receive_type="method_return"/><allow receive_type="error"/><allow receive_type="signal"/></policy>
<limit name="max_match_rules_per_connection">${matchLimit}</limit>
</busconfig>`,
    );
  await writeConf();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    await rm(socket, { force: true });
    const c = spawn('dbus-daemon', [`--config-file=${conf}`, '--nofork', '--print-address=1'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    child = c;
    await once(c.stdout as NodeJS.ReadableStream, 'data');
  };
  const kill = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    c.kill('SIGKILL');
    await once(c, 'exit');
  };
  const setMatchLimit = async (n: number): Promise<void> => {
    matchLimit = n;
    await writeConf();
  };
  /** Makes the running daemon re-read its config (SIGHUP), as `ReloadConfig` would. */
  const reload = (): void => {
    child?.kill('SIGHUP');
  };
  await start();
  return { address: `unix:path=${socket}`, start, kill, setMatchLimit, reload };
}

/** A peer service written with dbus-next directly: Echo(t)→t, Hang() never answers, Emit() sends a signal. */
async function peer(address: string, name: string): Promise<MessageBus> {
  const bus = sessionBus({ busAddress: address });
  await bus.requestName(name, 0);
  bus.addMethodHandler((msg: Message): boolean => {
    if (msg.interface !== 'test.Peer') return false;
    if (msg.member === 'Echo') bus.send(Message.newMethodReturn(msg, 't', [msg.body[0]]));
    // (dbus-next's typings declare newError's first parameter as a string; it takes the Message)
    else if (msg.member === 'Fail')
      bus.send(Message.newError(msg as unknown as string, 'org.example.Error.Broken', 'it broke'));
    else if (msg.member === 'Emit') {
      bus.send(Message.newMethodReturn(msg, '', []));
      bus.send(Message.newSignal('/test', 'test.Peer', 'Tick', 'a{sv}', [{ n: new Variant('t', 7n) }]));
    }
    // Hang: handled, never answered
    return true;
  });
  return bus;
}

const peerCall = (member: string, extra: Partial<{ signature: string; body: number[] }> = {}) => ({
  destination: 'test.Peer',
  path: '/test',
  interface: 'test.Peer',
  member,
  ...extra,
});

test('round trip, D-Bus error names kept, bigint converted', async (t) => {
  if (skipUnless(t, NEEDS)) return;
  const dir = await mkdtemp(join(tmpdir(), 'dbusconn-'));
  const bus = await fixedBus(dir);
  const p = await peer(bus.address, 'test.Peer');
  const c = await DBusConnection.open({ address: bus.address });
  t.after(async () => {
    await c.close();
    p.disconnect();
    await bus.kill();
    await rm(dir, { recursive: true, force: true });
  });
  assert.match(c.uniqueName ?? '', /^:\d+\.\d+$/);
  assert.deepEqual(await c.call(peerCall('Echo', { signature: 't', body: [12345] })), [12345]);
  const err = await c.call(peerCall('Fail')).catch((e: unknown) => e);
  assert.ok(err instanceof DBusCallError);
  assert.equal(err.errorName, 'org.example.Error.Broken');
  assert.equal(err.text, 'it broke');
  const unknown = await c
    .call({ destination: 'org.example.Nobody', path: '/', interface: 'x.y', member: 'Z' })
    .catch((e: unknown) => e);
  assert.ok(unknown instanceof DBusCallError);
  assert.equal(unknown.errorName, 'org.freedesktop.DBus.Error.ServiceUnknown');
});

test('a call nobody answers times out; an aborted call rejects at once', async (t) => {
  if (skipUnless(t, NEEDS)) return;
  const dir = await mkdtemp(join(tmpdir(), 'dbusconn-'));
  const bus = await fixedBus(dir);
  const p = await peer(bus.address, 'test.Peer');
  const c = await DBusConnection.open({ address: bus.address });
  t.after(async () => {
    await c.close();
    p.disconnect();
    await bus.kill();
    await rm(dir, { recursive: true, force: true });
  });
  const t0 = Date.now();
  const e1 = await c.call({ ...peerCall('Hang'), timeoutMs: 200 }).catch((e: unknown) => e);
  assert.ok(e1 instanceof DBusTimeoutError, String(e1));
  assert.ok(Date.now() - t0 >= 190);
  const ac = new AbortController();
  const pending = c.call({ ...peerCall('Hang'), timeoutMs: 60_000, signal: ac.signal });
  setTimeout(() => ac.abort(), 20);
  await assert.rejects(pending, DBusAbortedError);
  // the connection is still fine afterwards
  assert.deepEqual(await c.call(peerCall('Echo', { signature: 't', body: [1] })), [1]);
});

test('a dead bus rejects pending calls at once; reconnect re-adds match rules and signals flow again', async (t) => {
  if (skipUnless(t, NEEDS)) return;
  const dir = await mkdtemp(join(tmpdir(), 'dbusconn-'));
  const bus = await fixedBus(dir);
  let p = await peer(bus.address, 'test.Peer');
  const c = await DBusConnection.open({ address: bus.address, backoff: { baseMs: 50, maxMs: 200 } });
  t.after(async () => {
    await c.close();
    p.disconnect();
    await bus.kill();
    await rm(dir, { recursive: true, force: true });
  });
  const ticks: SignalMessage[] = [];
  c.on('signal', (m) => {
    if (m.member === 'Tick') ticks.push(m);
  });
  await c.addMatch("type='signal',interface='test.Peer',member='Tick'");
  await c.call(peerCall('Emit'));
  await waitUntil(() => ticks.length === 1);
  assert.deepEqual(ticks[0]?.body, [{ n: 7 }]);

  // collect the outcome right away: it rejects while we are still killing the daemon
  const hung = c.call({ ...peerCall('Hang'), timeoutMs: 60_000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  const disconnected = once(c, 'disconnected');
  const t0 = Date.now();
  await bus.kill();
  assert.ok((await hung) instanceof DBusDisconnectedError);
  await disconnected;
  assert.ok(Date.now() - t0 < 2000, 'pending call rejected promptly, not at its 60 s timeout');
  await assert.rejects(c.call(peerCall('Echo', { signature: 't', body: [1] })), DBusDisconnectedError);

  const reconnected = once(c, 'connected');
  p.disconnect();
  await bus.start();
  p = await peer(bus.address, 'test.Peer');
  const [name, isReconnect] = (await reconnected) as [string, boolean];
  assert.equal(isReconnect, true);
  assert.match(name, /^:\d+\.\d+$/);
  await c.call(peerCall('Emit'));
  await waitUntil(() => ticks.length === 2);
});

async function waitUntil(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A pino logger whose lines the test reads. */
function capturedLogger() {
  const lines: { level: number; msg: string; rule?: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (l: string) => lines.push(JSON.parse(l)) });
  return { logger, lines };
}

test('an AddMatch refused after a reconnect is retried until it is in; its signals then arrive', async (t) => {
  if (skipUnless(t, NEEDS)) return;
  const dir = await mkdtemp(join(tmpdir(), 'dbusconn-'));
  const bus = await fixedBus(dir);
  let p = await peer(bus.address, 'test.Peer');
  const { logger, lines } = capturedLogger();
  const c = await DBusConnection.open({
    address: bus.address,
    logger,
    backoff: { baseMs: 50, maxMs: 200, jitter: 0 },
  });
  t.after(async () => {
    await c.close();
    p.disconnect();
    await bus.kill();
    await rm(dir, { recursive: true, force: true });
  });
  const ticks: SignalMessage[] = [];
  c.on('signal', (m) => {
    if (m.member === 'Tick') ticks.push(m);
  });
  const rule = "type='signal',interface='test.Peer',member='Tick'";
  await c.addMatch(rule);
  await c.call(peerCall('Emit'));
  await waitUntil(() => ticks.length === 1);

  // The daemon comes back refusing every match rule.
  await bus.kill();
  await bus.setMatchLimit(0);
  const reconnected = once(c, 'connected');
  p.disconnect();
  await bus.start();
  p = await peer(bus.address, 'test.Peer');
  await reconnected;
  assert.deepEqual(c.missingMatches, [rule]);
  // The fault is real: with the rule refused, the signal does not reach us.
  await c.call(peerCall('Emit'));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(ticks.length, 1, 'no signal without the rule');

  // Still refusing across several retries: the failure is logged once, not per retry.
  await new Promise((r) => setTimeout(r, 400));
  await bus.setMatchLimit(50_000);
  bus.reload();
  await waitUntil(() => c.missingMatches.length === 0);
  await c.call(peerCall('Emit'));
  await waitUntil(() => ticks.length === 2);

  const failed = lines.filter((l) => /^AddMatch failed/.test(l.msg));
  const retried = lines.filter((l) => l.msg === 'AddMatch retry failed');
  const recovered = lines.filter((l) => /^AddMatch recovered/.test(l.msg));
  assert.equal(failed.length, 1, JSON.stringify(failed));
  assert.equal(failed[0]?.rule, rule);
  assert.ok(retried.length >= 2, `retried ${retried.length} times while refused`);
  assert.equal(recovered.length, 1);
});

test('1,000 calls and match rules on one AbortSignal leave no listener behind and raise no warning', async (t) => {
  if (skipUnless(t, NEEDS)) return;
  const dir = await mkdtemp(join(tmpdir(), 'dbusconn-'));
  const bus = await fixedBus(dir);
  const p = await peer(bus.address, 'test.Peer');
  const c = await DBusConnection.open({ address: bus.address });
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  t.after(async () => {
    process.off('warning', onWarning);
    await c.close();
    p.disconnect();
    await bus.kill();
    await rm(dir, { recursive: true, force: true });
  });
  const ac = new AbortController();
  const { signal } = ac;
  let peak = 0;
  for (let i = 0; i < 1000; i++) {
    const kind = i % 4;
    const call =
      kind === 0
        ? c.call({ ...peerCall('Echo', { signature: 't', body: [i] }), signal })
        : kind === 1
          ? c.call({ ...peerCall('Fail'), signal })
          : kind === 2 && i % 100 === 2
            ? c.call({ ...peerCall('Hang'), timeoutMs: 5, signal }) // a few only: the daemon tracks each
            : c.addMatch(`type='signal',interface='test.Peer',member='M${i}'`, signal);
    peak = Math.max(peak, getEventListeners(signal, 'abort').length);
    await call.catch(() => undefined);
  }
  await new Promise((r) => setImmediate(r));
  assert.equal(getEventListeners(signal, 'abort').length, 0);
  assert.ok(peak <= 1, `peak ${peak}`);
  assert.deepEqual(
    warnings.map((w) => w.name),
    [],
  );
});
