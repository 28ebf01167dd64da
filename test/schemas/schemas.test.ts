/**
 * The wwan schemas: generated types and validators up to date, the schemas strict, examples valid,
 * errors naming the field.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  generate,
  generatedFile,
  generateValidators,
  schemaCompiler,
  validatedSchemas,
  validatorsFile,
} from '../../schemas/codegen.js';
import { formatErrors, validateWwanConfig, validateWwanStatus } from '../../src/schemas/validate.js';
import { validators } from '../../src/schemas/validators.generated.js';

const example = JSON.parse(
  readFileSync(new URL('../../docs/examples/wwan-config.json', import.meta.url), 'utf8'),
);

const base = 'https://lf-edge.org/mmagent-ts/schemas/';

test('the generated TypeScript types match the schemas (run `npm run schemas` after editing one)', async () => {
  assert.equal(
    readFileSync(generatedFile, 'utf8'),
    await generate(),
    `${generatedFile} is stale: run \`npm run schemas\``,
  );
});

test('the generated validators match the schemas (run `npm run schemas` after editing one)', () => {
  // Not assert.equal: a diff of ~450 kB of generated code says less than the message.
  assert.ok(
    readFileSync(validatorsFile, 'utf8') === generateValidators(),
    `${validatorsFile} is stale: run \`npm run schemas\``,
  );
});

test('every schema is valid against the 2020-12 meta-schema and compiles in ajv strict mode', () => {
  const ajv = schemaCompiler(); // adding a schema checks it against the meta-schema, and throws
  for (const f of Object.keys(validatedSchemas)) {
    const v = ajv.getSchema(base + f); // compiling in strict mode throws on unknown keywords or formats
    assert.ok(v, f);
    assert.equal(ajv.validateSchema(v.schema), true, `${f}: ${ajv.errorsText()}`);
  }
  // The same compiler refuses what strict mode is for.
  assert.throws(() => schemaCompiler().compile({ type: 'object', propertys: {} }), /unknown keyword/);
  assert.throws(() => schemaCompiler().compile({ type: 'string', format: 'go-tim' }), /unknown format/);
});

test('the generated validators report exactly what ajv compiling at run time reports', () => {
  const ajv = schemaCompiler();
  const bad = structuredClone(example);
  bad.Networks[0].LogicalLabel = ' unmanaged:a/b';
  bad.Networks[0].PhysAddrs.Interface = 'eth0:ünïcödé-too-long';
  bad.Networks[0].AccessPoint.IPType = 'ipv6';
  bad.Networks[0].MTU = 1000;
  bad.Networks[0].Surprise = true;
  bad.DPCTimestamp = '2026-02-30T00:00:00Z';
  const docs = [null, 42, 'x', [], {}, example, bad, { Networks: [{ Proxies: [{ type: 9, port: -1 }] }] }];
  for (const f of Object.keys(validatedSchemas) as (keyof typeof validatedSchemas)[]) {
    const compiled = ajv.getSchema(base + f)!;
    const generated = validators[f];
    for (const doc of docs) {
      assert.equal(generated(doc), compiled(doc), `${f}: ${JSON.stringify(doc)}`);
      assert.deepEqual(generated.errors, compiled.errors, `${f}: ${JSON.stringify(doc)}`);
    }
  }
});

test('validating loads no schema compiler, only ajv run-time helpers', () => {
  const script = `
    const v = await import(${JSON.stringify(new URL('../../src/schemas/validate.ts', import.meta.url).href)});
    v.validateWwanConfig({ Networks: [] });
    v.validateWwanStatus({});
    const { _cache } = (await import('node:module')).default;
    console.log(JSON.stringify(Object.keys(_cache).filter((p) => /[\\/]ajv[\\/]/.test(p))));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  const loaded = JSON.parse(out) as string[];
  assert.ok(loaded.length > 0, 'the probe sees the ajv run-time helpers');
  assert.deepEqual(
    loaded.filter((p) => !/[\\/]ajv[\\/]dist[\\/]runtime[\\/]/.test(p)),
    [],
    'only ajv/dist/runtime/ is loaded',
  );
});

test('the documented example config is valid', () => {
  const r = validateWwanConfig(example);
  assert.ok(r.ok, r.ok ? '' : formatErrors(r.errors));
});

test('Go zero values and nulls are accepted: an empty object, null slices, the zero time', () => {
  assert.ok(validateWwanConfig({}).ok);
  assert.ok(validateWwanConfig({ Networks: null, DPCTimestamp: '0001-01-01T00:00:00Z' }).ok);
});

test('invalid fields are reported with their JSON path and a plain reason', () => {
  const bad = structuredClone(example);
  bad.Networks[0].AccessPoint.IPType = 'ipv5';
  bad.Networks[0].MTU = 70000;
  bad.Networks[0].PhysAddrs.USB = 'usb-1';
  bad.DPCTimestamp = 'yesterday';
  const r = validateWwanConfig(bad);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.deepEqual(Object.fromEntries(r.errors.map((e) => [e.path, e.message])), {
    '/DPCTimestamp':
      'is not valid: an RFC 3339 time such as 2026-11-24T09:41:07.123456789Z (a Go time.Time, echoed verbatim; zero is 0001-01-01T00:00:00Z)',
    '/Networks/0/PhysAddrs/USB': 'is not valid: a USB address <bus>:<port>[.<port>...] such as 1:2.3',
    '/Networks/0/AccessPoint/IPType': 'must be one of "", "ipv4", "ipv4v6", "ipv6"',
    '/Networks/0/MTU': "must be 0 (the network's MTU) or from 68 to 65535",
  });
});

test('a status missing a required field names it', () => {
  const r = validateWwanStatus({ DPCKey: '', DPCTimestamp: '0001-01-01T00:00:00Z', Networks: [] });
  assert.equal(r.ok, false);
  if (!r.ok) assert.deepEqual(r.errors, [{ path: '/RSConfigTimestamp', message: 'is required' }]);
});
