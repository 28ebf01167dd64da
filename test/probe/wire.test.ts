/** DNS and ICMP framing: exact bytes, the fields read back, and what is not a reply. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answersQuery, encodeRootQuery, parseReplyHeader } from '../../src/probe/dns-wire.js';
import { echoRequest, internetChecksum, parseEchoReply } from '../../src/probe/icmp-packet.js';

test('the DNS query is the header (id, RD, one question) and the root name, type A, class IN: 17 bytes', () => {
  assert.equal(
    encodeRootQuery(0x1234).toString('hex'),
    '1234' + '0100' + '0001' + '0000' + '0000' + '0000' + '00' + '0001' + '0001',
  );
  assert.equal(encodeRootQuery(0).length, 17);
  assert.throws(() => encodeRootQuery(0x10000), RangeError);
  assert.throws(() => encodeRootQuery(-1), RangeError);
});

test('a DNS reply header gives id and rcode; a query (QR clear) or a short datagram is no reply', () => {
  const reply = encodeRootQuery(0xbeef);
  reply.writeUInt16BE(0x8183, 2); // QR, RD, RA, rcode 3 (NXDOMAIN)
  assert.deepEqual(parseReplyHeader(reply), { id: 0xbeef, rcode: 3 });
  assert.equal(answersQuery(reply, 0xbeef), true);
  assert.equal(answersQuery(reply, 0xbeee), false, 'another id');
  assert.equal(parseReplyHeader(encodeRootQuery(0xbeef)), undefined, 'our own query echoed back');
  assert.equal(parseReplyHeader(reply.subarray(0, 11)), undefined);
  // A header alone (no question section) is still a reply: servers answering FORMERR may send one.
  assert.deepEqual(parseReplyHeader(reply.subarray(0, 12)), { id: 0xbeef, rcode: 3 });
  // A view into a larger buffer reads from its own offset.
  const padded = Buffer.concat([Buffer.from([9, 9, 9]), reply]);
  assert.equal(answersQuery(padded.subarray(3), 0xbeef), true);
});

test('the Internet checksum matches RFC 1071 and makes a packet sum to zero', () => {
  assert.equal(internetChecksum(Buffer.from('0001f203f4f5f6f7', 'hex')), 0x220d);
  assert.equal(internetChecksum(Buffer.from([0xff])), 0x00ff, 'odd length: padded with a zero byte');
  const p = echoRequest(4, 0x1234, 7, Buffer.from('payload!'));
  assert.equal(internetChecksum(p), 0);
});

test('echo requests: ICMP type 8 with checksum, ICMPv6 type 128 left for the kernel to checksum', () => {
  const v4 = echoRequest(4, 0xabcd, 0x0102, Buffer.from([1, 2, 3]));
  assert.equal(v4.subarray(0, 2).toString('hex'), '0800');
  assert.equal(v4.subarray(4).toString('hex'), 'abcd' + '0102' + '010203');
  const v6 = echoRequest(6, 0xabcd, 0x0102, Buffer.from([1, 2, 3]));
  assert.equal(v6.toString('hex'), '8000' + '0000' + 'abcd' + '0102' + '010203');
});

test('echo replies parse; requests, other types, codes and truncated messages do not', () => {
  const reply4 = echoRequest(4, 0x1111, 5, Buffer.from('abc'));
  reply4[0] = 0;
  assert.deepEqual(parseEchoReply(4, reply4), { id: 0x1111, seq: 5, payload: Buffer.from('abc') });
  const reply6 = echoRequest(6, 0x2222, 6, Buffer.from('xyz'));
  reply6[0] = 129;
  assert.deepEqual(parseEchoReply(6, reply6), { id: 0x2222, seq: 6, payload: Buffer.from('xyz') });
  assert.equal(parseEchoReply(4, echoRequest(4, 1, 1, Buffer.alloc(0))), undefined, 'a request');
  assert.equal(parseEchoReply(6, reply4), undefined, 'an ICMPv4 reply on the v6 socket');
  const unreachable = Buffer.from('0301000000000000', 'hex');
  assert.equal(parseEchoReply(4, unreachable), undefined);
  const badCode = Buffer.from(reply4);
  badCode[1] = 1;
  assert.equal(parseEchoReply(4, badCode), undefined);
  assert.equal(parseEchoReply(4, reply4.subarray(0, 7)), undefined);
});
