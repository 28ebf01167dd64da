import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  bufferToIp,
  canonicalIp,
  InvalidAddressError,
  inPrefix,
  ipToBuffer,
  isIp,
  parseDestination,
  parseIp,
} from '../../src/netlink/ip.js';

test('IPv4 encodes to network byte order and back', () => {
  assert.deepEqual([...ipToBuffer('10.64.1.2')], [10, 64, 1, 2]);
  assert.equal(bufferToIp(Buffer.from([192, 0, 2, 255])), '192.0.2.255');
});

test('IPv4 rejects out-of-range octets, leading zeros and wrong counts', () => {
  for (const bad of ['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', '', 'a.b.c.d']) {
    assert.throws(() => parseIp(bad), InvalidAddressError, bad);
  }
});

test('IPv6 parses the compressed, full and IPv4-embedded forms', () => {
  assert.deepEqual([...ipToBuffer('::1')], [...new Array(15).fill(0), 1]);
  assert.deepEqual([...ipToBuffer('2001:db8::')].slice(0, 4), [0x20, 0x01, 0x0d, 0xb8]);
  assert.equal(canonicalIp('2001:0DB8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
  assert.equal(canonicalIp('::ffff:192.0.2.1'), '::ffff:c000:201');
  assert.equal(parseIp('fe80::1').family, 6);
});

test('IPv6 text is canonical per RFC 5952', () => {
  assert.equal(bufferToIp(ipToBuffer('2001:db8:0:0:1:0:0:1')), '2001:db8::1:0:0:1'); // first of equal runs
  assert.equal(bufferToIp(ipToBuffer('2001:db8:0:1:1:1:1:1')), '2001:db8:0:1:1:1:1:1'); // one zero group stays
  assert.equal(bufferToIp(ipToBuffer('0:0:0:0:0:0:0:0')), '::');
  assert.equal(bufferToIp(ipToBuffer('2001:0:0:1:0:0:0:1')), '2001:0:0:1::1'); // longest run wins
});

test('IPv6 rejects malformed text', () => {
  for (const bad of ['1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', ':::', 'g::1', '1:2:3:4:5:6:7']) {
    assert.throws(() => parseIp(bad), InvalidAddressError, bad);
  }
});

test('a family mismatch is refused', () => {
  assert.throws(() => ipToBuffer('10.0.0.1', 6), InvalidAddressError);
  assert.equal(isIp('10.0.0.1', 4), true);
  assert.equal(isIp('10.0.0.1', 6), false);
});

test('bufferToIp round-trips every 16-byte value through text', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
      const text = bufferToIp(bytes);
      assert.deepEqual([...ipToBuffer(text)], [...bytes]);
      assert.equal(canonicalIp(text), text);
    }),
  );
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (bytes) => {
      assert.deepEqual([...ipToBuffer(bufferToIp(bytes))], [...bytes]);
    }),
  );
});

test('inPrefix compares the network bits only', () => {
  assert.equal(inPrefix('10.0.0.1', '10.0.0.7', 24), true);
  assert.equal(inPrefix('10.0.0.1', '10.0.0.7', 32), false);
  assert.equal(inPrefix('10.0.1.1', '10.0.0.0', 23), true);
  assert.equal(inPrefix('10.0.2.1', '10.0.0.0', 23), false);
  assert.equal(inPrefix('2001:db8::1', '2001:db8::', 64), true);
  assert.equal(inPrefix('10.0.0.1', '2001:db8::', 0), false);
});

test('route destinations: default, canonical prefixes, host bits refused', () => {
  assert.equal(parseDestination('default', 4).canonical, 'default');
  assert.equal(parseDestination('0.0.0.0/0', 4).canonical, 'default');
  assert.equal(parseDestination('::/0', 6).canonical, 'default');
  assert.equal(parseDestination('2001:DB8::/32', 6).canonical, '2001:db8::/32');
  assert.equal(parseDestination('10.1.2.3', 4).canonical, '10.1.2.3/32');
  assert.equal(parseDestination('10.1.0.0/16', 4).prefixLength, 16);
  assert.throws(() => parseDestination('10.1.2.3/16', 4), /host bits/);
  assert.throws(() => parseDestination('10.1.0.0/33', 4), /prefix too long/);
  assert.throws(() => parseDestination('2001:db8::/64', 4), InvalidAddressError);
});
