/**
 * The controller side of EVE's object-level encryption, written for the tests from the reference
 * (eve-pubsub.md §4.2; EVE tpmmgr `testEcdhAES`), sharing no code with src/cipher: a textbook
 * BigInt P-256 scalar multiplication (full point, X and Y), a tiny protobuf writer and a
 * self-signed DER certificate builder (Node 20 cannot issue certificates). Keys are generated per
 * run; nothing here is checked-in key material.
 */
import {
  createCipheriv,
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';
import type { CipherBlockInput } from '../../src/cipher/index.js';

// --- P-256 (SEC 2 §2.4.2), affine arithmetic: slow and not constant-time, fine for a test ---
const P = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;
const A = P - 3n;

type Point = { x: bigint; y: bigint } | null;

const mod = (a: bigint): bigint => ((a % P) + P) % P;

function inv(a: bigint): bigint {
  let [r0, r1] = [mod(a), P];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0);
}

function add(p: Point, q: Point): Point {
  if (p === null) return q;
  if (q === null) return p;
  if (p.x === q.x && mod(p.y + q.y) === 0n) return null;
  const l = p.x === q.x ? mod((3n * p.x * p.x + A) * inv(2n * p.y)) : mod((q.y - p.y) * inv(q.x - p.x));
  const x = mod(l * l - p.x - q.x);
  return { x, y: mod(l * (p.x - x) - p.y) };
}

function mul(k: bigint, pt: Point): Point {
  let r: Point = null;
  let q = pt;
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) r = add(r, q);
    q = add(q, q);
  }
  return r;
}

const b64u = (s: string | undefined): bigint =>
  BigInt(`0x${Buffer.from(s ?? '', 'base64url').toString('hex') || '0'}`);
const be32 = (v: bigint): Buffer => Buffer.from(v.toString(16).padStart(64, '0'), 'hex');

/** The full shared point d·Q as 64 bytes X‖Y (EVE's `Sha256FromECPoint` input). */
export function sharedPoint(privateKey: KeyObject, publicKey: KeyObject): Buffer {
  const d = b64u(privateKey.export({ format: 'jwk' }).d);
  const q = publicKey.export({ format: 'jwk' });
  const z = mul(d, { x: b64u(q.x), y: b64u(q.y) });
  if (z === null) throw new Error('point at infinity');
  return Buffer.concat([be32(z.x), be32(z.y)]);
}

// --- protobuf writer (proto3: string fields as wire type 2, enums as varints) ---
function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

export function pbBytes(field: number, value: Uint8Array | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  return Buffer.concat([varint(field * 8 + 2), varint(bytes.length), bytes]);
}

export function pbVarint(field: number, value: number): Buffer {
  return Buffer.concat([varint(field * 8), varint(value)]);
}

export interface Creds {
  user?: string;
  password?: string;
  attachUser?: string;
  attachPassword?: string;
}

/** An EncryptionBlock: fields 6, 7, 11, 12 (reference §4.2 step 8), plus any extra bytes. */
export function encryptionBlock(c: Creds, extra: Buffer = Buffer.alloc(0)): Buffer {
  const parts: Buffer[] = [extra];
  if (c.user !== undefined) parts.push(pbBytes(6, c.user));
  if (c.password !== undefined) parts.push(pbBytes(7, c.password));
  if (c.attachUser !== undefined) parts.push(pbBytes(11, c.attachUser));
  if (c.attachPassword !== undefined) parts.push(pbBytes(12, c.attachPassword));
  return Buffer.concat(parts);
}

// --- DER and a self-signed certificate ---
function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const n = body.length;
  const len =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

const seq = (...c: Buffer[]): Buffer => der(0x30, ...c);
const ECDSA_SHA256 = seq(Buffer.from('06082a8648ce3d040302', 'hex'));
const RSA_SHA256 = seq(Buffer.from('06092a864886f70d01010b', 'hex'), Buffer.from('0500', 'hex'));

function name(cn: string): Buffer {
  return seq(der(0x31, seq(Buffer.from('0603550403', 'hex'), der(0x0c, Buffer.from(cn)))));
}

/** A minimal X.509 v3 certificate for `key`'s public half, self-signed, as DER. */
export function selfSignedCert(key: KeyObject, cn = 'test controller'): Buffer {
  const isEc = key.asymmetricKeyType === 'ec';
  const alg = isEc ? ECDSA_SHA256 : RSA_SHA256;
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, Buffer.from([0x01, ...randomBytes(8)])),
    alg,
    name(cn),
    seq(der(0x17, Buffer.from('260101000000Z')), der(0x17, Buffer.from('360101000000Z'))),
    name(cn),
    spki,
  );
  const signature = sign('sha256', tbs, key);
  return seq(tbs, alg, der(0x03, Buffer.from([0]), signature));
}

export function pem(derBytes: Buffer, label = 'CERTIFICATE'): string {
  const lines = derBytes.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

// --- the world: a device and a controller ---
export interface World {
  device: { privateKey: KeyObject; publicKey: KeyObject };
  controller: { privateKey: KeyObject; publicKey: KeyObject };
  controllerCertPem: string;
  controllerCertDer: Buffer;
}

export function newWorld(): World {
  const device = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const controller = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const controllerCertDer = selfSignedCert(controller.privateKey);
  return { device, controller, controllerCertDer, controllerCertPem: pem(controllerCertDer) };
}

// The BigInt multiplication takes tens of milliseconds: once per world is enough.
const aesKeys = new WeakMap<World, Buffer>();
function aesKey(world: World): Buffer {
  let key = aesKeys.get(world);
  if (!key) {
    key = createHash('sha256')
      .update(sharedPoint(world.controller.privateKey, world.device.publicKey))
      .digest();
    aesKeys.set(world, key);
  }
  return key;
}

/** Encrypts as the controller does: Z = c·D, key = SHA-256(X‖Y), AES-256-CFB, hash of the plaintext. */
export function encryptFor(world: World, plaintext: Buffer, iv: Buffer = randomBytes(16)): CipherBlockInput {
  const key = aesKey(world);
  const c = createCipheriv('aes-256-cfb', key, iv);
  const data = Buffer.concat([c.update(plaintext), c.final()]);
  return {
    CipherBlockID: 'a1b2c3d4-0000-4000-8000-000000000001',
    IsCipher: true,
    InitialValue: iv.toString('base64'),
    'pubsub-large-CipherData': data.toString('base64'),
    ClearTextHash: createHash('sha256').update(plaintext).digest('base64'),
    CipherContext: { KeyExchangeScheme: 1, EncryptionScheme: 1 },
  };
}
