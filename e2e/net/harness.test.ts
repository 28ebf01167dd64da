/** The netns harness itself: tun devices have carrier, and cleanup happens even when the test fails. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { withNetns } from '../../src/sandbox/netns.js';
import { skipUnless } from '../harness/require.js';

const namespaces = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });

test('held tun devices exist only in the namespace and have carrier once up', async (t) => {
  if (skipUnless(t, { root: true, commands: ['ip', 'python3'] })) return;
  await withNetns({ tuns: ['wwan0'] }, async (ns) => {
    ns.ip(['link', 'set', 'wwan0', 'up']);
    const [l] = ns.ipJson<{ flags: string[] }[]>(['link', 'show', 'dev', 'wwan0']);
    assert.ok(l?.flags.includes('LOWER_UP'), `flags ${l?.flags}`);
    assert.ok(l?.flags.includes('POINTOPOINT'));
    await ns.addTuns(['wwan1']);
    assert.equal(ns.ipJson<unknown[]>(['link', 'show', 'dev', 'wwan1']).length, 1);
  });
});

test('the namespace and the holder are gone after the function throws', async (t) => {
  if (skipUnless(t, { root: true, commands: ['ip', 'python3'] })) return;
  let name = '';
  let holderPids: string[] = [];
  await assert.rejects(
    withNetns({ tuns: ['wwan0'] }, async (ns) => {
      name = ns.name;
      assert.ok(namespaces().includes(name));
      holderPids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).trim().split('\n');
      assert.ok(holderPids.length >= 1 && holderPids[0] !== '');
      throw new Error('scenario failed on purpose');
    }),
    /on purpose/,
  );
  assert.ok(!namespaces().includes(name), `${name} must be deleted`);
  for (const pid of holderPids) {
    assert.throws(() => process.kill(Number(pid), 0), /ESRCH/, `holder ${pid} must be reaped`);
  }
});

test('a child run inside the namespace sees only the namespace interfaces', async (t) => {
  if (skipUnless(t, { root: true, commands: ['ip', 'python3'] })) return;
  await withNetns({ tuns: ['wwan7'] }, async (ns) => {
    const r = await ns.runNode('e2e/net/list-links.ts');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), ['lo', 'wwan7']);
  });
});
