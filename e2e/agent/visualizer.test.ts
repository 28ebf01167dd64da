/**
 * `mmagent run --http 0` end to end: the visualizer's endpoints of a running agent (simulator,
 * netns), read from inside the namespace (the server is on its loopback): both modems' items in
 * /graph.json, a reconcile on /events, the history, and no secret in any response.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { skipUnless } from '../harness/require.js';
import { cfgOf, modemA, modemB, needs, network, online, withAgentWorld } from './world.js';

const PASSWORD = 'Viz-s3cret-pw-41';

/** A command in the namespace, in the background: resolves with its output when it exits. */
function spawnIn(
  ns: string,
  cmd: string,
  args: readonly string[],
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}

describe('mmagent run --http (simulator + netns)', () => {
  test('graph, history and events of a two-modem agent; a reconcile reaches /events; no secret anywhere', async (t) => {
    if (skipUnless(t, needs)) return;
    const config = cfgOf(
      network('modem-a', 'wwan0', {
        AccessPoint: {
          Activated: true,
          APN: 'internet',
          IPType: 'ipv4v6',
          AuthProtocol: 'chap',
          CleartextCredentials: { Username: 'viz-user', Password: PASSWORD },
        },
      }),
      network('modem-b', 'wwan1', {
        RouteMetric: 5001,
        AccessPoint: { Activated: true, APN: 'iot', IPType: 'ipv4' },
      }),
    );
    await withAgentWorld({ modems: [modemA(), modemB()], config, args: ['--http', '0'] }, async (w) => {
      await w.waitStatus((s) => online('modem-a')(s) && online('modem-b')(s), 'both online');
      await w.settle();
      const url = String(w.logs.find((l) => l.msg === 'visualizer listening')?.url ?? '');
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/, 'loopback by default');
      // The server is on the namespace's loopback: read it from inside, with Python's standard library.
      const fetchIn = (path: string, method = 'GET') =>
        w.ns.exec('python3', [
          '-c',
          `import sys,urllib.request,urllib.error
req=urllib.request.Request(sys.argv[1], method=sys.argv[2])
try:
  r=urllib.request.urlopen(req, timeout=5); print(r.status); sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
  print(e.code)`,
          `${url}${path.replace(/^\//, '')}`,
          method,
        ]);
      const graph = fetchIn('/graph.json');
      assert.match(graph, /^200\n/);
      const g = JSON.parse(graph.slice(4)) as { items: { type: string; name: string; path?: string[] }[] };
      const clusters = new Set(g.items.map((i) => i.path?.[0]).filter(Boolean));
      assert.ok(clusters.has('modem-a') && clusters.has('modem-b'), [...clusters].join(','));
      const history = JSON.parse(fetchIn('/history.json').slice(4)) as { entries: { steps: string[] }[] };
      assert.ok(
        history.entries.some((e) => e.steps.some((s) => s.startsWith('create mm.connection/modem-a'))),
      );
      assert.match(fetchIn('/'), /^200\n/);
      assert.match(fetchIn('/graph.json', 'POST'), /^405/);
      for (const path of ['/', '/graph.json', '/history.json'])
        assert.ok(!fetchIn(path).includes(PASSWORD), `no password in ${path}`);
      // A reconcile while a client listens: it arrives as a `run` event.
      const listener = spawnIn(w.ns.name, 'python3', [
        '-c',
        `import sys,urllib.request
r=urllib.request.urlopen(sys.argv[1], timeout=20)
for line in r:
  line=line.decode()
  if line.startswith('data: '):
    print(line[6:].strip(), flush=True); break`,
        `${url}events`,
      ]);
      await new Promise((r) => setTimeout(r, 500));
      await w.writeConfig(
        cfgOf(
          network('modem-a', 'wwan0', {
            RouteMetric: 6000,
            AccessPoint: {
              Activated: true,
              APN: 'internet',
              IPType: 'ipv4v6',
              AuthProtocol: 'chap',
              CleartextCredentials: { Username: 'viz-user', Password: PASSWORD },
            },
          }),
          network('modem-b', 'wwan1', {
            RouteMetric: 5001,
            AccessPoint: { Activated: true, APN: 'iot', IPType: 'ipv4' },
          }),
        ),
      );
      const event = await listener;
      const e = JSON.parse(event.stdout) as { steps: string[] };
      assert.ok(e.steps.length > 0, event.stdout.slice(0, 200));
      assert.ok(!event.stdout.includes(PASSWORD));
    });
  });
});
