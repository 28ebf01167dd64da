/** WwanLocationInfo from the GPS_RAW location: EVE's fields, the clock's date, schema-valid. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModemView } from '../../src/modemmanager/snapshot.js';
import type { VarDict } from '../../src/modemmanager/types.js';
import { gnssTimestamp, LOCATION_UNKNOWN, locationInfo } from '../../src/wwan/location.js';
import { assertValidLocation, captured, MODEM1 } from './helpers.js';

const clock = (iso: string) => () => Date.parse(iso);

const withLocation = (location: VarDict | undefined): ModemView => {
  const v = captured();
  return { ...v, location: { ...v.location, Location: location } };
};

test('the captured fix (simulator: GPS_RAW and 3GPP LAC/CI both enabled)', () => {
  const info = locationInfo(captured(), 'wwan-a', clock('2026-11-25T12:00:05Z'));
  assert.deepEqual(info, {
    LogicalLabel: 'wwan-a',
    Latitude: 50.0755,
    Longitude: 14.4378,
    Altitude: 235,
    HorizontalUncertainty: 0,
    VerticalUncertainty: 0,
    HorizontalReliability: '',
    VerticalReliability: '',
    UTCTimestamp: Date.parse('2026-11-25T12:00:00Z'),
  });
  assert.ok(info);
  assertValidLocation(info);
});

describe('what is published', () => {
  const gps = { latitude: 48.1, longitude: 11.5, altitude: 520.5, 'utc-time': '093015.25' };
  const cases: [string, VarDict | undefined, boolean][] = [
    ['GPS_RAW with a fix', { '2': gps }, true],
    ['only 3GPP LAC/CI (source 1)', { '1': '001,01,0000,01A2D001,001A2B' }, false],
    ['GPS_NMEA (source 4) is not parsed, as in EVE', { '4': '$GPGGA,...' }, false],
    ['latitude unknown', { '2': { ...gps, latitude: undefined as unknown as number } }, false],
    ['longitude of the wrong type', { '2': { ...gps, longitude: '11.5' } }, false],
    ['no Location property', undefined, false],
  ];
  for (const [what, loc, published] of cases)
    test(what, () => {
      assert.equal(
        locationInfo(withLocation(loc), 'x', clock('2026-11-25T10:00:00Z')) !== undefined,
        published,
      );
    });
  test('no Location interface', () => {
    assert.equal(locationInfo(captured(MODEM1), 'x'), undefined);
    assert.equal(locationInfo({ ...captured(), location: undefined }, 'x'), undefined);
  });
  test('altitude unknown: -32768, still published', () => {
    const info = locationInfo(
      withLocation({ '2': { latitude: 1, longitude: 2 } }),
      'x',
      clock('2026-11-25T10:00:00Z'),
    );
    assert.equal(info?.Altitude, LOCATION_UNKNOWN);
    assert.equal(info?.UTCTimestamp, 0, 'no utc-time: unavailable');
    assert.ok(info);
    assertValidLocation(info);
  });
  test('fractional seconds', () => {
    const info = locationInfo(withLocation({ '2': gps }), 'x', clock('2026-11-25T10:00:00Z'));
    assert.equal(info?.UTCTimestamp, Date.parse('2026-11-25T09:30:15.250Z'));
  });
});

describe('gnssTimestamp: the clock’s UTC date with the fix’s time of day', () => {
  const cases: [string, string, string, number | undefined][] = [
    ['same day', '120000.00', '2026-11-25T12:00:05Z', Date.parse('2026-11-25T12:00:00Z')],
    ['no fraction', '081500', '2026-11-25T08:20:00Z', Date.parse('2026-11-25T08:15:00Z')],
    ['long fraction', '081500.123456', '2026-11-25T08:20:00Z', Date.parse('2026-11-25T08:15:00.123Z')],
    ['one-digit fraction', '081500.5', '2026-11-25T08:20:00Z', Date.parse('2026-11-25T08:15:00.500Z')],
    // EVE dated these ~24 h wrong
    [
      'fix before midnight, read after',
      '235959.50',
      '2026-11-25T00:00:01Z',
      Date.parse('2026-11-24T23:59:59.500Z'),
    ],
    [
      'clock slightly behind over midnight',
      '000001.00',
      '2026-11-24T23:59:58Z',
      Date.parse('2026-11-25T00:00:01Z'),
    ],
    ['malformed', '12:00:00', '2026-11-25T12:00:00Z', 0],
    ['out of range', '250000', '2026-11-25T12:00:00Z', 0],
    ['empty', '', '2026-11-25T12:00:00Z', 0],
  ];
  for (const [what, utc, now, want] of cases)
    test(what, () => {
      assert.equal(gnssTimestamp(utc, Date.parse(now)), want);
    });
});

describe('gnssTimestamp across midnight, fix after fix', () => {
  test('a fix at 23:59:59.9 then one at 00:00:00.4: the second is half a second later, on the next day', () => {
    const first = gnssTimestamp('235959.9', Date.parse('2026-12-03T23:59:59.950Z'));
    const second = gnssTimestamp('000000.4', Date.parse('2026-12-04T00:00:00.450Z'));
    assert.equal(first, Date.parse('2026-12-03T23:59:59.900Z'));
    assert.equal(second, Date.parse('2026-12-04T00:00:00.400Z'));
    assert.equal(second - first, 500);
  });
});
