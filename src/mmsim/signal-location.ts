/** Wire builders for Modem.Signal dictionaries and Modem.Location values. */
import { LocationSource } from './enums.js';
import type { LocationSpec, SignalValues } from './types.js';
import { type Variant, type VariantDict, v } from './wire.js';

export type Rat = 'gsm' | 'umts' | 'lte' | 'nr5g';

/** Which keys MM reports per RAT (Modem.Signal docs, MM 1.20). */
const RAT_KEYS: Readonly<Record<Rat, readonly (keyof SignalValues)[]>> = {
  gsm: ['rssi', 'errorRate'],
  umts: ['rssi', 'rscp', 'ecio', 'errorRate'],
  lte: ['rssi', 'rsrq', 'rsrp', 'snr', 'errorRate'],
  nr5g: ['rsrq', 'rsrp', 'snr', 'errorRate'],
};

export const RAT_PROPERTY: Readonly<Record<Rat, string>> = {
  gsm: 'Gsm',
  umts: 'Umts',
  lte: 'Lte',
  nr5g: 'Nr5g',
};

export function signalDict(rat: Rat, values: SignalValues | undefined): VariantDict {
  const out: VariantDict = {};
  if (!values) return out;
  for (const k of RAT_KEYS[rat]) {
    const x = values[k];
    if (x !== undefined) out[k === 'errorRate' ? 'error-rate' : k] = v.d(x);
  }
  return out;
}

/** Location values for the enabled sources (GetLocation / the Location property), keyed by source bit. */
export function locationValues(spec: LocationSpec | undefined, enabled: number): Record<number, Variant> {
  const out: Record<number, Variant> = {};
  if (!spec) return out;
  if (enabled & LocationSource['3GPP_LAC_CI'] && spec.lacCi)
    out[LocationSource['3GPP_LAC_CI']] = v.s(spec.lacCi);
  if (enabled & LocationSource.GPS_RAW && spec.gps) {
    out[LocationSource.GPS_RAW] = v.dict({
      'utc-time': v.s(spec.gps.utcTime ?? '000000.00'),
      latitude: v.d(spec.gps.latitude),
      longitude: v.d(spec.gps.longitude),
      altitude: v.d(spec.gps.altitude ?? 0),
    });
  }
  return out;
}
