/** Helpers for the probe's unit tests: resource accounting and a tiny local DNS responder. */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { setImmediate as tick } from 'node:timers/promises';

/** Counts of what keeps the event loop alive (sockets and timers), after pending closes ran. */
export async function liveResources(): Promise<Record<string, number>> {
  for (let i = 0; i < 3; i++) await tick(); // a destroyed socket's handle closes on a later turn
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) {
    if (r === 'TCPSocketWrap' || r === 'UDPWrap' || r === 'Timeout') counts[r] = (counts[r] ?? 0) + 1;
  }
  return counts;
}

export interface Responder {
  readonly port: number;
  readonly queries: { readonly msg: Buffer; readonly from: RemoteInfo }[];
  close(): Promise<void>;
}

/**
 * A UDP responder on 127.0.0.1: `answer(query)` returns the datagrams to send back (none: silence).
 */
export async function dnsResponder(answer: (query: Buffer) => Buffer[]): Promise<Responder> {
  const socket: Socket = createSocket('udp4');
  const queries: { msg: Buffer; from: RemoteInfo }[] = [];
  socket.on('message', (msg, from) => {
    queries.push({ msg, from });
    for (const reply of answer(msg)) socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** The query turned into a reply with this rcode (QR set; the question stays). */
export function replyTo(query: Buffer, rcode: number, id = query.readUInt16BE(0)): Buffer {
  const r = Buffer.from(query);
  r.writeUInt16BE(id, 0);
  r.writeUInt16BE(0x8180 | rcode, 2);
  return r;
}
