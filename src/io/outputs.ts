/**
 * The agent's published state: WwanStatus.json, WwanMetrics.json and WwanLocationInfo.json in one
 * directory, each replaced atomically (readers see the old or the new file, never a part) in Go's
 * json.Marshal form, and only when its bytes change, so that consumers watching the files are not
 * woken for nothing. The files are 0644 whatever the umask: other EVE services read them.
 *
 * Each value is validated against its schema before writing. A violation is a bug in the agent,
 * not bad input, and the file is still written, with an error log naming every failing path:
 * withholding the whole status would hide everything that is right in it (connection state,
 * ConfigError, ...) from the controller for one wrong corner, and a Go reader that cannot decode
 * a field drops the update, which is no worse than not writing it.
 *
 * Writes to one file are serialized in call order. A failed write is not left for the next change
 * (which may never come while the modem is stable): the writer keeps the newest bytes wanted for
 * each file and retries on its own, at once when the directory or its parent changes (fs.watch:
 * chmod, rm, re-creation, a freed file) and on a capped backoff as a safety net for what inotify
 * does not report (a remount). On ENOSPC/EDQUOT it first asks `makeRoom` (the debug files) to give
 * way. A failure is logged once per file and error code until that file is written again.
 *
 * Nothing here throws. `idle()` waits for every requested write's attempt, not for the background
 * retries: a shutdown must not hang on a directory that stays unwritable (what is wanted then is
 * lost with the process, as it would be with any write that fails at exit).
 */
import { type FSWatcher, watch } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Backoff, type BackoffPolicy } from '../../reconciler/backoff.js';
import type { Logger } from '../../reconciler/controller.js';
import type { TimerClock } from '../../reconciler/deadline.js';
import type { WwanLocationInfo, WwanMetrics, WwanStatus } from '../schemas/types.generated.js';
import {
  type Validation,
  validateWwanLocation,
  validateWwanMetrics,
  validateWwanStatus,
} from '../schemas/validate.js';
import { type WriteOptions, writeFileAtomic } from './atomic-write.js';
import { marshalGoJson } from './go-json.js';
import { unrefTimers } from './timers.js';

export type WriteOutcome = 'written' | 'unchanged' | 'failed';

export const OUTPUT_FILES = {
  status: 'WwanStatus.json',
  metrics: 'WwanMetrics.json',
  location: 'WwanLocationInfo.json',
} as const;

/** The status files are read by other EVE services (unprivileged ones too). */
export const OUTPUT_FILE_MODE = 0o644;

/** Retries of a failed status write: quick at first (a chmod is fixed in a moment), capped low. */
export const OUTPUT_RETRY_BACKOFF: BackoffPolicy = { baseMs: 100, factor: 2, maxMs: 5_000, jitter: 0.2 };

/** Events closer than this are one reason to retry (a `rm -r` or a copy gives a burst of them). */
const EVENT_COALESCE_MS = 20;

export interface OutputWriterOptions {
  /**
   * Frees space in the status directory's filesystem (deletes the debug files) after a write failed
   * with ENOSPC or EDQUOT; the write is then tried again at once. Should not throw (logged if it does).
   */
  readonly makeRoom?: () => Promise<void>;
  /** Schedule of the background retries (default OUTPUT_RETRY_BACKOFF). */
  readonly retry?: BackoffPolicy;
  /** Timers of the background retries (default the real ones; inject a fake one in tests). */
  readonly clock?: TimerClock;
  /** Jitter source of the backoff (default Math.random). */
  readonly random?: () => number;
  /** Watch the directory and its parent while a write is failing (default true). */
  readonly watch?: boolean;
  /** The file replacement (default writeFileAtomic); tests inject failures here. */
  readonly writeFile?: (path: string, data: string, opts: WriteOptions) => Promise<void>;
}

interface Slot {
  readonly name: string;
  /** Bytes on disk as far as we know; undefined: unknown, write. */
  last: string | undefined;
  /** Whether the file on disk has been compared yet (a previous run may have left the same bytes). */
  loaded: boolean;
  /** The newest bytes asked for; what a retry writes. */
  wanted: string | undefined;
  /** The newest attempt failed: a background retry is due. */
  failing: boolean;
  /** Error codes already logged in the current failure episode (one line each, not one per retry). */
  readonly logged: Set<string>;
  /** Failed attempts in the current episode. */
  failures: number;
  queue: Promise<unknown>;
}

/** Order of the background retries: the status before the rest. */
const PRIORITY: readonly string[] = [OUTPUT_FILES.status, OUTPUT_FILES.metrics, OUTPUT_FILES.location];

export function isNoSpace(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'error';
}

export class OutputWriter {
  private readonly slots = new Map<string, Slot>();
  private readonly backoff: Backoff;
  private readonly clock: TimerClock;
  private readonly writeFile: (path: string, data: string, opts: WriteOptions) => Promise<void>;
  private timer: { handle: unknown; due: 'backoff' | 'event' } | undefined;
  private watchers: FSWatcher[] = [];
  private readonly recovered = new Set<() => void>();
  private closed = false;

  constructor(
    readonly dir: string,
    private readonly log?: Logger,
    private readonly opts: OutputWriterOptions = {},
  ) {
    this.backoff = new Backoff(opts.retry ?? OUTPUT_RETRY_BACKOFF, opts.random);
    this.clock = opts.clock ?? unrefTimers;
    this.writeFile = opts.writeFile ?? writeFileAtomic;
  }

  writeStatus(status: WwanStatus): Promise<WriteOutcome> {
    return this.write(OUTPUT_FILES.status, status, validateWwanStatus);
  }

  writeMetrics(metrics: WwanMetrics): Promise<WriteOutcome> {
    return this.write(OUTPUT_FILES.metrics, metrics, validateWwanMetrics);
  }

  writeLocation(location: WwanLocationInfo): Promise<WriteOutcome> {
    return this.write(OUTPUT_FILES.location, location, validateWwanLocation);
  }

  /**
   * Resolves when every write requested so far has had its attempt (for a clean shutdown and for
   * the debug files, which go after the status). Background retries of failed writes are not waited
   * for, only an attempt already running.
   */
  async idle(): Promise<void> {
    for (;;) {
      const queues = [...this.slots.values()].map((s) => s.queue);
      await Promise.all(queues);
      // A write requested while we waited (e.g. by a retry timer) is waited for too.
      if ([...this.slots.values()].every((s, i) => s.queue === queues[i])) return;
    }
  }

  /** Whether some file's newest bytes are not on disk (its write failed; retries are running). */
  get failing(): boolean {
    for (const s of this.slots.values()) if (s.failing) return true;
    return false;
  }

  /** Calls `fn` each time every file is written again after a failure; returns the unsubscribe. */
  onRecovered(fn: () => void): () => void {
    this.recovered.add(fn);
    return () => this.recovered.delete(fn);
  }

  /** Stops the background retries and watches (at shutdown). Writes asked for later still run once. */
  close(): void {
    this.closed = true;
    this.cancelTimer();
    this.unwatch();
    this.recovered.clear();
  }

  private slot(name: string): Slot {
    let slot = this.slots.get(name);
    if (!slot) {
      slot = {
        name,
        last: undefined,
        loaded: false,
        wanted: undefined,
        failing: false,
        logged: new Set(),
        failures: 0,
        queue: Promise.resolve(),
      };
      this.slots.set(name, slot);
    }
    return slot;
  }

  private write<T>(
    name: string,
    value: T,
    validate: (v: unknown) => Validation<unknown>,
  ): Promise<WriteOutcome> {
    const s = this.slot(name);
    // Serialize now, not when the queue reaches us: the caller may mutate its object afterwards.
    let text: string;
    try {
      const v = validate(value);
      if (!v.ok)
        this.log?.error(
          { file: name, errors: v.errors },
          'output violates its schema (a bug); writing it anyway',
        );
      text = marshalGoJson(value);
    } catch (e) {
      this.log?.error({ file: name, err: e }, 'output cannot be serialized');
      return Promise.resolve('failed');
    }
    s.wanted = text;
    return this.enqueue(s, () => this.attempt(s, text));
  }

  private enqueue(s: Slot, run: () => Promise<WriteOutcome>): Promise<WriteOutcome> {
    const result = s.queue.then(run, run);
    s.queue = result;
    return result;
  }

  /** One try at putting `text` on disk. Never rejects. */
  private async attempt(s: Slot, text: string): Promise<WriteOutcome> {
    const path = join(this.dir, s.name);
    if (!s.loaded) {
      s.loaded = true;
      s.last = await readIfOurs(path);
    }
    let outcome: WriteOutcome;
    if (s.last === text) outcome = 'unchanged';
    else {
      let err = await this.tryWrite(path, text);
      if (err !== undefined && isNoSpace(err) && this.opts.makeRoom) {
        await this.makeRoom(s.name);
        err = await this.tryWrite(path, text);
      }
      if (err === undefined) {
        s.last = text;
        outcome = 'written';
      } else {
        s.last = undefined;
        this.failed(s, path, err);
        return 'failed';
      }
    }
    // Only the newest wanted bytes end an episode: an older write succeeding says nothing about it.
    if (s.failing && text === s.wanted) this.succeeded(s);
    return outcome;
  }

  private async tryWrite(path: string, text: string): Promise<unknown> {
    try {
      await this.writeFile(path, text, { mode: OUTPUT_FILE_MODE });
      return undefined;
    } catch (e) {
      return e ?? new Error('write failed');
    }
  }

  private async makeRoom(file: string): Promise<void> {
    try {
      await this.opts.makeRoom?.();
    } catch (e) {
      this.log?.error({ file, err: e }, 'freeing space for the status failed');
    }
  }

  private failed(s: Slot, path: string, err: unknown): void {
    s.failing = true;
    s.failures++;
    const code = errorCode(err);
    if (!s.logged.has(code)) {
      s.logged.add(code);
      this.log?.error(
        { file: path, err, code },
        this.closed ? 'writing output failed' : 'writing output failed; retrying until it works',
      );
    } else {
      this.log?.debug({ file: path, code, failures: s.failures }, 'writing output failed again');
    }
    this.scheduleRetry('backoff');
  }

  private succeeded(s: Slot): void {
    this.log?.info(
      { file: join(this.dir, s.name), failures: s.failures },
      'output written again after failures',
    );
    s.failing = false;
    s.failures = 0;
    s.logged.clear();
    if (this.failing) return;
    this.backoff.reset();
    this.cancelTimer();
    this.unwatch();
    for (const fn of [...this.recovered]) {
      try {
        fn();
      } catch (e) {
        this.log?.error({ err: e }, 'a recovery listener failed');
      }
    }
  }

  /**
   * A backoff timer after a failure; a short one on a directory event. One timer at a time: an
   * event brings a pending backoff retry forward, a failure during an event retry pushes it back.
   */
  private scheduleRetry(reason: 'backoff' | 'event'): void {
    if (this.closed) return;
    if (this.timer) {
      if (reason === 'backoff' || this.timer.due === 'event') return;
      this.cancelTimer();
    }
    const delay = reason === 'event' ? EVENT_COALESCE_MS : this.backoff.next();
    this.timer = { handle: this.clock.setTimeout(() => this.retry(), delay), due: reason };
    // Watches are (re)made at every scheduled retry: a removed directory ends its watch, and a
    // re-created one needs a new one.
    if (this.opts.watch !== false) this.rewatch();
  }

  private cancelTimer(): void {
    if (this.timer) this.clock.clearTimeout(this.timer.handle);
    this.timer = undefined;
  }

  /** Rewrites every failing file with its newest wanted bytes, the status first. */
  private retry(): void {
    this.timer = undefined;
    if (this.closed) return;
    const failing = [...this.slots.values()]
      .filter((s) => s.failing)
      .sort((a, b) => PRIORITY.indexOf(a.name) - PRIORITY.indexOf(b.name));
    for (const s of failing) {
      void this.enqueue(s, () => {
        const text = s.wanted;
        // A newer write may have ended the episode while this waited in the queue.
        return !s.failing || text === undefined ? Promise.resolve('unchanged') : this.attempt(s, text);
      });
    }
  }

  private rewatch(): void {
    this.unwatch();
    const parent = dirname(this.dir);
    const own = basename(this.dir);
    this.tryWatch(this.dir, (file) => !isOurTemp(file));
    // The directory itself may be missing or replaced: its parent sees it come back.
    if (parent !== this.dir) this.tryWatch(parent, (file) => file === null || file === own);
  }

  private tryWatch(target: string, relevant: (file: string | null) => boolean): void {
    let w: FSWatcher;
    try {
      w = watch(target, { persistent: false }, (_event, file) => {
        if (relevant(file === null ? null : String(file))) this.scheduleRetry('event');
      });
    } catch {
      // Missing (or not watchable): the backoff timer covers it, and the next retry watches again.
      return;
    }
    // The watched directory was removed: that is a change worth a retry; the retry re-watches.
    w.on('error', () => this.scheduleRetry('event'));
    this.watchers.push(w);
  }

  private unwatch(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}

/** writeFileAtomic's temporary files: our own failed attempts must not trigger another attempt. */
function isOurTemp(file: string | null): boolean {
  if (file === null) return false;
  return file.startsWith('.') && file.endsWith('.tmp');
}

/**
 * The bytes a previous run left, if they can stand as they are: a file with another mode (an
 * older agent's, or one narrowed by a umask) is rewritten even when its bytes are the same.
 */
async function readIfOurs(path: string): Promise<string | undefined> {
  try {
    if (((await stat(path)).mode & 0o7777) !== OUTPUT_FILE_MODE) return undefined;
    return await readFile(path, 'utf8');
  } catch {
    return undefined; // missing or unreadable: write it
  }
}
