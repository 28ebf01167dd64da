import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Variant } from '@particle/dbus-next';
import { bigintToPlain, toWire, typed, unwrap } from '../../src/dbus/index.js';

test('unwrap strips nested Variants (a{sv} inside a{sv}, arrays, structs)', () => {
  const raw = {
    Ip4Config: new Variant('a{sv}', {
      method: new Variant('u', 2),
      address: new Variant('s', '10.64.64.10'),
      prefix: new Variant('u', 32),
    }),
    Ports: new Variant('a(su)', [
      ['ttyHS0', 3],
      ['wwan0', 2],
    ]),
    Nested: new Variant('v', new Variant('b', true)),
  };
  assert.deepEqual(unwrap(raw), {
    Ip4Config: { method: 2, address: '10.64.64.10', prefix: 32 },
    Ports: [
      ['ttyHS0', 3],
      ['wwan0', 2],
    ],
    Nested: true,
  });
});

test('bigint becomes a number when exact, a decimal string beyond 2^53', () => {
  assert.equal(bigintToPlain(0n), 0);
  assert.equal(bigintToPlain(1795560590n), 1795560590);
  assert.equal(bigintToPlain(BigInt(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER);
  assert.equal(bigintToPlain(BigInt(Number.MAX_SAFE_INTEGER) + 1n), '9007199254740992');
  assert.equal(bigintToPlain(18446744073709551615n), '18446744073709551615');
  assert.equal(bigintToPlain(-(2n ** 63n)), '-9223372036854775808');
  const stats = unwrap({
    'rx-bytes': new Variant('t', 18446744073709551000n),
    duration: new Variant('u', 5),
  });
  assert.deepEqual(stats, { 'rx-bytes': '18446744073709551000', duration: 5 });
  // and the result survives JSON, which a bigint does not
  assert.doesNotThrow(() => JSON.stringify(stats));
});

test('unwrap turns Buffers (ay) into number arrays and rejects undefined', () => {
  assert.deepEqual(unwrap(Buffer.from([1, 2, 255])), [1, 2, 255]);
  assert.throws(() => unwrap(undefined), TypeError);
});

test('toWire turns typed() markers into Variants with the given signature, recursively', () => {
  const wire = toWire({
    apn: typed('s', 'internet'),
    'ip-type': typed('u', 1),
    'allowed-auth': typed('u', 6),
    nested: typed('a{sv}', { mtu: typed('u', 1500) }),
  }) as Record<string, Variant>;
  assert.ok(wire.apn instanceof Variant);
  assert.equal(wire.apn.signature, 's');
  assert.equal(wire['ip-type']?.signature, 'u');
  assert.equal(wire['allowed-auth']?.signature, 'u');
  assert.equal(wire['allowed-auth']?.value, 6);
  const nested = wire.nested?.value as Record<string, Variant>;
  assert.equal(nested.mtu?.signature, 'u');
  // plain values pass through untouched
  assert.deepEqual(toWire([1, 'a', true]), [1, 'a', true]);
});
