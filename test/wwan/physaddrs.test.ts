/** Physical addresses: ModemManager for Interface/Dev/protocol, sysfs (real tree and fake) for USB/PCI. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  controlProtocol,
  fakePhysAddrSource,
  fullPhysAddrs,
  modemInterface,
  modemPhysAddrs,
  pciAddrFromSysfsName,
  sysfsPhysAddrSource,
  usbAddrFromSysfsName,
} from '../../src/wwan/physaddrs.js';
import { captured, kitView, MODEM1, withBearer, withProps } from './helpers.js';

describe('sysfs names', () => {
  const usb: [string, string][] = [
    ['1-1.3:1.0', '1:1.3'], // an interface: EVE keeps the part before ':'
    ['1-1', '1:1'],
    ['2-1.4.2', '2:1.4.2'],
    ['usb1', ''], // a root hub has no port path
    ['', ''],
    ['1-1:1.0:extra', '1:1'],
  ];
  for (const [name, want] of usb)
    test(`USB ${JSON.stringify(name)} → ${JSON.stringify(want)}`, () => {
      assert.equal(usbAddrFromSysfsName(name), want);
    });
  const pci: [string, string][] = [
    ['0000:00:14.0', '0000:00:14.0'],
    ['0000:02:00.0', '0000:02:00.0'],
    ['0000:00:1C.0', '0000:00:1c.0'],
    ['pci0000:00', ''],
    ['mhi0', ''],
  ];
  for (const [name, want] of pci)
    test(`PCI ${JSON.stringify(name)} → ${JSON.stringify(want)}`, () => {
      assert.equal(pciAddrFromSysfsName(name), want);
    });
});

describe('sysfsPhysAddrSource over a sysfs tree', () => {
  const root = mkdtempSync(join(tmpdir(), 'wwan-sysfs-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const dir = (p: string, subsystem?: 'usb' | 'pci' | 'wwan'): void => {
    mkdirSync(join(root, p), { recursive: true });
    if (subsystem) symlinkSync(join(root, 'sys/bus', subsystem), join(root, p, 'subsystem'));
  };
  for (const b of ['usb', 'pci', 'wwan']) dir(`sys/bus/${b}`);
  const host = 'sys/devices/pci0000:00';
  dir(host);
  dir(`${host}/0000:00:14.0`, 'pci'); // xHCI host controller
  dir(`${host}/0000:00:14.0/usb1`, 'usb'); // root hub
  dir(`${host}/0000:00:14.0/usb1/1-1`, 'usb'); // a modem on port 1
  dir(`${host}/0000:00:14.0/usb1/1-1/1-1:1.4`, 'usb'); // its QMI interface
  dir(`${host}/0000:00:14.0/usb1/1-2/1-2.3`, 'usb'); // behind a hub (1-2 has no subsystem link here)
  dir(`${host}/0000:00:1c.0`, 'pci'); // PCIe root port
  dir(`${host}/0000:00:1c.0/0000:02:00.0`, 'pci'); // a PCIe (MHI) modem
  dir(`${host}/0000:00:1c.0/0000:02:00.0/mhi0/wwan/wwan0`, 'wwan');
  mkdirSync(join(root, 'sys/class/wwan'), { recursive: true });
  symlinkSync(
    join(root, `${host}/0000:00:1c.0/0000:02:00.0/mhi0/wwan/wwan0`),
    join(root, 'sys/class/wwan/wwan0'),
  );
  const src = sysfsPhysAddrSource({ root });

  const cases: [string, string, { USB: string; PCI: string }][] = [
    [
      'a USB modem (MM Device)',
      '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1',
      { USB: '1:1', PCI: '0000:00:14.0' },
    ],
    [
      'a USB interface',
      '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.4',
      { USB: '1:1', PCI: '0000:00:14.0' },
    ],
    [
      'behind a hub',
      '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2.3',
      { USB: '1:2.3', PCI: '0000:00:14.0' },
    ],
    ['the root hub itself', '/sys/devices/pci0000:00/0000:00:14.0/usb1', { USB: '', PCI: '0000:00:14.0' }],
    ['a PCIe modem', '/sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0', { USB: '', PCI: '0000:02:00.0' }],
    ['a class symlink', '/sys/class/wwan/wwan0', { USB: '', PCI: '0000:02:00.0' }],
    ['a path sysfs does not have', '/sys/devices/pci0000:00/0000:00:14.0/usb3/3-1', { USB: '', PCI: '' }],
    ['not a sysfs path', '/dev/cdc-wdm0', { USB: '', PCI: '' }],
    ['empty', '', { USB: '', PCI: '' }],
  ];
  for (const [what, path, want] of cases)
    test(what, () => assert.deepEqual(src.sysfsDeviceAddrs(path), want));

  test('the real /sys never throws, whatever the path', () => {
    const real = sysfsPhysAddrSource();
    assert.deepEqual(real.sysfsDeviceAddrs('/sys/devices/no-such-device/1-1'), { USB: '', PCI: '' });
  });
});

describe('sysfs read errors', () => {
  const root = mkdtempSync(join(tmpdir(), 'wwan-sysfs-err-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'sys/bus/pci'), { recursive: true });
  const host = join(root, 'sys/devices/pci0000:00');
  mkdirSync(join(host, '0000:00:14.0/usb1/1-1'), { recursive: true });
  symlinkSync(join(root, 'sys/bus/pci'), join(host, '0000:00:14.0/subsystem'));
  // 'subsystem' that is no link: readlink fails with EINVAL
  writeFileSync(join(host, '0000:00:14.0/usb1/1-1/subsystem'), 'usb\n');
  // a device path that loops: realpath fails with ELOOP
  symlinkSync(join(host, 'loop-b'), join(host, 'loop-a'));
  symlinkSync(join(host, 'loop-a'), join(host, 'loop-b'));

  const recorder = () => {
    const lines: { obj: Record<string, unknown>; msg: string }[] = [];
    return { lines, logger: { warn: (obj: object, msg = '') => lines.push({ obj: { ...obj }, msg }) } };
  };

  test('a missing path (ENOENT) is normal: nothing logged', () => {
    const { lines, logger } = recorder();
    const src = sysfsPhysAddrSource({ root, logger });
    assert.deepEqual(src.sysfsDeviceAddrs('/sys/devices/pci0000:00/no-such/1-1'), { USB: '', PCI: '' });
    // usb1 has no subsystem link at all: ENOENT again, silent
    assert.deepEqual(src.sysfsDeviceAddrs('/sys/devices/pci0000:00/0000:00:14.0/usb1'), {
      USB: '',
      PCI: '0000:00:14.0',
    });
    assert.deepEqual(lines, []);
  });

  test('any other error leaves the address empty and is logged once per path, with context', () => {
    const { lines, logger } = recorder();
    const src = sysfsPhysAddrSource({ root, logger });
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(src.sysfsDeviceAddrs('/sys/devices/pci0000:00/loop-a'), { USB: '', PCI: '' });
      assert.deepEqual(src.sysfsDeviceAddrs('/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1'), {
        USB: '',
        PCI: '0000:00:14.0',
      });
    }
    assert.equal(lines.length, 2, JSON.stringify(lines));
    const [loop, notLink] = lines;
    assert.equal((loop?.obj.err as NodeJS.ErrnoException | undefined)?.code, 'ELOOP');
    assert.equal(loop?.obj.devicePath, '/sys/devices/pci0000:00/loop-a');
    assert.equal(loop?.obj.path, join(root, '/sys/devices/pci0000:00/loop-a'));
    assert.equal((notLink?.obj.err as NodeJS.ErrnoException | undefined)?.code, 'EINVAL');
    assert.equal(notLink?.obj.path, join(host, '0000:00:14.0/usb1/1-1/subsystem'));
    assert.equal(notLink?.obj.reading, 'subsystem');
    assert.match(notLink?.msg ?? '', /cannot read sysfs/);
  });

  test('without a logger it still never throws', () => {
    const src = sysfsPhysAddrSource({ root });
    assert.deepEqual(src.sysfsDeviceAddrs('/sys/devices/pci0000:00/loop-a'), { USB: '', PCI: '' });
  });
});

describe('modemPhysAddrs', () => {
  const fake = fakePhysAddrSource({
    '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1': { USB: '1:1', PCI: '0000:00:14.0' },
    '/sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0': { PCI: '0000:02:00.0' },
  });

  test('USB QMI modem: Interface from the NET port, Dev from the primary port, USB/PCI from sysfs', () => {
    assert.deepEqual(modemPhysAddrs(captured(), fake), {
      Interface: 'wwan0',
      USB: '1:1',
      PCI: '0000:00:14.0',
      Dev: '/dev/cdc-wdm0',
    });
  });

  test('PCIe MBIM modem (disabled, no bearer)', () => {
    assert.deepEqual(modemPhysAddrs(captured(MODEM1), fake), {
      Interface: 'wwan1',
      USB: '',
      PCI: '0000:02:00.0',
      Dev: '/dev/wwan0mbim0',
    });
  });

  test('the kit: AT primary port and no sysfs entry still give the interface (EVE dropped this modem)', () => {
    assert.deepEqual(modemPhysAddrs(kitView(), fakePhysAddrSource({})), {
      Interface: 'wwan0',
      USB: '',
      PCI: '',
      Dev: '/dev/ttyHS0',
    });
  });

  test('Device missing: Physdev is used; neither: sysfs is not asked', () => {
    const asked: string[] = [];
    const spy = {
      sysfsDeviceAddrs: (p: string) => {
        asked.push(p);
        return { USB: '9:9', PCI: '' };
      },
    };
    const v = withProps(captured(), { modem: { Device: '', Physdev: '/sys/devices/x/9-9' } });
    assert.equal(modemPhysAddrs(v, spy).USB, '9:9');
    assert.equal(modemPhysAddrs(withProps(v, { modem: { Physdev: undefined } }), spy).USB, '');
    assert.deepEqual(asked, ['/sys/devices/x/9-9']);
  });

  test('no primary port: Dev is empty, not "/dev"', () => {
    assert.equal(modemPhysAddrs(withProps(captured(), { modem: { PrimaryPort: undefined } }), fake).Dev, '');
  });
});

describe('modemInterface', () => {
  const noNet = withProps(captured(), { modem: { Ports: [['cdc-wdm0', 6]] } });
  test('without a NET port: the connected bearer interface', () => {
    assert.equal(modemInterface(noNet), 'wwan0');
  });
  test('a disconnected bearer does not count', () => {
    assert.equal(modemInterface(withBearer(noNet, 0, { Connected: false })), '');
  });
  test('a PPP bearer names its tty, which is no net interface', () => {
    const ppp = withProps(captured(), { modem: { Ports: [['ttyUSB2', 3]] } });
    assert.equal(modemInterface(withBearer(ppp, 0, { Interface: 'ttyUSB2' })), '');
  });
  test('malformed Ports entries are skipped', () => {
    const v = withProps(captured(), {
      modem: { Ports: [['x'] as unknown as [string, number], ['wwan5', 2]] },
    });
    assert.equal(modemInterface(v), 'wwan5');
  });
});

describe('controlProtocol (type of the primary port, as EVE)', () => {
  const cases: [string, [string, number][], string, string][] = [
    [
      'QMI',
      [
        ['cdc-wdm0', 6],
        ['wwan0', 2],
      ],
      'cdc-wdm0',
      'qmi',
    ],
    [
      'MBIM',
      [
        ['wwan0mbim0', 7],
        ['wwan1', 2],
      ],
      'wwan0mbim0',
      'mbim',
    ],
    [
      'AT primary',
      [
        ['ttyHS0', 3],
        ['wwan0', 2],
      ],
      'ttyHS0',
      '',
    ],
    ['primary not among the ports', [['cdc-wdm0', 6]], 'cdc-wdm1', ''],
  ];
  for (const [what, ports, primary, want] of cases)
    test(what, () => {
      assert.equal(
        controlProtocol(withProps(captured(), { modem: { Ports: ports, PrimaryPort: primary } })),
        want,
      );
    });
});

test('fullPhysAddrs fills every key like a Go struct', () => {
  assert.deepEqual(fullPhysAddrs({ USB: '1:2' }), { Interface: '', USB: '1:2', PCI: '', Dev: '' });
  assert.deepEqual(fullPhysAddrs(undefined), { Interface: '', USB: '', PCI: '', Dev: '' });
});
