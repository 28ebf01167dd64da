/**
 * The bundled agent as it ships (src/build/bundle.ts): built into a temporary directory that holds only
 * mmagent.mjs, the visualizer's page bundle and the native addons, then run from there with plain
 * `node` (no package.json, schemas/ or repository node_modules within reach): the CLI answers, and
 * `mmagent run` against the simulator (private bus, netns) writes its first status, brings the modem
 * online through netlink, serves the visualizer page with --http, and stops cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { withAgentProcess } from '../../bench/footprint.bench.js';
import { bundleAgent, shipNativeAddons } from '../../src/build/bundle.js';
import { skipUnless } from '../harness/require.js';
import { inForce, needs, net } from './world.js';

const MAX_BYTES = 1_000_000;

describe('the bundled agent (one file + native addons; simulator + netns)', () => {
  let out = '';
  let file = '';
  let bytes = 0;
  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'mmagent-bundle-test-'));
    const b = await bundleAgent(out);
    await shipNativeAddons(out);
    file = b.file;
    bytes = b.bytes;
  });
  after(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  test('the shipped directory is the bundle, the page bundle and node_modules; the bundle is at most 1 MB', async (t) => {
    t.diagnostic(`mmagent.mjs: ${bytes} bytes`);
    assert.ok(bytes <= MAX_BYTES, `${bytes} bytes > ${MAX_BYTES}`);
    assert.deepEqual((await readdir(out)).sort(), [
      'mmagent.mjs',
      'mmagent.mjs.LEGAL.txt',
      'node_modules',
      'page.bundle.css',
      'page.bundle.js',
    ]);
  });

  test('--version, --help and validate from the bundle alone (version and schemas embedded)', () => {
    const run = (...args: string[]) =>
      execFileSync(process.execPath, [file, ...args], { cwd: '/', encoding: 'utf8', stdio: 'pipe' });
    assert.match(run('--version'), /^mmagent \d+\.\d+\.\d+\n$/);
    assert.match(run('--help'), /^Usage: mmagent <command>/);
    assert.match(
      run('validate', fileURLToPath(new URL('../../docs/examples/wwan-config.json', import.meta.url))),
      /valid WwanConfig/,
    );
  });

  test('run: first status, online through netlink, --http serves the page, SIGTERM exits 0', async (t) => {
    if (skipUnless(t, needs)) return;
    // A preload that lists, at exit, every CommonJS file the agent loaded (the native packages).
    const preload = join(out, '..', `${out.split('/').pop()}-loaded.cjs`);
    const loadedList = `${preload}.txt`;
    await writeFile(
      preload,
      `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(loadedList)}, Object.keys(require.cache).join('\\n')));`,
    );
    t.after(() => rm(preload, { force: true }).then(() => rm(loadedList, { force: true })));
    const command = [process.execPath, '-r', preload, file];
    await withAgentProcess(command, { args: ['--http', '0'], cwd: out }, async (a) => {
      t.diagnostic(`spawn to first WwanStatus.json: ${a.firstStatusMs.toFixed(0)} ms`);
      assert.equal(a.firstStatus.DPCKey, 'e2e', 'the first status is for the config given');
      const st = await a.waitStatus(inForce('modem-a'), 'modem-a online, everything in force');
      assert.equal(net(st, 'modem-a')?.IPSettings.Address?.IP, '10.64.64.10');
      const addrs = a.ns.exec('ip', ['-4', '-o', 'addr', 'show', 'dev', 'wwan0']);
      assert.match(addrs, /10\.64\.64\.10\/30/, 'the address is in the kernel (netlink addon)');
      const url = String(a.logs.find((l) => l.msg === 'visualizer listening')?.url ?? '');
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      // The server is on the namespace's loopback: fetched from inside with Python's standard library.
      const page = a.ns.exec('python3', [
        '-c',
        'import sys,urllib.request;sys.stdout.write(urllib.request.urlopen(sys.argv[1],timeout=5).read().decode())',
        url,
      ]);
      assert.match(page, /^<!doctype html>/);
      assert.ok(page.length > 100_000, `the page inlines the page bundle (${page.length} bytes)`);
      assert.equal(await a.terminate(), 0);
    });
    // File mode needs rtnetlink only: not the pubsub socket addon, not netlink's other families.
    const loaded = (await readFile(loadedList, 'utf8')).split('\n').map((f) => f.slice(out.length));
    assert.ok(loaded.includes('/node_modules/netlink/dist/rt/rt.js'), loaded.join(' '));
    assert.deepEqual(
      loaded.filter((f) => /node-unix-socket|nl80211|genl|\/wg\//.test(f)),
      [],
      'loaded in file mode although unused',
    );
  });
});
