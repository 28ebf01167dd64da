/** JSON export (validated against schemas/graph-export.schema.json) and DOT rendering. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { apply, editGraph, exportGraph, graphOf, type Item, plan, toDot } from '../../reconciler/index.js';
import { dep, ext, Recorder, t } from './harness.js';

const schema = JSON.parse(
  readFileSync(new URL('../../schemas/graph-export.schema.json', import.meta.url), 'utf8'),
);
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

async function scenario() {
  const predicates = { isUp: (s: unknown) => (s as { up?: boolean }).up === true };
  const rec = new Recorder({ failCreate: new Set(['bad']), recreateOn: ['apn'] });
  const items: Item[] = [
    ext('eth0', { up: true }),
    t('link', { mtu: 1500 }, dep('ext/eth0', 'isUp')),
    t('conn', { apn: 'a' }, 'link'),
    t('addr', { ip: '10.0.0.2' }, 'conn'),
    t('gone'),
    t('bad'),
  ];
  const d1 = graphOf(
    'wwan',
    items.map((item) => ({ item, path: item.name === 'conn' ? ['modem-1'] : [] })),
  );
  const c0 = graphOf('wwan', [ext('eth0', { up: true })]);
  const p1 = plan(c0, d1, { predicates });
  const r1 = await apply(p1, c0, d1, { configurators: { t: rec.configurator() } });
  const d2 = editGraph(d1, (e) => {
    e.put(t('conn', { apn: 'b' }, 'link'), { path: ['modem-1'] });
    e.put(t('link', { mtu: 1400 }, dep('ext/eth0', 'isUp')));
    e.delete({ type: 't', name: 'gone' });
    e.put(t('waits', {}, 'nothing'));
  });
  const p2 = plan(r1.current, d2, { predicates, configurators: { t: rec.configurator() } });
  return { exp: exportGraph(r1.current, d2, { plan: p2, predicates }), p2 };
}

test('the JSON export validates against its schema and carries the plan overlay', async () => {
  const { exp } = await scenario();
  assert.ok(validate(exp), JSON.stringify(validate.errors, null, 2));
  const state = Object.fromEntries(exp.items.map((i) => [i.id, i.state]));
  assert.deepEqual(state, {
    'ext/eth0': 'observed',
    't/addr': 'to-recreate',
    't/bad': 'to-create',
    't/gone': 'to-delete',
    't/link': 'to-modify',
    't/nothing': 'missing',
    't/waits': 'pending',
    't/conn': 'to-recreate',
  });
  assert.deepEqual(exp.summary, { create: 1, modify: 1, recreate: 2, delete: 1, pending: 1, failed: 0 });
  const link = exp.items.find((i) => i.id === 't/link');
  assert.deepEqual(link?.steps?.[0]?.patch, [{ op: 'replace', path: '/mtu', value: 1400 }]);
  assert.deepEqual(exp.items.find((i) => i.id === 't/conn')?.path, ['modem-1']);
  assert.deepEqual(
    exp.edges.find((e) => e.from === 't/link'),
    {
      from: 't/link',
      to: 'ext/eth0',
      description: 'needs ext/eth0',
      predicate: { name: 'isUp' },
      satisfied: true,
    },
  );
});

test('a document missing a required field fails the schema, naming the field', () => {
  assert.equal(validate({ schemaVersion: 1, name: 'x' }), false);
  assert.ok(validate.errors?.some((e) => e.message?.includes("'clusters'")));
});

test('DOT output has a legend, clusters, marks for each planned operation and red unsatisfied edges', async () => {
  const { exp } = await scenario();
  const dot = toDot(exp);
  assert.match(dot, /^digraph "wwan" \{/);
  assert.ok(dot.includes('subgraph "cluster_modem-1"'));
  assert.ok(dot.includes('subgraph "cluster_legend"'));
  assert.match(dot, /"t\/conn" \[label="-\/\+ conn\\nt"/);
  assert.match(dot, /"t\/link" \[label="~ link\\nt"/);
  assert.match(dot, /"t\/gone" \[label="- gone\\nt"/);
  assert.match(dot, /"t\/bad" \[label="\+ bad\\nt"/);
  assert.match(dot, /"t\/waits" -> "t\/nothing" \[color=red/);
  // Balanced braces: the file is well-formed.
  assert.equal((dot.match(/\{/g) ?? []).length, (dot.match(/\}/g) ?? []).length);
});
