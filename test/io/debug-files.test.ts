import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type WriteOptions, writeFileAtomic } from '../../src/io/atomic-write.js';
import {
  createStatusWriters,
  DebugFileWriter,
  GRAPH_FILES,
  type StatusGate,
} from '../../src/io/debug-files.js';
import { OUTPUT_FILES, OutputWriter } from '../../src/io/outputs.js';

function recordingLog() {
  const calls: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void calls.push({ level, obj, msg });
  return { calls, log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mmagent-debug-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A status gate the test opens and closes by hand. */
class ManualGate implements StatusGate {
  failing = false;
  private busy: Promise<void> = Promise.resolve();
  private release: (() => void) | undefined;
  private readonly listeners = new Set<() => void>();
  hold(): void {
    this.busy = new Promise((r) => {
      this.release = r;
    });
  }
  open(): void {
    this.release?.();
  }
  idle(): Promise<void> {
    return this.busy;
  }
  onRecovered(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  recover(): void {
    this.failing = false;
    for (const fn of [...this.listeners]) fn();
  }
  get subscribers(): number {
    return this.listeners.size;
  }
}

/** Records the debug writes (name and content) and performs them. */
function recordingWrite() {
  const writes: string[] = [];
  const fn = async (path: string, data: string, opts: WriteOptions) => {
    writes.push(`${path.slice(path.lastIndexOf('/') + 1)}=${data}`);
    await writeFileAtomic(path, data, opts);
  };
  return { writes, fn };
}

const enospc = () => Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
const plenty = async () => 1 << 30;

test('only the newest content per name is written, after the pending status writes, with mode 0600', async () => {
  await withDir(async (dir) => {
    const gate = new ManualGate();
    const { writes, fn } = recordingWrite();
    const d = new DebugFileWriter(dir, { statusFirst: gate, writeFile: fn, freeBytes: plenty });
    gate.hold();
    d.write('a.json', '1');
    d.write('b.dot', 'x');
    d.write('a.json', '2');
    d.write('a.json', '3');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(writes, [], 'nothing before the status is done');
    gate.open();
    await d.idle();
    assert.deepEqual(writes, ['b.dot=x', 'a.json=3']);
    assert.equal((await stat(join(dir, 'a.json'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'b.dot'))).mode & 0o777, 0o600);
    d.write('a.json', '3');
    await d.idle();
    assert.equal(writes.length, 2, 'the same content is not rewritten');
  });
});

test('while the status is failing no debug file is written; idle() does not wait; they follow the recovery', async () => {
  await withDir(async (dir) => {
    const gate = new ManualGate();
    gate.failing = true;
    const { writes, fn } = recordingWrite();
    const d = new DebugFileWriter(dir, { statusFirst: gate, writeFile: fn, freeBytes: plenty });
    d.write('g.json', 'old');
    d.write('g.json', 'new');
    await d.idle();
    assert.deepEqual(writes, []);
    assert.equal(gate.subscribers, 1);
    gate.recover();
    await new Promise((r) => setImmediate(r));
    await d.idle();
    assert.deepEqual(writes, ['g.json=new']);
    assert.equal(gate.subscribers, 0);
    d.close();
  });
});

test('with a real OutputWriter the status files are written before the debug files (0644 and 0600)', async () => {
  await withDir(async (dir) => {
    const order: string[] = [];
    const spy = (path: string, data: string, opts: WriteOptions) => {
      order.push(path.slice(dir.length + 1));
      return writeFileAtomic(path, data, opts);
    };
    const outputs = new OutputWriter(dir, undefined, { writeFile: spy });
    const d = new DebugFileWriter(dir, { statusFirst: outputs, writeFile: spy, freeBytes: plenty });
    // As in the agent: the graph is asked for at the end of a run, the status in the next turn.
    d.write(GRAPH_FILES.json, '{}');
    setImmediate(() => {
      void outputs.writeStatus({
        DPCKey: 'k',
        DPCTimestamp: '0001-01-01T00:00:00Z',
        RSConfigTimestamp: '0001-01-01T00:00:00Z',
        Networks: null,
      });
      void outputs.writeMetrics({ Networks: null });
    });
    await new Promise((r) => setImmediate(r));
    await outputs.idle();
    await d.idle();
    // Status and metrics are separate files written concurrently: either may land first; the debug
    // file waits for both.
    assert.deepEqual(order.slice(0, 2).sort(), [OUTPUT_FILES.metrics, OUTPUT_FILES.status].sort());
    assert.equal(order[2], GRAPH_FILES.json);
    assert.equal(order.length, 3);
    assert.equal((await stat(join(dir, OUTPUT_FILES.status))).mode & 0o777, 0o644);
    assert.equal((await stat(join(dir, GRAPH_FILES.json))).mode & 0o777, 0o600);
  });
});

test('a file over the size cap is not written, its stale one is removed, and it is logged once', async () => {
  await withDir(async (dir) => {
    const { calls, log } = recordingLog();
    const d = new DebugFileWriter(dir, { log, maxBytes: 8, freeBytes: plenty });
    d.write('g.json', 'small');
    await d.idle();
    assert.equal(await readFile(join(dir, 'g.json'), 'utf8'), 'small');
    for (let run = 0; run < 5; run++) {
      d.write('g.json', `far too large ${run}`);
      await d.idle();
    }
    assert.deepEqual(await readdir(dir), []);
    assert.equal(calls.length, 1);
    assert.match(calls[0]!.msg ?? '', /too large/);
    // Bytes, not characters: 3 × 'ü' is 6 bytes (fits), 5 × 'ü' is 10 (does not).
    d.write('g.json', 'üüü');
    await d.idle();
    assert.equal(await readFile(join(dir, 'g.json'), 'utf8'), 'üüü');
    d.write('g.json', 'üüüüü');
    await d.idle();
    assert.equal(calls.length, 2, 'a new episode after a successful write is logged again');
  });
});

test('ENOSPC: every debug file (those of a previous run too) and our temporary files are deleted, logged once', async () => {
  await withDir(async (dir) => {
    const { calls, log } = recordingLog();
    await writeFile(join(dir, GRAPH_FILES.json), 'left by a previous run');
    await writeFile(join(dir, GRAPH_FILES.dot), 'left by a previous run');
    await writeFile(join(dir, `.${GRAPH_FILES.json}.123.abcd.tmp`), 'interrupted');
    await writeFile(join(dir, OUTPUT_FILES.status), 'not ours');
    await writeFile(join(dir, '.other.tmp'), 'not ours');
    const d = new DebugFileWriter(dir, {
      log,
      files: [GRAPH_FILES.json, GRAPH_FILES.dot],
      freeBytes: plenty,
      writeFile: async () => {
        throw enospc();
      },
    });
    for (let run = 0; run < 5; run++) {
      d.write(GRAPH_FILES.json, `{"run":${run}}`);
      await d.idle();
    }
    assert.deepEqual((await readdir(dir)).sort(), ['.other.tmp', OUTPUT_FILES.status]);
    assert.equal(calls.length, 1);
    assert.match(calls[0]!.msg ?? '', /no space/);
  });
});

test('a debug file that would leave less than the reserve free is not written (and its stale one goes)', async () => {
  await withDir(async (dir) => {
    const { calls, log } = recordingLog();
    let free = 10_000;
    const d = new DebugFileWriter(dir, { log, reserveBytes: 4_000, freeBytes: async () => free });
    d.write('g.json', 'x'.repeat(5_000));
    await d.idle();
    assert.equal((await stat(join(dir, 'g.json'))).size, 5_000);
    free = 8_000;
    d.write('g.json', 'y'.repeat(5_000));
    d.write('g.dot', 'z'.repeat(5_000));
    await d.idle();
    assert.deepEqual(await readdir(dir), []);
    assert.equal(calls.length, 2, 'once per file');
  });
});

test('makeRoom while a debug write is running: the file is removed once it lands', async () => {
  await withDir(async (dir) => {
    let land: (() => void) | undefined;
    const d = new DebugFileWriter(dir, {
      freeBytes: plenty,
      writeFile: async (path, data, opts) => {
        await new Promise<void>((r) => {
          land = r;
        });
        await writeFileAtomic(path, data, opts);
      },
    });
    d.write('g.json', 'content');
    while (!land) await new Promise((r) => setImmediate(r));
    const room = d.makeRoom();
    land();
    await room;
    await d.idle();
    assert.deepEqual(await readdir(dir), []);
  });
});

test('createStatusWriters: on ENOSPC the debug files (a previous run’s too) give way and the status is written at once', async () => {
  await withDir(async (dir) => {
    // A "filesystem" that is full while any debug file exists.
    const debugOnDisk = async () => (await readdir(dir)).some((f) => f.startsWith('wwan-graph'));
    const { outputs, debug, idle, close } = createStatusWriters(dir, undefined, {
      outputs: {
        writeFile: async (path, data, opts) => {
          if (await debugOnDisk()) throw enospc();
          await writeFileAtomic(path, data, opts);
        },
      },
      debug: { freeBytes: plenty },
    });
    await writeFile(join(dir, GRAPH_FILES.dot), 'left by a previous run');
    debug.write(GRAPH_FILES.json, '{}');
    await idle();
    assert.equal(await debugOnDisk(), true);
    assert.equal(await outputs.writeMetrics({ Networks: null }), 'written');
    assert.equal(await readFile(join(dir, OUTPUT_FILES.metrics), 'utf8'), '{"Networks":null}');
    assert.equal(await debugOnDisk(), false);
    assert.equal(outputs.failing, false);
    close();
  });
});
