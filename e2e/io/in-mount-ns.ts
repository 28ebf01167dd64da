/**
 * Status-directory scenarios on real mounts, run by status-dir.test.ts as
 * `unshare -m --propagation private node --import tsx e2e/io/in-mount-ns.ts SCENARIO DIR`.
 * The mounts are made in this process's private mount namespace: they vanish with it, whatever
 * happens, and no other process sees them. Prints one JSON line of observations; the test asserts.
 * (Test code: it may run `mount`; the product never does.)
 */
import { execFileSync } from 'node:child_process';
import { appendFile, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createStatusWriters, type DebugFileWriter, GRAPH_FILES } from '../../src/io/debug-files.js';
import { OUTPUT_FILES, OutputWriter } from '../../src/io/outputs.js';
import type { WwanStatus } from '../../src/schemas/types.generated.js';

const mount = (...args: string[]) => execFileSync('mount', args, { stdio: 'pipe' });

const status = (key: string): WwanStatus => ({
  DPCKey: key,
  DPCTimestamp: '2026-11-24T09:41:07.123456789Z',
  RSConfigTimestamp: '0001-01-01T00:00:00Z',
  Networks: null,
});

/** Never fires: only the directory watch can retry (a backoff timer would hide a dead watch). */
const WATCH_ONLY = { baseMs: 600_000, factor: 2, maxMs: 600_000, jitter: 0 };

const errors: { level: string; msg: string; code?: unknown }[] = [];
const log = {
  debug: () => {},
  info: () => {},
  warn: (obj: object, msg?: string) => void errors.push({ level: 'warn', msg: msg ?? '', code: codeOf(obj) }),
  error: (obj: object, msg?: string) =>
    void errors.push({ level: 'error', msg: msg ?? '', code: codeOf(obj) }),
};
function codeOf(obj: object): unknown {
  return (
    (obj as { code?: unknown; err?: { code?: unknown } }).code ??
    (obj as { err?: { code?: unknown } }).err?.code
  );
}

/** Fills the filesystem of `path` by appending until ENOSPC; returns the bytes written. */
async function fill(path: string): Promise<number> {
  const chunk = Buffer.alloc(1024, 0x61);
  let n = 0;
  for (;;) {
    try {
      await appendFile(path, chunk);
      n += chunk.length;
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOSPC') return n;
      throw e;
    }
  }
}

/** Polls for `path` until it holds `want`; the ms it took, or -1 after `ms`. */
async function appearsWithin(path: string, want: RegExp, ms: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    const text = await readFile(path, 'utf8').catch(() => '');
    if (want.test(text)) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 5));
  }
  return -1;
}

/** The agent's wiring (createStatusWriters), with a reserve that fits a 64 KiB tmpfs. */
async function withWriters<T>(
  dir: string,
  retry: typeof WATCH_ONLY | undefined,
  fn: (o: OutputWriter, d: DebugFileWriter) => Promise<T>,
): Promise<T> {
  const w = createStatusWriters(dir, log, {
    outputs: retry ? { retry } : {},
    debug: { reserveBytes: 8 * 1024 },
  });
  try {
    return await fn(w.outputs, w.debug);
  } finally {
    w.close();
  }
}

const scenarios: Record<string, (dir: string) => Promise<object>> = {
  /** A tiny tmpfs full of debug files: the status write frees them and succeeds at once. */
  async 'tmpfs-full-of-debug-files'(dir) {
    mount('-t', 'tmpfs', '-o', 'size=64k,mode=0755', 'tmpfs', dir);
    await writeFile(join(dir, GRAPH_FILES.dot), 'digraph {}');
    const filled = await fill(join(dir, GRAPH_FILES.json));
    // Control: without room made, the status cannot be written here.
    const control = new OutputWriter(dir, undefined, { retry: WATCH_ONLY, watch: false });
    const withoutRoom = await control.writeStatus(status('control'));
    control.close();
    return withWriters(dir, WATCH_ONLY, async (outputs, debug) => {
      const first = await outputs.writeStatus(status('first'));
      const afterFirst = (await readdir(dir)).sort();
      // A graph too big for what is left beside the reserve is not written: the status keeps its room.
      debug.write(GRAPH_FILES.json, 'x'.repeat(60 * 1024));
      debug.write(GRAPH_FILES.dot, 'digraph "wwan" {}');
      await debug.idle();
      const big = `{"DPCKey":"${'k'.repeat(20 * 1024)}"}`;
      const second = await outputs.writeStatus(status(big));
      return {
        filled,
        withoutRoom,
        first,
        afterFirst,
        second,
        afterSecond: (await readdir(dir)).sort(),
        statusMode: (await stat(join(dir, OUTPUT_FILES.status))).mode & 0o777,
        dotMode: (await stat(join(dir, GRAPH_FILES.dot)).catch(() => undefined))?.mode,
        failing: outputs.failing,
        errors,
      };
    });
  },

  /** A tmpfs filled by someone else: the status is written the moment they free space, no write call. */
  async 'tmpfs-freed-by-someone-else'(dir) {
    mount('-t', 'tmpfs', '-o', 'size=64k,mode=0755', 'tmpfs', dir);
    await fill(join(dir, 'someone-elses-file'));
    return withWriters(dir, WATCH_ONLY, async (outputs) => {
      const first = await outputs.writeStatus(status('wanted'));
      const failingBefore = outputs.failing;
      await rm(join(dir, 'someone-elses-file'));
      const ms = await appearsWithin(join(dir, OUTPUT_FILES.status), /"wanted"/, 3_000);
      await outputs.idle();
      return { first, failingBefore, appearedAfterMs: ms, failingAfter: outputs.failing, errors };
    });
  },

  /**
   * A read-only bind mount made writable again: a remount sends no inotify event, so this is the
   * backoff timer's case (100 ms doubling, 5 s cap).
   */
  async 'read-only-remounted-rw'(dir) {
    mount('--bind', dir, dir);
    mount('-o', 'remount,bind,ro', dir);
    return withWriters(dir, undefined, async (outputs) => {
      const first = await outputs.writeStatus(status('wanted'));
      await new Promise((r) => setTimeout(r, 300)); // some failed retries pass
      mount('-o', 'remount,bind,rw', dir);
      const ms = await appearsWithin(join(dir, OUTPUT_FILES.status), /"wanted"/, 3_000);
      await outputs.idle();
      return { first, appearedAfterMs: ms, failingAfter: outputs.failing, errors };
    });
  },
};

const [name, dir] = process.argv.slice(2);
const scenario = name === undefined ? undefined : scenarios[name];
if (!scenario || !dir) {
  process.stderr.write(`usage: in-mount-ns.ts ${Object.keys(scenarios).join('|')} DIR\n`);
  process.exit(2);
}
scenario(dir).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
