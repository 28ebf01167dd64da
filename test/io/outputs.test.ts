import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { OUTPUT_FILES, OutputWriter } from '../../src/io/outputs.js';
import type { WwanLocationInfo, WwanMetrics, WwanStatus } from '../../src/schemas/types.generated.js';

/** Records log calls, as the reconciler's Logger interface sees them. */
function recordingLog() {
  const calls: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void calls.push({ level, obj, msg });
  return { calls, log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mmagent-outputs-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const status = (key = 'zedagent'): WwanStatus => ({
  DPCKey: key,
  DPCTimestamp: '2026-11-24T09:41:07.123456789Z',
  RSConfigTimestamp: '0001-01-01T00:00:00Z',
  Networks: null,
});
const metrics: WwanMetrics = { Networks: null };
const location: WwanLocationInfo = {
  LogicalLabel: 'modem-1',
  Latitude: 48.1,
  Longitude: 11.5,
  Altitude: 520,
  HorizontalUncertainty: 5,
  VerticalUncertainty: 8,
  HorizontalReliability: 'high',
  VerticalReliability: 'medium',
  UTCTimestamp: 1795566857,
};

test('each output goes to its EVE file name, in Go JSON form, timestamps verbatim', async () => {
  await withDir(async (dir) => {
    const { calls, log } = recordingLog();
    const w = new OutputWriter(dir, log);
    assert.equal(await w.writeStatus(status()), 'written');
    assert.equal(await w.writeMetrics(metrics), 'written');
    assert.equal(await w.writeLocation(location), 'written');
    assert.equal(
      await readFile(join(dir, OUTPUT_FILES.status), 'utf8'),
      '{"DPCKey":"zedagent","DPCTimestamp":"2026-11-24T09:41:07.123456789Z","RSConfigTimestamp":"0001-01-01T00:00:00Z","Networks":null}',
    );
    assert.equal(await readFile(join(dir, 'WwanMetrics.json'), 'utf8'), '{"Networks":null}');
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'WwanLocationInfo.json'), 'utf8')), location);
    assert.equal(calls.length, 0);
  });
});

test('byte-identical content is not rewritten (mtime untouched); a change is', async () => {
  await withDir(async (dir) => {
    const w = new OutputWriter(dir);
    const path = join(dir, OUTPUT_FILES.status);
    await w.writeStatus(status());
    const before = await stat(path);
    assert.equal(await w.writeStatus(status()), 'unchanged');
    assert.equal((await stat(path)).ino, before.ino);
    assert.equal(await w.writeStatus(status('other')), 'written');
    assert.notEqual((await stat(path)).ino, before.ino);
  });
});

test('a file left by a previous run with the same bytes is not rewritten either', async () => {
  await withDir(async (dir) => {
    await new OutputWriter(dir).writeMetrics(metrics);
    const ino = (await stat(join(dir, OUTPUT_FILES.metrics))).ino;
    assert.equal(await new OutputWriter(dir).writeMetrics(metrics), 'unchanged');
    assert.equal((await stat(join(dir, OUTPUT_FILES.metrics))).ino, ino);
  });
});

test('a schema violation is logged with its paths and the file is still written', async () => {
  await withDir(async (dir) => {
    const { calls, log } = recordingLog();
    const w = new OutputWriter(dir, log);
    const bad = { ...location, HorizontalReliability: 'great' } as unknown as WwanLocationInfo;
    assert.equal(await w.writeLocation(bad), 'written');
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.level, 'error');
    assert.match(JSON.stringify(calls[0]!.obj), /\/HorizontalReliability/);
    assert.match(await readFile(join(dir, OUTPUT_FILES.location), 'utf8'), /"great"/);
  });
});

test('writes are serialized in call order, the value is taken at call time, idle() waits', async () => {
  await withDir(async (dir) => {
    const w = new OutputWriter(dir);
    const s = status('first');
    const results = [w.writeStatus(s), w.writeStatus(status('second')), w.writeStatus(status('second'))];
    s.DPCKey = 'mutated after the call';
    await w.idle();
    assert.deepEqual(await Promise.all(results), ['written', 'written', 'unchanged']);
    assert.match(await readFile(join(dir, OUTPUT_FILES.status), 'utf8'), /"second"/);
  });
});

test('a failed write is logged, never thrown, and retried on the next write', async () => {
  await withDir(async (dir) => {
    const { calls, log } = recordingLog();
    // The status dir is a file: nothing can be written under it.
    const blocked = join(dir, 'not-a-dir');
    await writeFile(blocked, '');
    const w = new OutputWriter(blocked, log);
    assert.equal(await w.writeMetrics(metrics), 'failed');
    assert.equal(calls.filter((c) => c.level === 'error').length, 1);
    const ok = new OutputWriter(join(dir, 'ok'), log);
    assert.equal(await ok.writeMetrics(metrics), 'written');
    await rm(blocked);
    assert.equal(await w.writeMetrics(metrics), 'written');
  });
});
