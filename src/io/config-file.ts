/**
 * Config files: read, parse and validate once (CLIs), or watch one for its whole life (the agent).
 *
 * The agent never exits because of its input. Every outcome is an event: a valid config goes to
 * onConfig, anything else (missing, unreadable, not JSON, schema errors) to onError with a one-line
 * message and, for schema errors, every failing field as a JSON pointer. The caller keeps the last
 * good config in force.
 *
 * Watching: the *directory* is watched and events are filtered by the file's name, because editors,
 * `mv`, and EVE's own WriteRename replace a file by renaming a new one over it, and an fs.watch on
 * the file itself follows the old inode and goes silent after the first replace. The first event
 * reads the file at once (no fixed delay: a config change reaches the agent in about a millisecond);
 * events that arrive while a read is under way (the rest of a burst: truncate + write + close, or
 * create + rename) ask for one more read after it, so a burst costs at most two reads and the last
 * one sees its final content. A valid config is reported at once; a failed read waits a moment
 * (debounceMs) for a further event, since a truncate + write in progress reads as an empty or half
 * JSON file. A file whose bytes did not change since the last report is not reported again.
 * Nothing polls while the watch is up (an idle agent does not wake up): the directory's own deletion
 * or replacement comes as an event too, and only while the watch is down (a missing directory) is
 * it retried every pollMs.
 *
 * A deleted file is an error event ("config file missing"), and the last good config stays in
 * force. EVE's nim treats an *unpublished* WwanConfig as an empty config (every modem radio-off);
 * a pubsub delete is a deliberate act by nim, whereas a file vanishing from disk is far more often
 * an operator mistake or a deploy in progress, and turning every radio off on a remote device for
 * that would cut the very link needed to fix it. To turn modems off, write a config that says so.
 *
 * "Unchanged" means the same bytes as the previous read, whatever that read's outcome: a file going
 * from good to broken and back to the same good bytes is reported again, so the agent learns the
 * error is gone.
 *
 * One read path for every reader (`mmagent validate`, `mmagent plan`, the agent): bytes are decoded
 * as strict UTF-8 (a bad byte is an error, never a silent U+FFFD), parsed, bounded in nesting and
 * checked for well-formed Unicode before the validator (or anything else) walks the value, and the
 * WwanConfig and global-config validators refuse a document of the other kind.
 */
import { type FSWatcher, watch } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { TimerClock } from '../../reconciler/deadline.js';
import { checkDocumentShape } from '../schemas/document-guard.js';
import type { ConfigItemValueMap, WwanConfig } from '../schemas/types.generated.js';
import {
  type FieldError,
  type Validation,
  validateGlobalConfig,
  validateWwanConfig,
} from '../schemas/validate.js';
import { locateJsonError } from './json-error.js';
import { unrefTimers } from './timers.js';

export type ConfigValidator<T> = (value: unknown) => Validation<T>;

export type ConfigFileErrorKind = 'missing' | 'unreadable' | 'json' | 'schema' | 'watch' | 'handler';

export interface ConfigFileError {
  readonly kind: ConfigFileErrorKind;
  /** The config file's path. */
  readonly file: string;
  /** One line, for a log entry or a status ConfigError. */
  readonly message: string;
  /** Schema errors: one per failing field (JSON pointer). Otherwise a single document-level entry. */
  readonly errors: readonly FieldError[];
  /** For invalid JSON: where the first error is (1-based). */
  readonly line?: number;
  readonly column?: number;
}

export type ReadResult<T> =
  | { readonly ok: true; readonly value: T; readonly raw: string }
  | ({ readonly ok: false } & ConfigFileError);

/** Larger than any sane config (a WwanConfig with encrypted credentials for 8 modems is a few KB). */
const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

function failure(
  kind: ConfigFileErrorKind,
  file: string,
  message: string,
  extra: Partial<ConfigFileError> = {},
) {
  return {
    ok: false as const,
    kind,
    file,
    message,
    errors: extra.errors ?? [{ path: '', message }],
    ...(extra.line !== undefined ? { line: extra.line, column: extra.column } : {}),
  };
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Parses and validates config text; never throws. */
export function parseConfigText<T>(file: string, raw: string, validate: ConfigValidator<T>): ReadResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    let at: ReturnType<typeof locateJsonError>;
    let why = messageOf(e);
    try {
      at = locateJsonError(raw);
    } catch (le) {
      // The locator only makes the message nicer: its failure must not lose the file's name.
      why = `${why} (and locating it failed: ${messageOf(le)})`;
    }
    if (!at) return failure('json', file, `invalid JSON in ${file}: ${why}`);
    return failure(
      'json',
      file,
      `invalid JSON in ${file} at line ${at.line} column ${at.column}: ${at.reason}`,
      {
        line: at.line,
        column: at.column,
      },
    );
  }
  return checkConfigValue(file, json, validate, raw);
}

/**
 * Validates a parsed config value (from a file, or a pubsub message whose JSON the transport
 * parsed); `file` names where it came from (a path or a pubsub topic) in every message. Never throws.
 */
export function checkConfigValue<T>(
  file: string,
  json: unknown,
  validate: ConfigValidator<T>,
  raw = '',
): ReadResult<T> {
  let v: Validation<T>;
  try {
    // Before any validator walks the value: whatever validator a caller passes, nothing
    // recursive meets a hostile depth, and no string that is not Unicode gets through.
    const shape = checkDocumentShape(json);
    v = shape.length > 0 ? { ok: false, errors: shape } : validate(json);
  } catch (e) {
    // A broken schema is our bug, but the agent still must not die of it.
    return failure('schema', file, `cannot validate ${file}: ${messageOf(e)}`);
  }
  if (v.ok) return { ok: true, value: v.value, raw };
  const detail = v.errors.map((x) => `${x.path || '(document)'}: ${x.message}`).join('; ');
  return failure('schema', file, `invalid config in ${file}: ${detail}`, { errors: v.errors });
}

/**
 * Where the first byte that is not UTF-8 is (0-based), per the WHATWG decoder TextDecoder uses
 * (overlong forms, surrogates and code points above U+10FFFF are errors); undefined if none.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return undefined;
}

// fatal: a bad byte is an error, not U+FFFD; ignoreBOM: a BOM stays in the text, so the JSON
// locator names it (Go's encoding/json refuses it too) instead of it being skipped here only.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes, parses and validates config bytes: the one read path of every reader. Never throws. */
export function parseConfigBytes<T>(
  file: string,
  bytes: Uint8Array,
  validate: ConfigValidator<T>,
): ReadResult<T> {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    const at = invalidUtf8Offset(bytes) ?? 0;
    return failure('json', file, `invalid UTF-8 in ${file} at byte ${at}: a config file is UTF-8 text`);
  }
  return parseConfigText(file, text, validate);
}

type Bytes = { ok: true; data: Buffer } | ({ ok: false } & ConfigFileError);

function errnoOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e
    ? String((e as { code: unknown }).code)
    : undefined;
}

async function readBytes(file: string, maxBytes: number): Promise<Bytes> {
  try {
    const fh = await open(file, 'r');
    try {
      const st = await fh.stat();
      if (!st.isFile()) return failure('unreadable', file, `cannot read ${file}: not a regular file`);
      if (st.size > maxBytes)
        return failure('unreadable', file, `cannot read ${file}: ${st.size} bytes, more than ${maxBytes}`);
      return { ok: true, data: await fh.readFile() };
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENOTDIR')
      return failure('missing', file, `config file missing: ${file}`);
    const msg = e instanceof Error ? e.message : String(e);
    return failure('unreadable', file, `cannot read ${file}: ${msg}`);
  }
}

/** Reads, parses and validates a config file once (for CLIs); never throws. */
export async function readConfigFileOnce<T>(
  file: string,
  validate: ConfigValidator<T>,
  maxBytes = DEFAULT_MAX_BYTES,
): Promise<ReadResult<T>> {
  const b = await readBytes(file, maxBytes);
  if (!b.ok) return b;
  return parseConfigBytes(file, b.data, validate);
}

/** Reads a WwanConfig file once (`mmagent plan`, `mmagent validate`): the agent's validation. */
export const readWwanConfigFile = (file: string, maxBytes = DEFAULT_MAX_BYTES) =>
  readConfigFileOnce(file, validateWwanConfig, maxBytes);

/** Reads a global config file once: the agent's validation. */
export const readGlobalConfigFile = (file: string, maxBytes = DEFAULT_MAX_BYTES) =>
  readConfigFileOnce(file, validateGlobalConfig, maxBytes);

export interface WatchOptions<T> {
  /** A valid config: different bytes from the previous read. `raw` is the file's text. */
  onConfig(value: T, raw: string): void;
  /** Anything else. The caller keeps its last good config. Thrown errors are swallowed. */
  onError(err: ConfigFileError): void;
  /** Stops the watch; no callback runs after it is aborted. */
  readonly signal: AbortSignal;
  /**
   * How long a failed read (missing, not JSON, schema errors) after a file event waits for a further
   * event before it is reported (default 50 ms): a truncate + write in progress reads as an empty or
   * half-written file for a moment. A valid config is reported at once; so is the first read.
   */
  readonly debounceMs?: number;
  /**
   * While the watch cannot be set up (the directory is missing, or the watch failed), how often to
   * try again and re-read the file (default 5000 ms; 0 turns it off). Nothing polls while the watch
   * is up: the process sleeps until the directory changes.
   */
  readonly pollMs?: number;
  readonly maxBytes?: number;
  /** The timers of the two waits above (default the real ones, unref'ed; tests inject a fake). */
  readonly clock?: TimerClock;
}

export interface ConfigWatcher {
  /** Resolves once the initial read has been reported (to onConfig or onError). */
  readonly ready: Promise<void>;
  /** Re-reads the file now, e.g. on SIGHUP. */
  check(): void;
}

/** Watches a config file validated by `validate`; see the module comment. Never throws. */
export function watchFile<T>(
  file: string,
  validate: ConfigValidator<T>,
  opts: WatchOptions<T>,
): ConfigWatcher {
  const { signal } = opts;
  const debounceMs = opts.debounceMs ?? 50;
  const pollMs = opts.pollMs ?? 5000;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const clock = opts.clock ?? unrefTimers;
  const dir = dirname(file);
  const name = basename(file);
  const dirName = basename(dir);

  // What was last reported: the bytes, or the kind of failure to read them (so a file that stays
  // missing is reported once, not on every unrelated event in its directory).
  let last: Buffer | string | undefined;
  // A failed read waiting for debounceMs before it is reported; a newer read replaces it.
  let heldError: unknown;
  let reading = false;
  let again = false;
  let watcher: FSWatcher | undefined;
  let watchedIno: number | undefined;
  let lastWatchError: string | undefined;
  let pollTimer: unknown;

  const emitError = (err: ConfigFileError) => {
    if (signal.aborted) return;
    try {
      opts.onError(err);
    } catch {
      // The error sink itself failed; there is nowhere left to report it, and throwing here
      // would surface as an uncaught exception in a timer and end the agent.
    }
  };

  const releaseHeld = () => {
    if (heldError !== undefined) clock.clearTimeout(heldError);
    heldError = undefined;
  };

  /** Reports a failure once per distinct failure, at once or after debounceMs without news. */
  const reportError = (err: ConfigFileError, key: string, now: boolean) => {
    releaseHeld();
    if (last === key) return;
    const report = () => {
      heldError = undefined;
      last = key;
      emitError(err);
    };
    if (now) report();
    else heldError = clock.setTimeout(report, debounceMs);
  };

  const readAndReport = async (first: boolean): Promise<void> => {
    reading = true;
    try {
      const b = await readBytes(file, maxBytes);
      if (signal.aborted) return;
      // Events that came during the read may have changed the file again: only the last read counts.
      if (again) return;
      if (!b.ok) {
        const { ok: _ok, ...err } = b;
        reportError(err, `${b.kind}:${b.message}`, first);
        return;
      }
      releaseHeld();
      if (Buffer.isBuffer(last) && last.equals(b.data)) return;
      const r = parseConfigBytes(file, b.data, validate);
      if (!r.ok) {
        const { ok: _ok, ...err } = r;
        // Keyed by the bytes: the same broken file is reported once, a different one again.
        reportError(err, `${r.kind}:${b.data.toString('base64')}`, first);
        return;
      }
      last = b.data;
      try {
        opts.onConfig(r.value, r.raw);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        emitError(failure('handler', file, `config handler failed: ${msg}`));
      }
    } finally {
      reading = false;
      if (again && !signal.aborted) {
        again = false;
        // The initial read's answer is this one (`ready` waits for it).
        await readAndReport(first);
      }
    }
  };

  /**
   * A file event: read now. Events during a read (the rest of a burst: truncate, write, close, or
   * create and rename) ask for one more read when it ends; nothing waits on a timer first.
   */
  const changed = () => {
    if (signal.aborted) return;
    if (reading) {
      again = true;
      return;
    }
    void readAndReport(false);
  };

  const closeWatch = () => {
    watcher?.close();
    watcher = undefined;
    watchedIno = undefined;
  };

  /** The watch is down: try again every pollMs until it is up. */
  const armPoll = () => {
    if (signal.aborted || pollTimer !== undefined || pollMs <= 0) return;
    pollTimer = clock.setTimeout(() => {
      pollTimer = undefined;
      void poll();
    }, pollMs);
  };

  /**
   * The directory itself was deleted, moved or replaced: the watch follows the old inode (or is gone)
   * and would stay silent, so it is dropped and set up again on the directory now at `dir`.
   */
  const checkDir = async () => {
    if (!watcher) return;
    const ino = await stat(dir).then(
      (s) => s.ino,
      () => undefined,
    );
    if (signal.aborted || ino === watchedIno) return;
    closeWatch();
    await startWatch();
    changed();
  };

  const startWatch = async (): Promise<void> => {
    if (signal.aborted || watcher) return;
    try {
      const st = await stat(dir);
      if (signal.aborted || watcher) return;
      const w = watch(dir, { persistent: true }, (event, filename) => {
        // Linux always names the entry; a null name could be ours, so look.
        const entry = filename === null ? null : filename.toString();
        if (entry === null || entry === name) changed();
        // The directory's own deletion or move comes as a rename named after it.
        if (event === 'rename' && (entry === null || entry === dirName)) void checkDir();
      });
      w.on('error', (e) => {
        emitError(failure('watch', file, `watching ${dir} failed: ${e.message}; retrying`));
        closeWatch();
        armPoll();
      });
      watcher = w;
      watchedIno = st.ino;
      lastWatchError = undefined;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      // A missing directory means a missing file, which readAndReport already says.
      if (errnoOf(e) !== 'ENOENT' && lastWatchError !== msg) {
        lastWatchError = msg;
        emitError(failure('watch', file, `cannot watch ${dir}: ${msg}; retrying`));
      }
    }
    if (!watcher) armPoll();
  };

  /** Only while the watch is down: set it up again, and look at the file meanwhile. */
  const poll = async () => {
    if (signal.aborted) return;
    await startWatch();
    changed();
  };

  signal.addEventListener(
    'abort',
    () => {
      releaseHeld();
      if (pollTimer !== undefined) clock.clearTimeout(pollTimer);
      pollTimer = undefined;
      closeWatch();
    },
    { once: true },
  );

  // Watch first, then read: a change between the two is then caught by the watch.
  const ready = startWatch().then(() => readAndReport(true));

  return { ready, check: changed };
}

/** Watches a WwanConfig file. */
export function watchConfigFile(file: string, opts: WatchOptions<WwanConfig>): ConfigWatcher {
  return watchFile(file, validateWwanConfig, opts);
}

/** Watches a global config (ConfigItemValueMap) file. */
export function watchGlobalConfigFile(file: string, opts: WatchOptions<ConfigItemValueMap>): ConfigWatcher {
  return watchFile(file, validateGlobalConfig, opts);
}
