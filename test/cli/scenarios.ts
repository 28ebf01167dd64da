/**
 * The plan scenarios: configs and the snapshots they are planned from. The snapshots in fixtures/ are
 * real: `mmagent snapshot` taken in a network namespace after `mmagent run` brought two simulated
 * modems to the steady state of a config (e2e/cli/capture-fixtures.ts; regenerate as root with
 * `node --import tsx e2e/cli/capture-fixtures.ts`, then `UPDATE_GOLDEN=1 node test/run-all.mjs test/cli`).
 */
import type { WwanConfig, WwanNetworkConfig } from '../../src/schemas/types.generated.js';

type Over = Partial<WwanNetworkConfig> & { AccessPoint?: NonNullable<WwanNetworkConfig['AccessPoint']> };

/** modem-a: USB QMI modem on wwan0, dual stack, two SIM slots (slot 1 in use). */
export function netA(over: Over = {}): WwanNetworkConfig {
  return {
    LogicalLabel: 'modem-a',
    PhysAddrs: { Interface: 'wwan0' },
    MTU: 0,
    RouteMetric: 5000,
    ...over,
    AccessPoint: { Activated: true, SIMSlot: 1, APN: 'internet', IPType: 'ipv4v6', ...over.AccessPoint },
  };
}

/** modem-b: PCIe MBIM modem on wwan1, IPv4 /32 without gateway, CHAP credentials. */
export function netB(over: Over = {}): WwanNetworkConfig {
  return {
    LogicalLabel: 'modem-b',
    PhysAddrs: { Interface: 'wwan1' },
    MTU: 0,
    RouteMetric: 6000,
    ...over,
    AccessPoint: {
      Activated: true,
      APN: 'corp.example',
      IPType: 'ipv4',
      AuthProtocol: 'chap',
      CleartextCredentials: { Username: 'fleet', Password: 'hunter2-s3cret' },
      ...over.AccessPoint,
    },
  };
}

export function configOf(networks: WwanNetworkConfig[], over: Partial<WwanConfig> = {}): WwanConfig {
  return {
    DPCKey: 'zedagent',
    DPCTimestamp: '2026-11-25T01:00:00Z',
    RSConfigTimestamp: '0001-01-01T00:00:00Z',
    RadioSilence: false,
    Networks: networks,
    ...over,
  };
}

/** The steady states captured as snapshots: file name → the config `mmagent run` applied. */
export const STEADY: Readonly<Record<string, WwanConfig>> = {
  'both-connected': configOf([netA(), netB()]),
  'only-a-configured': configOf([netA()]),
  'radio-silence': configOf([netA(), netB()], { RadioSilence: true }),
};

export interface Scenario {
  readonly name: string;
  readonly what: string;
  readonly snapshot: keyof typeof STEADY;
  readonly config: WwanConfig;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'identical',
    what: 'the config in force again: nothing to do',
    snapshot: 'both-connected',
    config: STEADY['both-connected']!,
  },
  {
    name: 'apn-change',
    what: "modem-a's APN changes: its connection and network are re-established",
    snapshot: 'both-connected',
    config: configOf([netA({ AccessPoint: { APN: 'internet.v2' } }), netB()]),
  },
  {
    name: 'mtu-only',
    what: "modem-a's MTU: one link modify",
    snapshot: 'both-connected',
    config: configOf([netA({ MTU: 1400 }), netB()]),
  },
  {
    name: 'metric-only',
    what: "modem-a's route metric: its two default routes replaced, nothing else",
    snapshot: 'both-connected',
    config: configOf([netA({ RouteMetric: 5100 }), netB()]),
  },
  {
    name: 'sim-slot',
    what: 'modem-a switches to SIM slot 2',
    snapshot: 'both-connected',
    config: configOf([netA({ AccessPoint: { SIMSlot: 2 } }), netB()]),
  },
  {
    name: 'credentials',
    what: "modem-b's user name and password change: the digest shows as (sensitive), the connection is re-established",
    snapshot: 'both-connected',
    config: configOf([
      netA(),
      netB({ AccessPoint: { CleartextCredentials: { Username: 'fleet-2027', Password: 'rotated-2027' } } }),
    ]),
  },
  {
    name: 'radio-silence-on',
    what: 'radio silence: every radio off, connections and their network taken down',
    snapshot: 'both-connected',
    config: configOf([netA(), netB()], { RadioSilence: true }),
  },
  {
    name: 'radio-silence-off',
    what: 'radio silence lifted: radios on, connections made (the network follows the bearers)',
    snapshot: 'radio-silence',
    config: configOf([netA(), netB()]),
  },
  {
    name: 'modem-added',
    what: 'a config for the present, unmanaged modem B',
    snapshot: 'only-a-configured',
    config: configOf([netA(), netB()]),
  },
  {
    name: 'modem-removed',
    what: "modem-b's config removed: it becomes unmanaged, radio off, connection and network down",
    snapshot: 'both-connected',
    config: configOf([netA()]),
  },
  {
    name: 'modem-not-found',
    what: 'a config for a modem that is not there: pending "modem not found"',
    snapshot: 'both-connected',
    config: configOf([netA(), netB(), netB({ LogicalLabel: 'modem-c', PhysAddrs: { Interface: 'wwan9' } })]),
  },
];
