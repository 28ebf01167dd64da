/**
 * One modem as EVE's WwanNetworkMetrics (../shared/reference/eve-mmagent.md §2.4, §3.3, §4.12).
 *
 * SignalInfo is EVE's: RSSI/RSRQ/RSRP/SNR (doubles in MM's Signal dicts) truncated to int32 as Go's
 * int32(float64) does, 2147483647 where a value is not reported, taken from the current RAT (the
 * first of CurrentRATs in the order 5gnr, lte, umts, gsm). Differences from EVE:
 *   - SignalInfoPerRAT (our extension) lists EVERY RAT whose Signal dict has a value, in the same
 *     order: a 5G NSA modem reports LTE and NR together, EVE showed only NR;
 *   - when the first current RAT has no values (NR not measured yet in NSA), SignalInfo comes from
 *     the next current RAT that has them, instead of all-unavailable;
 *   - with no current RAT (AccessTechnologies 0: the real kit's HSO modem says so while connected
 *     and measuring LTE) EVE left SignalInfo at Go's zero value (0 dBm, a plausible-looking lie);
 *     here it comes from the first RAT that reports values, else it is all-unavailable.
 * PacketStats: rx/tx bytes of the data bearer (connected default; else EVE's first connected
 * bearer). ModemManager has no packet or drop counters, so those stay 0 as in EVE.
 */
import type { ModemView } from '../modemmanager/snapshot.js';
import type { PhysAddrs, WwanNetworkMetrics, WwanSignalInfo } from '../schemas/types.generated.js';
import { fullPhysAddrs } from './physaddrs.js';
import { currentRATs, dataBearer } from './status.js';
import { dict, num, toInt32, uint64 } from './values.js';

/** EVE's mmdbus.UnavailSignalMetric. */
export const SIGNAL_UNAVAILABLE = 2147483647;

type RAT = NonNullable<WwanNetworkMetrics['SignalInfoPerRAT']>[number]['RAT'];

/** EVE RAT → the Signal interface property holding its measurements (Cdma/Evdo have no EVE RAT). */
const SIGNAL_PROPERTY: readonly (readonly [RAT, 'Nr5g' | 'Lte' | 'Umts' | 'Gsm'])[] = [
  ['5gnr', 'Nr5g'],
  ['lte', 'Lte'],
  ['umts', 'Umts'],
  ['gsm', 'Gsm'],
];

const KEYS = [
  ['RSSI', 'rssi'],
  ['RSRQ', 'rsrq'],
  ['RSRP', 'rsrp'],
  ['SNR', 'snr'],
] as const;

export const UNAVAILABLE_SIGNAL: WwanSignalInfo = Object.freeze({
  RSSI: SIGNAL_UNAVAILABLE,
  RSRQ: SIGNAL_UNAVAILABLE,
  RSRP: SIGNAL_UNAVAILABLE,
  SNR: SIGNAL_UNAVAILABLE,
});

/** The four values of one RAT, or undefined when the dict holds none of them. */
export function ratSignal(view: ModemView, rat: RAT): WwanSignalInfo | undefined {
  const prop = SIGNAL_PROPERTY.find(([r]) => r === rat)?.[1];
  const d = prop ? dict(view.signal?.[prop]) : undefined;
  if (!d) return undefined;
  const out: WwanSignalInfo = { ...UNAVAILABLE_SIGNAL };
  let any = false;
  for (const [field, key] of KEYS) {
    const v = num(d[key]);
    if (v === undefined) continue;
    out[field] = toInt32(v);
    any = true;
  }
  return any ? out : undefined;
}

export function signalInfoPerRAT(view: ModemView): WwanNetworkMetrics['SignalInfoPerRAT'] {
  const out = SIGNAL_PROPERTY.flatMap(([rat]) => {
    const s = ratSignal(view, rat);
    return s ? [{ RAT: rat, SignalInfo: s }] : [];
  });
  return out.length > 0 ? out : null;
}

/** EVE's SignalInfo: the current RAT's values (see the file comment for the fallbacks). */
export function signalInfo(view: ModemView): WwanSignalInfo {
  const rats = currentRATs(view) ?? SIGNAL_PROPERTY.map(([rat]) => rat);
  for (const rat of rats) {
    const s = ratSignal(view, rat);
    if (s) return s;
  }
  return { ...UNAVAILABLE_SIGNAL };
}

export function packetStats(view: ModemView): WwanNetworkMetrics['PacketStats'] {
  const bearer = dataBearer(view) ?? view.bearers.find((b) => b.props.Connected === true);
  const stats = bearer ? dict(bearer.props.Stats) : undefined;
  return {
    // uint64 clamps counters above 2^53 (delivered as decimal strings) to MAX_SAFE_INTEGER: the
    // schema's Go uint64 ceiling, since EVE's pubsub reader parses through float64
    RxBytes: uint64(stats?.['rx-bytes']) ?? 0,
    RxPackets: 0,
    RxDrops: 0,
    TxBytes: uint64(stats?.['tx-bytes']) ?? 0,
    TxPackets: 0,
    TxDrops: 0,
  };
}

export function networkMetrics(view: ModemView, label: string, physAddrs: PhysAddrs): WwanNetworkMetrics {
  return {
    LogicalLabel: label,
    PhysAddrs: fullPhysAddrs(physAddrs),
    PacketStats: packetStats(view),
    SignalInfo: signalInfo(view),
    SignalInfoPerRAT: signalInfoPerRAT(view),
  };
}
