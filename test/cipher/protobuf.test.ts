import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockShape, decodeEncryptionBlock } from '../../src/cipher/encryption-block.js';
import { readWireFields } from '../../src/cipher/protobuf.js';
import { encryptionBlock, pbBytes, pbVarint } from './vectors.js';

const hex = (s: string): Uint8Array => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('readWireFields', () => {
  it('reads varint, fixed64, fixed32 and length-delimited fields', () => {
    // field 1 varint 300 | field 2 fixed64 | field 3 "hi" | field 4 fixed32 | field 2047 "" (2-byte tag)
    const r = readWireFields(hex('08 ac02  11 0102030405060708  1a 02 6869  25 01020304  fa7f 00'));
    assert.ok(r.ok);
    assert.deepEqual(
      r.fields.map((f) => [f.field, f.wireType, f.bytes && Buffer.from(f.bytes).toString()]),
      [
        [1, 0, undefined],
        [2, 1, undefined],
        [3, 2, 'hi'],
        [4, 5, undefined],
        [2047, 2, ''],
      ],
    );
  });

  it('an empty message has no fields', () => {
    assert.deepEqual(readWireFields(new Uint8Array()), { ok: true, fields: [] });
  });

  it('tells a message cut short from one that is malformed', () => {
    const cases: [string, boolean, RegExp][] = [
      ['1a 05 6869', true, /runs past the end/],
      ['1a', true, /length of field 3 cut short/],
      ['08 ff', true, /varint of field 1 cut short/],
      ['11 0102', true, /fixed-size field 2/],
      ['80', true, /tag cut short/],
      ['00 00', false, /invalid field number/],
      ['0b', false, /wire type 3/],
      ['0e', false, /wire type 6/],
      ['08 ffffffffffffffffff01', false, /oversized varint/],
      ['1a ffffffffffffffff7f', false, /oversized length/],
      ['ffffffffffffffffffff01', false, /oversized tag/],
    ];
    for (const [bytes, truncated, re] of cases) {
      const r = readWireFields(hex(bytes));
      assert.ok(!r.ok, bytes);
      assert.equal(r.truncated, truncated, bytes);
      assert.match(r.reason, re, bytes);
    }
  });

  it('a length just past the end is refused, not read beyond the buffer', () => {
    const buf = hex('0a 03 616263 12 04 616263');
    const r = readWireFields(buf);
    assert.ok(!r.ok && r.truncated && r.fields.length === 1);
  });
});

describe('decodeEncryptionBlock and blockShape', () => {
  it('decodes UTF-8 strings and empty pairs as absent', () => {
    const r = decodeEncryptionBlock(
      encryptionBlock({ user: 'ü', password: '', attachUser: '', attachPassword: '' }),
    );
    assert.deepEqual(r, { ok: true, credentials: { connection: { user: 'ü', password: '' } } });
    assert.deepEqual(decodeEncryptionBlock(new Uint8Array()), { ok: true, credentials: {} });
  });

  it('shapes: a whole block, a block cut short, noise', () => {
    const whole = encryptionBlock({
      user: 'user',
      password: 'password',
      attachUser: 'a',
      attachPassword: 'b',
    });
    assert.equal(blockShape(whole), 'complete');
    assert.equal(blockShape(whole.subarray(0, -1)), 'cut-short');
    // One field is not enough evidence either way.
    assert.equal(blockShape(pbBytes(6, 'user')), 'noise');
    assert.equal(
      blockShape(Buffer.concat([pbBytes(6, 'u'), pbBytes(7, 'password')]).subarray(0, -1)),
      'noise',
    );
    // An unknown field number, a wrong wire type or bytes that are not UTF-8 in a string field.
    assert.equal(blockShape(Buffer.concat([pbBytes(6, 'u'), pbBytes(15, 'x')])), 'noise');
    assert.equal(blockShape(Buffer.concat([pbBytes(6, 'u'), pbVarint(7, 1)])), 'noise');
    assert.equal(blockShape(Buffer.concat([pbBytes(6, 'u'), pbBytes(7, Buffer.from([0xff]))])), 'noise');
    // Field 9 is an enum and 13 is bytes (not UTF-8 checked).
    assert.equal(blockShape(Buffer.concat([pbVarint(9, 1), pbBytes(13, Buffer.from([0xff]))])), 'complete');
  });
});
