import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import * as credentials from '../../src/modemitems/credentials.js';
import { credentialsDigest } from '../../src/modemitems/credentials.js';

const run = promisify(execFile);
const moduleUrl = new URL('../../src/modemitems/credentials.ts', import.meta.url).href;
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Every unkeyed digest an attacker could try against a leaked value, in the forms we could have used. */
function unkeyedCandidates(user: string, password: string): string[] {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(Buffer.byteLength(user));
  const inputs: Buffer[] = [
    Buffer.from(`${user}\u0000${password}`),
    Buffer.from(`${user}:${password}`),
    Buffer.from(`${user}${password}`),
    Buffer.from(password),
    Buffer.concat([len, Buffer.from(user), Buffer.from(password)]),
  ];
  const out: string[] = [];
  for (const alg of ['sha256', 'sha1', 'md5', 'sha512', 'sha3-256']) {
    for (const input of inputs) out.push(createHash(alg).update(input).digest('hex'));
  }
  return out;
}

test('no credentials, no digest', () => {
  assert.equal(credentialsDigest(undefined), '');
  assert.equal(credentialsDigest({ user: '', password: '' }), '');
  assert.notEqual(credentialsDigest({ user: '', password: 'p' }), '');
});

test('within one process the same credentials give the same digest, different ones a different digest', () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (u1, p1, u2, p2) => {
      fc.pre(u1 + p1 !== '' && u2 + p2 !== '');
      const a = credentialsDigest({ user: u1, password: p1 });
      assert.match(a, /^[0-9a-f]{16}$/);
      assert.equal(credentialsDigest({ user: u1, password: p1 }), a);
      if (u1 !== u2 || p1 !== p2) assert.notEqual(credentialsDigest({ user: u2, password: p2 }), a);
    }),
    { numRuns: 2000 },
  );
  // The field boundary is part of the digest: moving a character across it is a change.
  assert.notEqual(
    credentialsDigest({ user: 'a\u0000', password: 'b' }),
    credentialsDigest({ user: 'a', password: '\u0000b' }),
  );
});

test('the digest is no prefix of any unkeyed digest of the secret', () => {
  fc.assert(
    fc.property(fc.string(), fc.string({ minLength: 1 }), (user, password) => {
      const d = credentialsDigest({ user, password });
      for (const h of unkeyedCandidates(user, password))
        assert.ok(!h.startsWith(d), `digest is a prefix of ${h}`);
    }),
    { numRuns: 500 },
  );
});

test('the module exports no key material', () => {
  assert.deepEqual(Object.keys(credentials).sort(), ['SecretStore', 'credentialsDigest', 'pinDigest']);
});

test('two processes give different digests for the same password (the key is per process)', async () => {
  const script = `import(${JSON.stringify(moduleUrl)}).then((m) => process.stdout.write(m.credentialsDigest({ user: 'eve', password: 'hunter2' })))`;
  const child = () =>
    run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root }).then((r) =>
      r.stdout.trim(),
    );
  const [a, b] = await Promise.all([child(), child()]);
  const here = credentialsDigest({ user: 'eve', password: 'hunter2' });
  for (const d of [a, b]) assert.match(d, /^[0-9a-f]{16}$/);
  assert.notEqual(a, b);
  assert.notEqual(a, here);
  assert.notEqual(b, here);
});

test('a PIN digest: keyed, never the PIN, distinct from a login digest of the same digits', () => {
  assert.equal(credentials.pinDigest(undefined), '');
  const d = credentials.pinDigest('1234');
  assert.match(d, /^[0-9a-f]{16}$/);
  assert.equal(d, credentials.pinDigest('1234'));
  assert.notEqual(d, credentials.pinDigest('1235'));
  assert.notEqual(d, credentialsDigest({ user: '', password: '1234' }));
  for (const u of unkeyedCandidates('', '1234')) assert.ok(!u.startsWith(d));
});
