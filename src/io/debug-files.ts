/**
 * Files for people debugging (the graph export as JSON and DOT), written next to the status files
 * but always after them and never at their expense:
 * - coalesced: only the newest content asked for per name is written, one write at a time;
 * - status first: a write waits until the status writer has no write pending, and while a status
 *   file cannot be written none is attempted (they would compete for the same space or fail the
 *   same way); they are written when the status is back;
 * - bounded: a file larger than `maxBytes` is not written (its stale predecessor is removed, a stale
 *   graph would mislead), and none is written that would leave less than `reserveBytes` free;
 * - on ENOSPC or EDQUOT (here or for a status file, through `makeRoom`) the debug files are deleted:
 *   they are ours and only for debugging.
 * They are 0600: they describe the device's connections and no other user needs them.
 * Each kind of failure is logged once per file until that file is written again, not once per run.
 * Nothing here throws.
 */
import { readdir, statfs, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../reconciler/controller.js';
import { type WriteOptions, writeFileAtomic } from './atomic-write.js';
import { isNoSpace, OutputWriter, type OutputWriterOptions } from './outputs.js';

export const DEBUG_FILE_MODE = 0o600;
/** A graph of a few modems is tens of KiB; 4 MiB is a runaway, not a debug aid. */
export const DEFAULT_DEBUG_MAX_BYTES = 4 * 1024 * 1024;
/** Free space a debug file must leave behind for the status files to change and grow. */
export const DEFAULT_DEBUG_RESERVE_BYTES = 1024 * 1024;

/** What the debug files wait for: the status writer (OutputWriter satisfies it). */
export interface StatusGate {
  /** Resolves when every status write asked for has had its attempt. */
  idle(): Promise<void>;
  /** A status file's newest content is not on disk yet. */
  readonly failing: boolean;
  /** Calls `fn` when every status file is written again after a failure; returns the unsubscribe. */
  onRecovered(fn: () => void): () => void;
}

export interface DebugFileWriterOptions {
  readonly log?: Logger;
  /** The status writer to give way to; without one, debug files are written at once. */
  readonly statusFirst?: StatusGate;
  /** Debug files this writer owns even before it writes them (left by a previous run): deleted to make room. */
  readonly files?: readonly string[];
  readonly maxBytes?: number;
  readonly reserveBytes?: number;
  /** Injectable for tests. */
  readonly writeFile?: (path: string, data: string, opts: WriteOptions) => Promise<void>;
  /** Free bytes for an unprivileged writer in the filesystem holding `dir`; undefined if unknown. */
  readonly freeBytes?: (dir: string) => Promise<number | undefined>;
}

type FailureKind = 'too-large' | 'low-space' | 'no-space' | 'write-error' | 'delete-error';

async function statfsFree(dir: string): Promise<number | undefined> {
  try {
    const s = await statfs(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    // The directory may not exist yet (writeFileAtomic creates it): no figure, no refusal.
    return undefined;
  }
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

const nextCheckPhase = (): Promise<void> => new Promise<void>((r) => setImmediate(r));

export class DebugFileWriter {
  private readonly pending = new Map<string, string>();
  /** Bytes on disk per name as far as we know (undefined: none or unknown). */
  private readonly written = new Map<string, string>();
  private readonly owned: Set<string>;
  private readonly logged = new Set<string>();
  private readonly writeFile: (path: string, data: string, opts: WriteOptions) => Promise<void>;
  private readonly freeBytes: (dir: string) => Promise<number | undefined>;
  private readonly maxBytes: number;
  private readonly reserveBytes: number;
  private flushing: Promise<void> | undefined;
  /** Bumped by makeRoom: a write that was running then is deleted once it lands. */
  private generation = 0;
  private room: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private closed = false;

  constructor(
    readonly dir: string,
    private readonly opts: DebugFileWriterOptions = {},
  ) {
    this.owned = new Set(opts.files ?? []);
    this.writeFile = opts.writeFile ?? writeFileAtomic;
    this.freeBytes = opts.freeBytes ?? statfsFree;
    this.maxBytes = opts.maxBytes ?? DEFAULT_DEBUG_MAX_BYTES;
    this.reserveBytes = opts.reserveBytes ?? DEFAULT_DEBUG_RESERVE_BYTES;
  }

  /** Asks for `name` to hold `text`; a later call for the same name replaces it if not written yet. */
  write(name: string, text: string): void {
    if (this.closed) return;
    this.owned.add(name);
    this.pending.delete(name); // re-insert: the newest request goes last
    this.pending.set(name, text);
    this.kick();
  }

  /**
   * Deletes every debug file (and our leftover temporary files) to free space for the status; the
   * writes asked for later are still tried (with the space checks). Never rejects.
   */
  makeRoom(): Promise<void> {
    this.generation++;
    this.room ??= this.deleteAll().finally(() => {
      this.room = undefined;
    });
    return this.room;
  }

  /**
   * Resolves when no debug write is running or could run now. Writes parked while the status is
   * failing are not waited for (a shutdown must not hang on an unwritable directory).
   */
  async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.room;
  }

  /** Stops writing (at shutdown); pending contents are dropped. */
  close(): void {
    this.closed = true;
    this.pending.clear();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private kick(): void {
    if (this.flushing || this.closed) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      // A write asked for during the last step of the loop.
      if (this.pending.size > 0 && !this.parked()) this.kick();
    });
  }

  private parked(): boolean {
    return this.unsubscribe !== undefined;
  }

  private async flush(): Promise<void> {
    for (;;) {
      // Two check phases first: a status write scheduled with setImmediate in the turn that asked
      // for this debug file (as the agent's publish does) runs in the first, so it is asked for
      // before we look at the gate in the second.
      await nextCheckPhase();
      await nextCheckPhase();
      const gate = this.opts.statusFirst;
      if (gate) {
        await gate.idle();
        if (gate.failing) {
          this.park(gate);
          return;
        }
      }
      await this.room;
      const next = this.pending.entries().next();
      if (next.done || this.closed) return;
      const [name, text] = next.value;
      this.pending.delete(name);
      await this.writeOne(name, text);
    }
  }

  /** Waits for the status to be written again, then writes what is pending. */
  private park(gate: StatusGate): void {
    if (this.unsubscribe) return;
    this.unsubscribe = gate.onRecovered(() => {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
      this.kick();
    });
  }

  private async writeOne(name: string, text: string): Promise<void> {
    if (this.written.get(name) === text) return;
    const path = join(this.dir, name);
    const size = Buffer.byteLength(text);
    if (size > this.maxBytes) {
      this.once(
        name,
        'too-large',
        'warn',
        { file: path, bytes: size, maxBytes: this.maxBytes },
        'debug file too large; not written (the stale one is removed)',
      );
      await this.remove(name);
      return;
    }
    const free = await this.freeBytes(this.dir);
    if (free !== undefined && free - size < this.reserveBytes) {
      this.once(
        name,
        'low-space',
        'warn',
        { file: path, bytes: size, freeBytes: free, reserveBytes: this.reserveBytes },
        'little space left for the status files; debug file not written (the stale one is removed)',
      );
      await this.remove(name);
      return;
    }
    const generation = this.generation;
    try {
      await this.writeFile(path, text, { mode: DEBUG_FILE_MODE });
    } catch (e) {
      this.written.delete(name);
      if (isNoSpace(e)) {
        this.once(
          name,
          'no-space',
          'warn',
          { file: path, err: e },
          'no space for the debug files; deleting them so the status fits',
        );
        await this.makeRoom();
      } else {
        this.once(name, 'write-error', 'warn', { file: path, err: e }, 'cannot write a debug file');
      }
      return;
    }
    if (generation !== this.generation) {
      // makeRoom ran while this was being written: the space is the status's.
      await this.remove(name);
      return;
    }
    this.written.set(name, text);
    // Written again: its next failure of any kind is news.
    for (const k of this.logged) if (k.startsWith(`${name}\u0000`)) this.logged.delete(k);
  }

  private async deleteAll(): Promise<void> {
    for (const name of this.owned) await this.remove(name);
    // Temporary files of an interrupted write (ours, or of a previous run that died mid-write).
    let entries: string[];
    try {
      entries = await readdir(this.dir);
    } catch {
      return; // no directory, nothing to free
    }
    for (const entry of entries) {
      for (const name of this.owned) {
        if (entry.startsWith(`.${name}.`) && entry.endsWith('.tmp')) await this.remove(entry);
      }
    }
  }

  private async remove(name: string): Promise<void> {
    this.written.delete(name);
    try {
      await unlink(join(this.dir, name));
    } catch (e) {
      if (codeOf(e) !== 'ENOENT')
        this.once(
          name,
          'delete-error',
          'warn',
          { file: join(this.dir, name), err: e },
          'cannot delete a debug file',
        );
    }
  }

  private once(name: string, kind: FailureKind, level: 'warn' | 'error', obj: object, msg: string): void {
    const key = `${name}\u0000${kind}`;
    if (this.logged.has(key)) return;
    this.logged.add(key);
    this.opts.log?.[level](obj, msg);
  }
}

/** The graph export files of `mmagent run` (owned from the start: a previous run may have left them). */
export const GRAPH_FILES = { json: 'wwan-graph.json', dot: 'wwan-graph.dot' } as const;

export interface StatusWriters {
  readonly outputs: OutputWriter;
  readonly debug: DebugFileWriter;
  /** Every requested write has had its attempt (background retries of failed ones are not waited for). */
  idle(): Promise<void>;
  /** Stops retries, watches and pending debug writes (at shutdown, after idle()). */
  close(): void;
}

/**
 * The status writer and the debug-file writer of one directory, wired to each other: debug files
 * wait for the status and give their space to it (ENOSPC/EDQUOT). The graph files are owned from
 * the start, so those of a previous run are freed too.
 */
export function createStatusWriters(
  dir: string,
  log?: Logger,
  opts: {
    readonly outputs?: Omit<OutputWriterOptions, 'makeRoom'>;
    readonly debug?: Omit<DebugFileWriterOptions, 'statusFirst' | 'log'>;
  } = {},
): StatusWriters {
  let debug: DebugFileWriter | undefined;
  const outputs = new OutputWriter(dir, log, {
    ...opts.outputs,
    makeRoom: () => debug?.makeRoom() ?? Promise.resolve(),
  });
  const d = new DebugFileWriter(dir, {
    files: Object.values(GRAPH_FILES),
    ...opts.debug,
    ...(log ? { log } : {}),
    statusFirst: outputs,
  });
  debug = d;
  return {
    outputs,
    debug: d,
    idle: async () => {
      await outputs.idle();
      await d.idle();
    },
    close: () => {
      outputs.close();
      d.close();
    },
  };
}
