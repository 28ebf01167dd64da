/**
 * The standalone simulator (src/mmsim/main.ts) with the documented example scenario: it owns the
 * name on the given bus, exports the scenario's modems, exits 0 on SIGTERM and is reaped.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startPrivateBus } from '../harness/dbus-daemon.js';
import { skipUnless } from '../harness/require.js';
import { I, RawClient, until } from './raw-client.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('main.ts --bus --scenario serves the example scenario until SIGTERM', async (t) => {
  if (skipUnless(t, { commands: ['dbus-daemon'] })) return;
  const bus = await startPrivateBus();
  t.after(() => bus.stop());
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/mmsim/main.ts',
      '--bus',
      bus.address,
      '--scenario',
      'docs/examples/mmsim-scenario.json',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = once(child, 'exit');
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const client = await RawClient.connect(bus.address);
  t.after(() => client.close());
  await until(async () => (await client.nameOwner()) !== '', `the name to be owned (output: ${out})`, 15_000);
  // Like ModemManager, the simulator owns the name first and exports modems right after.
  const objs = await until(async () => {
    const o = await client.managedObjects();
    return Object.keys(o).length === 2 ? o : undefined;
  }, 'the two scenario modems');
  const paths = Object.keys(objs).sort();
  assert.deepEqual(paths, [
    '/org/freedesktop/ModemManager1/Modem/0',
    '/org/freedesktop/ModemManager1/Modem/1',
  ]);
  const a = objs['/org/freedesktop/ModemManager1/Modem/0']?.[I.modem];
  assert.equal(a?.Model, 'SIM-LTE-1');
  assert.equal(a?.PrimarySimSlot, 1);
  assert.deepEqual(a?.Ports, [
    ['cdc-wdm0', 6],
    ['wwan0', 2],
  ]);
  await until(() => /owns org\.freedesktop\.ModemManager1/.test(out), 'the startup line on stdout');
  child.kill('SIGTERM');
  const [code, signal] = await exited;
  assert.equal(code, 0, `exit code (signal ${signal}); output: ${out}`);
  assert.equal(await client.nameOwner(), '', 'the name is released');
});

test('main.ts rejects a missing bus address with exit code 2', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/mmsim/main.ts'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: '' },
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const [code] = await once(child, 'exit');
  assert.equal(code, 2);
  assert.match(err, /no bus address/);
  t.diagnostic(err.trim());
});
