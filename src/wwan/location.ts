/**
 * The GNSS fix of a modem as EVE's WwanLocationInfo (../shared/reference/eve-mmagent.md §2.5, §4.10).
 *
 * Source: the Location interface's `Location` property (a{uv}), key MM_MODEM_LOCATION_SOURCE_GPS_RAW
 * (2; 4 is GPS_NMEA, whose raw sentences EVE never parsed), a dict of `latitude`, `longitude`,
 * `altitude` (d) and `utc-time` (s, "hhmmss" with optional fraction). As in EVE: -32768 stands
 * for an unknown coordinate, uncertainties stay 0 and reliabilities "" (MM reports neither), and
 * the result is published only when latitude and longitude are both known, so this returns
 * undefined otherwise.
 *
 * UTCTimestamp (Unix ms) combines the clock's UTC date with the fix's time of day, like EVE, with
 * one fix: a fix taken just before midnight and read just after (or the reverse, with a clock a
 * little behind) belongs to the neighbouring day, so a result more than 12 h away from the clock
 * is moved by one day. EVE dated it ~24 h off. A malformed time gives 0 (unavailable).
 */
import type { ModemView } from '../modemmanager/snapshot.js';
import { ModemLocationSource } from '../modemmanager/types.js';
import type { WwanLocationInfo } from '../schemas/types.generated.js';
import { dict, num, str } from './values.js';

/** EVE's mmdbus.UnavailLocAttribute. */
export const LOCATION_UNKNOWN = -32768;

const DAY_MS = 86_400_000;

/** "hhmmss[.f…]" on the clock's UTC day → Unix ms, or 0 when malformed. */
export function gnssTimestamp(utcTime: string, nowMs: number): number {
  const m = /^(\d{2})(\d{2})(\d{2})(?:\.(\d+))?$/.exec(utcTime.trim());
  if (!m) return 0;
  const [hh, mm, ss] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (hh > 23 || mm > 59 || ss > 60) return 0; // 60: a leap second
  const ms = m[4] ? Number(m[4].slice(0, 3).padEnd(3, '0')) : 0;
  const now = new Date(nowMs);
  let t = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hh, mm, ss, ms);
  if (t - nowMs > DAY_MS / 2) t -= DAY_MS;
  else if (nowMs - t > DAY_MS / 2) t += DAY_MS;
  return t;
}

function coordinate(v: number | undefined): number {
  return v === undefined ? LOCATION_UNKNOWN : v;
}

/**
 * The modem's GPS_RAW fix, or undefined when there is none to publish.
 * @param now milliseconds since the epoch (the clock supplying the date); default Date.now
 */
export function locationInfo(
  view: ModemView,
  label: string,
  now: () => number = Date.now,
): WwanLocationInfo | undefined {
  const raw = dict(dict(view.location?.Location)?.[String(ModemLocationSource.GpsRaw)]);
  if (!raw) return undefined;
  const info: WwanLocationInfo = {
    LogicalLabel: label,
    Latitude: coordinate(num(raw.latitude)),
    Longitude: coordinate(num(raw.longitude)),
    Altitude: coordinate(num(raw.altitude)),
    HorizontalUncertainty: 0,
    VerticalUncertainty: 0,
    HorizontalReliability: '',
    VerticalReliability: '',
    UTCTimestamp: 0,
  };
  if (info.Latitude === LOCATION_UNKNOWN || info.Longitude === LOCATION_UNKNOWN) return undefined;
  const utc = str(raw['utc-time']);
  if (utc !== undefined) info.UTCTimestamp = Math.max(0, gnssTimestamp(utc, now()));
  return info;
}
