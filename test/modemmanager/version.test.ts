import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseVersion, supports, versionAtLeast } from '../../src/modemmanager/index.js';

test('versions compare numerically, dev suffixes ignored', () => {
  assert.deepEqual(parseVersion('1.20.4'), [1, 20, 4]);
  assert.deepEqual(parseVersion('1.25.95'), [1, 25, 95]);
  assert.deepEqual(parseVersion('1.23.900-dev'), [1, 23, 900]);
  assert.deepEqual(parseVersion('1.22'), [1, 22, 0]);
  assert.equal(versionAtLeast('1.20.4', '1.20'), true);
  assert.equal(versionAtLeast('1.20.4', '1.22'), false);
  assert.equal(versionAtLeast('1.9.0', '1.10'), false, 'not a string comparison');
  assert.equal(versionAtLeast('2.0', '1.26'), true);
  assert.equal(versionAtLeast(undefined, '1.0'), false);
});

test('feature gates follow the first release that has the feature', () => {
  assert.equal(supports('1.20.4', 'profileManager'), true);
  assert.equal(supports('1.20.4', 'physdev'), false);
  assert.equal(supports('1.22.0', 'physdev'), true);
  assert.equal(supports('1.22.0', 'networkRejection'), false);
  assert.equal(supports('1.24.0', 'networkRejection'), true);
  assert.equal(supports('1.25.95', 'disconnectRequest'), false);
  assert.equal(supports('1.26.0', 'disconnectRequest'), true);
});
