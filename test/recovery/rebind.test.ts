/** Driver rebind through sysfs, against a fake sysfs tree: which files get which bytes, in which order, when. */
import assert from 'node:assert/strict';
import { rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  nodeRecoveryFs,
  type RebindResult,
  type RecoveryFs,
  rebindModemDevice,
} from '../../src/recovery/index.js';
import { FakeClock } from '../reconciler/harness.js';
import { FakeTree, KernelLikeFs, RecordingFs, waitFor } from './tree.js';

const USB_MODEM = 'pci0000:00/0000:00:14.0/usb1/1-1/1-1.3';
const PCI_MODEM = 'pci0000:00/0000:00:1c.0/0000:01:00.0';

async function withTree(fn: (t: FakeTree) => Promise<void>): Promise<void> {
  const t = await FakeTree.create();
  try {
    await fn(t);
  } finally {
    await t.remove();
  }
}

/** A USB modem bound to `usb`, and the host controller it hangs off bound to xhci_hcd. */
async function usbWorld(t: FakeTree): Promise<void> {
  await t.driver('usb', 'usb');
  await t.driver('pci', 'xhci_hcd');
  await t.device('pci', 'pci0000:00/0000:00:14.0', { driver: 'xhci_hcd', class: '0x0c0330' });
  await t.device('usb', USB_MODEM, { driver: 'usb' });
}

const text = async (t: FakeTree, ...p: string[]) => (await t.bytes(t.sys(...p))).toString('utf8');

function failed(r: RebindResult): Extract<RebindResult, { ok: false }> {
  assert.equal(r.ok, false, `expected a failure, got ${JSON.stringify(r)}`);
  return r as Extract<RebindResult, { ok: false }>;
}

test('USB (EVE address 1:1.3): "1-1.3" to usb/unbind, 3 s on the clock, then to usb/bind, byte for byte', () =>
  withTree(async (t) => {
    await usbWorld(t);
    const clock = new FakeClock();
    const unbind = t.sys('bus/usb/drivers/usb/unbind');
    const bind = t.sys('bus/usb/drivers/usb/bind');
    const p = rebindModemDevice({ usb: '1:1.3' }, { roots: t.roots, clock });
    let settled = false;
    void p.then(() => {
      settled = true;
    });
    // Unbound, then only the pause is pending: the bind waits for the clock, not for real time.
    await waitFor(() => clock.dueTimes.length === 1 && clock.dueTimes[0] === 3000, 'the pause timer');
    assert.deepEqual(await t.bytes(unbind), Buffer.from('1-1.3'));
    assert.equal((await t.bytes(bind)).length, 0);
    await clock.advance(2999);
    assert.equal((await t.bytes(bind)).length, 0, 'bind before the pause ended');
    assert.equal(settled, false);
    await clock.advance(1);
    const r = await p;
    assert.deepEqual(await t.bytes(bind), Buffer.from('1-1.3'));
    assert.deepEqual(await t.bytes(unbind), Buffer.from('1-1.3'));
    assert.deepEqual(r, {
      ok: true,
      bus: 'usb',
      address: '1-1.3',
      driver: 'usb',
      wasBound: true,
      writes: [
        { file: unbind, data: '1-1.3', at: 0 },
        { file: bind, data: '1-1.3', at: 3000 },
      ],
    });
    // The host controller was not touched.
    assert.equal(await text(t, 'bus/pci/drivers/xhci_hcd/unbind'), '');
    assert.equal(await text(t, 'bus/pci/drivers/xhci_hcd/bind'), '');
  }));

test('USB wins over PCI: a USB modem with its host controller as PCI address rebinds the USB device only', () =>
  withTree(async (t) => {
    await usbWorld(t);
    const fs = new RecordingFs(undefined, t.roots.sysfs);
    const r = await rebindModemDevice(
      { usb: '1-1.3', pci: '0000:00:14.0' },
      { roots: t.roots, clock: new FakeClock(), pauseMs: 0, fs },
    );
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.deepEqual(fs.writes, [
      'write /bus/usb/drivers/usb/unbind 1-1.3',
      'write /bus/usb/drivers/usb/bind 1-1.3',
    ]);
  }));

test("ModemManager's device path (/sys/devices/…/1-1.3) is found below the sysfs root", () =>
  withTree(async (t) => {
    await usbWorld(t);
    const fs = new RecordingFs(undefined, t.roots.sysfs);
    const r = await rebindModemDevice(
      { sysfsPath: `/sys/devices/${USB_MODEM}` },
      { roots: t.roots, clock: new FakeClock(), pauseMs: 0, fs },
    );
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(fs.ops[0], `kind /devices/${USB_MODEM}`);
    assert.deepEqual(fs.writes, [
      'write /bus/usb/drivers/usb/unbind 1-1.3',
      'write /bus/usb/drivers/usb/bind 1-1.3',
    ]);
  }));

test('PCI: the driver comes from the driver symlink, read before the unbind removes it', () =>
  withTree(async (t) => {
    await t.driver('pci', 'mhi-pci-generic'); // loaded, but not this modem's driver
    await t.driver('pci', 'mtk_t7xx');
    const dev = await t.device('pci', PCI_MODEM, { driver: 'mtk_t7xx', class: '0x0d4000' });
    const kernel = new KernelLikeFs(t, dev);
    const fs = new RecordingFs(kernel, t.roots.sysfs);
    const clock = new FakeClock();
    const p = rebindModemDevice({ pci: '0000:01:00.0' }, { roots: t.roots, clock, fs });
    await waitFor(() => clock.dueTimes.includes(3000), 'the pause timer');
    assert.equal(await kernel.readlink(join(dev, 'driver')), undefined, 'the fake kernel unbound the device');
    await clock.advance(3000);
    const r = await p;
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.driver, 'mtk_t7xx');
    assert.deepEqual(fs.ops, [
      'kind /bus/pci/devices/0000:01:00.0',
      'read /bus/pci/devices/0000:01:00.0/class',
      'readlink /bus/pci/devices/0000:01:00.0/driver',
      'kind /bus/pci/drivers/mtk_t7xx',
      'kind /bus/pci/drivers/mtk_t7xx/unbind',
      'kind /bus/pci/drivers/mtk_t7xx/bind',
      'write /bus/pci/drivers/mtk_t7xx/unbind 0000:01:00.0',
      'write /bus/pci/drivers/mtk_t7xx/bind 0000:01:00.0',
    ]);
    assert.equal(await text(t, 'bus/pci/drivers/mtk_t7xx/bind'), '0000:01:00.0');
    assert.equal(await text(t, 'bus/pci/drivers/mhi-pci-generic/unbind'), '');
    assert.equal(await text(t, 'bus/pci/drivers/mhi-pci-generic/bind'), '');
  }));

test('PCI upper case is written as sysfs spells it (lower case)', () =>
  withTree(async (t) => {
    await t.driver('pci', 'mhi-pci-generic');
    await t.device('pci', PCI_MODEM, { driver: 'mhi-pci-generic' });
    const r = await rebindModemDevice(
      { pci: '0000:01:00.0'.toUpperCase() },
      { roots: t.roots, clock: new FakeClock(), pauseMs: 0 },
    );
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(await text(t, 'bus/pci/drivers/mhi-pci-generic/unbind'), '0000:01:00.0');
    assert.equal(await text(t, 'bus/pci/drivers/mhi-pci-generic/bind'), '0000:01:00.0');
  }));

test('a device with no driver is bound to mhi-pci-generic at once: no unbind, no pause', () =>
  withTree(async (t) => {
    await t.driver('pci', 'mhi-pci-generic');
    await t.device('pci', PCI_MODEM);
    const clock = new FakeClock();
    const r = await rebindModemDevice({ pci: '0000:01:00.0' }, { roots: t.roots, clock });
    assert.deepEqual(r, {
      ok: true,
      bus: 'pci',
      address: '0000:01:00.0',
      driver: 'mhi-pci-generic',
      wasBound: false,
      writes: [{ file: t.sys('bus/pci/drivers/mhi-pci-generic/bind'), data: '0000:01:00.0', at: 0 }],
    });
    assert.equal(await text(t, 'bus/pci/drivers/mhi-pci-generic/unbind'), '');
  }));

test('bad addresses and paths are refused before any file operation', () =>
  withTree(async (t) => {
    await usbWorld(t);
    await t.driver('pci', 'mhi-pci-generic');
    await t.device('pci', PCI_MODEM, { driver: 'mhi-pci-generic' });
    const bad = [
      { usb: '1:1.3/../../x' },
      { usb: '../1-1' },
      { usb: '1-1.3\n' },
      { usb: '1-1.3 1-1.4' },
      { usb: 'usb1' }, // a root hub: every device on the bus
      { usb: '1' },
      { usb: '01-1.3' },
      { usb: '1-1.3:1' },
      { usb: '1-1.1.1.1.1.1.1.1' },
      { pci: '0000:01:00.0/..' },
      { pci: '01:00.0' },
      { pci: '0000:01:00.8' },
      { pci: '0000:01:00.0\0' },
      { pci: '../../../../etc' },
      {},
      { usb: '', pci: '' },
      { sysfsPath: 'devices/pci0000:00/0000:00:1c.0/0000:01:00.0' },
      { sysfsPath: '/sys/devices/../bus/usb/devices/1-1.3' },
      { sysfsPath: '/sys/devices/./pci0000:00/0000:00:14.0/usb1/1-1/1-1.3' },
      { sysfsPath: '/etc/1-1.3' },
      { sysfsPath: '/sys/bus/usb/devices/1-1.3' },
      { sysfsPath: '/sys/devices/' },
      { sysfsPath: '/sys/devices/pci0000:00/0000:00:14.0/usb1' },
      // A stale pair: the path names another device than the address.
      { usb: '1:1.3', sysfsPath: '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.4' },
      { pci: '0000:01:00.0', sysfsPath: `/sys/devices/${USB_MODEM}` },
    ];
    for (const dev of bad) {
      const fs = new RecordingFs();
      const r = failed(
        await rebindModemDevice(dev, { roots: t.roots, clock: new FakeClock(), pauseMs: 0, fs }),
      );
      assert.equal(r.reason, 'invalid', JSON.stringify(dev));
      assert.match(r.error, /./);
      assert.deepEqual(fs.ops, [], `${JSON.stringify(dev)} touched ${fs.ops.join(', ')}`);
      assert.deepEqual(r.writes, []);
      assert.equal(r.leftUnbound, false);
    }
    for (const f of ['usb/drivers/usb', 'pci/drivers/mhi-pci-generic', 'pci/drivers/xhci_hcd'])
      for (const op of ['bind', 'unbind']) assert.equal(await text(t, 'bus', f, op), '', `${f}/${op}`);
  }));

test('a missing driver directory is reported and nothing is written', () =>
  withTree(async (t) => {
    // mhi-pci-generic not loaded: the unbound modem has no driver to be bound to.
    await t.device('pci', PCI_MODEM);
    const fs = new RecordingFs();
    const r = failed(
      await rebindModemDevice(
        { pci: '0000:01:00.0' },
        { roots: t.roots, clock: new FakeClock(), pauseMs: 0, fs },
      ),
    );
    assert.equal(r.reason, 'no-driver');
    assert.equal(r.driver, 'mhi-pci-generic');
    assert.ok(r.error.includes(t.sys('bus/pci/drivers/mhi-pci-generic')), r.error);
    assert.deepEqual(fs.writes, []);

    // A driver dir without its bind file: not unbound either (it could not be bound back).
    await t.driver('usb', 'usb');
    const dev = await t.device('usb', USB_MODEM, { driver: 'usb' });
    await rm(t.sys('bus/usb/drivers/usb/bind'));
    const fs2 = new RecordingFs();
    const r2 = failed(
      await rebindModemDevice(
        { usb: '1:1.3' },
        { roots: t.roots, clock: new FakeClock(), pauseMs: 0, fs: fs2 },
      ),
    );
    assert.equal(r2.reason, 'no-driver');
    assert.match(r2.error, /no bind file/);
    assert.deepEqual(fs2.writes, []);
    assert.equal(await text(t, 'bus/usb/drivers/usb/unbind'), '');
    assert.ok(await fs2.readlink(join(dev, 'driver')));
  }));

test('a device not in sysfs is reported (nothing to rebind), nothing written', () =>
  withTree(async (t) => {
    await usbWorld(t);
    const fs = new RecordingFs();
    const r = failed(
      await rebindModemDevice({ usb: '1:1.4' }, { roots: t.roots, clock: new FakeClock(), pauseMs: 0, fs }),
    );
    assert.equal(r.reason, 'no-device');
    assert.match(r.error, /no usb device 1-1\.4/);
    assert.deepEqual(fs.writes, []);
  }));

test('a USB host controller or bridge given as the PCI address is refused', () =>
  withTree(async (t) => {
    await usbWorld(t);
    await t.driver('pci', 'pcieport');
    await t.device('pci', 'pci0000:00/0000:00:1c.0', { driver: 'pcieport', class: '0x060400' });
    for (const [pci, what] of [
      ['0000:00:14.0', 'USB host controller'],
      ['0000:00:1c.0', 'PCI bridge'],
    ] as const) {
      const fs = new RecordingFs();
      const r = failed(
        await rebindModemDevice({ pci }, { roots: t.roots, clock: new FakeClock(), pauseMs: 0, fs }),
      );
      assert.equal(r.reason, 'refused');
      assert.ok(r.error.includes(what), r.error);
      assert.deepEqual(fs.writes, []);
    }
    assert.equal(await text(t, 'bus/pci/drivers/xhci_hcd/unbind'), '');
  }));

test('a hung unbind write times out on the clock; bind is never written', () =>
  withTree(async (t) => {
    await usbWorld(t);
    let writing = 0;
    const hung: RecoveryFs = {
      ...nodeRecoveryFs,
      writeAttribute: () => {
        writing++;
        return new Promise<void>(() => {});
      },
    };
    const clock = new FakeClock();
    const p = rebindModemDevice({ usb: '1:1.3' }, { roots: t.roots, clock, fs: hung, timeoutMs: 5000 });
    await waitFor(() => writing === 1, 'the unbind write');
    // The deadline started with the write, at 0: nothing fires before 5 s.
    assert.deepEqual(clock.dueTimes, [5000]);
    await clock.advance(5000);
    const r = failed(await p);
    assert.equal(r.reason, 'timeout');
    assert.match(r.error, /unbind: no answer in 5000 ms/);
    assert.deepEqual(r.writes, []);
    assert.equal(clock.dueTimes.length, 0, 'no pause was started');
    assert.equal(await text(t, 'bus/usb/drivers/usb/bind'), '');
  }));

test('a failed bind says the device is left unbound; a second call binds it without unbinding', () =>
  withTree(async (t) => {
    await t.driver('usb', 'usb');
    const dev = await t.device('usb', USB_MODEM, { driver: 'usb' });
    const kernel = new KernelLikeFs(t, dev);
    kernel.failBind = true;
    const r = failed(
      await rebindModemDevice(
        { usb: '1:1.3' },
        { roots: t.roots, clock: new FakeClock(), pauseMs: 0, fs: kernel },
      ),
    );
    assert.equal(r.reason, 'io');
    assert.equal(r.leftUnbound, true);
    assert.match(r.error, /ENODEV.*usb device 1-1\.3 is left unbound/);
    assert.equal(r.writes.length, 1);
    assert.equal(r.writes[0]?.file, t.sys('bus/usb/drivers/usb/unbind'));

    kernel.failBind = false;
    const fs = new RecordingFs(kernel, t.roots.sysfs);
    const again = await rebindModemDevice({ usb: '1:1.3' }, { roots: t.roots, clock: new FakeClock(), fs });
    assert.equal(again.ok, true, JSON.stringify(again));
    assert.equal(again.wasBound, false);
    assert.deepEqual(fs.writes, ['write /bus/usb/drivers/usb/bind 1-1.3']);
    assert.equal((await kernel.readlink(join(dev, 'driver'))) !== undefined, true);
  }));

test('an abort before the unbind writes nothing; during the pause it binds at once', () =>
  withTree(async (t) => {
    await usbWorld(t);
    const fs = new RecordingFs();
    const r = failed(
      await rebindModemDevice(
        { usb: '1:1.3' },
        { roots: t.roots, clock: new FakeClock(), fs, signal: AbortSignal.abort() },
      ),
    );
    assert.equal(r.reason, 'aborted');
    assert.deepEqual(fs.writes, []);

    const clock = new FakeClock();
    const ac = new AbortController();
    const p = rebindModemDevice({ usb: '1:1.3' }, { roots: t.roots, clock, signal: ac.signal });
    await waitFor(() => clock.dueTimes.length === 1 && clock.dueTimes[0] === 3000, 'the pause timer');
    await clock.advance(1000);
    ac.abort();
    const r2 = failed(await p);
    assert.equal(r2.reason, 'aborted');
    assert.equal(r2.leftUnbound, false);
    assert.deepEqual(
      r2.writes.map((w) => [w.file.slice(t.roots.sysfs.length), w.at]),
      [
        ['/bus/usb/drivers/usb/unbind', 0],
        ['/bus/usb/drivers/usb/bind', 1000],
      ],
    );
    assert.equal(await text(t, 'bus/usb/drivers/usb/bind'), '1-1.3');
  }));

test('a driver link to an odd target is not followed into a path', () =>
  withTree(async (t) => {
    await t.driver('usb', 'usb');
    const dev = await t.device('usb', USB_MODEM);
    await symlink('../..', join(dev, 'driver'));
    const fs = new RecordingFs();
    const r = failed(
      await rebindModemDevice({ usb: '1-1.3' }, { roots: t.roots, clock: new FakeClock(), pauseMs: 0, fs }),
    );
    assert.equal(r.reason, 'invalid');
    assert.match(r.error, /not a driver name/);
    assert.deepEqual(fs.writes, []);
  }));
