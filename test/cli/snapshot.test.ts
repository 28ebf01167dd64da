/**
 * The snapshot document: secrets redacted at any depth, valid against its schema, read back into the
 * same observation (so a plan from a snapshot equals a plan from what was observed), and a snapshot
 * without the kernel plans the ModemManager side only, saying so.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { graphOf } from '../../reconciler/graph.js';
import type { Observation } from '../../src/cli/observation.js';
import { kernelInterfaces } from '../../src/cli/observation.js';
import { planDocument } from '../../src/cli/plan-json.js';
import { planFor } from '../../src/cli/plan-model.js';
import { readSnapshotFile, toSnapshotDocument } from '../../src/cli/snapshot-file.js';
import type { Snapshot } from '../../src/modemmanager/snapshot.js';
import { interfaceItems } from '../../src/netitems/builders.js';
import { formatErrors, validateAgainst } from '../../src/schemas/validate.js';
import { capturedSnapshot } from '../wwan/helpers.js';
import { configOf, netA, STEADY } from './scenarios.js';

const dir = mkdtempSync(join(tmpdir(), 'mmagent-snapshot-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The captured simulator snapshot with a password on the connected bearer, as MM 1.20 reports it. */
function observationWithSecret(): Observation {
  const snap = structuredClone(capturedSnapshot()) as Snapshot & {
    objects: Record<string, Record<string, Record<string, unknown>>>;
  };
  const bearer =
    snap.objects['/org/freedesktop/ModemManager1/Bearer/0']!['org.freedesktop.ModemManager1.Bearer']!;
  bearer.Properties = { ...(bearer.Properties as object), user: 'fleet', password: 'hunter2-s3cret' };
  const items = interfaceItems({
    ifname: 'wwan0',
    mtu: 1500,
    ipv4: { address: '10.64.64.10', prefixLength: 30, gateway: '10.64.64.9' },
    dns: ['10.11.12.13'],
    metric: 5000,
  });
  return {
    takenAt: '2026-11-25T01:00:00.000Z',
    snapshot: snap,
    physAddrs: { '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1': { USB: '1:1', PCI: '0000:00:14.0' } },
    kernel: { interfaces: kernelInterfaces(snap), items },
  };
}

test('the document redacts the bearer password, keeps the rest, and validates', () => {
  const obs = observationWithSecret();
  const doc = toSnapshotDocument(obs, '0.1.0');
  const text = JSON.stringify(doc);
  assert.doesNotMatch(text, /hunter2/);
  const props = doc.modemManager.objects['/org/freedesktop/ModemManager1/Bearer/0']?.[
    'org.freedesktop.ModemManager1.Bearer'
  ]?.Properties as Record<string, unknown>;
  assert.equal(props.password, '[redacted]');
  assert.equal(props.user, 'fleet');
  assert.equal(props.apn, 'internet');
  const v = validateAgainst('snapshot.schema.json', doc);
  assert.ok(v.ok, v.ok ? '' : formatErrors(v.errors));
  assert.deepEqual(doc.kernel.interfaces, ['wwan0', 'wwan1']);
  // The observation given is not touched: redaction works on a copy.
  assert.match(JSON.stringify(obs.snapshot), /hunter2/);
});

test('read back, a snapshot plans exactly like the observation it was taken from', async () => {
  const obs = observationWithSecret();
  const file = join(dir, 'snap.json');
  writeFileSync(file, JSON.stringify(toSnapshotDocument(obs, '0.1.0')));
  const r = await readSnapshotFile(file);
  assert.ok(r.ok, r.ok ? '' : r.message);
  // Kernel items come back through the builders, dependencies and all.
  assert.deepEqual(graphOf('x', r.observation.kernel.items).nodes, graphOf('x', obs.kernel.items).nodes);
  assert.deepEqual(r.observation.physAddrs, obs.physAddrs);
  const config = configOf([
    netA({
      MTU: 1400,
      PhysAddrs: { USB: '1:1' },
      AccessPoint: { CleartextCredentials: { Username: 'fleet', Password: 'hunter2-s3cret' } },
    }),
  ]);
  const source = { kind: 'snapshot' as const, takenAt: obs.takenAt, modemManagerVersion: '1.20.4' };
  const fromFile = planDocument(planFor(config, r.observation), source);
  assert.deepEqual(fromFile, planDocument(planFor(config, obs), source));
  // USB matching works from the recorded sysfs addresses, on any machine.
  assert.equal(fromFile.modems[0]?.status, 'managed');
  assert.ok(
    fromFile.steps.some((s) => s.type === 'net.link' && s.op === 'modify'),
    JSON.stringify(fromFile.steps.map((s) => s.id)),
  );
});

test('a snapshot without the kernel plans the ModemManager side only, with a warning', async () => {
  const doc = JSON.parse(readFileSync(new URL('fixtures/both-connected.json', import.meta.url), 'utf8'));
  doc.kernel = { interfaces: ['wwan0', 'wwan1'], items: [], unavailable: 'cannot read the kernel: EPERM' };
  const file = join(dir, 'no-kernel.json');
  writeFileSync(file, JSON.stringify(doc));
  const r = await readSnapshotFile(file);
  assert.ok(r.ok, r.ok ? '' : r.message);
  const p = planFor(STEADY['both-connected']!, r.observation);
  assert.equal(p.network, false);
  assert.deepEqual(p.warnings, [
    'cannot read the kernel: EPERM; links, addresses, routes and DNS are left out of this plan',
  ]);
  assert.deepEqual(p.plan.steps, [], 'the ModemManager side is as configured');
});
