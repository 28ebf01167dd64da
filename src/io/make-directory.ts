/**
 * `mkdir -p` that always ends. Node's `mkdir(path, { recursive: true })` never settles when a
 * filesystem answers ENOENT for a child of a directory that exists: procfs does (`/proc/x` is ENOENT
 * however often it is retried), and Node then spins a libuv thread at 100% CPU retrying the parent
 * (Node 20.20; the same loop is reported in other runtimes for procfs and dangling links). A status
 * dir given under /proc hung the agent: no error logged, and SIGTERM waited on the write forever.
 * Here a level is created once more after its parent is in place, and an ENOENT then is final.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function makeDirectory(path: string, mode?: number): Promise<void> {
  const opts = mode === undefined ? {} : { mode };
  try {
    await mkdir(path, opts);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return existingDirectory(path, err);
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path) throw err;
    await makeDirectory(parent, mode);
  }
  try {
    await mkdir(path, opts);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return existingDirectory(path, err);
    throw err;
  }
}

/** Something is at `path` already: fine if it is a directory (made by us or by a racing writer). */
async function existingDirectory(path: string, err: unknown): Promise<void> {
  if (!(await stat(path)).isDirectory()) throw err;
}
