import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_GLOBAL_SETTINGS,
  GLOBAL_KEYS,
  locationPollSec,
  readGlobalSettings,
} from '../../src/io/global-config.js';
import type { ConfigItemValue, ConfigItemValueMap } from '../../src/schemas/types.generated.js';

const int = (key: string, IntValue: number): ConfigItemValue => ({ Key: key, ItemType: 1, IntValue });
const bool = (key: string, BoolValue: boolean): ConfigItemValue => ({ Key: key, ItemType: 2, BoolValue });
const str = (key: string, StrValue: string): ConfigItemValue => ({ Key: key, ItemType: 3, StrValue });

test('defaults before any global config, and for an empty or null one', () => {
  for (const map of [undefined, {}, { GlobalSettings: null, AgentSettings: null }, { GlobalSettings: {} }]) {
    const r = readGlobalSettings(map as ConfigItemValueMap | undefined);
    assert.deepEqual(r.settings, DEFAULT_GLOBAL_SETTINGS);
    assert.deepEqual(r.warnings, []);
  }
  assert.equal(DEFAULT_GLOBAL_SETTINGS.locationCloudIntervalSec, 3600);
  assert.equal(DEFAULT_GLOBAL_SETTINGS.locationAppIntervalSec, 20);
  assert.equal(locationPollSec(DEFAULT_GLOBAL_SETTINGS), 10);
});

test('every key is read from its EVE name', () => {
  const K = GLOBAL_KEYS;
  const map: ConfigItemValueMap = {
    GlobalSettings: {
      [K.locationCloudInterval]: int(K.locationCloudInterval, 600),
      [K.locationAppInterval]: int(K.locationAppInterval, 60),
      [K.queryVisibleProviders]: bool(K.queryVisibleProviders, true),
      [K.modemRecoveryWatchdog]: bool(K.modemRecoveryWatchdog, true),
      [K.modemRecoveryReloadDrivers]: bool(K.modemRecoveryReloadDrivers, true),
      [K.modemRecoveryRestartModemManager]: bool(K.modemRecoveryRestartModemManager, true),
      [K.defaultLogLevel]: str(K.defaultLogLevel, 'warning'),
    },
  };
  const { settings, warnings } = readGlobalSettings(map);
  assert.deepEqual(warnings, []);
  assert.deepEqual(settings, {
    ...DEFAULT_GLOBAL_SETTINGS,
    locationCloudIntervalSec: 600,
    locationAppIntervalSec: 60,
    queryVisibleProviders: true,
    modemRecoveryWatchdog: true,
    modemRecoveryReloadDrivers: true,
    modemRecoveryRestartModemManager: true,
    defaultLogLevel: 'warning',
    agentLogLevel: undefined,
    logLevel: 'warn',
  });
  assert.equal(locationPollSec(settings), 30);
});

test('integers outside their range keep the value in force, with a warning each', () => {
  const K = GLOBAL_KEYS;
  const low = readGlobalSettings({
    GlobalSettings: {
      [K.locationCloudInterval]: int(K.locationCloudInterval, 10),
      [K.locationAppInterval]: int(K.locationAppInterval, 0),
    },
  });
  assert.equal(low.settings.locationCloudIntervalSec, 3600, 'the default was in force');
  assert.equal(low.settings.locationAppIntervalSec, 20);
  assert.equal(low.warnings.length, 2);
  assert.match(
    low.warnings[0]!,
    /timer\.location\.cloud\.interval: 10 is outside 300\.\.4294967295; keeping 3600/,
  );
  const inForce = { ...DEFAULT_GLOBAL_SETTINGS, locationAppIntervalSec: 60, probeThreshold: 4 };
  const high = readGlobalSettings(
    {
      GlobalSettings: {
        [K.locationAppInterval]: int(K.locationAppInterval, 7200),
        [K.probeThreshold]: int(K.probeThreshold, 0),
      },
    },
    inForce,
  );
  assert.equal(high.settings.locationAppIntervalSec, 60, 'the previous value stays');
  assert.equal(high.settings.probeThreshold, 4);
  assert.equal(high.warnings.length, 2);
  // Absent keys are not bad: they take their default, whatever was in force.
  assert.equal(readGlobalSettings({ GlobalSettings: {} }, inForce).settings.locationAppIntervalSec, 20);
  // Limits themselves are in range.
  const edge = readGlobalSettings({
    GlobalSettings: {
      [K.locationCloudInterval]: int(K.locationCloudInterval, 0xffffffff),
      [K.locationAppInterval]: int(K.locationAppInterval, 5),
    },
  });
  assert.deepEqual(edge.warnings, []);
  assert.equal(edge.settings.locationCloudIntervalSec, 0xffffffff);
});

test('a key of the wrong item type keeps the value in force, with a warning', () => {
  const K = GLOBAL_KEYS;
  const r = readGlobalSettings(
    {
      GlobalSettings: {
        [K.queryVisibleProviders]: { ItemType: 1, IntValue: 1, BoolValue: false },
        [K.locationAppInterval]: { ItemType: 3, StrValue: '60', IntValue: 60 },
      },
    },
    { ...DEFAULT_GLOBAL_SETTINGS, queryVisibleProviders: true, locationAppIntervalSec: 30 },
  );
  assert.equal(r.settings.queryVisibleProviders, true);
  assert.equal(r.settings.locationAppIntervalSec, 30);
  assert.equal(r.warnings.length, 2);
  // No ItemType at all (a hand-written file): the value is taken.
  assert.equal(
    readGlobalSettings({ GlobalSettings: { [K.queryVisibleProviders]: { BoolValue: true } } }).settings
      .queryVisibleProviders,
    true,
  );
});

test('log level: the wwan agent setting overrides the default; EVE names are mapped', () => {
  const def = (v: string) => ({ [GLOBAL_KEYS.defaultLogLevel]: str(GLOBAL_KEYS.defaultLogLevel, v) });
  const agent = (v: string) => ({ wwan: { 'debug.loglevel': str('debug.loglevel', v) } });
  assert.equal(readGlobalSettings({ GlobalSettings: def('debug') }).settings.logLevel, 'debug');
  const both = readGlobalSettings({ GlobalSettings: def('debug'), AgentSettings: agent('all') });
  assert.equal(both.settings.logLevel, 'trace');
  assert.equal(both.settings.agentLogLevel, 'all');
  assert.equal(both.settings.defaultLogLevel, 'debug');
  assert.equal(readGlobalSettings({ AgentSettings: agent('none') }).settings.logLevel, 'silent');
  // Other agents' settings are not ours.
  const other = readGlobalSettings({
    AgentSettings: { nim: { 'debug.loglevel': str('debug.loglevel', 'trace') } },
  });
  assert.equal(other.settings.logLevel, 'info');
  // An unknown agent level falls back to the default level; an unknown default to info.
  const badAgent = readGlobalSettings({ GlobalSettings: def('error'), AgentSettings: agent('chatty') });
  assert.equal(badAgent.settings.logLevel, 'error');
  assert.equal(badAgent.warnings.length, 1);
  const badBoth = readGlobalSettings({ GlobalSettings: def('loud'), AgentSettings: agent('chatty') });
  assert.equal(badBoth.settings.logLevel, 'info');
  assert.equal(badBoth.warnings.length, 2);
  // An empty string is "not set".
  assert.equal(
    readGlobalSettings({ GlobalSettings: def(''), AgentSettings: agent('') }).settings.logLevel,
    'info',
  );
});
