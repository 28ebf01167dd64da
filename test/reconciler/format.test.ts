/** The text plan: symbols, old → new values, hidden secrets, the summary line. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyGraph, formatPlan, graphOf, plan } from '../../reconciler/index.js';
import { Recorder, t } from './harness.js';

test('text plan: +, ~ with old → new, -/+ with the reason, -, pending, summary; secrets hidden', () => {
  const rec = new Recorder({ recreateOn: ['apn'] });
  const cur = graphOf('G', [
    t('conn', { apn: 'a', password: 'old-secret' }),
    t('link', { mtu: 1500 }),
    t('gone'),
  ]);
  const des = graphOf('G', [
    t('conn', { apn: 'b', password: 'new-secret' }),
    t('link', { mtu: 1400 }),
    t('addr', {}, 'link'),
    t('waits', {}, 'nothing'),
  ]);
  const p = plan(cur, des, { configurators: { t: rec.configurator() } });
  const text = formatPlan(p, cur, { sensitive: (ptr) => ptr.endsWith('/password') });
  assert.equal(
    text,
    [
      '-/+ t/conn  # apn changed (forces replacement)',
      '      /apn: "a" → "b"',
      '      /password: (sensitive) → (sensitive)',
      '  - t/gone  # no longer desired',
      '  ~ t/link  # changed: /mtu',
      '      /mtu: 1500 → 1400',
      '  + t/addr  # new item',
      '  … t/waits  # waits for t/nothing: does not exist',
      '',
      'Plan: 1 to create, 1 to modify, 1 to recreate, 1 to delete. 1 pending.',
      '',
    ].join('\n'),
  );
  assert.ok(!text.includes('secret'));
});

test('no changes says so', () => {
  const g = graphOf('G', [t('A')]);
  assert.equal(formatPlan(plan(g, g), g), '\nNo changes.\n');
  assert.equal(formatPlan(plan(emptyGraph('G'), emptyGraph('G')), g, { color: true }), '\nNo changes.\n');
});
