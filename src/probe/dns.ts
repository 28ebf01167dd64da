/**
 * DNS probe: one query for "." type A over UDP from the modem's address to `server:53` (EVE's
 * miekg/dns exchange); any reply with our id counts, whatever its rcode. The socket is bound to the
 * modem's address and connected to the server, so the kernel drops datagrams from anyone else and
 * reports an ICMP port unreachable as ECONNREFUSED. Like TCP, it cannot be bound to a device from
 * Node: NIM's source-based rule routes it through the modem's interface.
 */
import { randomInt } from 'node:crypto';
import { createSocket, type Socket, type SocketOptions } from 'node:dgram';
import { isIP } from 'node:net';
import { attempt } from './attempt.js';
import { answersQuery, DNS_PORT, encodeRootQuery } from './dns-wire.js';
import { describe, hostPort } from './errors.js';
import type { DnsTarget, ProbeOptions, ProbeResult } from './types.js';

export type UdpSocketFactory = (opts: SocketOptions) => Socket;

export interface DnsDeps {
  readonly createUdp?: UdpSocketFactory | undefined;
  /** The server's port: 53, except in tests that cannot bind a privileged port. */
  readonly port?: number | undefined;
}

export function probeDns(t: DnsTarget, o: ProbeOptions, deps: DnsDeps = {}): Promise<ProbeResult> {
  const createUdp = deps.createUdp ?? createSocket;
  const port = deps.port ?? DNS_PORT;
  const what = `dns query to ${hostPort(t.server, port)}`;
  const fail = (error: string): ProbeResult => ({ ok: false, target: t, error: `${what}: ${error}` });
  return attempt<ProbeResult>(
    {
      timeoutMs: o.timeoutMs,
      signal: o.signal,
      onTimeout: () => fail('i/o timeout'),
      onAbort: () => fail('aborted'),
      onError: (err) => fail(describe(err)),
    },
    (finish) => {
      const id = randomInt(0, 0x10000);
      const query = encodeRootQuery(id);
      let started = 0;
      const socket = createUdp({ type: isIP(t.server) === 6 ? 'udp6' : 'udp4' });
      socket.on('error', (err) => finish(fail(describe(err))));
      socket.on('message', (msg) => {
        if (answersQuery(msg, id)) finish({ ok: true, target: t, rttMs: performance.now() - started });
      });
      // Callbacks run outside attempt()'s try: a throw there would be uncaught, so each catches.
      const guarded = (step: () => void) => {
        try {
          step();
        } catch (err) {
          finish(fail(describe(err)));
        }
      };
      socket.bind({ address: o.source, port: 0 }, () =>
        guarded(() =>
          // connect() hands its error (EINVAL for a blackhole route) to this callback, not to 'error'.
          socket.connect(port, t.server, (err?: Error) =>
            guarded(() => {
              if (err) return finish(fail(describe(err)));
              started = performance.now();
              socket.send(query, (sendErr) => {
                if (sendErr) finish(fail(describe(sendErr)));
              });
            }),
          ),
        ),
      );
      return () => {
        socket.removeAllListeners('message');
        socket.on('error', () => undefined);
        try {
          socket.close();
        } catch {
          // Already closed (ERR_SOCKET_DGRAM_NOT_RUNNING): nothing left to release.
        }
      };
    },
  );
}
