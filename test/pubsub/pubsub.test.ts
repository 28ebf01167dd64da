import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { marshalGoJson } from '../../src/io/go-json.js';
import { Publisher, PubsubError, Subscriber } from '../../src/pubsub/index.js';
import { listenSeqpacket } from '../../src/pubsub/seqpacket.js';
import { MAX_SEND } from '../../src/pubsub/wire.js';
import { FakeClock } from '../reconciler/harness.js';
import { captureLogger, tempRunDir, until } from './helpers.js';

type Event = ['update', string, unknown] | ['delete', string] | ['sync'];

function subscriberOf(runDir: string, clock: FakeClock, events: Event[]) {
  const log = captureLogger();
  const sub = new Subscriber({
    runDir,
    agent: 'wwan',
    topic: 'WwanStatus',
    logger: log.logger,
    clock,
    random: () => 0.5, // no jitter: delays are exactly 100, 200, 400 ms ...
    onUpdate: (k, v) => events.push(['update', k, v]),
    onDelete: (k) => events.push(['delete', k]),
    onSynchronized: () => events.push(['sync']),
  });
  return { sub, log };
}

test('publisher and subscriber: initial state, changes, unchanged values, deletes, checkpoints', async (t) => {
  const tmp = tempRunDir();
  t.after(tmp.remove);
  const log = captureLogger();
  const pub = new Publisher({ runDir: tmp.dir, agent: 'wwan', topic: 'WwanStatus', logger: log.logger });
  await pub.start();
  t.after(() => pub.close());
  const value = { Networks: [{ LogicalLabel: 'm1<&>' }], N: 1 };
  await pub.publish('global', value);
  const file = join(tmp.dir, 'wwan', 'WwanStatus', 'global.json');
  assert.equal(readFileSync(file, 'utf8'), marshalGoJson(value));
  assert.equal(statSync(join(tmp.dir, 'wwan')).mode & 0o777, 0o700);
  assert.equal(statSync(join(tmp.dir, 'wwan', 'WwanStatus')).mode & 0o777, 0o700);
  assert.ok(statSync(join(tmp.dir, 'wwan', 'WwanStatus.sock')).isSocket());

  const events: Event[] = [];
  const clock = new FakeClock();
  const { sub } = subscriberOf(tmp.dir, clock, events);
  sub.start();
  t.after(() => sub.close());
  await until(() => events.length >= 2, 'initial state');
  assert.deepEqual(events, [['update', 'global', value], ['sync']]);
  assert.equal(pub.subscribers, 1);

  await pub.publish('global', value); // unchanged: nothing sent
  await pub.publish('other', { A: 2 });
  await pub.publish('global', { N: 2 });
  await pub.unpublish('other');
  await until(() => events.length >= 5, 'changes');
  assert.deepEqual(events.slice(2), [
    ['update', 'other', { A: 2 }],
    ['update', 'global', { N: 2 }],
    ['delete', 'other'],
  ]);
  assert.equal(existsSync(join(tmp.dir, 'wwan', 'WwanStatus', 'other.json')), false);
  assert.deepEqual(sub.stats.dropped, {});
});

test('a message of exactly 65534 bytes is sent whole; the next size up is refused with one log line', async (t) => {
  const tmp = tempRunDir();
  t.after(tmp.remove);
  const log = captureLogger();
  const opts = { runDir: tmp.dir, agent: 'a', topic: 'T', logger: log.logger };
  const pub = new Publisher(opts);
  await pub.start();
  t.after(() => pub.close());
  // 'update T Z2xvYmFs ' is 18 bytes; a JSON string of n characters is n+2 bytes, base64 4/3 of that.
  const fits = 'x'.repeat(((MAX_SEND - 18) / 4) * 3 - 2);
  assert.equal(18 + (4 * (fits.length + 2)) / 3, MAX_SEND);
  await pub.publish('global', fits);
  const tooBig = `${fits}xxx`; // the next size base64 can make: 65538 bytes
  await assert.rejects(pub.publish('global', tooBig), (e: unknown) => {
    assert.ok(e instanceof PubsubError);
    assert.equal(e.code, 'too-large');
    assert.equal(e.logged, true);
    return true;
  });
  assert.equal(log.lines.filter((l) => l.level === 'error').length, 1);
  assert.equal(pub.get('global'), fits);
  assert.equal(readFileSync(join(tmp.dir, 'a', 'T', 'global.json'), 'utf8'), JSON.stringify(fits));

  const got: unknown[] = [];
  const sub = new Subscriber({
    ...opts,
    onUpdate: (_k, v) => got.push(v),
    onDelete: () => {},
  });
  sub.start();
  t.after(() => sub.close());
  await until(() => sub.synchronized, 'sync');
  assert.deepEqual(got, [fits]);
  assert.deepEqual(sub.stats.dropped, {});
});

test('invalid keys and addresses are refused', async (t) => {
  const tmp = tempRunDir();
  t.after(tmp.remove);
  const { logger } = captureLogger();
  const pub = new Publisher({ runDir: tmp.dir, agent: 'wwan', topic: 'WwanStatus', logger });
  for (const key of ['', 'a/b', 'k'.repeat(251)]) {
    await assert.rejects(pub.publish(key, 1), { code: 'invalid-key' });
  }
  const bad = new Publisher({ runDir: tmp.dir, agent: '../x', topic: 'T', logger });
  await assert.rejects(bad.start(), { code: 'invalid-address' });
  const long = new Publisher({ runDir: tmp.dir + '/d'.repeat(60), agent: 'a', topic: 'T', logger });
  await assert.rejects(long.start(), { code: 'invalid-address' });
});

test('a stale socket is replaced; a live one is refused', async (t) => {
  const tmp = tempRunDir();
  t.after(tmp.remove);
  const { logger } = captureLogger();
  const opts = { runDir: tmp.dir, agent: 'wwan', topic: 'WwanStatus', logger };
  const first = new Publisher(opts);
  await first.start();
  await assert.rejects(new Publisher(opts).start(), { code: 'in-use' });
  await first.close();

  // A socket file left behind by a dead process: bound, then closed without unlink.
  const path = join(tmp.dir, 'wwan', 'WwanStatus.sock');
  listenSeqpacket(path, () => ({ onMessage: () => {}, onClose: () => {} })).close();
  assert.ok(statSync(path).isSocket());
  const second = new Publisher(opts);
  await second.start();
  t.after(() => second.close());
});

test('the subscriber redials on the backoff schedule and resyncs, reporting keys that vanished', async (t) => {
  const tmp = tempRunDir();
  t.after(tmp.remove);
  const events: Event[] = [];
  const clock = new FakeClock();
  const { sub, log } = subscriberOf(tmp.dir, clock, events);
  sub.start();
  t.after(() => sub.close());
  await until(() => sub.stats.dialFailures === 1, 'first dial failure');
  // Each failed dial schedules the next one: 100, 200, 400 ms later, then capped at 10 s.
  const delays: number[] = [];
  for (let i = 0; i < 9; i++) {
    const [due] = clock.dueTimes;
    assert.ok(due !== undefined);
    delays.push(due - clock.now());
    await clock.advance(due - clock.now());
    await until(() => sub.stats.dialFailures === i + 2, `dial failure ${i + 2}`);
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
  assert.equal(log.lines.filter((l) => l.msg === 'pubsub dial failed' && l.level === 'warn').length, 1);

  const { logger } = captureLogger();
  const opts = { runDir: tmp.dir, agent: 'wwan', topic: 'WwanStatus', logger };
  const a = new Publisher(opts);
  await a.start();
  await a.publish('k1', 1);
  await a.publish('k2', 2);
  await clock.advance(clock.dueTimes[0]! - clock.now());
  await until(() => events.some((e) => e[0] === 'sync'), 'first sync');
  assert.deepEqual(events, [['update', 'k1', 1], ['update', 'k2', 2], ['sync']]);

  await a.close();
  await until(() => !sub.connected && clock.dueTimes.length === 1, 'connection lost');
  // The backoff was reset by the full state: the first redial comes 100 ms after the loss.
  assert.equal(clock.dueTimes[0]! - clock.now(), 100);
  const b = new Publisher(opts);
  await b.start();
  t.after(() => b.close());
  await b.publish('k1', 1); // unchanged: not reported again
  await b.publish('k3', 3);
  await clock.advance(100);
  await until(() => events.filter((e) => e[0] === 'sync').length === 2, 'resync');
  assert.deepEqual(events.slice(3), [['update', 'k3', 3], ['delete', 'k2'], ['sync']]);
  assert.deepEqual([...sub.state.keys()].sort(), ['k1', 'k3']);
});

test('checkpoints left by an earlier run are served (Go populate); close removes socket and checkpoints', async (t) => {
  const tmp = tempRunDir();
  t.after(tmp.remove);
  const dir = join(tmp.dir, 'wwan', 'WwanStatus');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'global.json'), '{"Old":true}');
  writeFileSync(join(dir, 'broken.json'), '{not json');
  writeFileSync(join(dir, '.global.json.123.tmp'), '{"Half":');
  const log = captureLogger();
  const pub = new Publisher({ runDir: tmp.dir, agent: 'wwan', topic: 'WwanStatus', logger: log.logger });
  await pub.start();
  assert.deepEqual(pub.keys(), ['global']);
  assert.deepEqual(pub.get('global'), { Old: true });
  assert.equal(log.lines.filter((l) => l.msg === 'pubsub old checkpoint ignored').length, 1);

  const events: Event[] = [];
  const { sub } = subscriberOf(tmp.dir, new FakeClock(), events);
  sub.start();
  t.after(() => sub.close());
  await until(() => sub.synchronized, 'sync');
  assert.deepEqual(events, [['update', 'global', { Old: true }], ['sync']]);

  await pub.publish('global', { New: 1 });
  await pub.close();
  assert.equal(existsSync(join(dir, 'global.json')), false);
  assert.equal(existsSync(join(tmp.dir, 'wwan', 'WwanStatus.sock')), false);
  await assert.rejects(pub.publish('global', 1), { code: 'closed' });
});
