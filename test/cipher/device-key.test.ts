import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  decryptCredentials,
  EVE_ECDH_KEY_FILE,
  loadDeviceKey,
  TPM_KEY_ERROR,
} from '../../src/cipher/index.js';
import { encryptFor, encryptionBlock, newWorld } from './vectors.js';

// Throwaway keys written to a temp dir for this run only, removed after.
const dir = mkdtempSync(join(tmpdir(), 'mmagent-cipher-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const world = newWorld();
const block = encryptFor(world, encryptionBlock({ user: 'u', password: 'p' }));
const dev = world.device.privateKey;

function write(name: string, bytes: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

describe('loadDeviceKey', () => {
  it("defaults to EVE's software ECDH key file", () => {
    assert.equal(EVE_ECDH_KEY_FILE, '/persist/certs/ecdh.key.pem');
  });

  it('reads SEC1 and PKCS#8 keys, PEM and DER, that decrypt the block', async () => {
    const encodings = [
      ['sec1.pem', dev.export({ type: 'sec1', format: 'pem' })],
      ['pkcs8.pem', dev.export({ type: 'pkcs8', format: 'pem' })],
      ['sec1.der', dev.export({ type: 'sec1', format: 'der' })],
      ['pkcs8.der', dev.export({ type: 'pkcs8', format: 'der' })],
    ] as const;
    for (const [name, bytes] of encodings) {
      const r = await loadDeviceKey(write(name, bytes));
      assert.ok(r.ok, `${name}: ${r.ok ? '' : r.error}`);
      const d = decryptCredentials(block, { deviceKey: r.key, controllerCert: world.controllerCertPem });
      assert.deepEqual(d, { ok: true, connection: { user: 'u', password: 'p' } }, name);
    }
  });

  it('a missing file is the TPM-held key case', async () => {
    const r = await loadDeviceKey(join(dir, 'absent.pem'));
    assert.ok(!r.ok);
    assert.equal(r.tpm, true);
    assert.ok(r.error.startsWith(TPM_KEY_ERROR));
  });

  // A directory stands for every unreadable path (root reads a 0000 file, so EACCES cannot be made in CI).
  it('a directory, garbage, an RSA key or a P-384 key is refused without quoting the bytes', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
    const garbage = 'not a key but a secret-looking-string-XYZ';
    const cases: [string, RegExp][] = [
      [dir, /cannot read the device key .*EISDIR/],
      [write('garbage.pem', garbage), /not a PEM or DER EC private key/],
      [
        write('broken.pem', `-----BEGIN EC PRIVATE KEY-----\n${garbage}\n-----END EC PRIVATE KEY-----\n`),
        /not a PEM/,
      ],
      [write('rsa.pem', rsa.export({ type: 'pkcs8', format: 'pem' })), /not an EC key \(rsa\)/],
      [write('p384.pem', p384.export({ type: 'sec1', format: 'pem' })), /secp384r1, not P-256/],
    ];
    for (const [path, re] of cases) {
      const r = await loadDeviceKey(path);
      assert.ok(!r.ok, path);
      assert.equal(r.tpm, false);
      assert.match(r.error, re);
      assert.ok(!r.error.includes(garbage));
    }
  });
});
