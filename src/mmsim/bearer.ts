/**
 * A bearer object (/org/freedesktop/ModemManager1/Bearer/N). It only holds and publishes bearer
 * state; the connect/disconnect flow (which involves the modem's state machine) lives in
 * connection.ts and is reached through the callbacks given at construction.
 */
import { BearerIpMethod, BearerType } from './enums.js';
import { makeInterface, type SimInterface } from './iface.js';
import { bearerSpec } from './spec.js';
import type { IpConfigSpec } from './types.js';
import { type VariantDict, v } from './wire.js';

export interface BearerCallbacks {
  connect(bearer: Bearer): Promise<void>;
  disconnect(bearer: Bearer): Promise<void>;
}

/** MM publishes `{method: UNKNOWN}` for a family that is not configured (mm-bearer-ip-config.c). */
export function emptyIpConfig(): VariantDict {
  return { method: v.u(BearerIpMethod.UNKNOWN) };
}

export function staticIpConfig(c: IpConfigSpec): VariantDict {
  const out: VariantDict = {
    method: v.u(BearerIpMethod.STATIC),
    address: v.s(c.address),
    prefix: v.u(c.prefix),
  };
  (c.dns ?? []).slice(0, 3).forEach((d, i) => {
    out[`dns${i + 1}`] = v.s(d);
  });
  if (c.gateway) out.gateway = v.s(c.gateway);
  if (c.mtu !== undefined) out.mtu = v.u(c.mtu);
  return out;
}

function stats(s: { attempts: number; failed: number; start: bigint; duration: number }): VariantDict {
  return {
    duration: v.u(s.duration),
    'rx-bytes': v.t(0n),
    'tx-bytes': v.t(0n),
    'start-date': v.t(s.start),
    attempts: v.u(s.attempts),
    'failed-attempts': v.u(s.failed),
    'total-duration': v.u(0),
    'total-rx-bytes': v.t(0n),
    'total-tx-bytes': v.t(0n),
    'uplink-speed': v.t(0n),
    'downlink-speed': v.t(0n),
  };
}

export class Bearer {
  readonly path: string;
  readonly properties: VariantDict;
  readonly iface: SimInterface;
  #attempts = 0;
  #failed = 0;
  #start = 0n;
  #connected = false;

  constructor(path: string, properties: VariantDict, cb: BearerCallbacks, type: number = BearerType.DEFAULT) {
    this.path = path;
    this.properties = properties;
    this.iface = makeInterface(
      bearerSpec,
      {
        Interface: '',
        Connected: false,
        ConnectionError: ['', ''],
        Suspended: false,
        Multiplexed: false,
        Ip4Config: emptyIpConfig(),
        Ip6Config: emptyIpConfig(),
        Stats: stats({ attempts: 0, failed: 0, start: 0n, duration: 0 }),
        ReloadStatsSupported: false,
        IpTimeout: 20,
        BearerType: type,
        ProfileId: -1,
        Properties: properties,
      },
      {
        Connect: () => cb.connect(this),
        Disconnect: () => cb.disconnect(this),
      },
    );
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** ProfileId is the modem profile used while connected (MM showed 1 on the kit), -1 otherwise. */
  markConnected(ifname: string, ip4: VariantDict, ip6: VariantDict, profileId = 1): void {
    this.#attempts++;
    this.#connected = true;
    this.#start = BigInt(Math.floor(Date.now() / 1000));
    this.iface.update({
      Interface: ifname,
      Ip4Config: ip4,
      Ip6Config: ip6,
      ConnectionError: ['', ''],
      Stats: this.#stats(),
      ProfileId: profileId,
      Connected: true,
    });
  }

  /** A failed attempt: ConnectionError carries the D-Bus error name and message (MM ≥ 1.18). */
  markFailed(errorName: string, message: string): void {
    this.#attempts++;
    this.#failed++;
    this.iface.update({ ConnectionError: [errorName, message], Stats: this.#stats() });
  }

  /** Disconnected by request (no error) or by the network (with an error). */
  markDisconnected(error?: { name: string; message: string }): void {
    this.#connected = false;
    const changes: Record<string, unknown> = {
      Connected: false,
      Interface: '',
      Ip4Config: emptyIpConfig(),
      Ip6Config: emptyIpConfig(),
      ProfileId: -1,
    };
    if (error) changes.ConnectionError = [error.name, error.message];
    this.iface.update(changes);
  }

  #stats(): VariantDict {
    const duration = this.#connected ? Math.max(0, Math.floor(Date.now() / 1000) - Number(this.#start)) : 0;
    return stats({ attempts: this.#attempts, failed: this.#failed, start: this.#start, duration });
  }
}
