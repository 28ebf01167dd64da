/** The agent's facts about present modems (src/agent/facts.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PhysAddrMemo } from '../../src/agent/facts.js';
import type { SysfsAddrs } from '../../src/wwan/physaddrs.js';

/** A sysfs that counts its reads and answers from a table the test may change. */
function countingSysfs(table: Record<string, SysfsAddrs>) {
  const reads: string[] = [];
  return {
    reads,
    table,
    sysfsDeviceAddrs(path: string): SysfsAddrs {
      reads.push(path);
      return table[path] ?? { USB: '', PCI: '' };
    },
  };
}

const A = '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1';
const B = '/sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0';

test('sysfs is read once per device while its modem is present, not on every rebuild', () => {
  const sysfs = countingSysfs({
    [A]: { USB: '1:1', PCI: '0000:00:14.0' },
    [B]: { USB: '', PCI: '0000:02:00.0' },
  });
  const memo = new PhysAddrMemo(sysfs);
  for (let rebuild = 0; rebuild < 5; rebuild++) {
    assert.deepEqual(memo.sysfsDeviceAddrs(A), { USB: '1:1', PCI: '0000:00:14.0' });
    assert.deepEqual(memo.sysfsDeviceAddrs(B), { USB: '', PCI: '0000:02:00.0' });
    memo.sweep();
  }
  assert.deepEqual(sysfs.reads, [A, B]);
});

test('a device whose modem went away is read afresh when it comes back', () => {
  const sysfs = countingSysfs({ [A]: { USB: '1:1', PCI: '' } });
  const memo = new PhysAddrMemo(sysfs);
  memo.sysfsDeviceAddrs(A);
  memo.sweep();
  // A rebuild without the modem (unplugged, or ModemManager restarting) forgets it...
  memo.sweep();
  // ...and another device now sits at that port.
  sysfs.table[A] = { USB: '1:1', PCI: '0000:00:15.0' };
  assert.deepEqual(memo.sysfsDeviceAddrs(A), { USB: '1:1', PCI: '0000:00:15.0' });
  assert.deepEqual(sysfs.reads, [A, A]);
});
