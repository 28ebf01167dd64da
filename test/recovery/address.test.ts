/** Addresses that become sysfs names and paths: what is accepted, what it becomes, what is refused. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pciDeviceName, resolveTarget, usbDeviceName } from '../../src/recovery/index.js';

const ok = <T>(r: { ok: true; value: T } | { ok: false; error: string }): T => {
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
};

test("USB: EVE's address, the kernel's device and interface names all become the kernel's device name", () => {
  for (const [given, want] of [
    ['1:1.3', '1-1.3'],
    ['1-1.3', '1-1.3'],
    ['1-1.3:1.0', '1-1.3'],
    ['2:1', '2-1'],
    ['12:4.1.2', '12-4.1.2'],
    ['3-10.2:2.11', '3-10.2'],
  ])
    assert.equal(ok(usbDeviceName(given!)), want, given);
  for (const bad of [
    '',
    'usb1',
    '1',
    '1-',
    '1-0',
    '0-1',
    '1:1:3',
    '1-1.3/',
    '1-1..3',
    'a-1',
    ' 1-1',
    '1-1.3\n',
  ])
    assert.equal(usbDeviceName(bad).ok, false, JSON.stringify(bad));
});

test('PCI: the long form only, lower-cased', () => {
  assert.equal(ok(pciDeviceName('0000:01:00.0')), '0000:01:00.0');
  assert.equal(ok(pciDeviceName('0000:AB:1F.7')), '0000:ab:1f.7');
  assert.equal(ok(pciDeviceName('10000:e1:00.0')), '10000:e1:00.0');
  for (const bad of [
    '',
    '01:00.0',
    '0000:01:00',
    '0000:01:20.0',
    '0000:01:00.8',
    '000:01:00.0',
    '0000:01:00.0 ',
  ])
    assert.equal(pciDeviceName(bad).ok, false, JSON.stringify(bad));
});

test('the device directory: bus/<bus>/devices/<name>, or the sysfsPath moved below the root', () => {
  const root = '/tmp/x/sys';
  assert.deepEqual(ok(resolveTarget({ usb: '1:1.3' }, root)), {
    bus: 'usb',
    address: '1-1.3',
    deviceDir: '/tmp/x/sys/bus/usb/devices/1-1.3',
  });
  assert.deepEqual(ok(resolveTarget({ pci: '0000:01:00.0', usb: '' }, root)), {
    bus: 'pci',
    address: '0000:01:00.0',
    deviceDir: '/tmp/x/sys/bus/pci/devices/0000:01:00.0',
  });
  const dev = 'pci0000:00/0000:00:1c.0/0000:01:00.0';
  for (const p of [`/sys/devices/${dev}`, `/tmp/x/sys/devices/${dev}`, `/sys/devices/${dev}/`])
    assert.deepEqual(ok(resolveTarget({ sysfsPath: p }, root)), {
      bus: 'pci',
      address: '0000:01:00.0',
      deviceDir: `/tmp/x/sys/devices/${dev}`,
    });
  assert.deepEqual(
    ok(resolveTarget({ sysfsPath: '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1' }, '/sys')),
    {
      bus: 'usb',
      address: '1-1',
      deviceDir: '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1',
    },
  );
});
