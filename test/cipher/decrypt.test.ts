import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  type CipherBlockInput,
  type CredentialsResult,
  decryptCredentials,
  TPM_KEY_ERROR,
} from '../../src/cipher/index.js';
import { encryptFor, encryptionBlock, newWorld, pbBytes, pbVarint, pem, selfSignedCert } from './vectors.js';

const world = newWorld();
const keys = { deviceKey: world.device.privateKey, controllerCert: world.controllerCertPem };
const creds = {
  user: 'apn-user@example',
  password: 'S3cret-pässword/with+symbols==',
  attachUser: 'attach-user',
  attachPassword: 'attach-Pa55word-long-enough-to-be-many-bytes',
};
const plaintext = encryptionBlock(creds);
const block = encryptFor(world, plaintext);

function failure(r: CredentialsResult): { failure: string; error: string } {
  assert.equal(r.ok, false, 'expected a failure');
  if (r.ok) throw new Error('unreachable');
  for (const secret of Object.values(creds))
    assert.ok(!r.error.includes(secret), `error leaks a credential: ${r.error}`);
  return r;
}

const b64 = (b: Buffer): string => b.toString('base64');

describe('decryptCredentials: round trip', () => {
  it('decrypts connection and attach credentials (fields 6, 7, 11, 12)', () => {
    assert.deepEqual(decryptCredentials(block, keys), {
      ok: true,
      connection: { user: creds.user, password: creds.password },
      attach: { user: creds.attachUser, password: creds.attachPassword },
    });
  });

  it('leaves out a pair that is absent, and skips the other EncryptionBlock fields', () => {
    const extra = Buffer.concat([
      pbBytes(1, 'ds-api-key'),
      pbBytes(4, 'wifi-password'),
      pbVarint(9, 2),
      pbBytes(13, randomBytes(40)),
      pbBytes(99, 'a field from a newer API'),
    ]);
    const b = encryptFor(world, encryptionBlock({ user: 'u', password: 'p' }, extra));
    assert.deepEqual(decryptCredentials(b, keys), { ok: true, connection: { user: 'u', password: 'p' } });
  });

  it('takes the last occurrence of a repeated string field, as protobuf does', () => {
    const b = encryptFor(world, Buffer.concat([pbBytes(6, 'first'), pbBytes(7, 'p'), pbBytes(6, 'second')]));
    assert.deepEqual(decryptCredentials(b, keys), {
      ok: true,
      connection: { user: 'second', password: 'p' },
    });
  });

  it('accepts the certificate as PEM text, PEM bytes, DER, a chain, after a block that does not parse', () => {
    const other = pem(selfSignedCert(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey));
    const junk = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    for (const controllerCert of [
      world.controllerCertPem,
      Buffer.from(world.controllerCertPem),
      world.controllerCertDer,
      world.controllerCertPem + other,
      `-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n${junk}${world.controllerCertPem}`,
    ]) {
      const r = decryptCredentials(block, { ...keys, controllerCert });
      assert.equal(r.ok, true, JSON.stringify(r));
    }
    // The first certificate that parses is the one used, as in EVE: a chain led by another cert fails.
    failure(decryptCredentials(block, { ...keys, controllerCert: other + world.controllerCertPem }));
  });

  it('accepts Go base64 with line breaks (encoding/json ignores \\r and \\n)', () => {
    const data = block['pubsub-large-CipherData'] ?? '';
    const wrapped = `${data.slice(0, 8)}\r\n${data.slice(8)}`;
    assert.equal(decryptCredentials({ ...block, 'pubsub-large-CipherData': wrapped }, keys).ok, true);
  });
});

describe('decryptCredentials: failures', () => {
  it('IsCipher false is not encrypted: the caller uses the cleartext credentials', () => {
    const r = failure(decryptCredentials({ ...block, IsCipher: false }, keys));
    assert.equal(r.failure, 'not-encrypted');
    assert.match(r.error, /not encrypted/);
    assert.equal(failure(decryptCredentials({}, keys)).failure, 'not-encrypted');
  });

  it('a block zedagent marked with an error is not ready', () => {
    const r = failure(decryptCredentials({ ...block, Error: 'controller cert\u0007\nnot found' }, keys));
    assert.equal(r.failure, 'not-ready');
    assert.match(r.error, /not ready: controller cert not found/);
  });

  it('malformed base64 in each bytes field is named', () => {
    for (const field of ['pubsub-large-CipherData', 'InitialValue', 'ClearTextHash'] as const) {
      const r = failure(decryptCredentials({ ...block, [field]: 'not*base64!' }, keys));
      assert.equal(r.failure, 'malformed');
      assert.match(r.error, new RegExp(`${field} is not valid base64`));
    }
    // Missing padding is not Go's StdEncoding either.
    assert.equal(
      failure(decryptCredentials({ ...block, InitialValue: 'AAAAAA' }, keys)).failure,
      'malformed',
    );
  });

  it('an empty payload, a missing context, a wrong-size IV or hash are malformed', () => {
    const cases: [Partial<CipherBlockInput>, RegExp][] = [
      [{ 'pubsub-large-CipherData': null }, /CipherData is empty/],
      [{ CipherContext: null }, /no CipherContext/],
      [{ InitialValue: b64(randomBytes(8)) }, /InitialValue is 8 bytes/],
      [{ InitialValue: '' }, /InitialValue is 0 bytes/],
      [{ ClearTextHash: b64(randomBytes(16)) }, /ClearTextHash is 16 bytes/],
    ];
    for (const [patch, re] of cases) {
      const r = failure(decryptCredentials({ ...block, ...patch }, keys));
      assert.equal(r.failure, 'malformed', r.error);
      assert.match(r.error, re);
    }
  });

  it('a key exchange other than ECDH or an encryption other than AES-256-CFB is unsupported', () => {
    for (const ctx of [
      { KeyExchangeScheme: 0, EncryptionScheme: 1 },
      { KeyExchangeScheme: 2, EncryptionScheme: 1 },
      { KeyExchangeScheme: 1, EncryptionScheme: 0 },
      { KeyExchangeScheme: 1, EncryptionScheme: 2 },
      { KeyExchangeScheme: 1 },
    ]) {
      const r = failure(decryptCredentials({ ...block, CipherContext: ctx }, keys));
      assert.equal(r.failure, 'unsupported', r.error);
    }
  });

  it('no device key means a TPM-held key, with the exact message', () => {
    const r = failure(decryptCredentials(block, { controllerCert: world.controllerCertPem }));
    assert.equal(r.failure, 'tpm-key');
    assert.ok(r.error.endsWith(TPM_KEY_ERROR));
    assert.equal(TPM_KEY_ERROR, 'the device key is held by the TPM: not supported by mmagent yet');
  });

  it('a missing, unparsable, non-EC or non-P-256 controller certificate is reported', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
    const cases: [string | Buffer | undefined, RegExp][] = [
      [undefined, /no controller certificate/],
      ['', /no controller certificate/],
      ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', /no X\.509 certificate/],
      [randomBytes(64), /no X\.509 certificate/],
      [pem(selfSignedCert(rsa)), /not ECDSA \(rsa\)/],
      [pem(selfSignedCert(p384)), /secp384r1, not P-256/],
    ];
    for (const [controllerCert, re] of cases) {
      const r = failure(decryptCredentials(block, { ...keys, controllerCert }));
      assert.equal(r.failure, 'controller-cert', r.error);
      assert.match(r.error, re);
    }
  });

  it('the wrong device key or the wrong controller certificate is a key mismatch', () => {
    const stranger = newWorld();
    for (const k of [
      { ...keys, deviceKey: stranger.device.privateKey },
      { ...keys, controllerCert: stranger.controllerCertPem },
    ]) {
      const r = failure(decryptCredentials(block, k));
      assert.equal(r.failure, 'key-mismatch', r.error);
      assert.match(r.error, /device key or the controller certificate/);
    }
  });

  it('a device key on another curve is refused before any decryption', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
    assert.equal(failure(decryptCredentials(block, { ...keys, deviceKey: p384 })).failure, 'key-mismatch');
  });

  it('a wrong ClearTextHash is told apart from a wrong key', () => {
    const wrong = createHash('sha256').update('something else').digest('base64');
    const r = failure(decryptCredentials({ ...block, ClearTextHash: wrong }, keys));
    assert.equal(r.failure, 'hash-mismatch');
  });

  it('a truncated CipherData is reported as truncated', () => {
    const data = Buffer.from(block['pubsub-large-CipherData'] ?? '', 'base64');
    for (const cut of [5, 20]) {
      const r = failure(
        decryptCredentials({ ...block, 'pubsub-large-CipherData': b64(data.subarray(0, -cut)) }, keys),
      );
      assert.equal(r.failure, 'truncated', r.error);
    }
  });

  it('a hash-verified plaintext that is not an EncryptionBlock is undecodable', () => {
    for (const bad of [
      Buffer.from([0x32, 0x7f, 0x61]), // field 6 claims 127 bytes, has 1
      Buffer.concat([Buffer.from([0x32, 0x02]), Buffer.from([0xff, 0xfe])]), // field 6 not UTF-8
      pbVarint(6, 1), // field 6 as a varint
      Buffer.from([0x0b, 0x00]), // a group (wire type 3)
    ]) {
      const r = failure(decryptCredentials(encryptFor(world, bad), keys));
      assert.equal(r.failure, 'undecodable', r.error);
    }
  });

  it('names the block by its id, stripped of anything odd', () => {
    const r = failure(
      decryptCredentials({ ...block, CipherBlockID: 'id-1\n\u001b[31m', IsCipher: false }, keys),
    );
    assert.ok(r.error.startsWith('encrypted credentials id-1???31m: '), r.error);
  });
});
