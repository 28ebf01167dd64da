/**
 * `mmagent plan` and `mmagent snapshot` against the live state: the simulator on a private bus, the
 * agent (`mmagent run`) holding two modems in a network namespace, and the CLI run as a child process
 * in that namespace. Proves live planning is read-only (the simulator records no state-changing call,
 * the kernel is byte-for-byte the same), that the plan is what the agent then does, and that a
 * snapshot plans exactly like the live state.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { MmagentPlan, MmagentSnapshot } from '../../src/schemas/types.generated.js';
import { formatErrors, validateAgainst } from '../../src/schemas/validate.js';
import { configOf, netA, netB, STEADY } from '../../test/cli/scenarios.js';
import { skipUnless } from '../harness/require.js';
import { type CliWorld, mmagentIn, steadyModems, untilSettled, withCliWorld } from './world.js';

const needs = { root: true, commands: ['ip', 'dbus-daemon', 'python3'] } as const;

/** The kernel state of the agent's interfaces, as `ip` reports it (independent of our netlink code). */
function kernel(w: CliWorld): string {
  return JSON.stringify(
    ['wwan0', 'wwan1'].map((dev) => [
      w.ns.ipJson(['link', 'show', 'dev', dev]),
      w.ns.ipJson(['addr', 'show', 'dev', dev]),
      w.ns.ipJson(['-4', 'route', 'show', 'dev', dev]),
      w.ns.ipJson(['-6', 'route', 'show', 'dev', dev]),
    ]),
  );
}

/** A plan's steps as the agent logs them (`op[-phase] type/name (detail)`). */
const asLogged = (p: MmagentPlan) =>
  p.steps.map((s) => `${s.phase ? `${s.op}-${s.phase}` : s.op} ${s.type}/${s.name} (${s.reason.detail})`);

/** Everything but where the state came from and when. */
const withoutSource = (p: MmagentPlan) => ({ ...p, source: { ...p.source, kind: '', takenAt: '' } });

async function planJson(
  w: CliWorld,
  args: readonly string[],
): Promise<{ code: number | null; doc: MmagentPlan }> {
  const r = await mmagentIn(w, [
    'plan',
    ...args,
    '-o',
    'json',
    '--detailed-exitcode',
    '--resolv-dir',
    w.resolvDir,
  ]);
  assert.equal(r.stderr, '', 'no warning, no error');
  const doc = JSON.parse(r.stdout) as MmagentPlan;
  const v = validateAgainst('plan-output.schema.json', doc);
  assert.ok(v.ok, v.ok ? '' : formatErrors(v.errors));
  return { code: r.code, doc };
}

describe('mmagent plan / snapshot (live, simulator + netns)', () => {
  test('live plan is read-only, a snapshot plans the same, and the agent then does exactly the plan', async (t) => {
    if (skipUnless(t, needs)) return;
    const steady = STEADY['both-connected']!;
    await withCliWorld({ modems: steadyModems(), config: steady }, async (w) => {
      await untilSettled(w, steady);
      const newConfig = configOf([netA({ AccessPoint: { APN: 'internet.v2' } }), netB()]);
      const file = join(w.dir, 'next.json');
      await writeFile(file, JSON.stringify(newConfig));
      const sameFile = join(w.dir, 'same.json');
      await writeFile(sameFile, JSON.stringify(steady));

      const mark = w.sim.recorder.mark();
      const before = kernel(w);

      // Identical config: "No changes.", exit 0 with --detailed-exitcode.
      const same = await mmagentIn(w, [
        'plan',
        '--config',
        sameFile,
        '--detailed-exitcode',
        '--resolv-dir',
        w.resolvDir,
      ]);
      assert.equal(same.code, 0, same.stderr);
      assert.match(same.stdout, /\nNo changes\.\n$/);

      // The APN change, live: exit 2 and the recreate of modem-a's connection.
      const live = await planJson(w, ['--config', file]);
      assert.equal(live.code, 2);
      assert.equal(live.doc.source.kind, 'live');
      assert.equal(live.doc.summaryLine, 'Plan: 0 to create, 0 to modify, 7 to recreate, 0 to delete.');
      const text = await mmagentIn(w, ['plan', '--config', file, '--resolv-dir', w.resolvDir]);
      assert.equal(text.code, 0);
      assert.match(
        text.stdout,
        /-\/\+ mm\.connection\/modem-a {2}# APN changed: connection will be re-established, expect downtime\n {6}\/apn: "internet" → "internet\.v2"/,
      );

      // Snapshot round trip: the snapshot validates, holds no secret, and plans like the live state.
      const snapFile = join(w.dir, 'snapshot.json');
      const snap = await mmagentIn(w, ['snapshot', '-o', snapFile, '--resolv-dir', w.resolvDir]);
      assert.equal(snap.code, 0, snap.stderr);
      const snapText = await readFile(snapFile, 'utf8');
      assert.doesNotMatch(snapText, /hunter2/);
      const sv = validateAgainst<MmagentSnapshot>('snapshot.schema.json', JSON.parse(snapText));
      assert.ok(sv.ok, sv.ok ? '' : formatErrors(sv.errors));
      assert.equal(sv.value.kernel.items.length, 10, 'links, addresses, routes and DNS of wwan0 and wwan1');
      const fromSnap = await planJson(w, ['--config', file, '--snapshot', snapFile]);
      assert.equal(fromSnap.doc.source.kind, 'snapshot');
      assert.deepEqual(withoutSource(fromSnap.doc), withoutSource(live.doc));

      // Nothing changed anywhere: no state-changing ModemManager call, the kernel as it was.
      assert.equal(
        w.sim.recorder.countStateChanging({ since: mark }),
        0,
        'no ModemManager call changed anything',
      );
      assert.equal(kernel(w), before, 'the kernel is untouched');

      // Now the agent gets the config: its first run is the plan, step for step.
      const logMark = w.logs.length;
      await w.writeConfig(newConfig);
      const end = Date.now() + 20_000;
      let run: { steps?: unknown } | undefined;
      while (!run && Date.now() < end) {
        run = w.logs
          .slice(logMark)
          .find(
            (l) => l.msg === 'reconciled' && Array.isArray(l.reasons) && l.reasons.includes('config changed'),
          );
        if (!run) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(run, 'the agent reconciled the new config');
      assert.deepEqual(run.steps, asLogged(live.doc));
      // And only modem-a's object was touched.
      await untilSettled(w, newConfig);
      const touched = w.sim.recorder.touchedPaths({ since: mark });
      assert.deepEqual(touched, [w.sim.pathOf('A')]);
    });
  });
});
