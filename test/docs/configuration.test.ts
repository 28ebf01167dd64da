/**
 * docs/configuration.md is generated from the schemas (npm run schemas) and up to date, and the
 * global settings it documents (global-config.schema.json's x-settings) are exactly the keys
 * src/io/global-config.ts acts on, with its defaults and ranges.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { configReferenceFile, documentedSettings, generateConfigReference } from '../../schemas/codegen.js';
import {
  DEFAULT_GLOBAL_SETTINGS,
  GLOBAL_KEYS,
  type GlobalSettings,
  readGlobalSettings,
} from '../../src/io/global-config.js';
import type { ConfigItemValueMap } from '../../src/schemas/types.generated.js';

test('docs/configuration.md is generated from the schemas (run `npm run schemas` after editing one)', () => {
  assert.ok(
    readFileSync(configReferenceFile, 'utf8') === generateConfigReference(),
    `${configReferenceFile} is stale: run \`npm run schemas\``,
  );
});

test('the reference names every WwanConfig field and marks the extensions', () => {
  const doc = generateConfigReference();
  for (const field of [
    'DPCKey',
    'RadioSilence',
    'LogicalLabel',
    'RouteMetric',
    'AttachAPN',
    'ProbePort',
    'IsCipher',
  ])
    assert.match(doc, new RegExp(`\\| \`${field}\``), field);
  assert.match(doc, /\| `PIN` \*\*\(ours\)\*\* +\|/);
  assert.match(doc, /\| `wwan\.probe\.interval` \*\*\(ours\)\*\* +\|/);
});

const { global, agent } = documentedSettings();

/** The settings read from a map with one global key. */
const withKey = (key: string, item: Record<string, unknown>) =>
  readGlobalSettings({ GlobalSettings: { [key]: { Key: key, ...item } } } as ConfigItemValueMap);

/** The GlobalSettings field a key is read into. */
function fieldOf(key: string): keyof GlobalSettings {
  const name = Object.entries(GLOBAL_KEYS).find(([, k]) => k === key)?.[0];
  assert.ok(name, `${key} is not in GLOBAL_KEYS`);
  const field = (Object.keys(DEFAULT_GLOBAL_SETTINGS) as (keyof GlobalSettings)[]).find(
    (f) => f === name || f === `${name}Sec` || f === `${name}Level`,
  );
  assert.ok(field, `no GlobalSettings field for ${key} (${name})`);
  return field;
}

test('the documented settings keys are exactly the keys the agent reads', () => {
  assert.deepEqual([...Object.keys(global), ...Object.keys(agent)].sort(), Object.values(GLOBAL_KEYS).sort());
});

test('each documented default and range is what readGlobalSettings applies', () => {
  for (const [key, doc] of Object.entries(global)) {
    const field = fieldOf(key);
    if (field === 'defaultLogLevel') {
      assert.equal(DEFAULT_GLOBAL_SETTINGS.defaultLogLevel, doc.default, key);
      continue;
    }
    assert.equal(DEFAULT_GLOBAL_SETTINGS[field], doc.default, `${key}: default`);
    if (doc.type === 'bool') {
      assert.equal(withKey(key, { ItemType: 2, BoolValue: true }).settings[field], true, key);
      continue;
    }
    assert.equal(doc.type, 'int', key);
    const { minimum: min, maximum: max } = doc;
    assert.ok(min !== undefined && max !== undefined, `${key}: range documented`);
    for (const v of [min, max]) {
      const r = withKey(key, { ItemType: 1, IntValue: v });
      assert.deepEqual([r.settings[field], r.warnings], [v, []], `${key}=${v} is accepted`);
    }
    for (const v of [min - 1, max + 1].filter((x) => x >= 0 && x <= 0xffffffff)) {
      const r = withKey(key, { ItemType: 1, IntValue: v });
      assert.equal(r.settings[field], doc.default, `${key}=${v} keeps the value in force`);
      assert.equal(r.warnings.length, 1, `${key}=${v} is warned about`);
    }
  }
  const level = agent['debug.loglevel']!;
  assert.equal(DEFAULT_GLOBAL_SETTINGS.agentLogLevel ?? '', level.default);
  const r = readGlobalSettings({
    AgentSettings: { wwan: { 'debug.loglevel': { Key: 'debug.loglevel', ItemType: 3, StrValue: 'debug' } } },
  } as ConfigItemValueMap);
  assert.equal(r.settings.logLevel, 'debug');
});
