/**
 * `mmagent plan` against golden outputs: every scenario of scenarios.ts, planned from the captured
 * snapshots in fixtures/, as text (golden/<name>.txt) and JSON (golden/<name>.json, also checked
 * against schemas/plan-output.schema.json); and every kind of bad input (golden/bad-<name>.txt: exit
 * code and stderr, with the temporary directory shown as <dir>).
 *
 * After an intended change of the output: `UPDATE_GOLDEN=1 node test/run-all.mjs test/cli`, then
 * `npx biome check --write test/cli/golden` (JSON goldens compare as data, but lint wants them
 * formatted), and read the diff of golden/ before committing it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { PlanCommand } from '../../src/cli/args.js';
import { runPlan } from '../../src/cli/plan.js';
import { runSnapshot } from '../../src/cli/snapshot.js';
import type { MmagentPlan } from '../../src/schemas/types.generated.js';
import { formatErrors, validateAgainst } from '../../src/schemas/validate.js';
import { configOf, netA, netB, SCENARIOS } from './scenarios.js';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
// Rewriting goldens in CI would turn every output change into a pass.
if (UPDATE && (process.env.CI === 'true' || process.env.CI === '1'))
  throw new Error('UPDATE_GOLDEN=1 is refused under CI: goldens are updated by a person, then reviewed');
const here = (p: string) => new URL(p, import.meta.url).pathname;
const fixture = (name: string) => here(`fixtures/${name}.json`);
const dir = mkdtempSync(join(tmpdir(), 'mmagent-plan-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function golden(file: string, actual: string): void {
  const path = here(`golden/${file}`);
  if (UPDATE) {
    mkdirSync(here('golden'), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(path, 'utf8');
  } catch {
    assert.fail(`golden/${file} is missing: run with UPDATE_GOLDEN=1`);
  }
  // JSON goldens compare as data: `npm run lint` formats them with biome after an update.
  if (file.endsWith('.json'))
    assert.deepEqual(JSON.parse(actual), JSON.parse(expected), `output differs from golden/${file}`);
  else assert.equal(actual, expected, `output differs from golden/${file} (UPDATE_GOLDEN=1 to accept)`);
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function plan(
  args: Partial<PlanCommand> & { config: string },
  opts: { tty?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => (stdout += s), isTTY: opts.tty ?? false },
    stderr: { write: (s: string) => (stderr += s) },
  };
  const cmd: PlanCommand = {
    command: 'plan',
    snapshot: undefined,
    globalConfig: undefined,
    output: 'text',
    detailedExitcode: false,
    noColor: false,
    resolvDir: join(dir, 'resolv'),
    ...args,
  };
  const code = await runPlan(cmd, io, { env: opts.env ?? {} });
  return { code, stdout, stderr };
}

function writeConfig(name: string, value: unknown): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
}

const noStack = (r: Run) => assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at /, 'no stack trace');

describe('plan scenarios (golden)', () => {
  for (const s of SCENARIOS) {
    test(`${s.name}: ${s.what}`, async () => {
      const config = writeConfig(s.name, s.config);
      const text = await plan({ config, snapshot: fixture(s.snapshot), detailedExitcode: true });
      assert.equal(text.stderr, '');
      golden(`${s.name}.txt`, text.stdout);

      const json = await plan({
        config,
        snapshot: fixture(s.snapshot),
        output: 'json',
        detailedExitcode: true,
      });
      const doc = JSON.parse(json.stdout) as MmagentPlan;
      const v = validateAgainst('plan-output.schema.json', doc);
      assert.ok(v.ok, v.ok ? '' : formatErrors(v.errors));
      golden(`${s.name}.json`, json.stdout);

      // Text and JSON are the same plan; the exit code says whether it changes anything.
      assert.ok(text.stdout.trimEnd().endsWith(doc.summaryLine));
      assert.equal(text.code, doc.changes ? 2 : 0);
      assert.equal(json.code, text.code);
      // Without --detailed-exitcode a successful plan is 0, changes or not.
      assert.equal((await plan({ config, snapshot: fixture(s.snapshot) })).code, 0);
      // Passwords never show, nor the digest that stands for them.
      for (const out of [text.stdout, json.stdout]) {
        assert.doesNotMatch(out, /hunter2|rotated-2027|[0-9a-f]{16}/);
      }
    });
  }

  test('the summary lines say what each scenario does', async () => {
    const lines: Record<string, string> = {};
    for (const s of SCENARIOS) {
      const r = await plan({ config: writeConfig(s.name, s.config), snapshot: fixture(s.snapshot) });
      lines[s.name] = r.stdout.trimEnd().split('\n').pop() ?? '';
    }
    assert.deepEqual(lines, {
      identical: 'No changes.',
      'apn-change': 'Plan: 0 to create, 0 to modify, 7 to recreate, 0 to delete.',
      'mtu-only': 'Plan: 0 to create, 1 to modify, 0 to recreate, 0 to delete.',
      'metric-only': 'Plan: 0 to create, 2 to modify, 0 to recreate, 0 to delete.',
      'sim-slot': 'Plan: 0 to create, 0 to modify, 8 to recreate, 0 to delete.',
      credentials: 'Plan: 0 to create, 0 to modify, 5 to recreate, 0 to delete.',
      'radio-silence-on': 'Plan: 0 to create, 2 to modify, 0 to recreate, 12 to delete.',
      'radio-silence-off': 'Plan: 2 to create, 4 to modify, 0 to recreate, 0 to delete.',
      'modem-added': 'Plan: 1 to create, 2 to modify, 0 to recreate, 0 to delete.',
      'modem-removed': 'Plan: 0 to create, 1 to modify, 0 to recreate, 5 to delete.',
      'modem-not-found': 'No changes. (4 pending)',
    });
  });

  test('the JSON carries the RFC 6902 patch of a change and hides credentials', async () => {
    const s = SCENARIOS.find((x) => x.name === 'credentials')!;
    const r = await plan({
      config: writeConfig('cred', s.config),
      snapshot: fixture(s.snapshot),
      output: 'json',
    });
    const doc = JSON.parse(r.stdout) as MmagentPlan;
    const conn = doc.steps.find((x) => x.type === 'mm.connection' && x.phase === 'delete')!;
    assert.equal(conn.modem, 'modem-b');
    assert.deepEqual(conn.sensitive, ['/credentials']);
    assert.deepEqual(
      conn.patch?.map((p) => [p.op, p.path, p.value]),
      [
        ['replace', '/user', 'fleet-2027'],
        ['replace', '/credentials', '[redacted]'],
      ],
    );
    const mtu = SCENARIOS.find((x) => x.name === 'mtu-only')!;
    const m = JSON.parse(
      (
        await plan({
          config: writeConfig('mtu', mtu.config),
          snapshot: fixture(mtu.snapshot),
          output: 'json',
        })
      ).stdout,
    ) as MmagentPlan;
    assert.deepEqual(
      m.steps.map((x) => [x.op, x.type, x.name, x.patch]),
      [['modify', 'net.link', 'wwan0', [{ op: 'replace', path: '/mtu', value: 1400 }]]],
    );
    assert.deepEqual(
      m.modems.map((g) => [g.name, g.status, g.steps.length]),
      [
        ['modem-a', 'managed', 1],
        ['modem-b', 'managed', 0],
      ],
    );
  });
});

describe('colour', () => {
  const config = () => writeConfig('colour', configOf([netA({ MTU: 1400 })]));
  // ESC, spelled out: biome forbids control characters in regular expressions.
  const ESC = String.fromCharCode(27);
  test('only on a terminal, never with --no-color or NO_COLOR', async () => {
    const snapshot = fixture('only-a-configured');
    const tty = (await plan({ config: config(), snapshot }, { tty: true })).stdout;
    assert.ok(tty.includes(`${ESC}[33m  ~ net.link/wwan0`), tty);
    for (const out of [
      (await plan({ config: config(), snapshot }, { tty: false })).stdout,
      (await plan({ config: config(), snapshot, noColor: true }, { tty: true })).stdout,
      (await plan({ config: config(), snapshot }, { tty: true, env: { NO_COLOR: '1' } })).stdout,
    ])
      assert.ok(!out.includes(ESC));
  });
});

describe('bad input: one line, exit 1, never a stack trace (golden)', () => {
  const snapshotText = readFileSync(fixture('both-connected'), 'utf8');
  const snap = () =>
    JSON.parse(snapshotText) as Record<string, unknown> & { kernel: { items: { spec: object }[] } };
  const good = () => writeConfig('good', configOf([netA()]));
  const cases: Record<string, () => Partial<PlanCommand> & { config: string }> = {
    'config-missing': () => ({ config: join(dir, 'no-such-config.json') }),
    'config-not-json': () => ({
      config: writeConfig('not-json', '{"Networks": [\n  {"LogicalLabel": "a",}\n]}'),
    }),
    'config-invalid': () => ({
      config: writeConfig(
        'invalid',
        configOf([netA({ MTU: 70000, AccessPoint: { IPType: 'ipv5' as 'ipv4' } })]),
      ),
    }),
    'snapshot-missing': () => ({ config: good(), snapshot: join(dir, 'no-such-snapshot.json') }),
    'snapshot-unreadable': () => ({ config: good(), snapshot: dir }),
    'snapshot-not-json': () => ({
      config: good(),
      snapshot: writeConfig('snap-not-json', snapshotText.slice(0, 200)),
    }),
    'snapshot-malformed': () => {
      const s = snap();
      delete s.modemManager;
      (s.kernel.items[0]!.spec as { mtu?: unknown }).mtu = 'big';
      return { config: good(), snapshot: writeConfig('snap-malformed', s) };
    },
    'snapshot-newer': () => ({
      config: good(),
      snapshot: writeConfig('snap-newer', { ...snap(), schemaVersion: 2, somethingNew: {} }),
    }),
    'snapshot-bad-item': () => {
      const s = snap();
      (s.kernel.items[3]!.spec as { gateway?: string }).gateway = '10.64.64.999';
      return { config: good(), snapshot: writeConfig('snap-bad-item', s) };
    },
    'config-is-global-config': () => ({
      config: writeConfig('global-as-wwan', {
        GlobalSettings: { 'debug.default.loglevel': { StrValue: 'info' } },
      }),
      snapshot: fixture('both-connected'),
    }),
    'global-config-invalid': () => ({
      config: good(),
      snapshot: fixture('both-connected'),
      globalConfig: writeConfig('global', { GlobalSettings: { 'wwan.query.visible.providers': 'yes' } }),
    }),
  };
  for (const [name, args] of Object.entries(cases)) {
    test(name, async () => {
      const r = await plan(args());
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      noStack(r);
      assert.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
      golden(`bad-${name}.txt`, `exit ${r.code}\n${r.stderr.replaceAll(dir, '<dir>')}`);
    });
  }

  test('ModemManager out of reach: one line, exit 1 (plan and snapshot)', async () => {
    const live = { busAddress: `unix:path=${join(dir, 'no-bus')}` };
    let err = '';
    const io = { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) } };
    const cmd: PlanCommand = {
      command: 'plan',
      config: good(),
      snapshot: undefined,
      globalConfig: undefined,
      output: 'text',
      detailedExitcode: true,
      noColor: true,
      resolvDir: dir,
    };
    assert.equal(await runPlan(cmd, io, { live }), 1);
    assert.equal(
      await runSnapshot({ command: 'snapshot', output: undefined, resolvDir: dir }, io, { live }),
      1,
    );
    assert.deepEqual(err.replaceAll(dir, '<dir>').split('\n'), [
      'mmagent plan: cannot read ModemManager on unix:path=<dir>/no-bus: connect ENOENT <dir>/no-bus',
      'mmagent snapshot: cannot read ModemManager on unix:path=<dir>/no-bus: connect ENOENT <dir>/no-bus',
      '',
    ]);
  });
});

describe('a modem whose desired state cannot be built', () => {
  test('is left as it is, with a warning; the other modem is planned as usual', async () => {
    const s = JSON.parse(readFileSync(fixture('both-connected'), 'utf8')) as {
      modemManager: { objects: Record<string, Record<string, { Ip4Config?: { prefix?: number } }>> };
    };
    const bearer = s.modemManager.objects['/org/freedesktop/ModemManager1/Bearer/0']!;
    bearer['org.freedesktop.ModemManager1.Bearer']!.Ip4Config!.prefix = 99;
    const snapshot = writeConfig('snap-bad-prefix', s);
    const r = await plan({ config: writeConfig('both', configOf([netA(), netB({ MTU: 1400 })])), snapshot });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /modem-a: cannot build its desired state \(prefix length 99 .*\); its items are left as they are/,
    );
    assert.match(r.stdout, /# modem-a .*: no changes/);
    assert.match(r.stdout, /~ net\.link\/wwan1/, 'modem-b is planned');
  });
});
