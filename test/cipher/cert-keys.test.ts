import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CipherBlockInput, certLookupKeys } from '../../src/cipher/index.js';
import type { CipherBlockStatus } from '../../src/schemas/types.generated.js';

describe('certLookupKeys', () => {
  it('names the certificates by the lowercase hex of the context hashes, as EVE keys them', () => {
    // A WwanConfig's EncryptedCredentials, typed as the schema generates it, is a valid input.
    const block: CipherBlockStatus = {
      IsCipher: true,
      CipherContext: {
        ContextID: 'ctx',
        HashScheme: 1,
        ControllerCertHash: Buffer.from('00ABcdEF', 'hex').toString('base64'),
        DeviceCertHash: Buffer.from('0123456789abcdef0123456789abcdef', 'hex').toString('base64'),
      },
    };
    const input: CipherBlockInput = block;
    assert.deepEqual(certLookupKeys(input), {
      controllerCert: '00abcdef',
      edgeNodeCert: '0123456789abcdef0123456789abcdef',
    });
  });

  it('gives empty keys for a missing context, null or malformed hashes', () => {
    const none = { controllerCert: '', edgeNodeCert: '' };
    assert.deepEqual(certLookupKeys({}), none);
    assert.deepEqual(certLookupKeys({ CipherContext: null }), none);
    assert.deepEqual(
      certLookupKeys({ CipherContext: { ControllerCertHash: null, DeviceCertHash: '*' } }),
      none,
    );
    assert.deepEqual(certLookupKeys(null as unknown as CipherBlockInput), none);
  });
});
