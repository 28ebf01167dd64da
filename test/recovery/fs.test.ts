/** The node:fs layer: sysfs-style writes never create or follow, reads are bounded. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeRecoveryFs as fs } from '../../src/recovery/index.js';

async function withDir(fn: (d: string) => Promise<void>): Promise<void> {
  const d = await mkdtemp(join(tmpdir(), 'mmagent-recovery-fs-'));
  try {
    await fn(d);
  } finally {
    await rm(d, { recursive: true, force: true });
  }
}

test('writeAttribute: one write to an existing file; a missing file is not created, a symlink not followed', () =>
  withDir(async (d) => {
    const bind = join(d, 'bind');
    await writeFile(bind, '');
    await fs.writeAttribute(bind, '1-1.3');
    assert.deepEqual(await readFile(bind), Buffer.from('1-1.3'));

    await assert.rejects(fs.writeAttribute(join(d, 'unbind'), '1-1.3'), { code: 'ENOENT' });
    await assert.rejects(stat(join(d, 'unbind')), { code: 'ENOENT' });

    const target = join(d, 'elsewhere');
    await writeFile(target, '');
    await symlink(target, join(d, 'link'));
    await assert.rejects(fs.writeAttribute(join(d, 'link'), '1-1.3'), { code: 'ELOOP' });
    assert.equal((await readFile(target)).length, 0);
  }));

test('readText: missing is undefined, longer than the cap is an error; kind and readlink', () =>
  withDir(async (d) => {
    const f = join(d, 'pid');
    assert.equal(await fs.readText(f, 8), undefined);
    await writeFile(f, '12345678');
    assert.equal(await fs.readText(f, 8), '12345678');
    await writeFile(f, '123456789');
    await assert.rejects(fs.readText(f, 8), /longer than 8 bytes/);
    assert.equal(await fs.kind(d), 'dir');
    assert.equal(await fs.kind(f), 'file');
    assert.equal(await fs.kind(join(d, 'none')), undefined);
    assert.equal(await fs.kind(join(f, 'below-a-file')), undefined);
    await symlink('../../bus/usb/drivers/usb', join(d, 'driver'));
    assert.equal(await fs.readlink(join(d, 'driver')), '../../bus/usb/drivers/usb');
    assert.equal(await fs.readlink(join(d, 'nolink')), undefined);
  }));
