/**
 * EVE's `pubsub-large-*` side files (pkg/pillar/pubsub/large.go, eve-pubsub.md §1.5): on the socket
 * only, a Go publisher moves each field `pubsub-large-X` (at any depth) out to a temporary file
 * and sends `"pubsub-file-X": "<JSON string naming the file>"` instead; the file holds
 * `{"pubsub-large-X": <value>}`. The subscriber reads the file, deletes it (each connection gets
 * its own files, so nobody else will read it) and puts the value back. A missing file leaves the
 * field absent, as in Go.
 */
import { open, unlink } from 'node:fs/promises';
import { basename, isAbsolute, normalize } from 'node:path';

const FILE_PREFIX = 'pubsub-file-';
const LARGE_PREFIX = 'pubsub-large-';
/** Go's maxLargeLen; a side file longer than this is refused (Go reads at most 1 MiB + 1). */
export const MAX_LARGE_FILE = 1024 * 1024 + 1;

/** A side file that could not be used; the field is left absent and the caller logs it. */
export interface LargeProblem {
  readonly field: string;
  readonly file?: string;
  readonly reason: string;
}

/**
 * Replaces every `pubsub-file-X` field of `value` (in place, at any depth) by `pubsub-large-X`
 * read from its side file, and unlinks the file. Returns the side files that could not be read.
 */
export async function readLargeFields(value: unknown): Promise<LargeProblem[]> {
  const problems: LargeProblem[] = [];
  await walk(value, problems);
  return problems;
}

async function walk(value: unknown, problems: LargeProblem[]): Promise<void> {
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) await walk(item, problems);
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(obj)) {
    if (k.startsWith(FILE_PREFIX) && typeof v === 'string') {
      const name = k.slice(FILE_PREFIX.length);
      delete obj[k];
      await substitute(obj, name, v, problems);
    } else {
      await walk(v, problems);
    }
  }
}

async function substitute(
  obj: Record<string, unknown>,
  name: string,
  encodedPath: string,
  problems: LargeProblem[],
): Promise<void> {
  const field = LARGE_PREFIX + name;
  let file: unknown;
  try {
    file = JSON.parse(encodedPath);
  } catch {
    problems.push({ field, reason: 'file name is not a JSON string' });
    return;
  }
  if (typeof file !== 'string' || file === '') {
    problems.push({ field, reason: 'file name is not a JSON string' });
    return;
  }
  // We unlink what the publisher names: only a file that Go's os.CreateTemp(dir, "pubsub-file-X")
  // could have made, so a bad frame cannot make a root agent delete an arbitrary file.
  if (!isAbsolute(file) || normalize(file) !== file || !basename(file).startsWith(FILE_PREFIX + name)) {
    problems.push({ field, file, reason: `not a ${FILE_PREFIX}${name}* side file` });
    return;
  }
  let text: string;
  try {
    const fh = await open(file, 'r');
    let bytes: number;
    const buf = Buffer.alloc(MAX_LARGE_FILE + 1);
    try {
      bytes = (await fh.read(buf, 0, buf.length, 0)).bytesRead;
    } finally {
      await fh.close();
    }
    // Removed whatever it holds: the publisher wrote it for this connection alone.
    await unlink(file).catch(() => undefined);
    if (bytes > MAX_LARGE_FILE) {
      problems.push({ field, file, reason: `side file larger than ${MAX_LARGE_FILE} bytes` });
      return;
    }
    text = buf.toString('utf8', 0, bytes);
  } catch (err) {
    // Missing: the field stays absent, as in Go. Anything else is worth a line.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      problems.push({ field, file, reason: (err as Error).message });
    }
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    problems.push({ field, file, reason: 'side file is not JSON' });
    return;
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && field in parsed) {
    obj[field] = (parsed as Record<string, unknown>)[field];
  } else {
    problems.push({ field, file, reason: `side file has no ${field}` });
  }
}
