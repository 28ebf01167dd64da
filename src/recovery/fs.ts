/**
 * The file operations recovery needs, injectable as in src/eve/watchdog.ts, and the deadline every
 * one of them runs under. sysfs and procfs calls can block: a unbind or bind write runs the driver's
 * remove or probe inside the write(2), and a wedged driver holds the device lock for as long as it
 * likes. Each operation therefore races a timeout on the injected clock; the abandoned call finishes
 * (or not) in libuv's thread pool, and its late result is dropped.
 */
import { constants } from 'node:fs';
import { open, readlink, stat } from 'node:fs/promises';
import type { Clock } from '../../reconciler/api.js';
import { systemClock } from '../../reconciler/api.js';
import { withDeadline } from '../../reconciler/deadline.js';

/** Where sysfs and procfs are mounted; tests point both into a temporary tree. */
export interface RecoveryRoots {
  readonly sysfs: string;
  readonly proc: string;
}

export const DEFAULT_ROOTS: RecoveryRoots = { sysfs: '/sys', proc: '/proc' };

/** A file operation gets this long before it counts as hung. A driver probe may take seconds. */
export const DEFAULT_FS_TIMEOUT_MS = 10_000;

/** What a path is, following symlinks; undefined when it does not exist. */
export type PathKind = 'dir' | 'file' | 'other';

/** The file operations recovery uses; the default is node:fs. */
export interface RecoveryFs {
  /** The target of the symlink `path`; undefined when there is no such path. */
  readlink(path: string): Promise<string | undefined>;
  /** What `path` is (symlinks followed); undefined when it does not exist. */
  kind(path: string): Promise<PathKind | undefined>;
  /**
   * Writes `data` to the existing file `path` in one write(2), as a sysfs attribute wants it: opened
   * write-only, never created (a missing bind file must not become a regular file in a test tree or
   * an error far from its cause), never truncated, the last component not a symlink.
   */
  writeAttribute(path: string, data: string): Promise<void>;
  /** The first `maxBytes` bytes of `path` as UTF-8; undefined when it does not exist; longer is an error. */
  readText(path: string, maxBytes: number): Promise<string | undefined>;
}

const codeOf = (err: unknown) => (err as { code?: unknown } | null)?.code;
const missing = (err: unknown) => codeOf(err) === 'ENOENT' || codeOf(err) === 'ENOTDIR';

export const nodeRecoveryFs: RecoveryFs = {
  async readlink(path) {
    try {
      return await readlink(path);
    } catch (err) {
      if (missing(err)) return undefined;
      throw err;
    }
  },
  async kind(path) {
    try {
      const s = await stat(path);
      return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
    } catch (err) {
      if (missing(err)) return undefined;
      throw err;
    }
  },
  async writeAttribute(path, data) {
    const bytes = Buffer.from(data, 'utf8');
    const fh = await open(path, constants.O_WRONLY | constants.O_NOFOLLOW);
    try {
      const { bytesWritten } = await fh.write(bytes, 0, bytes.length, null);
      // sysfs takes one write as the whole value: a short write would bind a truncated name.
      if (bytesWritten !== bytes.length)
        throw new Error(`short write to ${path}: ${bytesWritten} of ${bytes.length} bytes`);
    } finally {
      await fh.close();
    }
  },
  async readText(path, maxBytes) {
    let fh: Awaited<ReturnType<typeof open>>;
    try {
      fh = await open(path, constants.O_RDONLY);
    } catch (err) {
      if (missing(err) || codeOf(err) === 'ESRCH') return undefined;
      throw err;
    }
    try {
      // procfs files report size 0: read until EOF, one byte past the cap to see an oversize file.
      const buf = Buffer.alloc(maxBytes + 1);
      let len = 0;
      for (;;) {
        const { bytesRead } = await fh.read(buf, len, buf.length - len, null);
        if (bytesRead === 0) break;
        len += bytesRead;
        if (len > maxBytes) throw new Error(`${path} is longer than ${maxBytes} bytes`);
      }
      return buf.subarray(0, len).toString('utf8');
    } catch (err) {
      // A process that exits while we read its /proc files.
      if (codeOf(err) === 'ESRCH') return undefined;
      throw err;
    } finally {
      await fh.close();
    }
  },
};

/** Why an operation failed, for callers that act on the kind rather than the text. */
export class RecoveryError extends Error {
  constructor(
    readonly reason: 'timeout' | 'aborted' | 'io',
    message: string,
  ) {
    super(message);
    this.name = 'RecoveryError';
  }
}

export interface OpContext {
  readonly fs: RecoveryFs;
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

export function opContext(opts: {
  fs?: RecoveryFs | undefined;
  clock?: Clock | undefined;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}): OpContext {
  const t = opts.timeoutMs;
  return {
    fs: opts.fs ?? nodeRecoveryFs,
    clock: opts.clock ?? systemClock,
    timeoutMs: t !== undefined && Number.isFinite(t) && t > 0 ? t : DEFAULT_FS_TIMEOUT_MS,
    signal: opts.signal,
  };
}

/** Runs one file operation under the context's deadline and signal; every failure is a RecoveryError naming `what`. */
export async function timed<T>(
  ctx: OpContext,
  what: string,
  work: (fs: RecoveryFs) => Promise<T>,
): Promise<T> {
  try {
    return await withDeadline(() => work(ctx.fs), {
      timeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
      clock: ctx.clock,
      onTimeout: () => new RecoveryError('timeout', `${what}: no answer in ${ctx.timeoutMs} ms`),
      onAbort: () => new RecoveryError('aborted', `${what}: aborted`),
    });
  } catch (err) {
    if (err instanceof RecoveryError) throw err;
    throw new RecoveryError('io', `${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Waits `ms` on the clock. Resolves true when the time has passed, false as soon as `signal` aborts
 * (never rejects: the caller decides what an abort means at that point).
 */
export function pause(clock: Clock, ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  // No timer for no pause: a fake clock would hold a zero-delay timer until advanced.
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clock.clearTimeout(timer);
      resolve(false);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
