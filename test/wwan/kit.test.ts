/**
 * The real ModemManager 1.20 modem of the team kit (fixtures/real-mm-connected.json) through every
 * projection: where EVE's mmagent dropped this modem (no usbmisc entry for an AT primary port) and
 * refused its gateway-less bearer, the status names wwan0 and the /32 address.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { locationInfo } from '../../src/wwan/location.js';
import { matchConfigs } from '../../src/wwan/matching.js';
import { networkMetrics } from '../../src/wwan/metrics.js';
import { fakePhysAddrSource, modemPhysAddrs } from '../../src/wwan/physaddrs.js';
import { bearerIpConfigs, networkStatus } from '../../src/wwan/status.js';
import { assertValidMetrics, assertValidStatus, kitView, MODEM0 } from './helpers.js';

const U = 2147483647;
const noSysfs = fakePhysAddrSource({}); // the kit's /sys lives in ModemManager's private namespace

test('kit: addresses from ModemManager alone, and a config naming wwan0 matches', () => {
  const addrs = modemPhysAddrs(kitView(), noSysfs);
  assert.deepEqual(addrs, { Interface: 'wwan0', USB: '', PCI: '', Dev: '/dev/ttyHS0' });
  const r = matchConfigs(
    [{ LogicalLabel: 'wwan0', PhysAddrs: { Interface: 'wwan0' } }],
    [{ key: MODEM0, physAddrs: addrs }],
  );
  assert.deepEqual([...r.assigned], [['wwan0', MODEM0]]);
});

test('kit: status', () => {
  const view = kitView();
  const s = networkStatus(view, { label: 'wwan0', physAddrs: modemPhysAddrs(view, noSysfs) });
  assert.deepEqual(s.Module, {
    Name: '490154203237518',
    IMEI: '490154203237518',
    Model: 'SIM-LTE-1',
    Manufacturer: 'Simulated Modems Inc.',
    Revision: '1.0.0',
    ControlProtocol: '',
    OpMode: 'online-and-connected',
  });
  // SimType 0 (unknown) without EID: unspecified type, present (single slot: only `Sim`)
  assert.deepEqual(s.SimCards, [
    {
      Name: '89881100000000000001',
      SlotNumber: 1,
      SlotActivated: true,
      ICCID: '89881100000000000001',
      IMSI: '001010123456789',
      Type: 0,
      State: 'present',
    },
  ]);
  assert.equal(s.CurrentRATs, null, 'the HSO modem reports AccessTechnologies 0');
  assert.equal(s.ConnectedAt, 1795567277);
  assert.deepEqual(s.IPSettings, {
    Address: { IP: '10.64.64.10', Mask: '/////w==' },
    Gateway: '',
    DNSServers: ['10.11.12.13', '10.11.12.14'],
    MTU: 0,
  });
  assert.deepEqual(s.Bearers, [
    {
      APN: 'internet',
      Type: 2,
      IPType: 'ipv4',
      Connected: true,
      ConnectionError: '',
      ConnectedAt: 1795567277,
    },
  ]);
  assert.equal(s.LocationTracking, false);
  assertValidStatus([s]);
});

test('kit: Ip6Config {method: 0} is "no IPv6", not an error', () => {
  const b = kitView().bearers[0]?.props;
  assert.ok(b);
  assert.deepEqual(bearerIpConfigs(b), {
    ipv4: {
      family: 4,
      address: '10.64.64.10',
      prefix: 32,
      gateway: '',
      dns: ['10.11.12.13', '10.11.12.14'],
      mtu: 0,
    },
    errors: [],
  });
});

test('kit: metrics (LTE values although no access technology is reported) and no location', () => {
  const view = kitView();
  const m = networkMetrics(view, 'wwan0', modemPhysAddrs(view, noSysfs));
  assert.deepEqual(m.SignalInfo, { RSSI: U, RSRQ: -10, RSRP: -91, SNR: U });
  assert.deepEqual(m.SignalInfoPerRAT, [
    { RAT: 'lte', SignalInfo: { RSSI: U, RSRQ: -10, RSRP: -91, SNR: U } },
  ]);
  assertValidMetrics([m]);
  assert.equal(locationInfo(view, 'wwan0'), undefined, 'the kit has 3GPP location only');
});
