/**
 * The agent's pubsub side (src/eve/pubsub-io.ts) against our own publishers on a temporary run
 * dir: the bounded wait for the first global config (on an injected clock), what each topic
 * delivers to the agent, and the publications. Interop with an independent peer is e2e/pubsub and
 * e2e/agent/pubsub.test.ts.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CipherOutcome } from '../../src/agent/secrets.js';
import { DEFAULT_GLOBAL_CONFIG_WAIT_MS, EvePubsub, type EveSinks } from '../../src/eve/pubsub-io.js';
import type { ConfigFileError } from '../../src/io/config-file.js';
import { Publisher } from '../../src/pubsub/index.js';
import type { ConfigItemValueMap, WwanConfig } from '../../src/schemas/types.generated.js';
import { captureLogger, tempRunDir, until } from '../pubsub/helpers.js';
import { FakeClock } from '../reconciler/harness.js';

function world(t: { after(fn: () => unknown): void }) {
  const tmp = tempRunDir();
  const log = captureLogger();
  const clock = new FakeClock();
  const seen = {
    configs: [] as WwanConfig[],
    rejected: [] as ConfigFileError[],
    settings: [] as (ConfigItemValueMap | undefined)[],
    keys: [] as string[],
  };
  const sinks: EveSinks = {
    acceptConfig: (c) => seen.configs.push(c),
    rejectConfig: (e) => seen.rejected.push(e),
    applySettings: (m) => seen.settings.push(m),
    keysChanged: (r) => seen.keys.push(r),
  };
  const eve = new EvePubsub(
    {
      runDir: join(tmp.dir, 'run'),
      persistDir: join(tmp.dir, 'persist'),
      logger: log.logger,
      clock,
      backoff: { baseMs: 10, factor: 1, maxMs: 10, jitter: 0 },
    },
    sinks,
  );
  const publishers: Publisher[] = [];
  const publisher = async (agent: string, topic: string) => {
    const p = new Publisher({ runDir: join(tmp.dir, 'run'), agent, topic, logger: captureLogger().logger });
    await p.start();
    publishers.push(p);
    return p;
  };
  t.after(async () => {
    await eve.close();
    for (const p of publishers) await p.close();
    tmp.remove();
  });
  return { tmp, log, clock, seen, eve, publisher };
}

test('waits for the first global config, then takes WwanConfig: nothing is taken before it', async (t) => {
  const w = world(t);
  const nim = await w.publisher('nim', 'WwanConfig');
  await nim.publish('global', { DPCKey: 'k1', Networks: [] });
  const zedagent = await w.publisher('zedagent', 'ConfigItemValueMap');
  const started = w.eve.start();
  await until(() => w.log.lines.some((l) => l.msg === 'waiting for the global config before acting'), 'wait');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(w.seen.configs.length, 0, 'no WwanConfig before the global config');
  await zedagent.publish('global', {
    GlobalSettings: {
      'timer.location.app.interval': { Key: 'timer.location.app.interval', ItemType: 1, IntValue: 60 },
    },
  });
  await started;
  await until(() => w.seen.configs.length === 1, 'the WwanConfig');
  assert.equal(w.seen.settings.length, 1);
  assert.equal(w.seen.settings[0]?.GlobalSettings?.['timer.location.app.interval']?.IntValue, 60);
  assert.equal(w.seen.configs[0]?.DPCKey, 'k1');
  assert.ok(!w.log.lines.some((l) => l.msg.startsWith('no global config')), 'no timeout line');
});

test('no global config: after the bounded wait the defaults apply, with one line, and the config is taken', async (t) => {
  const w = world(t);
  const nim = await w.publisher('nim', 'WwanConfig');
  await nim.publish('global', { DPCKey: 'k1' });
  const started = w.eve.start();
  await until(() => w.clock.dueTimes.length === 1, 'the wait timer');
  assert.deepEqual(w.clock.dueTimes, [DEFAULT_GLOBAL_CONFIG_WAIT_MS]);
  await w.clock.advance(DEFAULT_GLOBAL_CONFIG_WAIT_MS - 1);
  assert.equal(w.seen.settings.length, 0, 'still waiting 1 ms before the limit');
  await w.clock.advance(1);
  await started;
  assert.deepEqual(w.seen.settings, [undefined], 'the defaults');
  const line = w.log.lines.filter((l) => l.msg.startsWith('no global config from zedagent yet'));
  assert.equal(line.length, 1);
  assert.equal(line[0]?.level, 'warn');
  await until(() => w.seen.configs.length === 1, 'the WwanConfig after the wait');

  // The global config arriving late is applied then.
  const zedagent = await w.publisher('zedagent', 'ConfigItemValueMap');
  await zedagent.publish('global', { GlobalSettings: {} });
  await until(() => w.seen.settings.length === 2, 'the late global config');
});

test('a stop before or during the wait for the global config ends it at once, and nothing is taken', {
  timeout: 5000,
}, async (t) => {
  for (const when of ['before', 'during'] as const) {
    const w = world(t);
    const nim = await w.publisher('nim', 'WwanConfig');
    await nim.publish('global', { DPCKey: 'k1' });
    const stop = new AbortController();
    if (when === 'before') stop.abort();
    const started = w.eve.start(stop.signal);
    if (when === 'during') {
      await until(() => w.clock.dueTimes.length === 1, 'the wait timer');
      stop.abort();
    }
    await started; // on the fake clock, nothing advances: only the abort can end the wait
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(w.seen.configs, [], `${when}: no WwanConfig taken after the stop`);
  }
});

test('WwanConfig: validated as in file mode (Go field names folded, errors naming the topic); other keys ignored; a delete is an empty config', async (t) => {
  const w = world(t);
  const zedagent = await w.publisher('zedagent', 'ConfigItemValueMap');
  await zedagent.publish('global', { GlobalSettings: {} });
  const nim = await w.publisher('nim', 'WwanConfig');
  await w.eve.start();
  // As a Go reader would accept it: lower-case field names.
  await nim.publish('global', {
    dpckey: 'k',
    networks: [{ logicallabel: 'm', physaddrs: { interface: 'wwan0' } }],
  });
  await until(() => w.seen.configs.length === 1, 'the config');
  assert.equal(w.seen.configs[0]?.Networks?.[0]?.LogicalLabel, 'm');
  assert.equal(w.seen.configs[0]?.Networks?.[0]?.PhysAddrs?.Interface, 'wwan0');

  await nim.publish('global', { Networks: [{ LogicalLabel: 'm', MTU: 3 }] });
  await until(() => w.seen.rejected.length === 1, 'the rejection');
  const err = w.seen.rejected[0]!;
  assert.match(err.message, /nim\/WwanConfig\.sock/);
  assert.deepEqual(
    err.errors.map((e) => e.path),
    ['/Networks/0/MTU'],
  );

  await nim.publish('other', { DPCKey: 'x' });
  await nim.unpublish('global');
  await until(() => w.seen.configs.length === 2, 'the delete');
  assert.deepEqual(w.seen.configs[1], {}, 'deleted: an empty config');
  assert.equal(
    w.seen.configs.filter((c) => c.DPCKey === 'x').length,
    0,
    'a key other than global is ignored',
  );
});

test('an invalid global config keeps the settings in force; a deleted one means the defaults', async (t) => {
  const w = world(t);
  const zedagent = await w.publisher('zedagent', 'ConfigItemValueMap');
  await zedagent.publish('global', { GlobalSettings: {} });
  await w.eve.start();
  await zedagent.publish('global', { GlobalSettings: { x: { ItemType: 'int' } } });
  await until(
    () => w.log.lines.some((l) => l.level === 'error' && /keeping the settings in force/.test(l.msg)),
    'error',
  );
  assert.equal(w.seen.settings.length, 1, 'not applied');
  await zedagent.unpublish('global');
  await until(() => w.seen.settings.length === 2, 'the delete');
  assert.equal(w.seen.settings[1], undefined);
});

test('controller certificates reach the keyring and say the keys changed; an unchanged one does not', async (t) => {
  const w = world(t);
  const zedagent = await w.publisher('zedagent', 'ConfigItemValueMap');
  await zedagent.publish('global', {});
  const certs = await w.publisher('zedagent', 'ControllerCert');
  await w.eve.start();
  await certs.publish('ab12', { Cert: Buffer.from('not a certificate').toString('base64') });
  await until(() => w.seen.keys.length === 1, 'keys changed');
  await certs.publish('ab12', { Cert: Buffer.from('not a certificate').toString('base64'), Other: 1 });
  await certs.unpublish('ab12');
  await until(() => w.seen.keys.length === 2, 'removed');
  assert.deepEqual(w.seen.keys, ['controller certificate', 'controller certificate removed']);
});

test('publications: status, metrics and location under global; cipher block status per block, a block gone is unpublished; metrics count', async (t) => {
  const w = world(t);
  const zedagent = await w.publisher('zedagent', 'ConfigItemValueMap');
  await zedagent.publish('global', {});
  await w.eve.start();
  const wwan = join(w.tmp.dir, 'run', 'wwan');
  w.eve.publishOutputs({
    status: { DPCKey: 'k', Networks: [] } as never,
    metrics: { Networks: [] } as never,
    location: undefined,
  });
  const read = async (f: string) => JSON.parse(await readFile(join(wwan, f), 'utf8'));
  await w.eve.idle();
  assert.deepEqual(await read('WwanStatus/global.json'), { DPCKey: 'k', Networks: [] });
  assert.deepEqual(await read('WwanMetrics/global.json'), { Networks: [] });

  const ok: CipherOutcome = {
    label: 'a',
    block: { CipherBlockID: 'b1', IsCipher: true },
    result: { ok: true, connection: { user: 'u', password: 'p' } },
  };
  const bad: CipherOutcome = {
    label: 'b',
    block: { CipherBlockID: 'b2', IsCipher: true },
    result: { ok: false, failure: 'controller-cert', error: 'no certificate' },
  };
  await w.clock.advance(1_500);
  w.eve.publishCiphers([ok, bad]);
  await w.eve.idle();
  const b2 = await read('CipherBlockStatus/b2.json');
  assert.equal(b2.Error, 'no certificate');
  assert.equal(b2.ErrorTime, '1970-01-01T00:00:01.5Z');
  assert.equal((await read('CipherBlockStatus/b1.json')).Error, '');
  assert.ok(!JSON.stringify(await read('CipherBlockStatus/b1.json')).includes('"p"'), 'no secret in it');
  const m = await read('CipherMetrics/global.json');
  assert.deepEqual(m, {
    AgentName: 'wwan',
    FailureCount: 1,
    SuccessCount: 1,
    LastFailure: '1970-01-01T00:00:01.5Z',
    LastSuccess: '1970-01-01T00:00:01.5Z',
    TypeCounters: [0, 1, 0, 0, 0, 0, 0, 0],
  });
  w.eve.publishCiphers([ok]);
  await w.eve.idle();
  await assert.rejects(
    read('CipherBlockStatus/b2.json'),
    /ENOENT/,
    'a block no longer in the config is unpublished',
  );
});
