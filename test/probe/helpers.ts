/** Helpers for the probe's unit tests: resource accounting and a tiny local DNS responder. */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { after, type TestContext } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';

/**
 * A socket or timer leaked by the module under test keeps the test process alive forever, which
 * would make a broken build hang instead of fail. Call once per file: after its last test, a process
 * still alive 2 s later exits with status 1, naming what kept it.
 */
export function failOnLeakedHandles(): void {
  after(() => {
    setTimeout(() => {
      console.error(`handles left open after the last test: ${process.getActiveResourcesInfo().join(', ')}`);
      process.exit(1);
    }, 2000).unref();
  });
}

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
 * Closed after the test whatever happens (close() is idempotent).
 */
export async function dnsResponder(t: TestContext, answer: (query: Buffer) => Buffer[]): Promise<Responder> {
  const socket: Socket = createSocket('udp4');
  const queries: { msg: Buffer; from: RemoteInfo }[] = [];
  socket.on('message', (msg, from) => {
    queries.push({ msg, from });
    for (const reply of answer(msg)) socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((resolve) => socket.close(() => resolve()));
    return closed;
  };
  t.after(() => {
    void close(); // not awaited: a connection the probe leaked would hold this hook forever
  });
  return { port: socket.address().port, queries, close };
}

/** The query turned into a reply with this rcode (QR set; the question stays). */
export function replyTo(query: Buffer, rcode: number, id = query.readUInt16BE(0)): Buffer {
  const r = Buffer.from(query);
  r.writeUInt16BE(id, 0);
  r.writeUInt16BE(0x8180 | rcode, 2);
  return r;
}
