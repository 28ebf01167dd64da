/**
 * TCP probe: a handshake from the modem's address, closed as soon as it completes (Go's
 * `net.Dialer{LocalAddr}.Dial` in EVE). Node cannot bind a TCP socket to a device, so the packets
 * leave through the modem's interface because of NIM's source-based rule, as in EVE.
 */
import { createConnection, type Socket, type TcpNetConnectOpts } from 'node:net';
import { attempt } from './attempt.js';
import { describe, hostPort } from './errors.js';
import type { ProbeOptions, ProbeResult, TcpTarget } from './types.js';

export type TcpConnect = (opts: TcpNetConnectOpts) => Socket;

export function probeTcp(
  t: TcpTarget,
  o: ProbeOptions,
  connect: TcpConnect = createConnection,
): Promise<ProbeResult> {
  const what = `dial tcp ${hostPort(t.host, t.port)}`;
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
      const started = performance.now();
      // An IP literal host: Node skips name resolution; autoSelectFamily plays no part.
      const socket = connect({ host: t.host, port: t.port, localAddress: o.source });
      socket.once('connect', () => finish({ ok: true, target: t, rttMs: performance.now() - started }));
      socket.on('error', (err) => finish(fail(describe(err))));
      return () => {
        socket.removeAllListeners('connect');
        socket.on('error', () => undefined); // a late error after destroy() must not be unhandled
        socket.destroy();
      };
    },
  );
}
