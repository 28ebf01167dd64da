/** The wwan schemas: generated types up to date, examples valid, errors naming the field. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { generate, generatedFile } from '../../schemas/codegen.js';
import { formatErrors, validateWwanConfig, validateWwanStatus } from '../../src/schemas/validate.js';

const example = JSON.parse(
  readFileSync(new URL('../../docs/examples/wwan-config.json', import.meta.url), 'utf8'),
);

test('the generated TypeScript types match the schemas (run `npm run schemas` after editing one)', async () => {
  assert.equal(readFileSync(generatedFile, 'utf8'), await generate());
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
