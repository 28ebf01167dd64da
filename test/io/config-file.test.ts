import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  type ConfigFileError,
  invalidUtf8Offset,
  parseConfigBytes,
  readConfigFileOnce,
  watchConfigFile,
  watchGlobalConfigFile,
} from '../../src/io/config-file.js';
import type { WwanConfig } from '../../src/schemas/types.generated.js';
import { validateGlobalConfig, validateWwanConfig } from '../../src/schemas/validate.js';
import { FakeClock } from '../reconciler/harness.js';

const EXAMPLE = readFileSync(new URL('../../docs/examples/wwan-config.json', import.meta.url), 'utf8');
/** A valid config whose DPCKey tells versions apart. */
const version = (key: string) => JSON.stringify({ ...(JSON.parse(EXAMPLE) as WwanConfig), DPCKey: key });

/** Long enough for inotify + debounce on a loaded CI machine; only reached when a test fails. */
const TIMEOUT_MS = 5000;
/** How long "nothing happens" is watched for: well above the debounce used in these tests (20 ms). */
const QUIET_MS = 250;

type Event = { kind: 'config'; cfg: WwanConfig; raw: string } | { kind: 'error'; err: ConfigFileError };

/** Collects watcher events; next() waits for the next one, with a timeout. */
function events() {
  const queue: Event[] = [];
  let wake: (() => void) | undefined;
  const push = (e: Event) => {
    queue.push(e);
    wake?.();
  };
  return {
    onConfig: (cfg: WwanConfig, raw: string) => push({ kind: 'config', cfg, raw }),
    onError: (err: ConfigFileError) => push({ kind: 'error', err }),
    async next(timeoutMs = TIMEOUT_MS): Promise<Event> {
      const deadline = Date.now() + timeoutMs;
      while (queue.length === 0) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('timed out waiting for a watcher event');
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wake = undefined;
      }
      return queue.shift()!;
    },
    async config(): Promise<WwanConfig> {
      const e = await this.next();
      assert.equal(e.kind, 'config', `expected a config, got ${JSON.stringify(e)}`);
      return (e as Extract<Event, { kind: 'config' }>).cfg;
    },
    async error(): Promise<ConfigFileError> {
      const e = await this.next();
      assert.equal(e.kind, 'error', `expected an error, got ${JSON.stringify(e)}`);
      return (e as Extract<Event, { kind: 'error' }>).err;
    },
    /** Asserts that nothing is reported for QUIET_MS. */
    async quiet(): Promise<void> {
      await new Promise((r) => setTimeout(r, QUIET_MS));
      assert.deepEqual(queue, []);
    },
    pending: () => queue.length,
  };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mmagent-config-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Starts a watch on `file`, runs `fn`, and always stops the watch. */
async function watching(
  file: string,
  fn: (ev: ReturnType<typeof events>) => Promise<void>,
  pollMs = 0,
): Promise<void> {
  const ev = events();
  const ac = new AbortController();
  const w = watchConfigFile(file, { ...ev, signal: ac.signal, debounceMs: 20, pollMs });
  try {
    await w.ready;
    await fn(ev);
  } finally {
    ac.abort();
  }
}

/** Replaces a file the way EVE, editors and `mv` do: write a temporary file, rename it over. */
async function replace(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${Math.random().toString(16).slice(2)}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

test('reports the config at start, then every atomic replace (the watch survives renames)', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'wwan.json');
    await writeFile(file, version('v1'));
    await watching(file, async (ev) => {
      assert.equal((await ev.config()).DPCKey, 'v1');
      for (const v of ['v2', 'v3', 'v4']) {
        await replace(file, version(v));
        assert.equal((await ev.config()).DPCKey, v);
      }
    });
  });
});

test('in-place writes are reported; a burst is coalesced into its final content', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'wwan.json');
    await writeFile(file, version('v1'));
    await watching(file, async (ev) => {
      await ev.config();
      await writeFile(file, version('v2'));
      assert.equal((await ev.config()).DPCKey, 'v2');
      for (let i = 3; i <= 10; i++) await writeFile(file, version(`v${i}`));
      // Whatever was read mid-burst, the last report is the last content.
      let last: Event;
      do last = await ev.next();
      while (last.kind !== 'config' || last.cfg.DPCKey !== 'v10');
      await ev.quiet();
    });
  });
});

test('unchanged bytes are not reported again, nor are other files in the directory', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'wwan.json');
    await writeFile(file, version('v1'));
    await watching(file, async (ev) => {
      await ev.config();
      await writeFile(file, version('v1'));
      await replace(file, version('v1'));
      await writeFile(join(dir, 'other.json'), version('other'));
      await replace(join(dir, 'another.json'), version('another'));
      await ev.quiet();
      // The watch is still alive: a real change comes through, and is the next event.
      await replace(file, version('v2'));
      assert.equal((await ev.config()).DPCKey, 'v2');
    });
  });
});

test('a deleted file is an error event, once; the same content coming back is reported again', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'wwan.json');
    await writeFile(file, version('v1'));
    await watching(file, async (ev) => {
      await ev.config();
      await unlink(file);
      const err = await ev.error();
      assert.equal(err.kind, 'missing');
      assert.match(err.message, /config file missing/);
      assert.equal(err.file, file);
      // Activity in the directory does not repeat the error.
      await writeFile(join(dir, 'unrelated'), 'x');
      await ev.quiet();
      // Restoring the very same bytes tells the agent the error is over.
      await writeFile(file, version('v1'));
      assert.equal((await ev.config()).DPCKey, 'v1');
    });
  });
});

test('invalid JSON: an error with line and column; the fix is reported', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'wwan.json');
    await writeFile(file, version('v1'));
    await watching(file, async (ev) => {
      await ev.config();
      await replace(file, '{\n  "DPCKey": "x",\n  "Networks": [\n    ,\n  ]\n}\n');
      const err = await ev.error();
      assert.equal(err.kind, 'json');
      assert.equal(err.line, 4);
      assert.equal(err.column, 5);
      assert.match(err.message, /invalid JSON in .*wwan\.json at line 4 column 5: unexpected ','/);
      assert.doesNotMatch(err.message, /\n/);
      await replace(file, version('v2'));
      assert.equal((await ev.config()).DPCKey, 'v2');
    });
  });
});

test('schema errors: every failing field by JSON path, in one line and as a list', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'wwan.json');
    await writeFile(file, version('v1'));
    await watching(file, async (ev) => {
      await ev.config();
      const bad = JSON.parse(version('bad')) as {
        Networks: { MTU: unknown; AccessPoint: { IPType: unknown } }[];
      };
      bad.Networks[0]!.MTU = 'big';
      bad.Networks[0]!.AccessPoint.IPType = 'ipv5';
      await replace(file, JSON.stringify(bad));
      const err = await ev.error();
      assert.equal(err.kind, 'schema');
      assert.deepEqual(err.errors.map((e) => e.path).sort(), [
        '/Networks/0/AccessPoint/IPType',
        '/Networks/0/MTU',
      ]);
      assert.match(err.message, /\/Networks\/0\/MTU: must be integer/);
      assert.doesNotMatch(err.message, /\n/);
    });
  });
});

test('missing at start, then created; a missing directory is picked up by the poll', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'wwan.json');
    await watching(file, async (ev) => {
      assert.equal((await ev.error()).kind, 'missing');
      await replace(file, version('v1'));
      assert.equal((await ev.config()).DPCKey, 'v1');
    });
    const nested = join(dir, 'later', 'wwan.json');
    await watching(
      nested,
      async (ev) => {
        assert.equal((await ev.error()).kind, 'missing');
        await mkdir(join(dir, 'later'));
        await writeFile(nested, version('v2'));
        assert.equal((await ev.config()).DPCKey, 'v2');
        // Now watched by inotify: changes come through.
        await replace(nested, version('v3'));
        assert.equal((await ev.config()).DPCKey, 'v3');
      },
      100,
    );
  });
});

test('a directory deleted and re-created under the watch is watched again (poll)', async () => {
  await withDir(async (dir) => {
    const sub = join(dir, 'cfg');
    await mkdir(sub);
    const file = join(sub, 'wwan.json');
    await writeFile(file, version('v1'));
    await watching(
      file,
      async (ev) => {
        await ev.config();
        await rm(sub, { recursive: true });
        assert.equal((await ev.error()).kind, 'missing');
        await mkdir(sub);
        await writeFile(file, version('v2'));
        assert.equal((await ev.config()).DPCKey, 'v2');
        await replace(file, version('v3'));
        assert.equal((await ev.config()).DPCKey, 'v3');
      },
      100,
    );
  });
});

test('an unreadable path is an error, never an exception', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'wwan.json');
    await mkdir(file);
    await watching(file, async (ev) => {
      const err = await ev.error();
      assert.equal(err.kind, 'unreadable');
      assert.match(err.message, /not a regular file/);
    });
  });
});

test('a throwing onConfig becomes an error event; the watch goes on', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'wwan.json');
    await writeFile(file, version('v1'));
    const ev = events();
    const ac = new AbortController();
    let calls = 0;
    const w = watchConfigFile(file, {
      onConfig: (cfg, raw) => {
        calls++;
        if (cfg.DPCKey === 'v1') throw new Error('boom');
        ev.onConfig(cfg, raw);
      },
      onError: ev.onError,
      signal: ac.signal,
      debounceMs: 20,
      pollMs: 0,
    });
    try {
      await w.ready;
      const err = await ev.error();
      assert.equal(err.kind, 'handler');
      assert.match(err.message, /boom/);
      await replace(file, version('v2'));
      assert.equal((await ev.config()).DPCKey, 'v2');
      assert.equal(calls, 2);
    } finally {
      ac.abort();
    }
  });
});

test('after abort nothing is reported', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'wwan.json');
    await writeFile(file, version('v1'));
    const ev = events();
    const ac = new AbortController();
    const w = watchConfigFile(file, { ...ev, signal: ac.signal, debounceMs: 20, pollMs: 50 });
    await w.ready;
    await ev.config();
    ac.abort();
    await replace(file, version('v2'));
    await unlink(file);
    await ev.quiet();
  });
});

/** Waits (bounded) until `cond` holds: for what a watch does after a real file event. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + TIMEOUT_MS;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A watch on the fake clock: nothing waits on a real timer, so its schedule can be asserted. */
async function watchingOnClock(
  file: string,
  fn: (ev: ReturnType<typeof events>, clock: FakeClock) => Promise<void>,
  opts: { debounceMs?: number; pollMs?: number } = {},
): Promise<void> {
  const ev = events();
  const clock = new FakeClock();
  const ac = new AbortController();
  const w = watchConfigFile(file, { ...ev, signal: ac.signal, clock, debounceMs: 50, pollMs: 5000, ...opts });
  try {
    await w.ready;
    await fn(ev, clock);
  } finally {
    ac.abort();
  }
}

test('a change is read at once: no wait on any timer before a valid config is reported', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'wwan.json');
    await writeFile(file, version('v1'));
    // The fake clock never moves, and a debounce this long would outlast the test's wait.
    await watchingOnClock(
      file,
      async (ev, clock) => {
        assert.equal((await ev.config()).DPCKey, 'v1');
        await replace(file, version('v2'));
        assert.equal((await ev.config()).DPCKey, 'v2');
        await writeFile(file, version('v3'));
        let e: Event;
        do e = await ev.next();
        while (e.kind !== 'config' || e.cfg.DPCKey !== 'v3');
        assert.deepEqual(clock.dueTimes, [], 'no timer left behind');
      },
      { debounceMs: 60_000 },
    );
  });
});

test('nothing polls while the watch is up; a deleted directory is retried every pollMs until it is back', async () => {
  await withDir(async (dir) => {
    const sub = join(dir, 'cfg');
    await mkdir(sub);
    const file = join(sub, 'wwan.json');
    await writeFile(file, version('v1'));
    await watchingOnClock(file, async (ev, clock) => {
      await ev.config();
      // An idle agent must not wake up: no timer at all while the watch is up.
      assert.deepEqual(clock.dueTimes, []);
      await rm(sub, { recursive: true });
      // The missing file is held for debounceMs (a replace in progress looks the same for a moment).
      await until(() => clock.dueTimes.length === 2, 'the held error and the retry');
      assert.deepEqual(clock.dueTimes, [50, 5000], 'the held error and the retry of the watch');
      await clock.advance(50);
      assert.equal((await ev.error()).kind, 'missing');
      await mkdir(sub);
      await writeFile(file, version('v2'));
      await clock.advance(4950);
      assert.equal((await ev.config()).DPCKey, 'v2');
      assert.deepEqual(clock.dueTimes, [], 'watched again: the retries stopped');
      await replace(file, version('v3'));
      assert.equal((await ev.config()).DPCKey, 'v3');
    });
  });
});

test('a half-written file is not reported when the rest follows before debounceMs', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'wwan.json');
    await writeFile(file, version('v1'));
    await watchingOnClock(file, async (ev, clock) => {
      await ev.config();
      const text = version('v2');
      // truncate + write in two parts, as a writer that does not replace atomically.
      const fh = await open(file, 'w');
      await fh.write(text.slice(0, 40));
      await fh.sync();
      // The read of the half file holds its error on the (frozen) clock instead of reporting it.
      await until(() => clock.dueTimes.length === 1, 'the held error');
      await fh.write(text.slice(40));
      await fh.close();
      assert.equal((await ev.config()).DPCKey, 'v2');
      assert.deepEqual(clock.dueTimes, [], 'the held error was dropped');
      await clock.advance(1000);
      await ev.quiet();
    });
  });
});

test('a half-written file that stays so is reported after debounceMs, once', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'wwan.json');
    await writeFile(file, version('v1'));
    await watchingOnClock(file, async (ev, clock) => {
      await ev.config();
      await writeFile(file, version('v2').slice(0, 40));
      await until(() => clock.dueTimes.length === 1, 'the held error');
      assert.equal(ev.pending(), 0, 'held, not reported yet');
      await clock.advance(50);
      assert.equal((await ev.error()).kind, 'json');
      await clock.advance(1000);
      await ev.quiet();
    });
  });
});

test('the raw text is passed along with the parsed config', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'wwan.json');
    await writeFile(file, EXAMPLE);
    await watching(file, async (ev) => {
      const e = await ev.next();
      assert.equal(e.kind, 'config');
      assert.equal((e as Extract<Event, { kind: 'config' }>).raw, EXAMPLE);
    });
  });
});

test('the global config watcher validates a ConfigItemValueMap', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'global.json');
    await writeFile(
      file,
      JSON.stringify({ GlobalSettings: { 'timer.location.app.interval': { IntValue: 60 } } }),
    );
    const seen: unknown[] = [];
    const errors: ConfigFileError[] = [];
    const ac = new AbortController();
    let wake: (() => void) | undefined;
    const w = watchGlobalConfigFile(file, {
      onConfig: (cfg) => {
        seen.push(cfg);
        wake?.();
      },
      onError: (e) => {
        errors.push(e);
        wake?.();
      },
      signal: ac.signal,
      debounceMs: 20,
      pollMs: 0,
    });
    try {
      await w.ready;
      assert.equal(seen.length, 1);
      const next = new Promise<void>((r) => {
        wake = r;
      });
      await replace(file, JSON.stringify({ GlobalSettings: { x: { IntValue: -1 } } }));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out waiting for a watcher event')), TIMEOUT_MS);
      });
      await Promise.race([next, timeout]).finally(() => clearTimeout(timer));
      assert.equal(errors.length, 1);
      assert.equal(errors[0]!.kind, 'schema');
      assert.deepEqual(
        errors[0]!.errors.map((e) => e.path),
        ['/GlobalSettings/x/IntValue'],
      );
    } finally {
      ac.abort();
    }
  });
});

test('readConfigFileOnce: value, or a typed failure for every kind of bad input', async () => {
  await withDir(async (dir) => {
    const good = join(dir, 'good.json');
    await writeFile(good, EXAMPLE);
    const ok = await readConfigFileOnce(good, validateWwanConfig);
    assert.ok(ok.ok);
    assert.equal(ok.value.Networks?.[0]?.LogicalLabel, 'modem-1');
    assert.equal(ok.raw, EXAMPLE);

    const missing = await readConfigFileOnce(join(dir, 'nope.json'), validateWwanConfig);
    assert.ok(!missing.ok);
    assert.equal(missing.kind, 'missing');
    assert.deepEqual(missing.errors, [{ path: '', message: missing.message }]);

    const notJson = join(dir, 'bad.json');
    await writeFile(notJson, '{"a": }');
    const j = await readConfigFileOnce(notJson, validateWwanConfig);
    assert.ok(!j.ok);
    assert.equal(j.kind, 'json');
    assert.equal(j.line, 1);
    assert.equal(j.column, 7);

    const schema = join(dir, 'schema.json');
    await writeFile(schema, JSON.stringify({ RadioSilence: 'yes' }));
    const s = await readConfigFileOnce(schema, validateWwanConfig);
    assert.ok(!s.ok);
    assert.equal(s.kind, 'schema');
    assert.deepEqual(s.errors, [{ path: '/RadioSilence', message: 'must be boolean' }]);

    const big = join(dir, 'big.json');
    await writeFile(big, `{"DPCKey":"${'x'.repeat(2000)}"}`);
    const b = await readConfigFileOnce(big, validateGlobalConfig, 1000);
    assert.ok(!b.ok);
    assert.equal(b.kind, 'unreadable');
  });
});

test('bytes that are not UTF-8 are an error with their offset, never replaced by U+FFFD', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'latin1.json');
    await writeFile(
      file,
      Buffer.concat([Buffer.from('{"DPCKey":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]),
    );
    const r = await readConfigFileOnce(file, validateWwanConfig);
    assert.ok(!r.ok);
    assert.equal(r.kind, 'json');
    assert.equal(r.message, `invalid UTF-8 in ${file} at byte 14: a config file is UTF-8 text`);
    // The watcher reads through the same path.
    await watching(file, async (ev) => {
      assert.match((await ev.error()).message, /invalid UTF-8 .* at byte 14/);
    });
  });
  for (const [bytes, at] of [
    [[0x7b, 0xc0, 0x80, 0x7d], 1], // overlong NUL
    [[0x22, 0xed, 0xa0, 0x80, 0x22], 1], // an encoded surrogate (CESU-8)
    [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
    [[0x22, 0xe2, 0x82], 1], // truncated
    [[0x22, 0xe2, 0x82, 0xac, 0x22], undefined], // the euro sign
  ] as const) {
    assert.equal(invalidUtf8Offset(Uint8Array.from(bytes)), at, bytes.join(' '));
  }
  // A BOM is not silently skipped: the JSON error names it, as Go's encoding/json refuses it.
  const bom = parseConfigBytes('f.json', Buffer.from('\ufeff{}'), validateWwanConfig);
  assert.ok(!bom.ok);
  assert.match(bom.message, /byte order mark/);
});

test('invalidUtf8Offset agrees with the strict TextDecoder on any bytes', () => {
  const strict = new TextDecoder('utf-8', { fatal: true });
  const nearUtf8 = fc.array(
    fc.oneof(
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom(0x80, 0xbf, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xa0, 0x9f, 0x90, 0x8f),
    ),
    { maxLength: 24 },
  );
  fc.assert(
    fc.property(
      fc.oneof(
        nearUtf8,
        fc.string({ unit: 'binary' }).map((s) => [...Buffer.from(s)]),
      ),
      (bytes) => {
        const b = Uint8Array.from(bytes);
        let valid = true;
        try {
          strict.decode(b);
        } catch {
          valid = false;
        }
        const at = invalidUtf8Offset(b);
        assert.equal(at === undefined, valid);
        if (at !== undefined) {
          // Everything before the offset decodes; the sequence starting there does not.
          strict.decode(b.subarray(0, at));
          assert.throws(() => strict.decode(b.subarray(0, Math.min(b.length, at + 4))));
        }
      },
    ),
    { numRuns: 3000, seed: 20261124 },
  );
});

test('hostile nesting: the file is named, the agent is not crashed', async () => {
  await withDir(async (dir) => {
    const open = join(dir, 'open.json');
    await writeFile(open, '['.repeat(200_000));
    const j = await readConfigFileOnce(open, validateWwanConfig);
    assert.ok(!j.ok);
    assert.equal(j.kind, 'json');
    assert.equal(
      j.message,
      `invalid JSON in ${open} at line 1 column 200001: unexpected end of input, expected a value (200000 nested arrays or objects left open)`,
    );

    const closed = join(dir, 'closed.json');
    await writeFile(closed, `{"Networks":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`);
    // Whatever validator a caller passes, the nesting is bounded before it runs.
    let called = false;
    const s = await readConfigFileOnce(closed, (v) => {
      called = true;
      return { ok: true, value: v };
    });
    assert.ok(!s.ok);
    assert.equal(called, false);
    assert.equal(s.kind, 'schema');
    assert.equal(s.errors.length, 1);
    assert.match(
      s.message,
      new RegExp(`^invalid config in ${closed}: /Networks(/0){31}: is nested more than 32 levels deep`),
    );
  });
});

test('a global config where a WwanConfig is expected is an error for the watcher, and the other way round', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'wwan.json');
    await writeFile(file, JSON.stringify({ GlobalSettings: {}, AgentSettings: {} }));
    await watching(file, async (ev) => {
      const err = await ev.error();
      assert.equal(err.kind, 'schema');
      assert.deepEqual(err.errors, [
        { path: '', message: 'is a global config (it has GlobalSettings, AgentSettings), not a WwanConfig' },
      ]);
    });
    const global = join(dir, 'global.json');
    await writeFile(global, EXAMPLE);
    const errors: ConfigFileError[] = [];
    const ac = new AbortController();
    const w = watchGlobalConfigFile(global, {
      onConfig: () => assert.fail('a WwanConfig was accepted as a global config'),
      onError: (e) => errors.push(e),
      signal: ac.signal,
      debounceMs: 20,
      pollMs: 0,
    });
    try {
      await w.ready;
      assert.equal(errors.length, 1);
      assert.match(
        errors[0]!.message,
        /is a WwanConfig \(it has DPCKey, DPCTimestamp, RSConfigTimestamp, RadioSilence, Networks\), not a global config/,
      );
    } finally {
      ac.abort();
    }
  });
});
