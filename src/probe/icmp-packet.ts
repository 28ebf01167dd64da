/**
 * ICMP and ICMPv6 echo messages (RFC 792, RFC 4443 §4): type, code, checksum, identifier, sequence,
 * payload. Built and parsed here; the addon only moves the bytes.
 */

export type IpVersion = 4 | 6;

const ECHO_REQUEST: Readonly<Record<IpVersion, number>> = { 4: 8, 6: 128 };
const ECHO_REPLY: Readonly<Record<IpVersion, number>> = { 4: 0, 6: 129 };
const HEADER_LENGTH = 8;

/** The Internet checksum (RFC 1071): one's complement of the one's complement sum of 16-bit words. */
export function internetChecksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * An echo request. IPv4 carries its checksum; for ICMPv6 the kernel computes it (it covers a
 * pseudo-header with the addresses the kernel picks), and a ping socket rewrites the identifier.
 */
export function echoRequest(version: IpVersion, id: number, seq: number, payload: Uint8Array): Buffer {
  const b = Buffer.alloc(HEADER_LENGTH + payload.length);
  b[0] = ECHO_REQUEST[version];
  b[1] = 0;
  b.writeUInt16BE(id & 0xffff, 4);
  b.writeUInt16BE(seq & 0xffff, 6);
  b.set(payload, HEADER_LENGTH);
  if (version === 4) b.writeUInt16BE(internetChecksum(b), 2);
  return b;
}

export interface EchoReply {
  readonly id: number;
  readonly seq: number;
  readonly payload: Buffer;
}

/** An echo reply's fields, or undefined for any other message (or a truncated one). */
export function parseEchoReply(version: IpVersion, b: Uint8Array): EchoReply | undefined {
  if (b.length < HEADER_LENGTH || b[0] !== ECHO_REPLY[version] || b[1] !== 0) return undefined;
  const view = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return { id: view.readUInt16BE(4), seq: view.readUInt16BE(6), payload: view.subarray(HEADER_LENGTH) };
}
