/** WwanNetworkStatus from a ModemView: EVE's mapping rule by rule, IPv6 kept, schema-valid output. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModemView } from '../../src/modemmanager/snapshot.js';
import type { BearerProps, SimProps, VarDict } from '../../src/modemmanager/types.js';
import type { WwanNetworkStatus } from '../../src/schemas/types.generated.js';
import { fakePhysAddrSource, modemPhysAddrs } from '../../src/wwan/physaddrs.js';
import {
  bearerIpConfigs,
  bearerStatus,
  currentProvider,
  currentRATs,
  ipSettings,
  lookupsFrom,
  MODEM_NOT_FOUND,
  maskBase64,
  missingNetworkStatus,
  networkStatus,
  opMode,
  profilesFromList,
  providersFromScan,
  simCards,
} from '../../src/wwan/status.js';
import {
  assertValidStatus,
  BEARER0,
  captured,
  capturedSnapshot,
  kitView,
  MODEM1,
  SIM0,
  SIM1,
  withBearer,
  withProps,
} from './helpers.js';

const NOW = Date.parse('2026-11-25T12:00:05Z');
const NOW_S = NOW / 1000;
const snapLookups = lookupsFrom(capturedSnapshot());
const facts = { label: 'wwan-a', physAddrs: { Interface: 'wwan0' }, now: () => NOW, ...snapLookups };
const status = (v: ModemView, extra: Partial<Parameters<typeof networkStatus>[1]> = {}): WwanNetworkStatus =>
  networkStatus(v, { ...facts, ...extra });

test('the captured simulator modem, field by field (and valid against the schema)', () => {
  const physAddrs = modemPhysAddrs(
    captured(),
    fakePhysAddrSource({
      '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1': { USB: '1:1', PCI: '0000:00:14.0' },
    }),
  );
  const s = status(captured(), { physAddrs, probeError: 'no ping response received from 8.8.8.8' });
  assert.deepEqual(s, {
    LogicalLabel: 'wwan-a',
    PhysAddrs: { Interface: 'wwan0', USB: '1:1', PCI: '0000:00:14.0', Dev: '/dev/cdc-wdm0' },
    Module: {
      Name: '490154203237518',
      IMEI: '490154203237518',
      Model: 'SIM-LTE-1',
      Manufacturer: 'Simulated Modems Inc.',
      Revision: '1.0.0',
      ControlProtocol: 'qmi',
      OpMode: 'online-and-connected',
    },
    SimCards: [
      {
        Name: '89881100000000000001',
        SlotNumber: 1,
        SlotActivated: true,
        ICCID: '89881100000000000001',
        IMSI: '001010123456789',
        Type: 1,
        State: 'present',
      },
      {
        Name: '89049032000001000000000000000001',
        SlotNumber: 2,
        SlotActivated: false,
        ICCID: '89049032000001000000000000000001',
        IMSI: '001020000000001',
        Type: 2,
        State: 'inactive',
      },
    ],
    ConfigError: '',
    ProbeError: 'no ping response received from 8.8.8.8',
    CurrentProvider: {
      PLMN: '00101',
      Description: 'SimNet',
      CurrentServing: true,
      Roaming: false,
      Forbidden: false,
    },
    VisibleProviders: null,
    CurrentRATs: ['lte'],
    ConnectedAt: 1795566792,
    IPSettings: {
      Address: { IP: '10.64.64.10', Mask: '/////A==' },
      Gateway: '10.64.64.9',
      DNSServers: ['10.11.12.13', '10.11.12.14', '2001:db8::53'],
      MTU: 1500,
    },
    LocationTracking: true,
    Bearers: [
      {
        APN: 'internet',
        Type: 2,
        IPType: 'ipv4v6',
        Connected: true,
        ConnectionError: '',
        ConnectedAt: 1795566792,
      },
    ],
    Profiles: null,
  });
  assertValidStatus([s]);
});

test('a disabled, unmanaged modem and a missing configured one: a valid WwanStatus together', () => {
  const unmanaged = status(captured(MODEM1), {
    label: '',
    physAddrs: { Interface: 'wwan1', PCI: '0000:02:00.0' },
  });
  assert.equal(unmanaged.Module.OpMode, 'offline');
  assert.equal(unmanaged.Module.ControlProtocol, 'mbim');
  assert.equal(unmanaged.ConnectedAt, 0);
  assert.deepEqual(unmanaged.IPSettings, { Address: null, Gateway: '', DNSServers: null, MTU: 0 });
  assert.equal(unmanaged.Bearers, null);
  assert.equal(unmanaged.CurrentRATs, null);
  assert.deepEqual(unmanaged.CurrentProvider, {
    PLMN: '',
    Description: '',
    CurrentServing: false,
    Roaming: false,
    Forbidden: false,
  });
  const missing = missingNetworkStatus({
    LogicalLabel: 'wwan-b',
    PhysAddrs: { USB: '1:4', PCI: '0000:00:14.0' },
  });
  assertValidStatus([status(captured()), unmanaged, missing]);
});

describe('missingNetworkStatus', () => {
  test('EVE entry: label, configured addresses, "modem not found", Go zero values elsewhere', () => {
    const s = missingNetworkStatus({ LogicalLabel: 'wwan-b', PhysAddrs: { Interface: 'wwan7' }, MTU: 1400 });
    assert.equal(s.ConfigError, MODEM_NOT_FOUND);
    assert.equal(s.ConfigError, 'modem not found');
    assert.deepEqual(s.PhysAddrs, { Interface: 'wwan7', USB: '', PCI: '', Dev: '' });
    assert.equal(s.LogicalLabel, 'wwan-b');
    assert.equal(s.Module.OpMode, '');
    assert.equal(s.SimCards, null);
    assertValidStatus([s]);
  });
  test('without PhysAddrs in the config', () => {
    assert.deepEqual(missingNetworkStatus({ LogicalLabel: 'x' }).PhysAddrs, {
      Interface: '',
      USB: '',
      PCI: '',
      Dev: '',
    });
  });
});

describe('OpMode from State, PowerState OFF/LOW overriding', () => {
  const cases: [number, number, string][] = [
    [0, 3, 'unrecognized'],
    [8, 3, 'online'],
    [10, 3, 'online'],
    [11, 3, 'online-and-connected'],
    [-1, 3, 'offline'],
    [1, 3, 'offline'],
    [2, 3, 'offline'],
    [3, 3, 'offline'],
    [6, 3, 'offline'],
    [7, 3, 'offline'],
    [9, 3, 'offline'],
    [11, 2, 'radio-off'],
    [3, 1, 'radio-off'],
    [0, 2, 'radio-off'],
    [8, 0, 'online'],
  ];
  for (const [state, power, want] of cases)
    test(`State ${state}, PowerState ${power} → ${want}`, () => {
      assert.equal(opMode(withProps(captured(), { modem: { State: state, PowerState: power } })), want);
    });
  test('no State at all → unrecognized (Go zero value)', () => {
    assert.equal(opMode(withProps(captured(), { modem: { State: undefined } })), 'unrecognized');
  });
});

describe('SIM cards per slot', () => {
  const ESIM_PATH = '/org/freedesktop/ModemManager1/SIM/9';
  const sims: Record<string, SimProps> = {
    [SIM0]: { Active: true, SimIdentifier: '8988-phys', Imsi: '001010123456789', SimType: 1, Eid: '' },
    [SIM1]: { Active: false, SimIdentifier: '8988-second', Imsi: '001019', SimType: 1 },
    [ESIM_PATH]: {
      Active: true,
      SimIdentifier: '8904-esim',
      Imsi: '001020',
      SimType: 0,
      Eid: '8904',
      EsimStatus: 2,
    },
  };
  const lookups = { simProps: (p: string) => sims[p] };
  const slots = (modem: Parameters<typeof withProps>[1]['modem'], extraSims: Record<string, SimProps> = {}) =>
    simCards(withProps(captured(), { modem }), { simProps: (p) => extraSims[p] ?? lookups.simProps(p) });
  const short = (cards: ReturnType<typeof simCards>) =>
    (cards ?? []).map(
      (c) => `${c.SlotNumber}:${c.SlotActivated ? 'A' : '-'}:${c.Type}:${c.State}:${c.ICCID}`,
    );

  const cases: [string, Parameters<typeof slots>[0], string[], Record<string, SimProps>?][] = [
    [
      'two physical slots, first active',
      { SimSlots: [SIM0, SIM1], PrimarySimSlot: 1, Sim: SIM0 },
      ['1:A:1:present:8988-phys', '2:-:1:inactive:8988-second'],
    ],
    [
      'empty first slot, second primary',
      { SimSlots: ['/', SIM0], PrimarySimSlot: 2, Sim: SIM0 },
      ['1:-:0:absent:', '2:A:1:present:8988-phys'],
    ],
    [
      'single-slot modem: only Sim',
      { SimSlots: [], PrimarySimSlot: 0, Sim: SIM0 },
      ['1:A:1:present:8988-phys'],
    ],
    [
      'eSIM hidden as "/" in SimSlots: Sim fallback, unknown type + EID = eSIM, with profiles → present',
      { SimSlots: ['/', SIM1], PrimarySimSlot: 1, Sim: ESIM_PATH },
      ['1:A:2:present:8904-esim', '2:-:1:inactive:8988-second'],
    ],
    [
      'eSIM without profiles → absent',
      { SimSlots: ['/'], PrimarySimSlot: 1, Sim: ESIM_PATH },
      ['1:A:2:absent:8904-esim'],
      { [ESIM_PATH]: { ...sims[ESIM_PATH], EsimStatus: 1 } },
    ],
    [
      'physical SIM only via the Sim fallback: the slot array says empty (EVE)',
      { SimSlots: ['/'], PrimarySimSlot: 1, Sim: SIM0 },
      ['1:A:1:absent:8988-phys'],
    ],
    [
      'unknown type, no EID: type unspecified, present',
      { SimSlots: [SIM0], PrimarySimSlot: 1 },
      ['1:A:0:present:x'],
      { [SIM0]: { Active: true, SimIdentifier: 'x', SimType: 0 } },
    ],
    [
      'no Active property (MM < 1.16): primary counts as activated',
      { SimSlots: [SIM0, SIM1], PrimarySimSlot: 2 },
      ['1:-:1:inactive:a', '2:A:1:present:b'],
      { [SIM0]: { SimIdentifier: 'a', SimType: 1 }, [SIM1]: { SimIdentifier: 'b', SimType: 1 } },
    ],
    [
      'SIM object not loaded yet: slot stays absent',
      { SimSlots: ['/org/freedesktop/ModemManager1/SIM/77'], PrimarySimSlot: 1 },
      ['1:A:0:absent:'],
    ],
    [
      'failed, sim-error: the primary slot is in error',
      { SimSlots: [SIM0, SIM1], PrimarySimSlot: 1, State: -1, StateFailedReason: 3 },
      ['1:A:1:error:8988-phys', '2:-:1:inactive:8988-second'],
    ],
    [
      'sim-error reason without FAILED state is ignored',
      { SimSlots: [SIM0], PrimarySimSlot: 1, State: 8, StateFailedReason: 3 },
      ['1:A:1:present:8988-phys'],
    ],
    [
      'failed, sim-missing, no slots: one synthesized absent slot',
      { SimSlots: [], Sim: '/', PrimarySimSlot: 0, State: -1, StateFailedReason: 2 },
      ['1:A:0:absent:'],
    ],
    ['no slots, not failed: no cards (null)', { SimSlots: [], Sim: '/', PrimarySimSlot: 0 }, []],
  ];
  for (const [what, modem, want, extra] of cases)
    test(what, () => assert.deepEqual(short(slots(modem, extra)), want));

  test('Name is the ICCID; no lookup: the view’s own SIM is used', () => {
    const cards = simCards(captured());
    assert.equal(cards?.[0]?.Name, '89881100000000000001');
    assert.equal(cards?.[1]?.State, 'absent', 'slot 2 object is not in the view without a lookup');
  });
});

describe('CurrentProvider', () => {
  const cases: [number | undefined, string, string, Partial<WwanNetworkStatus['CurrentProvider']>][] = [
    [1, '00101', 'SimNet', { PLMN: '00101', Description: 'SimNet', CurrentServing: true }],
    [3, '', 'Denied Net', { Forbidden: true }], // no operator code: no PLMN, no description
    [5, '23001', 'Roam', { PLMN: '23001', Description: 'Roam', CurrentServing: true, Roaming: true }],
    [7, '23001', '', { PLMN: '23001', CurrentServing: true, Roaming: true }],
    [10, '23001', 'R', { PLMN: '23001', Description: 'R', CurrentServing: true, Roaming: true }],
    [6, '00101', 'SMS', { PLMN: '00101', Description: 'SMS', CurrentServing: true }],
    [2, '', '', {}],
    [undefined, '', '', {}],
  ];
  for (const [reg, code, name, want] of cases)
    test(`RegistrationState ${reg}, "${code}"`, () => {
      const v = withProps(captured(), {
        modem3gpp: { RegistrationState: reg, OperatorCode: code, OperatorName: name },
      });
      assert.deepEqual(currentProvider(v), {
        PLMN: '',
        Description: '',
        CurrentServing: false,
        Roaming: false,
        Forbidden: false,
        ...want,
      });
    });
  test('no Modem3gpp interface', () => {
    assert.equal(currentProvider({ ...captured(), modem3gpp: undefined }).CurrentServing, false);
  });
});

describe('CurrentRATs from AccessTechnologies (order 5gnr, lte, umts, gsm)', () => {
  const cases: [number, string[] | null][] = [
    [1 << 14, ['lte']],
    [(1 << 14) | (1 << 15), ['5gnr', 'lte']],
    [1 << 16, ['lte']], // Cat-M
    [1 << 17, ['lte']], // NB-IoT
    [1 << 9, ['umts']], // HSPA+
    [(1 << 5) | (1 << 4), ['umts', 'gsm']], // UMTS + EDGE
    [1 << 3, ['gsm']], // GPRS
    [(1 << 1) | (1 << 15), ['5gnr', 'gsm']],
    [1 << 10, null], // 1xRTT: no EVE RAT
    [0, null],
  ];
  for (const [bits, want] of cases)
    test(`0x${bits.toString(16)} → ${JSON.stringify(want)}`, () => {
      assert.deepEqual(currentRATs(withProps(captured(), { modem: { AccessTechnologies: bits } })), want);
    });
});

describe('bearers', () => {
  const b0 = captured().bearers[0]!.props;

  test('MM bearer types → EVE numbering (MM default=1 → 2, attach=2 → 1, dedicated 3 → 3)', () => {
    const t = (BearerType: number | undefined) => bearerStatus({ ...b0, BearerType }, NOW).Type;
    assert.deepEqual([t(1), t(2), t(3), t(0), t(undefined)], [2, 1, 3, 0, 0]);
  });

  test('ip-type → IPType', () => {
    const ip = (v: number) => bearerStatus({ ...b0, Properties: { apn: 'x', 'ip-type': v } }, NOW).IPType;
    assert.deepEqual([ip(1), ip(2), ip(4), ip(8), ip(0xffffffff)], ['ipv4', 'ipv6', 'ipv4v6', '', '']);
  });

  test('ConnectionError as EVE writes it', () => {
    const e = (ConnectionError: readonly [string, string] | undefined) =>
      bearerStatus({ ...b0, Connected: false, ConnectionError }, NOW).ConnectionError;
    assert.equal(
      e(['org.freedesktop.ModemManager1.Error.MobileEquipment.Unknown', 'Unknown error']),
      'org.freedesktop.ModemManager1.Error.MobileEquipment.Unknown: Unknown error',
    );
    assert.equal(
      e(['org.freedesktop.ModemManager1.Error.Core.Failed', '']),
      'org.freedesktop.ModemManager1.Error.Core.Failed',
    );
    assert.equal(e(['', '']), '');
    assert.equal(e(undefined), '');
  });

  describe('ConnectedAt', () => {
    const at = (p: Partial<BearerProps>, fallback?: number) =>
      bearerStatus({ ...b0, ...p }, NOW, fallback).ConnectedAt;
    test('Stats start-date', () => assert.equal(at({}), 1795566792));
    test('no start-date: the agent’s observation, else now - duration', () => {
      assert.equal(at({ Stats: { duration: 30 } }, 1795600000), 1795600000);
      assert.equal(at({ Stats: { duration: 30 } }), NOW_S - 30);
      assert.equal(at({ Stats: { 'start-date': 0, duration: 5 } }), NOW_S - 5);
    });
    test('no Stats at all: the fallback or 0 (EVE: 0)', () => {
      assert.equal(at({ Stats: undefined }), 0);
      assert.equal(at({ Stats: undefined }, 1795600000), 1795600000);
    });
    test('not connected: 0', () => assert.equal(at({ Connected: false }), 0));
  });

  test('the attach bearer (Modem3gpp.InitialEpsBearer) is listed after the others, if MM says it is one', () => {
    const ATTACH = '/org/freedesktop/ModemManager1/Bearer/1';
    const attach: BearerProps = {
      BearerType: 2,
      Connected: false,
      Properties: { apn: 'attach.apn', 'ip-type': 4 },
      ConnectionError: ['', ''],
    };
    const v = withProps(captured(), { modem3gpp: { InitialEpsBearer: ATTACH } });
    const bearerProps = (p: string) => (p === ATTACH ? attach : snapLookups.bearerProps(p));
    assert.deepEqual(
      status(v, { bearerProps }).Bearers?.map((b) => [b.Type, b.APN, b.IPType]),
      [
        [2, 'internet', 'ipv4v6'],
        [1, 'attach.apn', 'ipv4v6'],
      ],
    );
    const notAttach = (p: string) => (p === ATTACH ? { ...attach, BearerType: 1 } : undefined);
    assert.equal(status(v, { bearerProps: notAttach }).Bearers?.length, 1);
    assert.equal(status(captured()).Bearers?.length, 1, 'InitialEpsBearer "/" is no bearer');
  });

  test('the data bearer: connected Default; an untyped one (old MM) when none says Default', () => {
    const untyped = withBearer(captured(), 0, { BearerType: undefined });
    assert.equal(status(untyped).IPSettings.Address?.IP, '10.64.64.10');
    const dedicated = withBearer(captured(), 0, { BearerType: 3 });
    assert.equal(status(dedicated).IPSettings.Address, null);
    assert.equal(status(dedicated).ConnectedAt, 0);
    assert.equal(
      status(dedicated).Bearers?.[0]?.ConnectedAt,
      1795566792,
      'the bearer itself still says when',
    );
  });

  test('the agent’s connect time reaches the data bearer’s entry too', () => {
    const v = withBearer(captured(), 0, { Stats: {} });
    const s = status(v, { connectedAtFallback: 1795500000 });
    assert.equal(s.ConnectedAt, 1795500000);
    assert.equal(s.Bearers?.[0]?.ConnectedAt, 1795500000);
  });

  test('a disconnected bearer: listed, but no IP settings and no ConnectedAt', () => {
    const s = status(withBearer(captured(), 0, { Connected: false }));
    assert.equal(s.ConnectedAt, 0);
    assert.deepEqual(s.IPSettings, { Address: null, Gateway: '', DNSServers: null, MTU: 0 });
    assert.equal(s.Bearers?.[0]?.Connected, false);
    assertValidStatus([s]);
  });
});

describe('IP settings (IPv4 and IPv6; EVE read IPv6 only when IPv4 was unreadable)', () => {
  const V4 = {
    method: 2,
    address: '10.64.64.10',
    prefix: 30,
    gateway: '10.64.64.9',
    dns1: '10.11.12.13',
    mtu: 1500,
  };
  const V6 = {
    method: 2,
    address: '2001:db8:1::2',
    prefix: 64,
    gateway: '2001:db8:1::1',
    dns1: '2001:db8::53',
    mtu: 1400,
  };
  const settings = (Ip4Config: BearerProps['Ip4Config'], Ip6Config: BearerProps['Ip6Config']) => {
    const s = status(withBearer(captured(), 0, { Ip4Config, Ip6Config }));
    assertValidStatus([s]);
    return s.IPSettings;
  };

  test('dual-stack: IPv4 address and gateway (EVE-compatible), DNS of both, IPv4 MTU', () => {
    assert.deepEqual(settings(V4, V6), {
      Address: { IP: '10.64.64.10', Mask: '/////A==' },
      Gateway: '10.64.64.9',
      DNSServers: ['10.11.12.13', '2001:db8::53'],
      MTU: 1500,
    });
  });

  test('dual-stack: both families are available to the agent', () => {
    const c = bearerIpConfigs({ Ip4Config: V4, Ip6Config: V6 });
    assert.deepEqual(c, {
      ipv4: {
        family: 4,
        address: '10.64.64.10',
        prefix: 30,
        gateway: '10.64.64.9',
        dns: ['10.11.12.13'],
        mtu: 1500,
      },
      ipv6: {
        family: 6,
        address: '2001:db8:1::2',
        prefix: 64,
        gateway: '2001:db8:1::1',
        dns: ['2001:db8::53'],
        mtu: 1400,
      },
      errors: [],
    });
  });

  test('IPv6 only: the IPv6 address is not lost (EVE showed none when Ip4Config was readable)', () => {
    for (const v4 of [{}, { method: 0 }, undefined]) {
      assert.deepEqual(settings(v4, V6), {
        Address: { IP: '2001:db8:1::2', Mask: '//////////8AAAAAAAAAAA==' },
        Gateway: '2001:db8:1::1',
        DNSServers: ['2001:db8::53'],
        MTU: 1400,
      });
    }
  });

  test('the kit: point-to-point /32 without gateway or MTU', () => {
    const s = status(kitView());
    assert.deepEqual(s.IPSettings, {
      Address: { IP: '10.64.64.10', Mask: '/////w==' },
      Gateway: '', // a nil Go net.IP encodes as ""
      DNSServers: ['10.11.12.13', '10.11.12.14'],
      MTU: 0,
    });
    assert.equal(s.Module.ControlProtocol, '');
    assertValidStatus([s]);
  });

  test('IPv6 by DHCP/SLAAC (not static) next to static IPv4: IPv4 only, the reason recorded', () => {
    const c = bearerIpConfigs({ Ip4Config: V4, Ip6Config: { method: 3, address: 'fe80::1', prefix: 64 } });
    assert.equal(c.ipv4?.address, '10.64.64.10');
    assert.equal(c.ipv6, undefined);
    assert.deepEqual(c.errors, ['IPv6: unsupported method 3 (only static is supported)']);
    assert.deepEqual(ipSettings(c).DNSServers, ['10.11.12.13']);
    assert.equal(ipSettings(c).MTU, 1500);
  });

  test('bad values are dropped, not published', () => {
    const c = bearerIpConfigs({
      Ip4Config: { method: 2, address: '10.0.0.300', prefix: 24 },
      Ip6Config: {
        method: 2,
        address: '2001:db8::5',
        prefix: 0,
        gateway: 'bogus',
        dns1: 'x',
        dns2: '2001:db8::53',
        mtu: 70000,
      },
    });
    assert.deepEqual(c.errors, ['IPv4: invalid address "10.0.0.300"']);
    assert.deepEqual(c.ipv6, {
      family: 6,
      address: '2001:db8::5',
      prefix: 128,
      gateway: '',
      dns: ['2001:db8::53'],
      mtu: 0,
    });
    assert.deepEqual(ipSettings({ errors: [] }), { Address: null, Gateway: '', DNSServers: null, MTU: 0 });
  });

  test('IPv6 addresses are published as Go prints them (RFC 5952), zones rejected', () => {
    const c = bearerIpConfigs({
      Ip6Config: {
        method: 2,
        address: '2001:0DB8:0001:0000:0000:0000:0000:0002',
        prefix: 64,
        dns1: '2001:DB8::0035',
      },
    });
    assert.equal(c.ipv6?.address, '2001:db8:1::2');
    assert.deepEqual(c.ipv6?.dns, ['2001:db8::35']);
    const zoned = bearerIpConfigs({ Ip6Config: { method: 2, address: 'fe80::1%wwan0', prefix: 64 } });
    assert.equal(zoned.ipv6, undefined);
    assert.deepEqual(zoned.errors, ['IPv6: invalid address "fe80::1%wwan0"']);
  });

  test('Go net.IPMask base64', () => {
    const cases: [number, 4 | 6, string][] = [
      [32, 4, '/////w=='],
      [30, 4, '/////A=='],
      [24, 4, '////AA=='],
      [0, 4, 'AAAAAA=='],
      [64, 6, '//////////8AAAAAAAAAAA=='],
      [128, 6, '/////////////////////w=='],
      [56, 6, '/////////wAAAAAAAAAAAA=='],
    ];
    for (const [prefix, family, want] of cases)
      assert.equal(maskBase64(prefix, family), want, `/${prefix} v${family}`);
  });
});

describe('LocationTracking: SignalsLocation and GPS_RAW enabled', () => {
  const cases: [boolean | undefined, number | undefined, boolean][] = [
    [true, 3, true],
    [true, 2, true],
    [true, 1, false], // 3GPP only
    [false, 2, false],
    [undefined, undefined, false],
  ];
  for (const [signals, enabled, want] of cases)
    test(`signals ${signals}, enabled ${enabled} → ${want}`, () => {
      const v = captured();
      const view = { ...v, location: { ...v.location, SignalsLocation: signals, Enabled: enabled } };
      assert.equal(status(view).LocationTracking, want);
    });
  test('no Location interface', () =>
    assert.equal(status({ ...captured(), location: undefined }).LocationTracking, false));
});

describe('facts from the agent', () => {
  test('errors, visible providers and profiles are passed through; empty lists are null', () => {
    const s = status(captured(), {
      configError: 'connect failed: no SIM',
      visibleProviders: providersFromScan([
        { 'operator-code': '00101', 'operator-long': 'SimNet', status: 2 },
      ]),
      profiles: [],
    });
    assert.equal(s.ConfigError, 'connect failed: no SIM');
    assert.equal(s.VisibleProviders?.[0]?.CurrentServing, true);
    assert.equal(s.Profiles, null);
    assertValidStatus([s]);
  });

  test('ProfileManager.List → profiles (the simulator’s answer plus EVE edge cases)', () => {
    const list: VarDict[] = [
      { 'profile-id': 1, apn: 'internet', 'ip-type': 4, 'apn-type': 2, 'profile-name': 'default' },
      { 'profile-id': 2, apn: 'ims', 'ip-type': 2, 'apn-type': 4 },
      { 'profile-id': 3, apn: 'attach', 'ip-type': 1, 'apn-type': 3, 'roaming-allowance': 0 },
      { 'profile-id': -1, apn: 'x', 'roaming-allowance': 1 },
    ];
    const profiles = profilesFromList(list);
    assert.deepEqual(profiles, [
      { Name: 'default', APN: 'internet', BearerType: 2, IPType: 'ipv4v6', ForbidRoaming: false },
      { Name: 'profile-id:2', APN: 'ims', BearerType: 3, IPType: 'ipv6', ForbidRoaming: false },
      { Name: 'profile-id:3', APN: 'attach', BearerType: 1, IPType: 'ipv4', ForbidRoaming: true },
      { Name: '', APN: 'x', BearerType: 0, IPType: '', ForbidRoaming: false },
    ]);
    assertValidStatus([status(captured(), { profiles })]);
  });

  test('Modem3gpp.Scan → providers (operator-code required; long, else short name)', () => {
    assert.deepEqual(
      providersFromScan([
        { 'operator-code': '00101', 'operator-long': 'SimNet', 'operator-short': 'SIM', status: 2 },
        { 'operator-code': '00102', 'operator-short': 'Other', status: 3 },
        { 'operator-long': 'no code', status: 1 },
        { 'operator-code': '00103', status: 1 },
      ]),
      [
        { PLMN: '00101', Description: 'SimNet', CurrentServing: true, Roaming: false, Forbidden: false },
        { PLMN: '00102', Description: 'Other', CurrentServing: false, Roaming: false, Forbidden: true },
        { PLMN: '00103', Description: '', CurrentServing: false, Roaming: false, Forbidden: false },
      ],
    );
  });

  test('physAddrs are echoed with every key', () => {
    assert.deepEqual(status(captured(), { physAddrs: { USB: '1:1' } }).PhysAddrs, {
      Interface: '',
      USB: '1:1',
      PCI: '',
      Dev: '',
    });
  });

  test('the default clock is Date.now', () => {
    const v = withBearer(captured(), 0, { Stats: { duration: 10 } });
    const { now: _now, ...noClock } = facts;
    const before = Math.trunc(Date.now() / 1000) - 10;
    const at = networkStatus(v, noClock).ConnectedAt;
    assert.ok(at >= before && at <= before + 2, `${at} vs ${before}`);
  });

  test('the SIM lookup also finds slots the view lacks (BEARER0 path sanity)', () => {
    assert.equal(captured().bearers[0]?.path, BEARER0);
    assert.equal(status(captured()).SimCards?.[1]?.ICCID, '89049032000001000000000000000001');
  });
});
