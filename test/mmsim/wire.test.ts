/**
 * Pure pieces of the simulator: connect-dictionary validation, wire helpers (BigInt on the wire,
 * canonical comparison), signature splitting for introspection, and the uint32-key dict conversion.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import dbus from '@particle/dbus-next';
import { splitSignature } from '../../src/mmsim/introspect.js';
import { toMarshallerFormat } from '../../src/mmsim/marshal-fix.js';
import { bearerPart, validateProps } from '../../src/mmsim/props.js';
import { canonical, sameValue, unwrap, v } from '../../src/mmsim/wire.js';

const { Variant } = dbus;

test('validateProps accepts MM bearer keys with MM types and rejects the rest', () => {
  const ok = {
    apn: v.s('a'),
    'ip-type': v.u(4),
    'allowed-auth': v.u(6),
    'allow-roaming': v.b(true),
    'profile-id': v.i(1),
  };
  assert.deepEqual(Object.keys(validateProps(ok, 'bearer')), Object.keys(ok));
  const invalid = (d: unknown, kind: 'bearer' | 'simple-connect' = 'simple-connect') =>
    assert.throws(
      () => validateProps(d, kind),
      (e: { type?: string }) => {
        assert.equal(e.type, 'org.freedesktop.ModemManager1.Error.Core.InvalidArgs');
        return true;
      },
    );
  invalid({ 'allowed-auth': v.i(1) });
  invalid({ 'ip-type': new Variant('q', 1) });
  invalid({ apn: 'plain string, not a Variant' });
  invalid({ bogus: v.s('x') });
  invalid({ pin: v.s('1234') }, 'bearer');
  invalid({ 'allowed-auth': v.u(64) });
  invalid({ 'ip-type': v.u(3) }); // real MM 1.20.4 crashes on these two
  invalid({ 'ip-type': v.u(0xffffffff) });
  for (const ok of [0, 1, 2, 4, 8, 0xfffffff7]) validateProps({ 'ip-type': v.u(ok) }, 'bearer');
  invalid(null);
  assert.deepEqual(
    Object.keys(validateProps({ pin: v.s('1'), 'operator-id': v.s('00101') }, 'simple-connect')),
    ['pin', 'operator-id'],
  );
  assert.deepEqual(Object.keys(bearerPart({ pin: v.s('1'), apn: v.s('x') })), ['profile-id', 'apn']);
  assert.equal(bearerPart({})['profile-id']?.value, -1, 'MM publishes profile-id -1 when none is given');
});

test('uint64 values are BigInt on the wire; unwrap keeps them; canonical tells types apart', () => {
  const t = v.t(5);
  assert.equal(t.signature, 't');
  assert.equal(t.value, 5n);
  assert.deepEqual(unwrap({ a: t, b: [v.s('x')], c: new Variant('a{sv}', { d: v.u(1) }) }), {
    a: 5n,
    b: ['x'],
    c: { d: 1 },
  });
  assert.equal(
    sameValue({ a: v.u(1), b: v.s('x') }, { b: v.s('x'), a: v.u(1) }),
    true,
    'key order is irrelevant',
  );
  assert.equal(sameValue(v.u(1), v.i(1)), false, 'the signature matters');
  assert.equal(sameValue(1n, 1), false);
  assert.notEqual(canonical([1, 2]), canonical([2, 1]));
});

test('splitSignature splits complete types', () => {
  assert.deepEqual(splitSignature(''), []);
  assert.deepEqual(splitSignature('a{sv}u(ss)ao'), ['a{sv}', 'u', '(ss)', 'ao']);
  assert.deepEqual(splitSignature('a{oa{sa{sv}}}'), ['a{oa{sa{sv}}}']);
  assert.deepEqual(splitSignature('a(ubay)b'), ['a(ubay)', 'b']);
});

test('toMarshallerFormat turns uint32 dictionary keys into numbers (the dbus-next gap)', () => {
  const tree = {
    type: 'a',
    child: [
      {
        type: '{',
        child: [
          { type: 'u', child: [] },
          { type: 'v', child: [] },
        ],
      },
    ],
  };
  const out = toMarshallerFormat(tree, { 2: v.dict({ latitude: v.d(1.5) }), 1: v.s('lac') });
  assert.deepEqual(out, [
    [1, ['s', 'lac']],
    [2, ['a{sv}', [['latitude', ['d', 1.5]]]]],
  ]);
});
