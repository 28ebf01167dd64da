/** WwanNetworkMetrics: EVE's SignalInfo, signal for every RAT, bearer byte counters, schema-valid. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModemView } from '../../src/modemmanager/snapshot.js';
import {
  networkMetrics,
  packetStats,
  SIGNAL_UNAVAILABLE,
  signalInfo,
  signalInfoPerRAT,
} from '../../src/wwan/metrics.js';
import { assertValidMetrics, captured, kitView, MODEM1, withBearer, withProps } from './helpers.js';

const U = SIGNAL_UNAVAILABLE;
const LTE = 1 << 14;
const NR = 1 << 15;
const UMTS = 1 << 5;
const GSM = 1 << 1;

test('the captured modem (LTE)', () => {
  const m = networkMetrics(captured(), 'wwan-a', { Interface: 'wwan0', USB: '1:1' });
  assert.deepEqual(m, {
    LogicalLabel: 'wwan-a',
    PhysAddrs: { Interface: 'wwan0', USB: '1:1', PCI: '', Dev: '' },
    PacketStats: { RxBytes: 0, RxPackets: 0, RxDrops: 0, TxBytes: 0, TxPackets: 0, TxDrops: 0 },
    SignalInfo: { RSSI: -65, RSRQ: -10, RSRP: -91, SNR: 12 },
    SignalInfoPerRAT: [{ RAT: 'lte', SignalInfo: { RSSI: -65, RSRQ: -10, RSRP: -91, SNR: 12 } }],
  });
  assertValidMetrics([m]);
});

describe('signal', () => {
  const nsa = (nr: Record<string, number>, at = LTE | NR): ModemView =>
    withProps(captured(), {
      modem: { AccessTechnologies: at },
      signal: {
        Nr5g: nr,
        Lte: { rssi: -70.4, rsrq: -9.9, rsrp: -99.2, snr: 7.6 },
        Umts: { rssi: -80, rscp: -90, ecio: -6 },
        Gsm: {},
        Cdma: { rssi: -60 },
      },
    });

  test('5G NSA: SignalInfo from NR (the first current RAT); every RAT per RAT, in EVE order', () => {
    const v = nsa({ rsrq: -11.5, rsrp: -95.7, snr: 20.9 });
    assert.deepEqual(signalInfo(v), { RSSI: U, RSRQ: -11, RSRP: -95, SNR: 20 });
    assert.deepEqual(signalInfoPerRAT(v), [
      { RAT: '5gnr', SignalInfo: { RSSI: U, RSRQ: -11, RSRP: -95, SNR: 20 } },
      { RAT: 'lte', SignalInfo: { RSSI: -70, RSRQ: -9, RSRP: -99, SNR: 7 } },
      { RAT: 'umts', SignalInfo: { RSSI: -80, RSRQ: U, RSRP: U, SNR: U } },
    ]);
    assertValidMetrics([networkMetrics(v, 'x', {})]);
  });

  test('NR not measured yet: SignalInfo from the next current RAT (EVE: all unavailable)', () => {
    assert.deepEqual(signalInfo(nsa({})), { RSSI: -70, RSRQ: -9, RSRP: -99, SNR: 7 });
    assert.deepEqual(
      signalInfoPerRAT(nsa({}))?.map((r) => r.RAT),
      ['lte', 'umts'],
    );
  });

  test('a RAT the modem is not on is still listed per RAT, but is not SignalInfo', () => {
    const v = nsa({ rsrq: -11 }, UMTS);
    assert.deepEqual(signalInfo(v), { RSSI: -80, RSRQ: U, RSRP: U, SNR: U });
    assert.equal(signalInfoPerRAT(v)?.length, 3);
  });

  test('current RAT without values and no other current RAT: all unavailable', () => {
    assert.deepEqual(signalInfo(nsa({}, GSM)), { RSSI: U, RSRQ: U, RSRP: U, SNR: U });
  });

  test('no current RAT (EVE: Go zero values, i.e. 0 dBm): the RAT that reports values, else unavailable', () => {
    const v = withProps(captured(), { modem: { AccessTechnologies: 0 } });
    assert.deepEqual(signalInfo(v), { RSSI: -65, RSRQ: -10, RSRP: -91, SNR: 12 });
    assert.deepEqual(signalInfoPerRAT(v), [
      { RAT: 'lte', SignalInfo: { RSSI: -65, RSRQ: -10, RSRP: -91, SNR: 12 } },
    ]);
    const silent = withProps(v, { signal: { Lte: {} } });
    assert.deepEqual(signalInfo(silent), { RSSI: U, RSRQ: U, RSRP: U, SNR: U });
  });

  test('Signal not set up (empty dicts) or no Signal interface: null per RAT', () => {
    const m = networkMetrics(captured(MODEM1), '', {});
    assert.equal(m.SignalInfoPerRAT, null);
    assert.deepEqual(m.SignalInfo, { RSSI: U, RSRQ: U, RSRP: U, SNR: U });
    assert.equal(signalInfoPerRAT({ ...captured(), signal: undefined }), null);
    assertValidMetrics([m]);
  });

  test('int32 conversion: truncation toward zero, clamped, non-numbers ignored', () => {
    const cases: [number, number][] = [
      [-91.9, -91],
      [-0.5, 0],
      [12.99, 12],
      [1e12, 2147483647],
      [-1e12, -2147483648],
    ];
    for (const [value, want] of cases) {
      const v = withProps(captured(), { signal: { Lte: { rssi: value } } });
      assert.equal(signalInfo(v).RSSI, want, String(value));
    }
    const bad = withProps(captured(), { signal: { Lte: { rssi: 'x', rsrp: -100 } } });
    assert.deepEqual(signalInfo(bad), { RSSI: U, RSRQ: U, RSRP: -100, SNR: U });
  });
});

describe('packet stats', () => {
  test('rx/tx bytes of the connected bearer; packets and drops are not available (0)', () => {
    const v = withBearer(captured(), 0, { Stats: { 'rx-bytes': 123456, 'tx-bytes': 7890, duration: 60 } });
    assert.deepEqual(packetStats(v), {
      RxBytes: 123456,
      RxPackets: 0,
      RxDrops: 0,
      TxBytes: 7890,
      TxPackets: 0,
      TxDrops: 0,
    });
  });

  test('counters above 2^53 (decimal strings from the adapter) are clamped to the schema maximum', () => {
    const v = withBearer(captured(), 0, {
      Stats: { 'rx-bytes': '18446744073709551615', 'tx-bytes': '9007199254740991' },
    });
    const s = packetStats(v);
    assert.equal(s.RxBytes, Number.MAX_SAFE_INTEGER);
    assert.equal(s.TxBytes, 9007199254740991);
    assertValidMetrics([{ ...networkMetrics(v, 'x', {}), PacketStats: s }]);
  });

  test('no connected bearer: 0', () => {
    const v = withBearer(captured(), 0, { Connected: false, Stats: { 'rx-bytes': 5, 'tx-bytes': 5 } });
    assert.deepEqual([packetStats(v).RxBytes, packetStats(v).TxBytes], [0, 0]);
  });

  test('the data (default) bearer is preferred over an earlier connected dedicated one', () => {
    let v = withBearer(captured(), 0, { BearerType: 3, Stats: { 'rx-bytes': 1, 'tx-bytes': 1 } });
    v = withBearer(v, 1, { ...v.bearers[0]?.props, BearerType: 1, Stats: { 'rx-bytes': 2, 'tx-bytes': 3 } });
    assert.deepEqual([packetStats(v).RxBytes, packetStats(v).TxBytes], [2, 3]);
    // without a default one, EVE's first connected bearer
    const onlyDedicated = withBearer(v, 1, undefined);
    assert.equal(packetStats(onlyDedicated).RxBytes, 1);
  });

  test('the kit modem: valid metrics with its addresses', () => {
    assertValidMetrics([networkMetrics(kitView(), 'wwan0', { Interface: 'wwan0', Dev: '/dev/ttyHS0' })]);
  });
});
