/**
 * The Y coordinate of the ECDH shared point on P-256. EVE's key derivation hashes X‖Y
 * (reference eve-pubsub.md §4.2 step 5), but Node's ECDH gives only X. Rather than multiply with
 * the device's private scalar in BigInt code (not constant-time), we let OpenSSL compute X and
 * recover the two points with that X: Y and p − Y. The caller tries both; only the right one
 * passes the ClearTextHash check (reference §4.3, third option, verified there against Go).
 */

/** The P-256 field prime p = 2^256 − 2^224 + 2^192 + 2^96 − 1 (SEC 2 §2.4.2). */
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
/** The curve's b (a = −3). */
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;

export const COORDINATE_BYTES = 32;

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

function toBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function toBytes32(v: bigint): Buffer {
  const out = Buffer.alloc(COORDINATE_BYTES);
  let x = v;
  for (let i = COORDINATE_BYTES - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/**
 * The 32-byte big-endian Y coordinates of the points with this X (two, or one when Y = 0), or an
 * empty list when X is not on the curve (which a real ECDH result never is).
 */
export function yCandidates(x: Uint8Array): Buffer[] {
  if (x.length !== COORDINATE_BYTES) return [];
  const xv = toBigInt(x);
  if (xv >= P) return [];
  const rhs = (((xv * xv) % P) * xv - 3n * xv + B) % P;
  const y2 = (rhs + P) % P;
  // p ≡ 3 (mod 4), so a square root is y2^((p+1)/4) when y2 is a square.
  const y = modPow(y2, (P + 1n) / 4n, P);
  if ((y * y) % P !== y2) return [];
  return y === 0n ? [toBytes32(y)] : [toBytes32(y), toBytes32(P - y)];
}
