/**
 * Soft recovery of a vanished modem, decided by the agent (src/agent/recovery.ts) and done by
 * src/recovery on a fake sysfs tree: after 2 min missing, once per disappearance, gated by the
 * settings; ModemManager's restart asked for when it stops answering.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RecoveryActions } from '../../src/agent/recovery.js';
import { type RestartResult, rebindModemDevice } from '../../src/recovery/index.js';
import { flush } from '../reconciler/harness.js';
import { FakeTree } from '../recovery/tree.js';
import { agentWorld, configAB, MODEM0 } from './harness.js';

const DEVICE = 'pci0000:00/0000:00:14.0/usb1/1-1';

async function world(t: { after(fn: () => unknown): void }) {
  const tree = await FakeTree.create();
  t.after(() => tree.remove());
  await tree.driver('usb', 'usb');
  await tree.device('usb', DEVICE, { driver: 'usb' });
  const restarts: string[] = [];
  let w: ReturnType<typeof agentWorld> | undefined;
  const actions: RecoveryActions = {
    rebind: (dev) =>
      rebindModemDevice(
        { ...dev, sysfsPath: dev.sysfsPath?.replace(/^\/sys/, tree.roots.sysfs) },
        { roots: tree.roots, clock: w!.clock },
      ),
    restartModemManager: async (): Promise<RestartResult> => {
      restarts.push(`at ${w!.clock.now()}`);
      return { ok: true, pid: 4242, startTime: '1', signal: 'SIGTERM' };
    },
  };
  w = agentWorld({ recovery: actions });
  t.after(() => w?.close());
  const writes = async () => {
    const usb = tree.sys('bus', 'usb', 'drivers', 'usb');
    return {
      unbind: (await tree.bytes(join(usb, 'unbind'))).toString(),
      bind: (await tree.bytes(join(usb, 'bind'))).toString(),
    };
  };
  return { w, tree, restarts, writes };
}

/**
 * Lets the background recovery finish: its 3 s pause is on the fake clock and its file I/O is real
 * (the thread pool, slow on a loaded machine), so time moves in small steps, with real time given to
 * the I/O between them, until the recovery queue is idle: never a fixed number of steps.
 */
async function drain(w: ReturnType<typeof agentWorld>): Promise<void> {
  let idle = false;
  void w.agent.recovery?.idle().then(() => {
    idle = true;
  });
  for (let i = 0; i < 5_000 && !idle; i++) {
    await w.settle();
    await w.clock.advance(500);
    await new Promise((r) => setTimeout(r, 1));
    await flush();
  }
  assert.ok(idle, 'the recovery finished');
}

test('a modem gone 2 min: its device rebound (unbind, 3 s, bind) and ModemManager restarted, once per disappearance', async (t) => {
  const { w, restarts, writes } = await world(t);
  w.agent.setRecoverySettings({ reloadDrivers: true, restartModemManager: true, missingForMs: 120_000 });
  w.setConfig(configAB(false, { AccessPoint: { APN: 'internet' } }));
  await w.settle();
  const present = w.mm.snapshot.objects[MODEM0];
  w.mm.edit((tr) => {
    delete tr.objects[MODEM0];
  });
  await w.settle();
  await w.clock.advance(120_000 - 1);
  await flush();
  assert.deepEqual(await writes(), { unbind: '', bind: '' }, 'not before 2 min');
  assert.deepEqual(restarts, []);
  await w.clock.advance(1);
  await drain(w);
  assert.deepEqual(await writes(), { unbind: '1-1', bind: '1-1' });
  assert.equal(restarts.length, 1);
  // Still gone an hour later: nothing more for this disappearance.
  await w.clock.advance(3_600_000);
  await drain(w);
  assert.equal(restarts.length, 1);
  // Back, then gone again: a new disappearance, recovered again.
  w.mm.edit((tr) => {
    tr.objects[MODEM0] = present!;
  });
  await w.settle();
  w.mm.edit((tr) => {
    delete tr.objects[MODEM0];
  });
  await w.settle();
  await w.clock.advance(120_000);
  await drain(w);
  assert.equal(restarts.length, 2);
});

test('settings off: nothing is done, however long the modem is gone', async (t) => {
  const { w, restarts, writes } = await world(t);
  w.setConfig(configAB(false, { AccessPoint: { APN: 'internet' } }));
  await w.settle();
  w.mm.edit((tr) => {
    delete tr.objects[MODEM0];
  });
  await w.settle();
  await w.clock.advance(3_600_000);
  await drain(w);
  assert.deepEqual(await writes(), { unbind: '', bind: '' });
  assert.deepEqual(restarts, []);
});

test('ModemManager not answering: restarted when allowed, only said otherwise', async (t) => {
  const { w, restarts } = await world(t);
  w.agent.recovery?.unresponsive(3);
  await w.agent.recovery?.idle();
  assert.deepEqual(restarts, []);
  assert.ok(w.logger.lines.some((l) => /restarting it is off/.test(l.msg ?? '')));
  w.agent.setRecoverySettings({ reloadDrivers: false, restartModemManager: true, missingForMs: 120_000 });
  w.agent.recovery?.unresponsive(3);
  await w.agent.recovery?.idle();
  assert.equal(restarts.length, 1);
});
