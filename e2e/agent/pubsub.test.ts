/**
 * `mmagent run --pubsub` end to end, as EVE's wwan service: EVE's side is played by peer.py (a
 * Python SEQPACKET peer written from the protocol description: nim's WwanConfig, zedagent's global
 * config and controller certificate, and a subscriber reading WwanStatus), the modems by the
 * simulator, the kernel by a network namespace.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ModemManagerSimulator } from '../../src/mmsim/simulator.js';
import { encryptFor, encryptionBlock, newWorld } from '../../test/cipher/vectors.js';
import { until } from '../../test/pubsub/helpers.js';
import { startPrivateBus } from '../harness/dbus-daemon.js';
import { skipUnless } from '../harness/require.js';
import { cfgOf, modemA, modemB, needs, net, network, online, withAgentWorld } from './world.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;

describe('mmagent run --pubsub (simulator + netns + Python pubsub peers)', () => {
  test('WwanConfig over pubsub: online, status read back with EVE names; a change costs what it costs in file mode; a publisher restart costs nothing', async (t) => {
    if (skipUnless(t, needs)) return;
    const config = cfgOf(network('modem-a', 'wwan0'));
    // With EVE's hard recovery on: the modem's watchdog files.
    const globalConfig = {
      GlobalSettings: {
        'wwan.modem.recovery.watchdog': { Key: 'wwan.modem.recovery.watchdog', ItemType: 2, BoolValue: true },
      },
    };
    await withAgentWorld({ modems: [modemA()], config, pubsub: { globalConfig } }, async (w) => {
      const eve = w.eve!;
      const st = await w.waitStatus(
        (s) => online('modem-a')(s) && net(s, 'modem-a')?.ConfigError === '',
        'modem-a online (read by the Python subscriber)',
      );
      const a = net(st, 'modem-a')!;
      // EVE's field names and types, as its Go subscribers decode them.
      assert.equal(a.IPSettings.Address?.IP, '10.64.64.10');
      assert.equal(a.ConfigError, '');
      assert.equal(st.DPCKey, config.DPCKey);
      assert.equal(st.DPCTimestamp, '2026-11-24T10:00:00.123456789Z', 'echoed to the nanosecond');
      assert.deepEqual(Object.keys(st), ['DPCKey', 'DPCTimestamp', 'RSConfigTimestamp', 'Networks']);
      await w.settle();
      // The checkpoint EVE's debug tools read holds what the subscriber got.
      const wwan = join(eve.runDir, 'wwan');
      assert.deepEqual(
        await readJson(join(wwan, 'WwanStatus', 'global.json')),
        eve.statusReader?.latest('global'),
      );
      assert.ok(Array.isArray((await readJson(join(wwan, 'WwanMetrics', 'global.json'))).Networks));
      // EVE's files: pid, watchdog touch, the DOT graphs.
      const pid = w.logs.find((l) => typeof l.pid === 'number')?.pid;
      assert.equal(await readFile(join(eve.runDir, 'wwan.pid'), 'utf8'), String(pid));
      assert.ok((await stat(join(eve.runDir, 'wwan.touch'))).mtimeMs > 0);
      // A second agent on the same run dir exits at once, as pillar's agents do, and changes nothing.
      const second = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          'src/cli/main.ts',
          'run',
          '--pubsub',
          '--run-dir',
          eve.runDir,
          '--persist-dir',
          eve.persistDir,
        ],
        { cwd: REPO, encoding: 'utf8', timeout: 20_000 },
      );
      assert.equal(second.status, 1, second.stderr);
      assert.match(second.stdout, /another wwan agent is running/);
      assert.equal(await readFile(join(eve.runDir, 'wwan.pid'), 'utf8'), String(pid));
      await stat(join(eve.runDir, 'wwan-modem-modem-a.touch'));
      await stat(join(eve.runDir, 'watchdog', 'file', 'wwan-modem-modem-a.touch'));
      assert.match(await readFile(join(eve.runDir, 'wwan-intended-state.dot'), 'utf8'), /mm\.connection/);
      assert.match(await readFile(join(eve.runDir, 'wwan-current-state.dot'), 'utf8'), /net\.route/);

      // A route metric change over pubsub: kernel changes only, no ModemManager call (as in file mode).
      let mark = w.sim.recorder.mark();
      let from = w.logs.length;
      await w.writeConfig(cfgOf(network('modem-a', 'wwan0', { RouteMetric: 7000 })));
      await until(
        () => w.logs.slice(from).some((l) => l.msg === 'config accepted'),
        'config accepted',
        10_000,
      );
      await w.settle();
      assert.equal(w.sim.recorder.countStateChanging({ since: mark }), 0, 'no ModemManager call');
      assert.ok(w.netlinkRequestsSince(from) > 0, 'the route was changed');

      // nim dies and comes back with the same config: the subscriber resyncs; nothing is done.
      mark = w.sim.recorder.mark();
      from = w.logs.length;
      await eve.kill('nim', 'WwanConfig');
      await w.writeConfig(cfgOf(network('modem-a', 'wwan0', { RouteMetric: 7000 })));
      await until(
        () => w.logs.slice(from).some((l) => l.msg === 'pubsub connected' && l.topic === 'WwanConfig'),
        'the agent resubscribed to WwanConfig',
        20_000,
      );
      await w.settle();
      assert.equal(
        w.sim.recorder.countStateChanging({ since: mark }),
        0,
        'no ModemManager call after the resync',
      );
      assert.equal(w.netlinkRequestsSince(from), 0, 'no kernel change after the resync');
      assert.ok(
        !w.logs.slice(from).some((l) => l.msg === 'config accepted'),
        'the same config is not applied again',
      );
    });
  });

  test("SIGTERM while waiting for zedagent's global config: stops at once with exit 0", async (t) => {
    if (skipUnless(t, { commands: ['dbus-daemon'] })) return;
    const bus = await startPrivateBus();
    t.after(() => bus.stop());
    const sim = await ModemManagerSimulator.start({ busAddress: bus.address });
    t.after(() => sim.stop());
    const dir = await mkdtemp(join(tmpdir(), 'mmagent-pubsub-term-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    // No zedagent here: the agent waits up to 30 s for the global config before acting.
    const agent = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'run', '--pubsub', '--run-dir', dir, '--persist-dir', dir],
      {
        cwd: REPO,
        env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: bus.address },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    t.after(() => agent.kill('SIGKILL'));
    const exited = once(agent, 'exit') as Promise<[number | null, string | null]>;
    for await (const line of createInterface({ input: agent.stdout })) {
      if ((JSON.parse(line) as { msg?: string }).msg === 'waiting for the global config before acting') break;
    }
    const t0 = Date.now();
    agent.kill('SIGTERM');
    const hung = setTimeout(() => agent.kill('SIGKILL'), 10_000);
    const [code, signal] = await exited;
    clearTimeout(hung);
    t.diagnostic(`SIGTERM to exit: ${Date.now() - t0} ms`);
    assert.deepEqual(
      [code, signal],
      [0, null],
      'exit 0 (it hung: the stop came while the inputs were starting)',
    );
  });
});

/** A controller certificate as zedagent publishes it (key: hex of CertHash). */
function controllerCert(world: ReturnType<typeof newWorld>) {
  const hash = createHash('sha256').update(world.controllerCertDer).digest();
  return {
    key: hash.toString('hex'),
    hashB64: hash.toString('base64'),
    value: {
      HashAlgo: 1,
      CertHash: hash.toString('base64'),
      Type: 3,
      Cert: Buffer.from(world.controllerCertPem).toString('base64'),
    },
  };
}

const PASSWORD = 'S3cret-pw!unique-9b7e';

describe('mmagent run --pubsub: encrypted credentials', () => {
  test('decrypted and used for Connect once the controller certificate arrives; a bad block blocks only its modem; the password is nowhere', async (t) => {
    if (skipUnless(t, needs)) return;
    const keys = newWorld();
    const cert = controllerCert(keys);
    const block = (plain: Buffer, id: string, over: Record<string, unknown> = {}) => ({
      ...encryptFor(keys, plain),
      CipherBlockID: id,
      CipherContextID: 'ctx-1',
      CipherContext: { KeyExchangeScheme: 1, EncryptionScheme: 1, ControllerCertHash: cert.hashB64 },
      ...over,
    });
    const good = block(encryptionBlock({ user: 'eve-user', password: PASSWORD }), 'block-a');
    const wrongHash = block(encryptionBlock({ user: 'b', password: 'b-pw' }), 'block-b', {
      ClearTextHash: createHash('sha256').update('something else').digest('base64'),
    });
    const withCreds = (label: string, ifname: string, enc: unknown) =>
      network(label, ifname, {
        AccessPoint: {
          Activated: true,
          APN: 'internet',
          IPType: 'ipv4v6',
          AuthProtocol: 'chap',
          EncryptedCredentials: enc,
        },
      });
    const config = cfgOf(withCreds('modem-a', 'wwan0', good), withCreds('modem-b', 'wwan1', wrongHash));
    const deviceKeyPem = keys.device.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await withAgentWorld(
      {
        modems: [modemA({ credentials: { user: 'eve-user', password: PASSWORD } }), modemB()],
        config,
        pubsub: { deviceKeyPem },
      },
      async (w) => {
        const eve = w.eve!;
        // No controller certificate yet: modem A waits for it and says so; nothing connects.
        let st = await w.waitStatus(
          (s) => /controller certificate .* has not arrived/.test(net(s, 'modem-a')?.ConfigError ?? ''),
          'modem-a waiting for the controller certificate',
        );
        assert.match(net(st, 'modem-b')!.ConfigError, /certificate/);
        const zedagent = await eve.publisher('zedagent', 'ControllerCert');
        await zedagent.set(cert.key, cert.value);
        st = await w.waitStatus(
          (s) => online('modem-a')(s) && net(s, 'modem-a')?.ConfigError === '',
          'modem-a online with the decrypted credentials',
        );
        const connects = w.sim.recorder.calls({ member: 'Connect' });
        assert.ok(connects.length > 0);
        assert.ok(
          connects.every((c) => c.path.startsWith(w.sim.pathOf('A'))),
          'modem B never connects without its credentials',
        );
        assert.match(net(st, 'modem-b')!.ConfigError, /SHA-256 is not ClearTextHash|hash is wrong/);
        assert.notEqual(net(st, 'modem-b')!.Module.OpMode, 'online-and-connected');

        // Truncated data, then a block for another device key: modem B's error follows; A is untouched.
        const mark = w.sim.recorder.mark();
        const truncated = {
          ...block(
            encryptionBlock({ user: 'b-user', password: 'b-password', attachUser: 'b-attach' }),
            'block-b',
          ),
        };
        // Cut inside the last field: CFB decrypts the rest, which reads as a block cut short.
        const data = Buffer.from(truncated['pubsub-large-CipherData'] as string, 'base64');
        truncated['pubsub-large-CipherData'] = data.subarray(0, data.length - 2).toString('base64');
        await w.writeConfig(
          // A's block as nim's Go publisher sends it on the socket: CipherData moved to a side file.
          cfgOf(
            withCreds('modem-a', 'wwan0', await viaSideFile(good, join(eve.persistDir, 'pubsub-large'))),
            withCreds('modem-b', 'wwan1', truncated),
          ),
        );
        await w.waitStatus(
          (s) => /truncated/.test(net(s, 'modem-b')?.ConfigError ?? ''),
          'modem-b: truncated',
        );
        assert.deepEqual(
          await readdir(join(eve.persistDir, 'pubsub-large')),
          [],
          'the side file was read and removed',
        );
        const other = newWorld();
        const foreign = {
          ...encryptFor(other, encryptionBlock({ user: 'b', password: 'b-pw' })),
          CipherBlockID: 'block-b',
          CipherContext: { KeyExchangeScheme: 1, EncryptionScheme: 1, ControllerCertHash: cert.hashB64 },
        };
        await w.writeConfig(
          cfgOf(withCreds('modem-a', 'wwan0', good), withCreds('modem-b', 'wwan1', foreign)),
        );
        st = await w.waitStatus(
          (s) => /not the pair the block was encrypted for/.test(net(s, 'modem-b')?.ConfigError ?? ''),
          'modem-b: wrong key',
        );
        await w.settle();
        assert.ok(online('modem-a')(st));
        assert.equal(
          w.sim.recorder.countStateChanging({ since: mark, pathPrefix: w.sim.pathOf('A') }),
          0,
          'modem A: no call while B changed',
        );

        // EVE's cipher reports: B's block status carries the error, the metrics count.
        const wwan = join(eve.runDir, 'wwan');
        const blockB = await readJson(join(wwan, 'CipherBlockStatus', 'block-b.json'));
        assert.match(String(blockB.Error), /not the pair/);
        assert.equal((await readJson(join(wwan, 'CipherBlockStatus', 'block-a.json'))).Error, '');
        const cm = await readJson(join(wwan, 'CipherMetrics', 'global.json'));
        assert.equal(cm.AgentName, 'wwan');
        assert.ok((cm.SuccessCount as number) >= 1 && (cm.FailureCount as number) >= 3, JSON.stringify(cm));

        // The password: in no log line, status, checkpoint, DOT or other file the agent wrote.
        assert.ok(!JSON.stringify(w.logs).includes(PASSWORD), 'not in the log');
        assert.ok(!JSON.stringify(await w.readStatus()).includes(PASSWORD), 'not in the status');
        for (const file of await filesUnder(eve.runDir))
          assert.ok(!(await readFile(file)).includes(PASSWORD), `not in ${file}`);
      },
    );
  });

  test('no device key file: the key is in the TPM, which is said in the ConfigError; the other modem connects', async (t) => {
    if (skipUnless(t, needs)) return;
    const keys = newWorld();
    const cert = controllerCert(keys);
    const enc = {
      ...encryptFor(keys, encryptionBlock({ user: 'u', password: 'p' })),
      CipherContext: { KeyExchangeScheme: 1, EncryptionScheme: 1, ControllerCertHash: cert.hashB64 },
    };
    const config = cfgOf(
      network('modem-a', 'wwan0', {
        AccessPoint: { Activated: true, APN: 'internet', IPType: 'ipv4v6', EncryptedCredentials: enc },
      }),
      network('modem-b', 'wwan1', { AccessPoint: { Activated: true, APN: 'iot', IPType: 'ipv4' } }),
    );
    await withAgentWorld({ modems: [modemA(), modemB()], config, pubsub: {} }, async (w) => {
      await (await w.eve!.publisher('zedagent', 'ControllerCert')).set(cert.key, cert.value);
      const st = await w.waitStatus(
        (s) => online('modem-b')(s) && /held by the TPM/.test(net(s, 'modem-a')?.ConfigError ?? ''),
        'modem-b online, modem-a blocked by the TPM key',
      );
      assert.notEqual(net(st, 'modem-a')!.Module.OpMode, 'online-and-connected');
      assert.equal(w.sim.recorder.calls({ member: 'Connect', pathPrefix: w.sim.pathOf('A') }).length, 0);
    });
  });
});

/** EVE's pubsub/large.go on the socket: `pubsub-large-X` out to a file, `pubsub-file-X` naming it. */
async function viaSideFile(block: Record<string, unknown>, dir: string): Promise<Record<string, unknown>> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `pubsub-file-CipherData${Date.now()}`);
  const { 'pubsub-large-CipherData': data, ...rest } = block;
  await writeFile(file, JSON.stringify({ 'pubsub-large-CipherData': data }));
  return { ...rest, 'pubsub-file-CipherData': JSON.stringify(file) };
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
