/** Global settings applied to the running agent (src/agent/settings.ts): log levels and the GPS refresh. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modemManagerLogLevel, SettingsApplier } from '../../src/agent/settings.js';
import type { SetLoggingLevel } from '../../src/modemmanager/calls.js';
import type { ConfigItemValueMap } from '../../src/schemas/types.generated.js';
import { captureLogger } from '../pubsub/helpers.js';

test("ModemManager's level follows ours as EVE maps it: info→MSG, debug→INFO, trace→DEBUG", () => {
  assert.equal(modemManagerLogLevel('info'), 'MSG');
  assert.equal(modemManagerLogLevel('debug'), 'INFO');
  assert.equal(modemManagerLogLevel('trace'), 'DEBUG');
  assert.equal(modemManagerLogLevel('warn'), 'WARN');
  assert.equal(modemManagerLogLevel('error'), 'ERR');
  assert.equal(modemManagerLogLevel('silent'), 'ERR');
});

const agentLevel = (level: string): ConfigItemValueMap => ({
  AgentSettings: { wwan: { 'debug.loglevel': { Key: 'debug.loglevel', ItemType: 3, StrValue: level } } },
});

test('applied settings: levels and the refresh rate set; SetLogging only when its level changes, again after a failure', async () => {
  const log = captureLogger();
  const levels: string[] = [];
  const mmLevels: SetLoggingLevel[] = [];
  const refresh: number[] = [];
  const scanning: boolean[] = [];
  let failNext = false;
  const applier = new SettingsApplier(
    {
      setLogLevel: (l) => levels.push(l),
      setModemManagerLogLevel: async (l) => {
        mmLevels.push(l);
        if (failNext) {
          failNext = false;
          throw new Error('not authorized');
        }
      },
      setLocationRefresh: (s) => refresh.push(s),
      setScanning: (on) => scanning.push(on),
      setRecovery: () => {},
      setConnectivity: () => {},
    },
    log.logger,
    'test',
  );
  applier.apply(undefined);
  assert.deepEqual([levels, mmLevels, refresh], [['info'], ['MSG'], [10]]);
  applier.apply({
    GlobalSettings: {
      'timer.location.app.interval': { Key: 'timer.location.app.interval', ItemType: 1, IntValue: 600 },
      'timer.location.cloud.interval': { Key: 'timer.location.cloud.interval', ItemType: 1, IntValue: 400 },
    },
  });
  assert.deepEqual(mmLevels, ['MSG'], 'same level: no call');
  assert.deepEqual(refresh, [10, 200], 'min(app, cloud) / 2');
  failNext = true;
  applier.apply(agentLevel('debug'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(mmLevels, ['MSG', 'INFO']);
  assert.ok(log.lines.some((l) => l.msg === 'cannot set the ModemManager log level'));
  applier.apply(agentLevel('debug'));
  assert.deepEqual(mmLevels, ['MSG', 'INFO', 'INFO'], 'tried again after the failure');
  assert.equal(levels.at(-1), 'debug');
  applier.apply({
    GlobalSettings: {
      'wwan.query.visible.providers': { Key: 'wwan.query.visible.providers', ItemType: 2, BoolValue: true },
    },
  });
  assert.deepEqual(scanning, [false, false, false, false, true]);
});
