import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { USAGE } from '../../src/cli/usage.js';
import { detectConfigKind, runValidate } from '../../src/cli/validate.js';

const EXAMPLE_PATH = new URL('../../docs/examples/wwan-config.json', import.meta.url).pathname;
const EXAMPLE = readFileSync(EXAMPLE_PATH, 'utf8');

/** Runs `mmagent validate` with captured output. */
async function validate(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runValidate(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mmagent-validate-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the example WwanConfig is valid: exit 0', async () => {
  assert.deepEqual(await validate(EXAMPLE_PATH), { code: 0, stdout: 'valid WwanConfig\n', stderr: '' });
});

test('an invalid WwanConfig: every error as "<json path>: <message>", exit 1', async () => {
  await withDir(async (dir) => {
    const cfg = JSON.parse(EXAMPLE) as { Networks: Record<string, unknown>[]; RadioSilence: unknown };
    cfg.RadioSilence = 'yes';
    cfg.Networks[0]!.MTU = -1;
    (cfg.Networks[0]!.AccessPoint as Record<string, unknown>).IPType = 'ipv5';
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify(cfg));
    const r = await validate(file);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.deepEqual(lines.slice(0, -1).sort(), [
      '/Networks/0/AccessPoint/IPType: must be one of "", "ipv4", "ipv4v6", "ipv6"',
      "/Networks/0/MTU: must be 0 (the network's MTU) or from 68 to 65535",
      '/RadioSilence: must be boolean',
    ]);
    assert.equal(lines.at(-1), `${file}: invalid WwanConfig (3 errors)`);
    // Secrets in the file are never echoed in the findings.
    assert.doesNotMatch(r.stderr, /secret/);
  });
});

test('a global config is recognised by its keys and validated', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'global.json');
    await writeFile(
      file,
      JSON.stringify({
        GlobalSettings: {
          'timer.location.app.interval': { Key: 'timer.location.app.interval', ItemType: 1, IntValue: 60 },
        },
        AgentSettings: { wwan: { 'debug.loglevel': { ItemType: 3, StrValue: 'debug' } } },
      }),
    );
    assert.deepEqual(await validate(file), { code: 0, stdout: 'valid global config\n', stderr: '' });

    await writeFile(file, JSON.stringify({ AgentSettings: { wwan: { 'debug.loglevel': { ItemType: 9 } } } }));
    const bad = await validate(file);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /^\/AgentSettings\/wwan\/debug\.loglevel\/ItemType: must be one of 0, 1, 2, 3, 4$/m,
    );
    assert.match(bad.stderr, /invalid global config \(1 error\)/);
  });
});

test('a valid global config with values the agent would adjust: exit 0 with warnings', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'global.json');
    await writeFile(
      file,
      JSON.stringify({ GlobalSettings: { 'timer.location.app.interval': { ItemType: 1, IntValue: 1 } } }),
    );
    const r = await validate(file);
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout,
      'valid global config\nwarning: timer.location.app.interval: 1 is outside 5..3600; keeping 20\n',
    );
  });
});

test('unreadable file, bad JSON, neither kind: one line, exit 1', async () => {
  await withDir(async (dir) => {
    const missing = await validate(join(dir, 'nope.json'));
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `config file missing: ${join(dir, 'nope.json')}\n`);

    const sub = join(dir, 'a-dir');
    await mkdir(sub);
    const unreadable = await validate(sub);
    assert.equal(unreadable.code, 1);
    assert.equal(unreadable.stderr.split('\n').length, 2);
    assert.match(unreadable.stderr, /cannot read/);

    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{\n  "Networks": [,]\n}');
    const json = await validate(broken);
    assert.equal(json.code, 1);
    assert.equal(
      json.stderr,
      `invalid JSON in ${broken} at line 2 column 16: unexpected ',', expected a value\n`,
    );

    for (const [text, why] of [
      ['[1,2]', /not a JSON object/],
      ['null', /not a JSON object/],
      ['{"Foo":1}', /none of its keys \(Foo\)/],
      ['{"Networks":[],"GlobalSettings":{}}', /keys of both/],
    ] as const) {
      await writeFile(broken, text);
      const r = await validate(broken);
      assert.equal(r.code, 1, text);
      assert.match(r.stderr, why);
      assert.equal(r.stderr.split('\n').length, 2, 'one line');
    }
  });
});

test('usage errors and help', async () => {
  const none = await validate();
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^mmagent validate: missing argument FILE\n/);
  const two = await validate('a', 'b');
  assert.equal(two.code, 1);
  assert.deepEqual(await validate('--help'), { code: 0, stdout: `${USAGE.validate}\n`, stderr: '' });
});

test('kind detection by top-level keys', () => {
  assert.deepEqual(detectConfigKind({}), { kind: 'WwanConfig' });
  assert.deepEqual(detectConfigKind({ DPCKey: 'x' }), { kind: 'WwanConfig' });
  assert.deepEqual(detectConfigKind({ Networks: null, Extra: 1 }), { kind: 'WwanConfig' });
  assert.deepEqual(detectConfigKind({ GlobalSettings: null }), { kind: 'global config' });
  assert.deepEqual(detectConfigKind({ AgentSettings: {} }), { kind: 'global config' });
  assert.ok('error' in detectConfigKind('text'));
  assert.ok('error' in detectConfigKind({ Networks: [], AgentSettings: {} }));
});

test('hostile files: an error naming the file, exit 1 (no stack overflow, no U+FFFD)', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'hostile.json');
    const cases: [string | Buffer, RegExp][] = [
      ['['.repeat(200_000), /^invalid JSON in .* at line 1 column 200001: unexpected end of input/],
      [
        `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
        /^(\/0){32}: is nested more than 32 levels deep \(a config is less than 8\)\n.*: invalid config \(1 error\)\n$/,
      ],
      [Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), /^invalid UTF-8 in .* at byte 2/],
      ['{"DPCKey":"\\ud800"}', /^\/DPCKey: contains an unpaired UTF-16 surrogate/],
    ];
    for (const [content, why] of cases) {
      await writeFile(file, content);
      const r = await validate(file);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, why);
      assert.ok(r.stderr.includes(file), r.stderr);
      assert.doesNotMatch(r.stderr, /Maximum call stack/);
    }
  });
});
