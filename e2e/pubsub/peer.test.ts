/**
 * Interop with an independent pubsub peer (peer.py: Python standard library, written from the
 * protocol description, no code shared with src/pubsub): our Publisher against a Python subscriber
 * and a Python publisher against our Subscriber, compared byte for byte. Needs python3, not root.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Publisher, PubsubError, Subscriber } from '../../src/pubsub/index.js';
import { captureLogger, tempRunDir, until } from '../../test/pubsub/helpers.js';
import { skipUnless } from '../harness/require.js';
import { Peer } from './peer.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('our Publisher to a Python subscriber: byte-exact dump, changes, delete, limit, reconnect', async (t) => {
  if (skipUnless(t, { commands: ['python3'] })) return;
  const tmp = tempRunDir();
  t.after(tmp.remove);
  const log = captureLogger();
  const pub = new Publisher({ runDir: tmp.dir, agent: 'wwan', topic: 'WwanStatus', logger: log.logger });
  await pub.start();
  t.after(() => pub.close());
  const peers: Peer[] = [];
  t.after(() => Promise.all(peers.filter((p) => !p.exited).map((p) => p.kill())));
  const startSub = (...extra: string[]): Peer => {
    const p = new Peer(['sub', pub.socketPath, 'WwanStatus', ...extra]);
    peers.push(p);
    return p;
  };

  await pub.publish('global', {
    DPCKey: 'a<b>&c',
    Networks: [{ N: 1 }],
    T: '2026-12-03T10:00:00.123456789Z',
  });
  await pub.publish('k2', 7);
  const py = startSub();
  await until(() => py.frames().length === 4, 'dump');
  const globalJson =
    '{"DPCKey":"a\\u003cb\\u003e\\u0026c","Networks":[{"N":1}],"T":"2026-12-03T10:00:00.123456789Z"}';
  assert.deepEqual(py.frames(), [
    'hello WwanStatus false',
    `update WwanStatus Z2xvYmFs ${b64(globalJson)}`,
    `update WwanStatus ${b64('k2')} Nw==`,
    'complete WwanStatus',
  ]);
  assert.deepEqual(py.decoded()[0], {
    update: 'global',
    value: { DPCKey: 'a<b>&c', Networks: [{ N: 1 }], T: '2026-12-03T10:00:00.123456789Z' },
  });

  await pub.publish('global', { N: 2 });
  await pub.unpublish('k2');
  await assert.rejects(pub.publish('big', 'x'.repeat(50_000)), (e: unknown) => {
    return e instanceof PubsubError && e.code === 'too-large';
  });
  await pub.publish('after', true);
  await until(() => py.frames().length === 7, 'changes');
  assert.deepEqual(py.frames().slice(4), [
    `update WwanStatus Z2xvYmFs ${b64('{"N":2}')}`,
    `delete WwanStatus ${b64('k2')}`,
    `update WwanStatus ${b64('after')} dHJ1ZQ==`,
  ]);
  assert.equal(log.lines.filter((l) => l.msg === 'pubsub value too large: not published').length, 1);

  // Kill the subscriber and start another: it gets the full current state; the dead one is dropped.
  await py.kill();
  const py2 = startSub();
  await until(() => py2.frames().length === 4, 'second dump');
  assert.deepEqual(py2.frames(), [
    'hello WwanStatus false',
    `update WwanStatus Z2xvYmFs ${b64('{"N":2}')}`,
    `update WwanStatus ${b64('after')} dHJ1ZQ==`,
    'complete WwanStatus',
  ]);
  await until(() => pub.subscribers === 1, 'one live subscriber');

  // A request for another topic is answered by closing the connection, as Go does.
  const wrong = startSub('request WwanMetrics');
  await until(() => wrong.lines.includes('closed'), 'wrong request closed');
  assert.deepEqual(wrong.frames(), []);
});

test('a Python publisher to our Subscriber: request, delete, garbage, size limit, side file, restart', async (t) => {
  if (skipUnless(t, { commands: ['python3'] })) return;
  const tmp = tempRunDir();
  t.after(tmp.remove);
  const sock = join(tmp.dir, 'nim', 'WwanConfig.sock');
  mkdirSync(join(tmp.dir, 'nim'), { mode: 0o700 });
  const largeDir = join(tmp.dir, 'pubsub-large', 'nim', 'WwanConfig');
  mkdirSync(largeDir, { recursive: true });
  const peers: Peer[] = [];
  t.after(() => Promise.all(peers.filter((p) => !p.exited).map((p) => p.kill())));
  const startPub = async (state?: Record<string, string>): Promise<Peer> => {
    const p = new Peer(['pub', sock, 'WwanConfig', ...(state ? [JSON.stringify(state)] : [])]);
    peers.push(p);
    await until(() => p.lines.includes('ready'), 'python publisher ready');
    return p;
  };

  let py = await startPub();
  await py.command({ op: 'set', key: 'global', json: '{"DPCKey":"zedagent","Networks":[]}' });
  await py.command({ op: 'set', key: 'k2', json: '{"A":1}' });

  const events: unknown[] = [];
  const restarted: number[] = [];
  const log = captureLogger();
  const sub = new Subscriber({
    runDir: tmp.dir,
    agent: 'nim',
    topic: 'WwanConfig',
    logger: log.logger,
    backoff: { baseMs: 20, factor: 2, maxMs: 200, jitter: 0.2 },
    onUpdate: (key, value) => events.push({ update: key, value }),
    onDelete: (key) => events.push({ delete: key }),
    onSynchronized: () => events.push('sync'),
    onRestarted: (count) => restarted.push(count),
  });
  sub.start();
  t.after(() => sub.close());
  await until(() => events.includes('sync'), 'sync');
  assert.deepEqual(
    py.lines.filter((l) => l.startsWith('request ')),
    [`request ${Buffer.from('request WwanConfig').toString('hex')}`],
  );
  assert.deepEqual(events, [
    { update: 'global', value: { DPCKey: 'zedagent', Networks: [] } },
    { update: 'k2', value: { A: 1 } },
    'sync',
  ]);

  await py.command({ op: 'del', key: 'k2' });
  await until(() => events.length === 4, 'delete');
  assert.deepEqual(events[3], { delete: 'k2' });

  // Garbage: one log line per frame, each naming its kind; the connection stays up.
  const garbage = [
    'bogus WwanConfig',
    'update WwanConfig Z2xvYmFs',
    `update WwanConfig Z2xv!!!! ${b64('{}')}`,
    `update WwanConfig Z2xvYmFs ${b64('{bad json')}`,
    `update WwanConfig Z2xvYmFs ${'A'.repeat(70_000)}`,
  ];
  for (const g of garbage) await py.command({ op: 'raw', hex: Buffer.from(g).toString('hex') });
  // A valid update of exactly 65535 bytes (what a Go subscriber still accepts) comes through.
  const head = 'update WwanConfig Z2xvYmFs ';
  const n = ((65535 - head.length) / 4) * 3 - 2;
  assert.ok(Number.isInteger(n));
  const edge = `${head}${b64(JSON.stringify('y'.repeat(n)))}`;
  assert.equal(edge.length, 65535);
  await py.command({ op: 'raw', hex: Buffer.from(edge).toString('hex') });
  await until(() => events.length === 5, 'edge update');
  assert.deepEqual(events[4], { update: 'global', value: 'y'.repeat(n) });
  const drops = log.lines.filter((l) => l.msg === 'pubsub malformed message dropped');
  assert.deepEqual(
    drops.map((l) => l.obj.kind),
    ['unknown-verb', 'field-count', 'bad-base64', 'bad-json', 'truncated'],
  );
  assert.equal(sub.stats.connects, 1);
  assert.equal(sub.connected, true);
  await py.command({ op: 'raw', hex: Buffer.from('restarted WwanConfig 3').toString('hex') });
  await until(() => restarted.length === 1, 'restarted');
  assert.deepEqual(restarted, [3]);

  // A pubsub-large field: the value comes back from its side file, which is then removed.
  await py.command({
    op: 'set',
    key: 'global',
    json: '{"DPCKey":"zedagent"}',
    large: { field: 'CipherData', value: 'c2VjcmV0', dir: largeDir },
  });
  await until(() => events.length === 6, 'large update');
  assert.deepEqual(events[5], {
    update: 'global',
    value: { DPCKey: 'zedagent', 'pubsub-large-CipherData': 'c2VjcmV0' },
  });
  await until(() => readdirSync(largeDir).length === 0, 'side file removed');
  await py.command({ op: 'set', key: 'gone', json: '1' });
  await until(() => events.length === 7, 'gone');

  // Kill the publisher, restart it with other state: resync, and 'gone' reported as deleted.
  await py.kill();
  await until(() => !sub.connected, 'connection lost');
  // Its state is in place before it listens: the subscriber may reconnect at once.
  py = await startPub({ global: '{"DPCKey":"new"}' });
  await until(() => events.filter((e) => e === 'sync').length === 2, 'resync');
  assert.deepEqual(events.slice(7), [
    { update: 'global', value: { DPCKey: 'new' } },
    { delete: 'gone' },
    'sync',
  ]);
  assert.equal(sub.stats.connects, 2);
  assert.ok(existsSync(sock));
});
