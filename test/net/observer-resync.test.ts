/**
 * The observer's failed resync: retried on the shared backoff (50 ms growing to 5 s, not every 50 ms
 * forever), the first failure and the recovery logged once each, nothing left running after close().
 * Timers run on a manual clock, so the schedule is asserted without sleeping.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Logger } from '../../reconciler/controller.js';
import { resolvFileName } from '../../src/dns/resolvconf.js';
import { createNetObserver } from '../../src/netitems/index.js';
import type { NetEvent } from '../../src/netlink/watch.js';
import { FakeClock } from '../reconciler/harness.js';
import { FakeNetlink, link } from './fake-netlink.js';

interface Line {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly obj: object;
  readonly msg: string;
}

function recordingLogger(): Logger & { lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: Line['level']) =>
    (obj: object, msg = '') =>
      lines.push({ level, obj, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

async function started() {
  const nl = new FakeNetlink();
  nl.links = [link(7, 'wwan0')];
  const clock = new FakeClock();
  const logger = recordingLogger();
  let emit: (e: NetEvent) => void = () => undefined;
  const obs = createNetObserver({
    netlink: nl,
    ifnames: ['wwan0'],
    periodicResyncMs: 0,
    clock,
    logger,
    random: () => 0.5, // no jitter: the schedule is exact
    watch: (cb) => {
      emit = cb;
      return { close: () => undefined };
    },
  });
  await obs.start();
  const dumps = () => nl.ops().filter((o) => o === 'listLinks').length;
  // A link going admin-down is one of the silent kernel flushes that asks for a confirming resync.
  const poke = () => emit({ kind: 'link', op: 'new', link: link(7, 'wwan0', { up: false }) });
  return { nl, clock, logger, obs, dumps, poke };
}

test('a failing resync backs off 50 ms → 5 s instead of retrying every 50 ms, and logs once', async () => {
  const { nl, clock, logger, obs, dumps, poke } = await started();
  nl.failures.set('listLinks', Array(1000).fill('EBUSY'));
  nl.links = [link(7, 'wwan0', { up: true })];
  poke();
  assert.deepEqual(clock.dueTimes, [50], 'the confirming resync is debounced 50 ms');
  const before = dumps();
  const delays: number[] = [];
  let last = clock.now();
  for (let i = 0; i < 12; i++) {
    const [due] = clock.dueTimes;
    assert.ok(due !== undefined, 'a retry is always scheduled while failing');
    await clock.advance(due - clock.now());
    delays.push(clock.now() - last);
    last = clock.now();
  }
  assert.deepEqual(delays, [50, 50, 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000]);
  assert.equal(dumps() - before, 12);
  // A minute of failure costs about 16 dumps, not 1,200.
  await clock.advance(60_000);
  assert.ok(dumps() - before <= 12 + 13, `${dumps() - before} dumps in ~80 s`);
  const warns = logger.lines.filter((l) => l.level === 'warn');
  assert.equal(warns.length, 1, 'the first failure only');
  assert.match(warns[0]?.msg ?? '', /resync failed/);
  assert.ok((warns[0]?.obj as { err?: unknown } | undefined)?.err instanceof Error);

  // The kernel answers again: one recovery line, and the next failure streak starts at 50 ms again.
  nl.failures.clear();
  const [due] = clock.dueTimes;
  await clock.advance((due ?? 0) - clock.now());
  assert.deepEqual(clock.dueTimes, [], 'nothing scheduled once in sync');
  const infos = logger.lines.filter((l) => l.level === 'info');
  assert.equal(infos.length, 1);
  assert.match(infos[0]?.msg ?? '', /recovered/);
  assert.ok(((infos[0]?.obj as { failures?: number } | undefined)?.failures ?? 0) > 12);

  nl.failures.set('listLinks', ['EBUSY']);
  poke();
  await clock.advance(50);
  assert.deepEqual(
    clock.dueTimes.map((t) => t - clock.now()),
    [50],
    'a new streak starts at the base delay',
  );
  await clock.advance(50);
  assert.equal(logger.lines.filter((l) => l.level === 'warn').length, 2, 'a new streak is logged again');
  assert.equal(logger.lines.filter((l) => l.level === 'info').length, 2);
  obs.close();
});

test('close() stops a failing resync: no timer left, no dump after it', async () => {
  const { nl, clock, obs, dumps, poke } = await started();
  nl.failures.set('listLinks', Array(1000).fill('EBUSY'));
  poke();
  await clock.advance(50 + 50 + 100);
  assert.equal(clock.dueTimes.length, 1);
  obs.close();
  assert.deepEqual(clock.dueTimes, []);
  const n = dumps();
  await clock.advance(600_000);
  assert.equal(dumps(), n);
});

test('close() while a resync is in flight schedules no retry when it fails', async () => {
  const { nl, clock, obs, poke } = await started();
  let fail: (e: Error) => void = () => undefined;
  nl.listLinks = () =>
    new Promise((_, reject) => {
      fail = reject;
    });
  poke();
  await clock.advance(50);
  obs.close();
  fail(new Error('late failure'));
  await clock.advance(10_000);
  assert.deepEqual(clock.dueTimes, []);
});

test('an unreadable DNS file is logged once (a missing one is normal), and again after it recovered', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'obs-dns-'));
  try {
    const nl = new FakeNetlink();
    nl.links = [link(7, 'wwan0'), link(8, 'wwan1')];
    const logger = recordingLogger();
    const obs = createNetObserver({
      netlink: nl,
      ifnames: ['wwan0', 'wwan1'],
      resolvDir: dir,
      periodicResyncMs: 0,
      logger,
      watch: () => ({ close: () => undefined }),
    });
    await obs.start();
    // wwan1 has no file at all: normal, silent. wwan0's "file" is a directory: EISDIR.
    const file = resolvFileName(dir, 'wwan0');
    await mkdir(file);
    for (let i = 0; i < 5; i++) obs.items();
    const warns = () => logger.lines.filter((l) => l.level === 'warn');
    assert.equal(warns().length, 1);
    assert.equal((warns()[0]?.obj as { file?: string } | undefined)?.file, file);
    await rm(file, { recursive: true });
    await writeFile(file, 'nameserver 10.0.0.53\n');
    assert.ok(obs.items().some((i) => i.type === 'net.dns'));
    await rm(file);
    await mkdir(file);
    obs.items();
    assert.equal(warns().length, 2);
    obs.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
