import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readLargeFields } from '../../src/pubsub/large.js';
import { tempRunDir } from './helpers.js';

test('pubsub-file-X fields are replaced by pubsub-large-X from their side file, which is removed', async (t) => {
  const tmp = tempRunDir();
  t.after(tmp.remove);
  const f1 = join(tmp.dir, 'pubsub-file-CipherData123');
  const f2 = join(tmp.dir, 'pubsub-file-CipherData456');
  writeFileSync(f1, '{"pubsub-large-CipherData":"c2VjcmV0"}');
  writeFileSync(f2, '{"pubsub-large-CipherData":null}');
  const value = {
    Networks: [
      {
        AccessPoint: {
          EncryptedCredentials: { 'pubsub-file-CipherData': JSON.stringify(f1), IsCipher: true },
        },
      },
      { AccessPoint: { EncryptedCredentials: { 'pubsub-file-CipherData': JSON.stringify(f2) } } },
    ],
  };
  assert.deepEqual(await readLargeFields(value), []);
  assert.deepEqual(value.Networks[0]?.AccessPoint.EncryptedCredentials, {
    IsCipher: true,
    'pubsub-large-CipherData': 'c2VjcmV0',
  });
  assert.deepEqual(value.Networks[1]?.AccessPoint.EncryptedCredentials, { 'pubsub-large-CipherData': null });
  assert.equal(existsSync(f1), false);
  assert.equal(existsSync(f2), false);
});

test('a missing side file leaves the field absent without a problem (Go does the same)', async () => {
  const value: Record<string, unknown> = { 'pubsub-file-X': JSON.stringify('/nonexistent/pubsub-file-X1') };
  assert.deepEqual(await readLargeFields(value), []);
  assert.deepEqual(value, {});
});

test('a side file name that is not one Go could create is neither read nor removed', async (t) => {
  const tmp = tempRunDir();
  t.after(tmp.remove);
  const victim = join(tmp.dir, 'important.conf');
  writeFileSync(victim, '{"pubsub-large-X":1}');
  for (const name of [victim, `${tmp.dir}/../${tmp.dir.split('/').pop()}/pubsub-file-X1`, 'pubsub-file-X1']) {
    const value: Record<string, unknown> = { 'pubsub-file-X': JSON.stringify(name) };
    const problems = await readLargeFields(value);
    assert.equal(problems.length, 1, name);
    assert.match(problems[0]?.reason ?? '', /side file/);
    assert.deepEqual(value, {});
  }
  assert.equal(existsSync(victim), true);
});

test('side files that are not JSON or lack the field are reported', async (t) => {
  const tmp = tempRunDir();
  t.after(tmp.remove);
  const bad = join(tmp.dir, 'pubsub-file-X1');
  const other = join(tmp.dir, 'pubsub-file-X2');
  writeFileSync(bad, '{not json');
  writeFileSync(other, '{"pubsub-large-Y":1}');
  const value = {
    a: { 'pubsub-file-X': JSON.stringify(bad) },
    b: { 'pubsub-file-X': JSON.stringify(other) },
  };
  const problems = await readLargeFields(value);
  assert.deepEqual(
    problems.map((p) => p.reason),
    ['side file is not JSON', 'side file has no pubsub-large-X'],
  );
  assert.equal(existsSync(bad), false);
});
