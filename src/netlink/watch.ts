/**
 * A watcher of link, address and route changes that keeps NEW vs DEL.
 *
 * netlink@0.3.0 traps handled here (measured, see node-stack.md §3):
 * - the high-level RtNetlinkSocket 'message' event drops nlmsg_type, so NEW and DEL look the same:
 *   we listen on the inner NetlinkSocket and parse each message with its type;
 * - when the multicast socket's receive buffer overflows the native layer aborts the whole process
 *   (no 'error' event ever fires): the buffer is 4 MiB or more. The library's typings make
 *   recvBufferSize and sendBufferSize both required, so both are passed.
 * Loss can still happen in principle, so consumers resync by dumping (see the observer).
 */
import { decodeAddress, decodeLink, decodeRoute } from './decode.js';
import { createRtNetlink, type NetlinkMessage, rt } from './rtnetlink.js';
import type { AddressState, LinkState, RouteState } from './types.js';

export type NetEvent =
  | { readonly kind: 'link'; readonly op: 'new' | 'del'; readonly link: LinkState }
  | { readonly kind: 'address'; readonly op: 'new' | 'del'; readonly address: AddressState }
  | { readonly kind: 'route'; readonly op: 'new' | 'del'; readonly route: RouteState };

export interface NetWatcher {
  close(): void;
}

export interface WatchOptions {
  /** SO_RCVBUF of the multicast socket; at least 4 MiB (smaller values are raised). */
  readonly recvBufferSize?: number;
  /** A message that could not be decoded; the consumer should resync. */
  readonly onInvalid?: (err: unknown) => void;
}

export const MIN_WATCH_RECV_BUFFER = 4 << 20;

const GROUPS = ['LINK', 'IPV4_IFADDR', 'IPV6_IFADDR', 'IPV4_ROUTE', 'IPV6_ROUTE'] as const;

/** Decodes one raw rtnetlink message into an event; undefined for types we do not watch. */
export function decodeEvent(type: number, data: Buffer): NetEvent | undefined {
  const T = rt.MessageType;
  if (type === T.NEWLINK || type === T.DELLINK) {
    const link = decodeLink(rt.parseLinkMessage(data));
    return link && { kind: 'link', op: type === T.NEWLINK ? 'new' : 'del', link };
  }
  if (type === T.NEWADDR || type === T.DELADDR) {
    const address = decodeAddress(rt.parseAddressMessage(data));
    return address && { kind: 'address', op: type === T.NEWADDR ? 'new' : 'del', address };
  }
  if (type === T.NEWROUTE || type === T.DELROUTE) {
    const route = decodeRoute(rt.parseRouteMessage(data));
    return route && { kind: 'route', op: type === T.NEWROUTE ? 'new' : 'del', route };
  }
  return undefined;
}

/** Starts delivering events of the calling process's network namespace to `onEvent`. */
export function watchNetlink(onEvent: (e: NetEvent) => void, opts: WatchOptions = {}): NetWatcher {
  const recvBufferSize = Math.max(opts.recvBufferSize ?? MIN_WATCH_RECV_BUFFER, MIN_WATCH_RECV_BUFFER);
  const sock = createRtNetlink({ ref: true, recvBufferSize, sendBufferSize: 64 << 10 });
  sock.socket.on('message', (msgs: NetlinkMessage[]) => {
    for (const m of msgs) {
      let ev: NetEvent | undefined;
      try {
        ev = decodeEvent(m.type, m.data);
      } catch (err) {
        opts.onInvalid?.(err);
        continue;
      }
      if (!ev) continue;
      try {
        onEvent(ev);
      } catch (err) {
        // We are inside a native callback: a throw here aborts the process (no uncaughtException).
        // Re-throw outside it, where the process's normal error handling applies.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  });
  for (const g of GROUPS) sock.addMembership(g);
  let closed = false;
  return {
    close() {
      if (closed) return;
      closed = true;
      sock.socket.close();
    },
  };
}
