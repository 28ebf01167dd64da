import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type CipherBlockInput, type CredentialsResult, decryptCredentials } from '../../src/cipher/index.js';
import { readWireFields } from '../../src/cipher/protobuf.js';
import { encryptFor, encryptionBlock, newWorld } from './vectors.js';

const world = newWorld();
const keys = { deviceKey: world.device.privateKey, controllerCert: world.controllerCertPem };

/** Credentials long and random enough that finding one inside an error text can only mean a leak. */
const secret = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789'),
  minLength: 12,
  maxLength: 40,
});
const credentials = fc.record({ user: secret, password: secret, attachUser: secret, attachPassword: secret });

function assertNoLeak(r: CredentialsResult, plaintext: Buffer, secrets: readonly string[]): void {
  if (r.ok) return;
  assert.equal(typeof r.error, 'string');
  for (const s of secrets) assert.ok(!r.error.includes(s), `error leaks a credential: ${r.error}`);
  for (const form of [
    plaintext.toString('hex'),
    plaintext.toString('base64'),
    plaintext.toString('latin1'),
  ]) {
    assert.ok(!r.error.includes(form.slice(0, 16)), `error leaks plaintext bytes: ${r.error}`);
  }
}

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    field: fc.constantFrom('pubsub-large-CipherData', 'InitialValue', 'ClearTextHash'),
    at: fc.nat(),
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({
    kind: fc.constant('cut' as const),
    field: fc.constantFrom('pubsub-large-CipherData', 'InitialValue', 'ClearTextHash'),
    keep: fc.nat(),
  }),
  fc.record({
    kind: fc.constant('text' as const),
    field: fc.constantFrom('pubsub-large-CipherData', 'InitialValue', 'ClearTextHash'),
    text: fc.string(),
  }),
  fc.record({ kind: fc.constant('context' as const), ctx: fc.anything() }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(block: CipherBlockInput, m: Mutation): CipherBlockInput {
  if (m.kind === 'context') return { ...block, CipherContext: m.ctx as CipherBlockInput['CipherContext'] };
  if (m.kind === 'text') return { ...block, [m.field]: m.text };
  const bytes = Buffer.from(block[m.field] ?? '', 'base64');
  if (m.kind === 'cut')
    return { ...block, [m.field]: bytes.subarray(0, m.keep % (bytes.length + 1)).toString('base64') };
  const at = m.at % bytes.length;
  bytes[at] = (bytes[at] ?? 0) ^ (1 << m.bit);
  return { ...block, [m.field]: bytes.toString('base64') };
}

describe('decryptCredentials properties', () => {
  it('any input at all: never throws, always a result', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (block, cert) => {
        const r = decryptCredentials(block as CipherBlockInput, {
          deviceKey: world.device.privateKey,
          controllerCert: cert as string,
        });
        assert.equal(typeof r.ok, 'boolean');
        if (!r.ok) assert.equal(typeof r.error, 'string');
      }),
      { numRuns: 500 },
    );
  });

  it('random bytes as a block: never throws, never accepted', () => {
    // Mostly the right sizes, so the runs reach the decryption and the hash check.
    const sized = (n: number) =>
      fc
        .oneof(fc.uint8Array({ minLength: n, maxLength: n }), fc.uint8Array({ maxLength: 200 }))
        .map((b) => Buffer.from(b).toString('base64'));
    fc.assert(
      fc.property(sized(40), sized(16), sized(32), (data, iv, hash) => {
        const r = decryptCredentials(
          {
            IsCipher: true,
            'pubsub-large-CipherData': data,
            InitialValue: iv,
            ClearTextHash: hash,
            CipherContext: { KeyExchangeScheme: 1, EncryptionScheme: 1 },
          },
          keys,
        );
        assert.equal(r.ok, false);
      }),
      { numRuns: 300 },
    );
  });

  it('random credentials round-trip; any mutation of the block fails without leaking them', () => {
    fc.assert(
      fc.property(credentials, fc.array(mutation, { minLength: 1, maxLength: 3 }), (c, ms) => {
        const plaintext = encryptionBlock(c);
        const block = encryptFor(world, plaintext);
        const expected = {
          ok: true,
          connection: { user: c.user, password: c.password },
          attach: { user: c.attachUser, password: c.attachPassword },
        };
        assert.deepEqual(decryptCredentials(block, keys), expected);
        const mutated = ms.reduce(mutate, block);
        const r = decryptCredentials(mutated, keys);
        // A mutation may be a no-op (a cut that keeps everything, text equal to the original).
        if (r.ok) assert.deepEqual(r, expected);
        assertNoLeak(r, plaintext, Object.values(c));
      }),
      { numRuns: 300 },
    );
  });
});

describe('readWireFields properties', () => {
  it('random bytes: never throws, every field lies inside the input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (buf) => {
        const r = readWireFields(buf);
        for (const f of r.fields) {
          assert.ok(f.field >= 1);
          if (f.bytes) {
            assert.equal(f.bytes.buffer, buf.buffer);
            assert.ok(f.bytes.byteOffset + f.bytes.length <= buf.byteOffset + buf.length);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
