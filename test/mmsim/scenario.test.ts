/** Scenario files: the documented example parses; malformed scenarios are rejected with a reason. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadScenario, parseScenario } from '../../src/mmsim/scenario.js';

const EXAMPLE = fileURLToPath(new URL('../../docs/examples/mmsim-scenario.json', import.meta.url));

test('docs/examples/mmsim-scenario.json is a valid scenario', async () => {
  const s = await loadScenario(EXAMPLE);
  assert.equal(s.modems.length, 2);
  assert.deepEqual(
    s.modems.map((m) => m.id),
    ['A', 'B'],
  );
  assert.ok((s.events ?? []).length > 0);
  assert.ok(s.modems[0]?.bearer?.ipv4 && s.modems[0]?.bearer?.ipv6, 'the example shows dual-stack');
});

const BAD: readonly [string, unknown, RegExp][] = [
  ['not an object', [], /must be a JSON object/],
  ['unknown top-level key', { modems: [], modem: [] }, /unknown key 'modem'/],
  ['modems missing', {}, /'modems' must be an array/],
  ['duplicate ids', { modems: [{ id: 'A' }, { id: 'A' }] }, /'A' is duplicated/],
  ['negative timing', { modems: [], timing: { step: -1 } }, /timing.step/],
  ['event without time', { modems: [], events: [{ action: 'unplug', modem: 'A' }] }, /atMs/],
  ['unknown action', { modems: [], events: [{ atMs: 0, action: 'explode' }] }, /action 'explode' is unknown/],
  ['event without modem', { modems: [], events: [{ atMs: 0, action: 'unplug' }] }, /modem is required/],
  [
    'non-MM error name',
    { modems: [], events: [{ atMs: 0, action: 'dropBearer', modem: 'A', errorName: 'com.example.Oops' }] },
    /not an org\.freedesktop\.ModemManager1\.Error\.\* name/,
  ],
  [
    'bad RAT',
    { modems: [], events: [{ atMs: 0, action: 'setSignal', modem: 'A', rat: 'wifi' }] },
    /rat must be/,
  ],
];

for (const [what, json, msg] of BAD) {
  test(`rejects a scenario with ${what}`, () => {
    assert.throws(
      () => parseScenario(json, 'x.json'),
      (e: Error) => {
        assert.match(e.message, /^x\.json: /);
        assert.match(e.message, msg);
        return true;
      },
    );
  });
}

test('restart and addModem need no modem reference', () => {
  const s = parseScenario({
    modems: [],
    events: [
      { atMs: 1, action: 'restart', downtimeMs: 10 },
      { atMs: 2, action: 'addModem', spec: { id: 'C' } },
    ],
  });
  assert.equal(s.events?.length, 2);
});
