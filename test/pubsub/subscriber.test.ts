import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { scenario } from '../../e2e/reliability/record.js';
import { Subscriber } from '../../src/pubsub/index.js';
import { listenSeqpacket, type SeqpacketConnection } from '../../src/pubsub/seqpacket.js';
import { FakeClock } from '../reconciler/harness.js';
import { captureLogger, tempRunDir, until } from './helpers.js';

/** A scripted publisher on our own adapter: `onRequest` runs once per connection. */
function fakePublisher(runDir: string, onRequest: (conn: SeqpacketConnection) => void) {
  mkdirSync(join(runDir, 'a'), { recursive: true });
  return listenSeqpacket(join(runDir, 'a', 'T.sock'), (conn) => ({
    onMessage: () => onRequest(conn),
    onClose: () => {},
  }));
}

test('a flood of one malformed kind is folded in the log, counted exactly, and the connection survives', async (t) => {
  await scenario(
    {
      id: 'pubsub-malformed-flood',
      group: 'pubsub',
      title:
        'A flood of malformed messages from a publisher: dropped, counted, logged folded; the stream goes on',
      inputs: '25 frames with an unknown verb between hello and a valid update',
      file: import.meta.url,
    },
    async (s) => {
      const tmp = tempRunDir();
      t.after(tmp.remove);
      const listener = fakePublisher(tmp.dir, (conn) => {
        conn.send(Buffer.from('hello T false'));
        for (let i = 0; i < 25; i++) conn.send(Buffer.from('bogus T'));
        conn.send(Buffer.from('update T Z2xvYmFs MQ=='));
        conn.send(Buffer.from('complete T'));
      });
      t.after(() => listener.close());
      const log = captureLogger();
      const got: unknown[] = [];
      const sub = new Subscriber({
        runDir: tmp.dir,
        agent: 'a',
        topic: 'T',
        logger: log.logger,
        onUpdate: (k, v) => got.push([k, v]),
        onDelete: () => {},
      });
      sub.start();
      t.after(() => sub.close());
      await until(() => sub.synchronized, 'sync');
      assert.deepEqual(got, [['global', 1]]);
      assert.deepEqual(sub.stats.dropped, { 'unknown-verb': 25 });
      const lines = log.lines.filter((l) => l.msg === 'pubsub malformed message dropped');
      assert.deepEqual(
        lines.map((l) => l.obj.dropped),
        [1, 10],
      );
      assert.equal(sub.stats.connects, 1);
      s.cycles(25);
      s.figure('dropped', sub.stats.dropped['unknown-verb'] ?? 0);
      s.figure('logLines', lines.length);
      s.figure('connects', sub.stats.connects);
    },
  );
});

test('a publisher that drops every connection is redialed with a growing delay, never in a tight loop', async (t) => {
  const tmp = tempRunDir();
  t.after(tmp.remove);
  let accepted = 0;
  const listener = fakePublisher(tmp.dir, (conn) => {
    accepted++;
    conn.send(Buffer.from('hello T false'));
    conn.close();
  });
  t.after(() => listener.close());
  const clock = new FakeClock();
  const sub = new Subscriber({
    runDir: tmp.dir,
    agent: 'a',
    topic: 'T',
    logger: captureLogger().logger,
    clock,
    random: () => 0.5,
    onUpdate: () => {},
    onDelete: () => {},
  });
  sub.start();
  t.after(() => sub.close());
  const delays: number[] = [];
  for (let i = 1; i <= 4; i++) {
    await until(() => accepted === i && !sub.connected && clock.dueTimes.length === 1, `drop ${i}`);
    const due = clock.dueTimes[0]!;
    delays.push(due - clock.now());
    await clock.advance(due - clock.now());
  }
  assert.deepEqual(delays, [100, 200, 400, 800]);
  assert.equal(sub.synchronized, false);
});

test('a callback that throws is logged and the stream goes on', async (t) => {
  const tmp = tempRunDir();
  t.after(tmp.remove);
  const listener = fakePublisher(tmp.dir, (conn) => {
    conn.send(Buffer.from('update T YQ== MQ=='));
    conn.send(Buffer.from('update T Yg== Mg=='));
    conn.send(Buffer.from('complete T'));
  });
  t.after(() => listener.close());
  const log = captureLogger();
  const got: string[] = [];
  const sub = new Subscriber({
    runDir: tmp.dir,
    agent: 'a',
    topic: 'T',
    logger: log.logger,
    onUpdate: (k) => {
      got.push(k);
      if (k === 'a') throw new Error('caller bug');
    },
    onDelete: () => {},
  });
  sub.start();
  t.after(() => sub.close());
  await until(() => sub.synchronized, 'sync');
  assert.deepEqual(got, ['a', 'b']);
  assert.deepEqual(
    log.lines.filter((l) => l.level === 'error').map((l) => l.obj.err),
    ['caller bug'],
  );
});

test('a persistent publication is preloaded from its checkpoints, then the live dump supersedes it', async (t) => {
  const tmp = tempRunDir();
  t.after(tmp.remove);
  const persist = join(tmp.dir, 'persist', 'a', 'T');
  mkdirSync(persist, { recursive: true });
  writeFileSync(join(persist, 'kept.json'), '{"V":1}');
  writeFileSync(join(persist, 'stale.json'), '{"V":2}');
  writeFileSync(join(persist, 'bad.json'), '{');
  const events: unknown[] = [];
  let dumps = 0;
  const listener = fakePublisher(tmp.dir, (conn) => {
    dumps++;
    conn.send(
      Buffer.from(
        `update T ${Buffer.from('kept').toString('base64')} ${Buffer.from('{"V":1}').toString('base64')}`,
      ),
    );
    conn.send(Buffer.from('complete T'));
  });
  t.after(() => listener.close());
  const log = captureLogger();
  const sub = new Subscriber({
    runDir: tmp.dir,
    agent: 'a',
    topic: 'T',
    logger: log.logger,
    preloadDir: persist,
    onUpdate: (k, v) => events.push(['update', k, v, dumps]),
    onDelete: (k) => events.push(['delete', k]),
    onSynchronized: () => events.push('sync'),
  });
  sub.start();
  t.after(() => sub.close());
  await until(() => sub.synchronized, 'sync');
  assert.deepEqual(events, [
    ['update', 'kept', { V: 1 }, 0],
    ['update', 'stale', { V: 2 }, 0],
    ['delete', 'stale'],
    'sync',
  ]);
  assert.equal(log.lines.filter((l) => l.msg === 'pubsub preload file ignored').length, 1);
});
