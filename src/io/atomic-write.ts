/**
 * Whole-file replacement that a concurrent reader can never see half done: the content goes to a
 * temporary file in the same directory (same filesystem, so rename is atomic), is fsynced, and is
 * renamed over the target; the directory is then fsynced so the rename survives a power cut on a
 * persistent filesystem. A reader sees the old file or the new one, never a mix or an empty file.
 * This is EVE's fileutils.WriteRename (pkg/pillar/utils/file/file.go), which its pubsub checkpoints use.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { marshalGoJson } from './go-json.js';
import { makeDirectory } from './make-directory.js';

export interface WriteOptions {
  /**
   * File mode of the result (default 0o644: status files are read by other, unprivileged tools).
   * Set exactly, whatever the umask: a umask may only narrow the mode given to open(), and a status
   * file that other services cannot read is as bad as a secret file that anyone can.
   */
  readonly mode?: number;
}

/**
 * The temporary name: hidden (leading dot) and not ending in .json, so that a reader globbing
 * `*.json` (EVE's pubsub populate() does) never picks up an unfinished file.
 */
function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes `data` to `path` atomically, creating the directory if missing. Throws on I/O errors. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: WriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  await makeDirectory(dir);
  const tmp = tempName(path);
  let renamed = false;
  try {
    const mode = opts.mode ?? 0o644;
    // Created with the final mode (never wider, even for a moment), then fchmod'ed to exactly it.
    // The rename replaces any existing file with this fresh inode, so an old file's wider mode
    // never survives a write.
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.chmod(mode);
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    renamed = true;
    await syncDir(dir);
  } finally {
    if (!renamed) await unlink(tmp).catch(() => undefined);
  }
}

/** Writes `value` as Go-compatible JSON (see go-json.ts) atomically; returns the text written. */
export async function writeJsonAtomic(
  path: string,
  value: unknown,
  opts: WriteOptions = {},
): Promise<string> {
  const text = marshalGoJson(value);
  await writeFileAtomic(path, text, opts);
  return text;
}

async function syncDir(dir: string): Promise<void> {
  // Some filesystems refuse fsync on a directory (EINVAL); the rename itself has happened, and
  // on tmpfs (/run, where status files live) there is nothing to make durable anyway.
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* best effort, see above */
  }
}
