import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  formatResolvConf,
  parseResolvConf,
  readInterfaceDns,
  removeInterfaceDns,
  resolvFileName,
  writeInterfaceDns,
} from '../../src/dns/resolvconf.js';

test('one nameserver line per server, canonical, duplicates dropped, order kept', () => {
  assert.equal(
    formatResolvConf(['8.8.8.8', '2001:4860:4860:0:0:0:0:8888', '1.1.1.1', '8.8.8.8']),
    'nameserver 8.8.8.8\nnameserver 2001:4860:4860::8888\nnameserver 1.1.1.1\n',
  );
  assert.equal(formatResolvConf([]), '');
  assert.throws(() => formatResolvConf(['not-an-ip']));
  assert.deepEqual(parseResolvConf('# c\nnameserver 1.2.3.4\nsearch x\n  nameserver ::1\n'), [
    '1.2.3.4',
    '::1',
  ]);
});

test('the file name follows EVE: <dir>/<ifname>.dhcp; unsafe names are refused', () => {
  assert.equal(resolvFileName('/run/wwan/resolv.conf', 'wwan0'), '/run/wwan/resolv.conf/wwan0.dhcp');
  for (const bad of ['../etc', 'a/b', '', 'x'.repeat(16), '..'])
    assert.throws(() => resolvFileName('/d', bad), bad);
});

test('write is atomic (no temp file left, mode 0644), rewrite replaces, remove is idempotent', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dns-'));
  try {
    const sub = join(dir, 'resolv.conf'); // created on demand
    await writeInterfaceDns(sub, 'wwan0', ['10.0.0.53', '10.0.0.54']);
    assert.equal(
      await readFile(join(sub, 'wwan0.dhcp'), 'utf8'),
      'nameserver 10.0.0.53\nnameserver 10.0.0.54\n',
    );
    assert.equal((await stat(join(sub, 'wwan0.dhcp'))).mode & 0o777, 0o644);
    const inodeBefore = (await stat(join(sub, 'wwan0.dhcp'))).ino;
    await writeInterfaceDns(sub, 'wwan0', ['fd00::53']);
    // A rename installs a new inode: a reader holding the old file sees the old content whole.
    assert.notEqual((await stat(join(sub, 'wwan0.dhcp'))).ino, inodeBefore);
    assert.deepEqual(await readInterfaceDns(sub, 'wwan0'), ['fd00::53']);
    assert.deepEqual(await readdir(sub), ['wwan0.dhcp']);
    await writeInterfaceDns(sub, 'wwan1', ['1.1.1.1']);
    await removeInterfaceDns(sub, 'wwan0');
    await removeInterfaceDns(sub, 'wwan0');
    assert.equal(await readInterfaceDns(sub, 'wwan0'), undefined);
    assert.deepEqual(await readdir(sub), ['wwan1.dhcp']); // the other interface's file is untouched
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
