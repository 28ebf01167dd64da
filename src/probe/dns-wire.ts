/**
 * The DNS message framing the probe needs (RFC 1035 §4.1), nothing more: the query EVE sends
 * (miekg/dns `SetQuestion(".", TypeA)`: recursion desired, one question for the root name, type A,
 * class IN) and the header of a reply.
 */

export const DNS_PORT = 53;
const HEADER_LENGTH = 12;
const FLAG_QR = 0x8000;
const FLAG_RD = 0x0100;
const TYPE_A = 1;
const CLASS_IN = 1;

/** The 17-byte query: header (id, RD, QDCOUNT=1), then the root name (one zero byte), type A, class IN. */
export function encodeRootQuery(id: number): Buffer {
  if (!Number.isInteger(id) || id < 0 || id > 0xffff) throw new RangeError(`DNS id ${id} is not 16-bit`);
  const b = Buffer.alloc(HEADER_LENGTH + 5);
  b.writeUInt16BE(id, 0);
  b.writeUInt16BE(FLAG_RD, 2);
  b.writeUInt16BE(1, 4); // QDCOUNT; ANCOUNT, NSCOUNT, ARCOUNT stay 0
  b[12] = 0; // the root name: a single empty label
  b.writeUInt16BE(TYPE_A, 13);
  b.writeUInt16BE(CLASS_IN, 15);
  return b;
}

export interface DnsReplyHeader {
  readonly id: number;
  /** Response code (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED, ...): any of them is a reply. */
  readonly rcode: number;
}

/** The header of a DNS response, or undefined when the datagram is too short or is not a response. */
export function parseReplyHeader(b: Uint8Array): DnsReplyHeader | undefined {
  if (b.length < HEADER_LENGTH) return undefined;
  const view = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const flags = view.readUInt16BE(2);
  if ((flags & FLAG_QR) === 0) return undefined;
  return { id: view.readUInt16BE(0), rcode: flags & 0x000f };
}

/** True when `b` answers the query with this id (a stray or late datagram does not). */
export function answersQuery(b: Uint8Array, id: number): boolean {
  return parseReplyHeader(b)?.id === id;
}
