/**
 * EVE's object-level decryption of cellular credentials with a software device key (reference
 * eve-pubsub.md §4.2–4.3; EVE pkg/pillar/cipher/handlecipher.go and evetpm/encryptdecypt.go):
 * ECDH P-256 (device key × controller certificate key) → SHA-256(X‖Y) as the AES-256 key →
 * AES-256-CFB with InitialValue → SHA-256 check against ClearTextHash → protobuf EncryptionBlock.
 * Pure: no I/O, never throws, and no error text carries key, hash or plaintext bytes.
 */
import { createDecipheriv, createHash, diffieHellman, type KeyObject, timingSafeEqual } from 'node:crypto';
import { goBytes } from './base64.js';
import { type CertificateInput, controllerPublicKey } from './controller-cert.js';
import { TPM_KEY_ERROR } from './device-key.js';
import { type BlockCredentials, blockShape, decodeEncryptionBlock } from './encryption-block.js';
import { COORDINATE_BYTES, yCandidates } from './p256.js';

/** The parts of a Go `CipherBlockStatus` this reads (JSON names as EVE writes them). */
export interface CipherBlockInput {
  readonly CipherBlockID?: string;
  readonly IsCipher?: boolean;
  readonly InitialValue?: string | null;
  readonly 'pubsub-large-CipherData'?: string | null;
  readonly ClearTextHash?: string | null;
  readonly CipherContext?: {
    readonly KeyExchangeScheme?: number;
    readonly EncryptionScheme?: number;
    readonly ControllerCertHash?: string | null;
    readonly DeviceCertHash?: string | null;
  } | null;
  readonly Error?: string;
}

export interface CipherKeys {
  /** The software ECDH key (see loadDeviceKey); undefined means it is held by the TPM. */
  readonly deviceKey?: KeyObject | undefined;
  /** `ControllerCert.Cert` for key hex(ControllerCertHash), base64-decoded (PEM or DER). */
  readonly controllerCert?: CertificateInput | undefined;
}

export type CipherFailure =
  /** IsCipher is false: the cleartext credentials are the caller's to use (EVE's LPS path). */
  | 'not-encrypted'
  /** zedagent marked the block with an error before handing it over. */
  | 'not-ready'
  /** A field is missing, of the wrong type or size, or not base64. */
  | 'malformed'
  /** A key exchange or encryption scheme other than ECDH / AES-256-CFB. */
  | 'unsupported'
  /** No usable controller certificate. */
  | 'controller-cert'
  /** The device key is held by the TPM. */
  | 'tpm-key'
  /** The hash check failed and the data looks like noise: wrong key or certificate. */
  | 'key-mismatch'
  /** The hash check failed but the data decodes as a whole block: ClearTextHash is wrong. */
  | 'hash-mismatch'
  /** The hash check failed and the data is a block cut short: CipherData is truncated. */
  | 'truncated'
  /** The hash matched but the block is not a valid EncryptionBlock. */
  | 'undecodable';

export type CredentialsResult =
  | ({ readonly ok: true } & BlockCredentials)
  | { readonly ok: false; readonly failure: CipherFailure; readonly error: string };

const KEA_ECDH = 1;
const SA_AES_256_CFB = 1;
const IV_BYTES = 16;
const SHA256_BYTES = 32;

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** CipherBlockID for messages: ids are controller UUIDs, but nothing unbounded or control goes to a log. */
function blockName(block: CipherBlockInput): string {
  const id = typeof block.CipherBlockID === 'string' ? block.CipherBlockID : '';
  const clean = id.replace(/[^\w.:-]/g, '?').slice(0, 80);
  return clean === '' ? 'encrypted credentials' : `encrypted credentials ${clean}`;
}

function decryptWith(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const d = createDecipheriv('aes-256-cfb', key, iv);
  return Buffer.concat([d.update(data), d.final()]);
}

export function decryptCredentials(block: CipherBlockInput, keys: CipherKeys): CredentialsResult {
  try {
    return decrypt(block, keys);
  } catch (err) {
    // Every expected failure is returned above; this is a last guard so a bug cannot crash the
    // agent. Only the error's class goes out: its message might quote an input.
    const kind = err instanceof Error ? err.name : typeof err;
    return { ok: false, failure: 'malformed', error: `encrypted credentials: internal error (${kind})` };
  }
}

function decrypt(block: CipherBlockInput, keys: CipherKeys): CredentialsResult {
  if (typeof block !== 'object' || block === null) {
    return { ok: false, failure: 'malformed', error: 'encrypted credentials: not an object' };
  }
  const name = blockName(block);
  const fail = (failure: CipherFailure, why: string): CredentialsResult => ({
    ok: false,
    failure,
    error: `${name}: ${why}`,
  });
  if (block.IsCipher !== true)
    return fail('not-encrypted', 'not encrypted (IsCipher is false): use the cleartext credentials');
  if (typeof block.Error === 'string' && block.Error !== '') {
    // zedagent's own text (no secret in it); bounded, single line.
    return fail(
      'not-ready',
      `the block is not ready: ${block.Error.replace(/[\s\p{Cc}]+/gu, ' ').slice(0, 200)}`,
    );
  }
  const data = goBytes(block['pubsub-large-CipherData']);
  const iv = goBytes(block.InitialValue);
  const hash = goBytes(block.ClearTextHash);
  if (!data.ok) return fail('malformed', 'pubsub-large-CipherData is not valid base64');
  if (!iv.ok) return fail('malformed', 'InitialValue is not valid base64');
  if (!hash.ok) return fail('malformed', 'ClearTextHash is not valid base64');
  if (data.bytes.length === 0) return fail('malformed', 'invalid cipher payload: CipherData is empty');
  const ctx = block.CipherContext;
  if (typeof ctx !== 'object' || ctx === null) return fail('malformed', 'the block has no CipherContext');
  if (ctx.KeyExchangeScheme !== KEA_ECDH) {
    return fail(
      'unsupported',
      `unsupported key exchange scheme ${String(ctx.KeyExchangeScheme ?? 0)} (only 1, ECDH)`,
    );
  }
  const controller = controllerPublicKey(keys.controllerCert);
  if (!controller.ok) return fail('controller-cert', controller.error);
  if (keys.deviceKey === undefined) return fail('tpm-key', TPM_KEY_ERROR);
  if (ctx.EncryptionScheme !== SA_AES_256_CFB) {
    return fail(
      'unsupported',
      `unsupported encryption scheme ${String(ctx.EncryptionScheme ?? 0)} (only 1, AES-256-CFB)`,
    );
  }
  if (iv.bytes.length !== IV_BYTES) {
    return fail('malformed', `InitialValue is ${iv.bytes.length} bytes, AES-CFB needs ${IV_BYTES}`);
  }
  if (hash.bytes.length !== SHA256_BYTES) {
    return fail('malformed', `ClearTextHash is ${hash.bytes.length} bytes, a SHA-256 is ${SHA256_BYTES}`);
  }

  let x: Buffer;
  try {
    x = diffieHellman({ privateKey: keys.deviceKey, publicKey: controller.publicKey });
  } catch {
    // OpenSSL's message is about the keys' types, never their bytes; ours says what to check.
    return fail(
      'key-mismatch',
      'ECDH between the device key and the controller key failed (not both EC P-256?)',
    );
  }
  if (x.length !== COORDINATE_BYTES) return fail('unsupported', 'the device key is not a P-256 key');

  const tried: Buffer[] = [];
  const ys = yCandidates(x);
  try {
    for (const y of ys) {
      const key = sha256(x, y);
      const plain = decryptWith(key, iv.bytes, data.bytes);
      key.fill(0);
      tried.push(plain);
      if (!timingSafeEqual(sha256(plain), hash.bytes)) continue;
      const decoded = decodeEncryptionBlock(plain);
      if (!decoded.ok) return fail('undecodable', decoded.reason);
      return { ok: true, ...decoded.credentials };
    }
    const shapes = tried.map(blockShape);
    if (shapes.includes('complete')) {
      return fail(
        'hash-mismatch',
        'the data decrypts to a well-formed EncryptionBlock whose SHA-256 is not ClearTextHash: the hash is wrong or the data was altered',
      );
    }
    if (shapes.includes('cut-short')) {
      return fail('truncated', 'the data decrypts to an EncryptionBlock cut short: CipherData is truncated');
    }
    return fail(
      'key-mismatch',
      'data validation failed (SHA-256 differs from ClearTextHash): the device key or the controller certificate is not the pair the block was encrypted for, or the data is corrupt',
    );
  } finally {
    x.fill(0);
    for (const y of ys) y.fill(0);
    for (const p of tried) p.fill(0);
  }
}
