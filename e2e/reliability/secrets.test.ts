/**
 * Secrets in everything a user can make the agent produce on purpose: the running agent in EVE's
 * pubsub mode (its publications and checkpoints), the visualizer's responses (page, graph, history,
 * a live event), `mmagent plan`, `snapshot` and `graph` (DOT, JSON, HTML), the logs at debug level.
 * Modem A's SIM is PIN-locked and unlocked with the suite's PIN; both modems carry the password.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startPrivateBus } from '../../src/mmsim/private-bus.js';
import { ModemManagerSimulator } from '../../src/mmsim/simulator.js';
import type { WwanConfig } from '../../src/schemas/types.generated.js';
import { cfgOf, modemA, modemB, needs, network, online, withAgentOn } from '../agent/world.js';
import { skipUnless } from '../harness/require.js';
import { scenario } from './record.js';
import { assertNoSecrets, PASSWORD, PIN, USERNAME } from './secrets.js';

const config = (metric: number): WwanConfig =>
  cfgOf(
    network('modem-a', 'wwan0', {
      RouteMetric: metric,
      AccessPoint: {
        Activated: true,
        APN: 'internet',
        IPType: 'ipv4v6',
        AuthProtocol: 'chap',
        CleartextCredentials: { Username: USERNAME, Password: PASSWORD },
        PIN,
      },
    }),
    network('modem-b', 'wwan1', {
      AccessPoint: {
        Activated: true,
        APN: 'iot',
        IPType: 'ipv4',
        AuthProtocol: 'pap',
        CleartextCredentials: { Username: USERNAME, Password: PASSWORD },
      },
    }),
  );

/** GET from inside the namespace (the server is on its loopback), with Python's standard library. */
const GET = `import sys,urllib.request
r=urllib.request.urlopen(sys.argv[1], timeout=10); sys.stdout.write(r.read().decode())`;
/** The first `data:` line of an SSE stream. */
const FIRST_EVENT = `import sys,urllib.request
r=urllib.request.urlopen(sys.argv[1], timeout=20)
for line in r:
  line=line.decode()
  if line.startswith('data: '):
    print(line[6:].strip(), flush=True); break`;

test('no secret in publications, checkpoints, logs, plans, snapshots, exports or the visualizer', async (t) => {
  if (skipUnless(t, needs)) return;
  await scenario(
    {
      id: 'secrets-in-every-output',
      group: 'secrets',
      title: 'Password and PIN appear in no output a user can produce',
      inputs:
        'pubsub mode with --http and debug logs; PIN-locked SIM unlocked by the config; a config change while /events is read; mmagent plan, snapshot, graph -o .dot/.json/.html',
      file: import.meta.url,
    },
    async (s) => {
      const bus = await startPrivateBus();
      const sim = await ModemManagerSimulator.start({ busAddress: bus.address, timing: { step: 2 } });
      const texts: [label: string, text: string][] = [];
      try {
        sim.addModem(modemA({ sim: { ...modemA().sim!, pin: PIN } }));
        sim.addModem(modemB());
        await withAgentOn(
          { busAddress: bus.address, config: config(100), pubsub: {}, args: ['--http', '0'] },
          async (w) => {
            await w.waitStatus((st) => online('modem-a')(st) && online('modem-b')(st), 'both online');
            assert.deepEqual(
              sim.recorder.calls({ member: 'SendPin' }).map((c) => c.args[0]),
              [PIN],
              'the PIN was used, once',
            );
            await w.settle();
            const url = String(w.logs.find((l) => l.msg === 'visualizer listening')?.url ?? '');
            assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
            const inNs = (script: string, ...args: string[]) =>
              new Promise<string>((resolve, reject) => {
                const child = spawn('ip', ['netns', 'exec', w.ns.name, 'python3', '-c', script, ...args], {
                  stdio: ['ignore', 'pipe', 'inherit'],
                });
                let out = '';
                child.stdout.on('data', (d: Buffer) => {
                  out += d.toString();
                });
                child.on('exit', (code) =>
                  code === 0 ? resolve(out) : reject(new Error(`python3 exited ${code}`)),
                );
              });
            // A reconcile while /events is read: the live event is scanned too.
            const event = inNs(FIRST_EVENT, `${url}events`);
            await new Promise((r) => setTimeout(r, 500));
            await w.writeConfig(config(200));
            const ev = await event;
            assert.ok(ev.includes('"steps"'), ev.slice(0, 200));
            texts.push(['GET /events (one run)', ev]);
            for (const path of ['', 'graph.json', 'history.json'])
              texts.push([`GET /${path}`, await inNs(GET, `${url}${path}`)]);

            // The operator's commands, on the same bus, from inside the namespace.
            const cfgFile = join(w.dir, 'plan-config.json');
            await writeFile(cfgFile, JSON.stringify(config(300)));
            const env = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: bus.address };
            const cli = async (args: string[]) => {
              const r = await w.ns.runNode('src/cli/main.ts', args, { env, timeoutMs: 60_000 });
              assert.equal(r.code, 0, `mmagent ${args.join(' ')}: ${r.stderr}`);
              texts.push([`mmagent ${args[0]} stdout`, r.stdout]);
              texts.push([`mmagent ${args[0]} stderr`, r.stderr]);
              return r.stdout;
            };
            const snap = join(w.dir, 'snapshot.json');
            await cli(['snapshot', '--resolv-dir', w.resolvDir, '-o', snap]);
            await cli(['plan', '--config', cfgFile, '--snapshot', snap]);
            await cli(['plan', '--config', cfgFile, '--snapshot', snap, '-o', 'json']);
            for (const ext of ['dot', 'json', 'html'])
              await cli([
                'graph',
                '--config',
                cfgFile,
                '--snapshot',
                snap,
                '-o',
                join(w.dir, `graph.${ext}`),
              ]);
            assert.ok((await readFile(join(w.dir, 'graph.html'), 'utf8')).length > 1000);
            await w.settle();
            // Everything on disk under the world's directory: publications, checkpoints (persist),
            // the status files, the snapshot, the exports — the config files themselves excepted.
            texts.push(['agent log (debug)', w.logs.map((l) => JSON.stringify(l)).join('\n')]);
            const scanner = await assertNoSecrets(s, {
              dirs: [[w.dir, 'world']],
              texts,
              // The inputs: the agent's config (nim's publication) and the config given to the CLI.
              inputs: /plan-config\.json|wwan-config\.json|\/nim\/WwanConfig\//,
            });
            s.figure('bytesScanned', scanner.bytes);
            s.figure('formsPerSecret', scanner.summary().forms);
          },
        );
      } finally {
        await sim.stop();
        await bus.stop();
      }
    },
  );
});
