import assert from 'node:assert/strict';
import { diffieHellman } from 'node:crypto';
import { describe, it } from 'node:test';
import { yCandidates } from '../../src/cipher/p256.js';
import { newWorld, sharedPoint } from './vectors.js';

describe('yCandidates', () => {
  it("OpenSSL's X and one of the recovered Ys make the shared point (checked against BigInt d·Q)", () => {
    for (let i = 0; i < 5; i++) {
      const w = newWorld();
      const z = sharedPoint(w.controller.privateKey, w.device.publicKey);
      // The test's helper agrees with OpenSSL on X, from either side of the exchange.
      const x = diffieHellman({ privateKey: w.device.privateKey, publicKey: w.controller.publicKey });
      assert.deepEqual(x, z.subarray(0, 32));
      assert.deepEqual(sharedPoint(w.device.privateKey, w.controller.publicKey), z);
      const ys = yCandidates(x);
      assert.equal(ys.length, 2);
      assert.equal(ys.filter((y) => y.equals(z.subarray(32))).length, 1);
    }
  });

  it('refuses an X that is not 32 bytes, not below p, or not on the curve', () => {
    assert.deepEqual(yCandidates(new Uint8Array(31)), []);
    assert.deepEqual(yCandidates(Buffer.alloc(32, 0xff)), []);
    let off = 0;
    for (let v = 1; v < 64; v++) {
      const x = Buffer.alloc(32);
      x[31] = v;
      if (yCandidates(x).length === 0) off++;
    }
    // About half of all X have no point: seeing none (or all) off the curve would mean a broken check.
    assert.ok(off > 10 && off < 54, `off-curve count ${off}`);
  });
});
