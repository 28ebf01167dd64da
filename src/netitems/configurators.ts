/**
 * One Configurator per network item type, over the netlink adapter and the resolv.conf directory.
 * All are idempotent: creating what is already there as wanted succeeds, deleting what is already
 * gone succeeds (ENODEV, ESRCH, EADDRNOTAVAIL, ENOENT). None ever addresses another interface: every
 * route request carries the item's own output interface, and a route key held by another interface is
 * reported as an error rather than replaced (NLM_F_REPLACE would overwrite the other route).
 */
import type { Configurator, Item, OpContext } from '../../reconciler/api.js';
import { removeInterfaceDns, writeInterfaceDns } from '../dns/resolvconf.js';
import type { NetlinkAdapter } from '../netlink/adapter.js';
import { isNetlinkError, NetlinkError } from '../netlink/errors.js';
import type { RouteRequest } from '../netlink/types.js';
import {
  ADDRESS,
  type AddressSpec,
  DNS,
  type DnsSpec,
  LINK,
  type LinkSpec,
  ROUTE,
  type RouteSpec,
} from './types.js';

/** Errors that mean "already gone" on delete. */
const GONE = ['ENODEV', 'ESRCH', 'EADDRNOTAVAIL', 'ENOENT'] as const;

export interface NetConfiguratorOptions {
  readonly netlink: NetlinkAdapter;
  /** Where `<ifname>.dhcp` files go (EVE: /run/wwan/resolv.conf). */
  readonly resolvDir: string;
  /** Per-call timeout (default 5000 ms). */
  readonly timeoutMs?: number;
}

/** A type alias, not an interface, so it is assignable to the reconciler's `Configurators` record. */
export type NetConfigurators = {
  readonly [LINK]: Configurator<LinkSpec>;
  readonly [ADDRESS]: Configurator<AddressSpec>;
  readonly [ROUTE]: Configurator<RouteSpec>;
  readonly [DNS]: Configurator<DnsSpec>;
};

async function ignoreGone(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!isNetlinkError(err, ...GONE)) throw err;
  }
}

function routeRequest(s: RouteSpec): RouteRequest {
  return {
    ifname: s.ifname,
    family: s.family,
    dst: s.dst,
    ...(s.gateway !== undefined ? { gateway: s.gateway } : {}),
    metric: s.metric,
    table: s.table,
    protocol: s.protocol,
    ...(s.onlink ? { onlink: true } : {}),
  };
}

/** The kernel's identity of a route in a table: two routes with the same key collide (EEXIST). */
function sameKey(a: RouteSpec, b: RouteSpec): boolean {
  return (
    a.ifname === b.ifname &&
    a.family === b.family &&
    a.dst === b.dst &&
    a.table === b.table &&
    a.metric === b.metric
  );
}

export function createNetConfigurators(opts: NetConfiguratorOptions): NetConfigurators {
  const nl = opts.netlink;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const call = (ctx: OpContext) => ({ signal: ctx.signal, timeoutMs });

  const link: Configurator<LinkSpec> = {
    timeoutMs,
    // The interface belongs to the modem driver: "create" brings it to the wanted state in one request.
    // A missing interface is a plain (retryable) error: it may appear when the modem enumerates.
    async create(item, ctx) {
      await nl.setLink(item.name, { up: item.spec.up, mtu: item.spec.mtu }, call(ctx));
    },
    async modify(oldItem, newItem, ctx) {
      const change = {
        ...(oldItem.spec.up !== newItem.spec.up ? { up: newItem.spec.up } : {}),
        ...(oldItem.spec.mtu !== newItem.spec.mtu ? { mtu: newItem.spec.mtu } : {}),
      };
      if (Object.keys(change).length === 0) return;
      await nl.setLink(newItem.name, change, call(ctx));
    },
    // Not managed any more: take it down (as EVE does on disconnect); the MTU is left alone.
    async delete(item, ctx) {
      await ignoreGone(nl.setLink(item.name, { up: false }, call(ctx)));
    },
  };

  const addrReq = (s: AddressSpec) => ({
    family: s.family,
    address: s.address,
    prefixLength: s.prefixLength,
    // A modem's address is ours alone: skip IPv6 duplicate address detection, usable at once.
    nodad: s.family === 6,
  });

  const address: Configurator<AddressSpec> = {
    timeoutMs,
    async create(item, ctx) {
      try {
        await nl.addAddress(item.spec.ifname, addrReq(item.spec), call(ctx));
      } catch (err) {
        // Same local address and prefix already on the interface: exactly what is wanted.
        if (!isNetlinkError(err, 'EEXIST')) throw err;
      }
    },
    async modify(oldItem, newItem, ctx) {
      await address.delete(oldItem, ctx);
      await address.create(newItem, ctx);
    },
    async delete(item, ctx) {
      await ignoreGone(nl.deleteAddress(item.spec.ifname, addrReq(item.spec), call(ctx)));
    },
    needsRecreate: () => 'an address is replaced, never modified in place',
  };

  async function createRoute(item: Item<RouteSpec>, ctx: OpContext): Promise<void> {
    const want = item.spec;
    try {
      await nl.addRoute(routeRequest(want), call(ctx));
      return;
    } catch (err) {
      if (!isNetlinkError(err, 'EEXIST')) throw err;
    }
    // EEXIST: something holds the key (dst, table, metric). Ours and identical: done. Ours but
    // different (gateway, protocol): delete it and add. Another interface's: not ours to touch.
    const existing = (
      await nl.listRoutes({ ifname: want.ifname, family: want.family, table: want.table }, call(ctx))
    ).filter((r) => r.dst === want.dst && r.metric === want.metric);
    const identical = (r: (typeof existing)[number]) =>
      r.gateway === want.gateway && r.protocol === want.protocol && r.onlink === (want.onlink === true);
    if (existing.some(identical)) return;
    const mine = existing[0];
    if (!mine) {
      throw new NetlinkError(
        'EEXIST',
        `route ${item.name} metric ${want.metric}: the key is held by another interface's route`,
      );
    }
    await ignoreGone(
      nl.deleteRoute(
        {
          ...routeRequest(want),
          protocol: mine.protocol,
          ...(mine.gateway ? { gateway: mine.gateway } : {}),
        },
        call(ctx),
      ),
    );
    await nl.addRoute(routeRequest(want), call(ctx));
  }

  const route: Configurator<RouteSpec> = {
    timeoutMs,
    create: createRoute,
    // Replace, make-before-break when the key changes (metric): the new route is in place before the
    // old one goes, so traffic never lacks a default route. Same key (gateway or protocol change): the
    // kernel would refuse a second route with that key, so the old one goes first.
    async modify(oldItem, newItem, ctx) {
      if (sameKey(oldItem.spec, newItem.spec)) {
        await route.delete(oldItem, ctx);
        await createRoute(newItem, ctx);
        return;
      }
      await createRoute(newItem, ctx);
      await route.delete(oldItem, ctx);
    },
    async delete(item, ctx) {
      // Gone already is fine: the kernel flushes IPv4 routes with the last address or a link down.
      await ignoreGone(nl.deleteRoute(routeRequest(item.spec), call(ctx)));
    },
    needsRecreate(oldItem, newItem) {
      const a = oldItem.spec;
      const b = newItem.spec;
      if (a.ifname !== b.ifname || a.family !== b.family || a.dst !== b.dst || a.table !== b.table) {
        return 'interface, family, destination or table changed';
      }
      return false;
    },
  };

  const dns: Configurator<DnsSpec> = {
    timeoutMs,
    async create(item) {
      await writeInterfaceDns(opts.resolvDir, item.spec.ifname, item.spec.servers);
    },
    async modify(_oldItem, newItem) {
      await writeInterfaceDns(opts.resolvDir, newItem.spec.ifname, newItem.spec.servers);
    },
    async delete(item) {
      await removeInterfaceDns(opts.resolvDir, item.spec.ifname);
    },
  };

  return { [LINK]: link, [ADDRESS]: address, [ROUTE]: route, [DNS]: dns };
}
