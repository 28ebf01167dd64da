/**
 * ICMP probe: echo requests from the modem's address, through the modem's interface, until an echo
 * reply comes back from the host or the timeout ends. Like EVE (go-fastping, MaxRTT 1 s, 3 idle
 * rounds) it sends again every second, or three times within a shorter timeout, and any reply to any
 * of them wins. The socket (src/probe/addon) is bound to the interface (SO_BINDTODEVICE) and to the source,
 * so unlike TCP and DNS this probe does not depend on NIM's source-based rule.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import { attempt } from './attempt.js';
import { describe, errnoText, errorCode } from './errors.js';
import { type AddonLoad, type IcmpHandle, loadIcmpAddon } from './icmp-native.js';
import { echoRequest, type IpVersion, parseEchoReply } from './icmp-packet.js';
import type { IcmpTarget, ProbeOptions, ProbeResult } from './types.js';
import { sameAddress } from './validate.js';

export const UNAVAILABLE = 'ICMP probe unavailable';
const MAX_INTERVAL_MS = 1000;
const PAYLOAD_LENGTH = 32;
/** Send errors worth retrying on the next round rather than failing at once. */
const TRANSIENT = new Set(['EAGAIN', 'EWOULDBLOCK', 'ENOBUFS', 'EINTR']);

/** The resend period: one second as in EVE, but at least three sends within the timeout. */
export function echoInterval(timeoutMs: number): number {
  return Math.max(1, Math.min(MAX_INTERVAL_MS, Math.floor(timeoutMs / 3)));
}

export function probeIcmp(
  t: IcmpTarget,
  o: ProbeOptions,
  load: () => AddonLoad = loadIcmpAddon,
): Promise<ProbeResult> {
  const fail = (error: string): ProbeResult => ({ ok: false, target: t, error });
  const loaded = load();
  if (!loaded.ok) return Promise.resolve(fail(`${UNAVAILABLE}: ${loaded.reason}`));
  const { addon } = loaded;
  const version: IpVersion = isIP(t.host) === 6 ? 6 : 4;
  const noReply = `no ping response received from ${t.host}`;
  let lastProblem: string | undefined; // a receive error or a retried send error, told on timeout
  return attempt<ProbeResult>(
    {
      timeoutMs: o.timeoutMs,
      signal: o.signal,
      onTimeout: () => fail(lastProblem === undefined ? noReply : `${noReply} (${lastProblem})`),
      onAbort: () => fail(`ping ${t.host}: aborted`),
      onError: (err) => fail(openError(err, t, o)),
    },
    (finish) => {
      // A raw socket sees every echo reply for this address: our identifier and payload tell ours.
      // A ping socket gets only its own (the kernel sets and checks the identifier).
      const id = randomInt(0, 0x10000);
      const payload = randomBytes(PAYLOAD_LENGTH);
      const sentAt = new Map<number, number>();
      let seq = 0;
      const handle: IcmpHandle = addon.open(version, o.ifname, o.source, (err, data, from) => {
        if (err) {
          lastProblem = describe(err);
          return;
        }
        if (data === undefined || from === undefined || !sameAddress(from, t.host)) return;
        const reply = parseEchoReply(version, data);
        if (reply === undefined || (handle.kind === 'raw' && reply.id !== id)) return;
        const at = sentAt.get(reply.seq);
        if (at === undefined || !reply.payload.equals(payload)) return;
        finish({ ok: true, target: t, rttMs: performance.now() - at });
      });
      const sendOne = () => {
        const s = seq;
        seq = (seq + 1) & 0xffff;
        sentAt.set(s, performance.now());
        try {
          addon.send(handle, t.host, echoRequest(version, id, s, payload));
        } catch (err) {
          const code = errorCode(err);
          if (code !== undefined && TRANSIENT.has(code)) lastProblem = describe(err);
          else finish(fail(`ping ${t.host}: ${describe(err)}`));
        }
      };
      const timer = setInterval(sendOne, echoInterval(o.timeoutMs));
      sendOne();
      return () => {
        clearInterval(timer);
        addon.close(handle);
      };
    },
  );
}

/** The text for a socket that could not be set up (EVE's wording for the source address). */
function openError(err: unknown, t: IcmpTarget, o: ProbeOptions): string {
  const code = errorCode(err);
  const syscall = (err as { syscall?: unknown } | null)?.syscall;
  if (code === undefined) return `ping ${t.host}: ${describe(err)}`;
  if (syscall === 'socket' && (code === 'EPERM' || code === 'EACCES'))
    return `${UNAVAILABLE}: not permitted to open an ICMP socket (a ping socket needs the group in net.ipv4.ping_group_range, a raw socket CAP_NET_RAW)`;
  if (syscall === 'bind')
    return `failed to set source IP ${o.source} for ICMP probe: bind: ${errnoText(code)}`;
  if (syscall === 'if_nametoindex' || syscall === 'setsockopt SO_BINDTODEVICE')
    return `ping ${t.host}: interface ${o.ifname}: ${errnoText(code)}`;
  return `ping ${t.host}: ${describe(err)}`;
}
